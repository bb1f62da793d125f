"""Writing and approving scripts: drafts, review, publishing, archiving, restoring.

Writers (supervisors, admins) edit a draft while agents keep reading the
published version; only an approver (admin, or a supervisor granted it)
publishes or archives. Each publish writes an immutable ScriptVersion.
"""

import re

from sqlalchemy import select

from portal.core.extensions import db
from portal.core.models import utcnow
from portal.core.text import fold
from portal.playbooks.services import process_step_ids, taxonomy
from scripts_library import publishing, validation
from scripts_library.models import (
    ARCHIVED,
    CONTENT_FIELDS,
    DRAFT,
    IN_REVIEW,
    PUBLISHED,
    CallScript,
    ScriptDraft,
    ScriptVersion,
)
from scripts_library.policy import can_approve, can_write
from scripts_library.versions import SCRIPT_HISTORY


class NotAllowed(Exception):
    """The person may not take this step (the message says which)."""


class StaleDraft(Exception):
    def __init__(self, current: int):
        super().__init__(current)
        self.current = current


class InvalidScript(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def _require(allowed: bool, why: str) -> None:
    if not allowed:
        raise NotAllowed(why)


def editable_content(script: CallScript, draft: ScriptDraft | None) -> dict:
    """What the editor starts from: the draft, else the script as published, with
    the draft's save counter (0: no draft yet, the first save makes one)."""
    return {**content_of(draft or script), "lock_version": draft.lock_version if draft else 0}


def content_of(thing) -> dict:
    return {key: getattr(thing, key) for key in CONTENT_FIELDS}


def check(content: dict) -> list[str]:
    """Problems that stop a save. A placeholder declared but no longer used is
    only a warning here (deleting a block should not need two edits)."""

    return validation.check_content(
        content,
        known_segments=set(taxonomy().segments),
        step_ids=set(process_step_ids().values()),
        unused_is_error=False,
    )


def draft_of(script: CallScript) -> ScriptDraft | None:
    return db.session.get(ScriptDraft, script.id)


def _unique_slug(title: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", fold(title)).strip("-")[:60] or "kich-ban"
    slug, number = base, 1
    while db.session.scalar(select(CallScript.id).where(CallScript.slug == slug)) or slug in {
        "new",
        "drafts",
    }:
        number += 1
        slug = f"{base}-{number}"
    return slug


def create(user, content: dict) -> CallScript:
    """A new script, as a draft nobody but writers can see yet."""
    _require(can_write(user), "write")
    problems = check(content)
    if problems:
        raise InvalidScript(problems)
    script = CallScript(
        slug=_unique_slug(content["title"]), state=DRAFT, published_version=0, **content
    )
    db.session.add(script)
    db.session.flush()
    db.session.add(ScriptDraft(script_id=script.id, updated_by_id=user.id, **content))
    db.session.commit()
    return script


def save_draft(user, script: CallScript, content: dict, *, lock_version: int) -> list[str]:
    """Save the working copy (made on the first save, never by just looking).

    Refuses invalid content and stale tabs and then writes nothing. Returns
    warnings that do not stop the save (placeholders no longer used).
    """
    _require(can_write(user), "write")
    _require(script.state != ARCHIVED, "archived")
    draft = draft_of(script)
    current = draft.lock_version if draft else 0
    if current != lock_version:
        raise StaleDraft(current)
    problems = check(content)
    if problems:
        raise InvalidScript(problems)
    if draft is None:
        draft = ScriptDraft(script_id=script.id, lock_version=0)
        db.session.add(draft)
    for key, value in content.items():
        setattr(draft, key, value)
    draft.lock_version = current + 1
    draft.updated_by_id, draft.updated_at = user.id, utcnow()
    script.state = DRAFT  # editing during review sends it back to draft
    db.session.commit()
    return validation.unused_placeholders(content)


def submit(user, script: CallScript) -> None:
    _require(can_write(user), "write")
    _require(draft_of(script) is not None and script.state == DRAFT, "no draft")
    script.state = IN_REVIEW
    db.session.commit()


def publish(user, script: CallScript, note: str) -> ScriptVersion:
    """Make the draft what agents read, as a new immutable version."""
    _require(can_approve(user), "approve")
    draft = draft_of(script)
    _require(draft is not None and script.state in (DRAFT, IN_REVIEW), "no draft")
    problems = check(content_of(draft))
    if problems:
        raise InvalidScript(problems)
    version = publishing.publish(script, content_of(draft), author=user, note=note)
    db.session.delete(draft)
    db.session.commit()
    publishing.announce_new_versions([script])
    return version


def discard(user, script: CallScript) -> None:
    """Drop the working copy of a script that has a published version."""
    _require(can_write(user), "write")
    _require(script.published_version > 0, "never published")
    draft = draft_of(script)
    if draft is not None:
        db.session.delete(draft)
    script.state = PUBLISHED if script.state != ARCHIVED else ARCHIVED
    db.session.commit()


def archive(user, script: CallScript, archived: bool = True) -> None:
    """Hide a script from agents (or bring it back); its versions stay."""
    _require(can_approve(user), "approve")
    _require(script.published_version > 0, "never published")
    script.state = ARCHIVED if archived else (DRAFT if draft_of(script) else PUBLISHED)
    db.session.commit()


def restore(user, script: CallScript, number: int) -> ScriptDraft:
    """Start a draft from an old version (the current draft must be finished first)."""
    _require(can_write(user), "write")
    _require(draft_of(script) is None, "draft exists")
    version = SCRIPT_HISTORY.find(script.id, number)
    _require(version is not None, "no such version")
    draft = ScriptDraft(script_id=script.id, updated_by_id=user.id, **content_of(version))
    db.session.add(draft)
    if script.state != ARCHIVED:
        script.state = DRAFT
    db.session.commit()
    return draft


def find_for_writers(slug: str) -> CallScript | None:
    return db.session.scalar(select(CallScript).where(CallScript.slug == slug))


def work_in_progress() -> list[CallScript]:
    """Scripts with a draft or waiting for review, review first."""
    return list(
        db.session.scalars(
            select(CallScript)
            .where(CallScript.state.in_([DRAFT, IN_REVIEW]))
            .order_by(CallScript.state.desc(), CallScript.updated_at.desc())
        )
    )
