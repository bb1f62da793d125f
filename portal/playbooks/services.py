"""Playbooks: loading the content pack, versioned edits, diffs, search."""

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import frontmatter
import yaml
from flask import current_app, url_for
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portal.core import search
from portal.core.content import ItemInfo
from portal.core.extensions import db
from portal.core.history import History
from portal.core.models import utcnow
from portal.core.signals import content_changed
from portal.core.text import clean
from portal.playbooks.models import (
    INTRO_FIELDS,
    VERSIONED_FIELDS,
    Playbook,
    PlaybookStep,
    PlaybookStepVersion,
    PlaybookVersion,
)

ITEM_KIND = "playbook_step"
STEP_HISTORY = History(
    PlaybookStepVersion.step_id,
    PlaybookStepVersion.version,
    PlaybookStepVersion.author,
    fields=VERSIONED_FIELDS,
)
INTRO_HISTORY = History(
    PlaybookVersion.playbook_id,
    PlaybookVersion.version,
    PlaybookVersion.author,
    fields=INTRO_FIELDS,
)


# --- taxonomy -----------------------------------------------------------------


@dataclass(frozen=True)
class Taxonomy:
    channels: dict[str, dict]
    kpis: dict[str, dict]
    segmentations: list[dict]
    segments: dict[str, dict]

    def label(self, group: str, code: str, locale: str = "vi") -> str:
        entry = getattr(self, group).get(code)
        return entry.get(locale) or entry.get("vi") if entry else code


@lru_cache(maxsize=4)
def _read_taxonomy(path: str) -> Taxonomy:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    segments = {}
    for segmentation in data["segmentations"]:
        for segment in segmentation["segments"]:
            segments[segment["code"]] = {**segment, "segmentation": segmentation["code"]}
    return Taxonomy(
        channels={c["code"]: c for c in data["channels"]},
        kpis={k["code"]: k for k in data["kpis"]},
        segmentations=data["segmentations"],
        segments=segments,
    )


def taxonomy() -> Taxonomy:
    """Channels, KPIs and customer segments named by the content pack."""
    return _read_taxonomy(str(Path(current_app.config["CONTENT_DIR"]) / "taxonomy.yml"))


# --- content pack ---------------------------------------------------------------


def _step_fields(meta: dict, body: str) -> dict:
    def as_list(key):
        return [clean(str(v)) for v in meta.get(key) or []]

    return {
        "title": clean(meta["title"]),
        "goal": clean(meta.get("goal", ""), multiline=True),
        "body_md": clean(body, multiline=True),
        "checklist": as_list("checklist"),
        "mistakes": as_list("mistakes"),
        "segments": as_list("segments"),
        "channels": as_list("channels"),
        "kpis": as_list("kpis"),
    }


def load_content_pack(
    content_dir: Path | None = None, *, author=None, force: bool = False
) -> dict[str, int]:
    """Load playbooks from Markdown files; changed steps get a new version.

    Returns counts of created, updated and kept steps. Safe to run again: a
    step whose text did not change is left alone, and a step an admin edited
    in the portal keeps the admin's text unless `force` is set.
    """
    content_dir = Path(content_dir or current_app.config["CONTENT_DIR"])
    _check_slugs(content_dir)
    counts = {"playbooks": 0, "created": 0, "updated": 0, "kept": 0}
    updated: list[PlaybookStep] = []
    for folder in sorted(p for p in (content_dir / "playbooks").iterdir() if p.is_dir()):
        meta = frontmatter.load(folder / "playbook.md")
        playbook = db.session.scalar(select(Playbook).where(Playbook.slug == meta["slug"]))
        intro = {
            "title": clean(meta["title"]),
            "summary": clean(meta.get("summary", "")),
            "intro_md": clean(meta.content, multiline=True),
        }
        if playbook is None:
            playbook = Playbook(slug=meta["slug"], version=0, **intro)
            db.session.add(playbook)
            db.session.flush()
            _new_intro_version(playbook, intro, author=author, note="content pack")
            counts["playbooks"] += 1
        elif any(getattr(playbook, k) != v for k, v in intro.items()) and (
            force or _latest_author(INTRO_HISTORY, playbook) is None
        ):
            _new_intro_version(playbook, intro, author=author, note="content pack")
        playbook.kind = meta.get("kind", "process")
        playbook.position = int(meta.get("position", 0))
        for path in sorted(folder.glob("[0-9]*.md")):
            post = frontmatter.load(path)
            fields = _step_fields(post.metadata, post.content)
            step = db.session.scalar(select(PlaybookStep).where(PlaybookStep.slug == post["slug"]))
            is_new = step is None
            if is_new:
                step = PlaybookStep(slug=post["slug"], playbook=playbook, version=0)
                db.session.add(step)
                counts["created"] += 1
            # Order follows the pack even where an admin's text is kept.
            step.position = int(post.get("position", 0))
            if is_new:
                pass  # gets its first version below
            elif all(getattr(step, k) == v for k, v in fields.items()):
                continue
            elif not force and _latest_author(STEP_HISTORY, step) is not None:
                counts["kept"] += 1
                continue
            else:
                counts["updated"] += 1
                updated.append(step)
            _apply_version(step, fields, author=author, note="content pack")
    db.session.commit()
    for step in updated:
        content_changed.send(
            current_app._get_current_object(), kind=ITEM_KIND, ref_id=step.id, version=step.version
        )
    return counts


# Words the playbook pages use in their own addresses (/playbooks/search,
# /playbooks/<playbook>/edit ...): a playbook or step named so would be hidden.
RESERVED_SLUGS = frozenset({"search", "preview", "edit", "history", "diff", "v"})


def _check_slugs(content_dir: Path) -> None:
    seen: set[str] = set()
    for path in sorted((content_dir / "playbooks").glob("*/*.md")):
        slug = frontmatter.load(path).get("slug", "")
        if not slug or slug in RESERVED_SLUGS or slug in seen:
            raise ValueError(f"{path}: slug {slug!r} is missing, reserved or used twice")
        seen.add(slug)


def _latest_author(history: History, thing):
    """Who wrote the current version (None: the content pack)."""
    current = history.find(thing.id, thing.version)
    return current.author_id if current else None


def _new_intro_version(playbook: Playbook, fields: dict, *, author, note: str) -> None:
    for key, value in fields.items():
        setattr(playbook, key, value)
    playbook.version = (playbook.version or 0) + 1
    db.session.add(
        PlaybookVersion(
            playbook_id=playbook.id,
            version=playbook.version,
            change_note=note,
            author=author,
            **fields,
        )
    )


def _apply_version(step: PlaybookStep, fields: dict, *, author, note: str) -> PlaybookStepVersion:
    for key, value in fields.items():
        setattr(step, key, value)
    step.version = (step.version or 0) + 1
    step.updated_at = utcnow()
    step.search_text = search.document(step.title, searched_text(step))
    version = PlaybookStepVersion(
        step=step, version=step.version, change_note=note, author=author, **fields
    )
    db.session.add(version)
    return version


# --- reading ------------------------------------------------------------------


def playbooks() -> list[Playbook]:
    return list(
        db.session.scalars(
            select(Playbook).options(selectinload(Playbook.steps)).order_by(Playbook.position)
        )
    )


def find_playbook(slug: str) -> Playbook | None:
    return db.session.scalar(
        select(Playbook).where(Playbook.slug == slug).options(selectinload(Playbook.steps))
    )


def find_step(playbook_slug: str, step_slug: str) -> PlaybookStep | None:
    return db.session.scalar(
        select(PlaybookStep)
        .join(Playbook)
        .where(Playbook.slug == playbook_slug, PlaybookStep.slug == step_slug)
    )


def neighbours(step: PlaybookStep) -> tuple[PlaybookStep | None, PlaybookStep | None]:
    steps = step.playbook.steps
    index = steps.index(step)
    return (
        steps[index - 1] if index > 0 else None,
        steps[index + 1] if index + 1 < len(steps) else None,
    )


# --- editing ------------------------------------------------------------------


class StaleEdit(Exception):
    """The step changed since the editor opened it."""

    def __init__(self, current_version: int):
        super().__init__(current_version)
        self.current_version = current_version


def _check_base_version(model, thing, base_version: int) -> None:
    """Raise StaleEdit unless `base_version` is still current.

    The version is re-read under a row lock (PostgreSQL) so two saves cannot
    both pass the check: a stale tab must never overwrite newer work.
    """
    current = db.session.scalar(select(model.version).where(model.id == thing.id).with_for_update())
    if current != base_version:
        db.session.rollback()
        raise StaleEdit(current)


def _commit_version(model, thing_id: int) -> None:
    """Commit a new version; losing a race on the version number is a stale edit.

    SQLite ignores SELECT ... FOR UPDATE, so two saves can both pass the
    check; the unique (owner, version) constraint then refuses the second.
    """
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        current = db.session.scalar(select(model.version).where(model.id == thing_id))
        raise StaleEdit(current) from None


def save_step(step: PlaybookStep, fields: dict, *, base_version: int, author, note: str) -> bool:
    """Save an edit as a new version. Returns False when nothing changed."""
    _check_base_version(PlaybookStep, step, base_version)
    # Tick boxes come back in the taxonomy's order: the same set in another
    # order is no change (a new version would ask everyone to re-read).
    for key in ("segments", "channels", "kpis"):
        if sorted(fields[key]) == sorted(getattr(step, key)):
            fields[key] = list(getattr(step, key))
    if all(getattr(step, k) == v for k, v in fields.items()):
        db.session.rollback()
        return False
    step_id = step.id
    _apply_version(step, fields, author=author, note=note)
    _commit_version(PlaybookStep, step_id)
    content_changed.send(
        current_app._get_current_object(), kind=ITEM_KIND, ref_id=step.id, version=step.version
    )
    return True


def save_intro(playbook: Playbook, fields: dict, *, base_version: int, author, note: str) -> bool:
    """Save an edit of a playbook's title, summary and introduction as a new version."""
    _check_base_version(Playbook, playbook, base_version)
    if all(getattr(playbook, k) == v for k, v in fields.items()):
        db.session.rollback()
        return False
    playbook_id = playbook.id
    _new_intro_version(playbook, fields, author=author, note=note)
    _commit_version(Playbook, playbook_id)
    return True


# --- search -------------------------------------------------------------------


@dataclass
class SearchHit:
    step: PlaybookStep
    snippet: Markup


def searched_text(step: PlaybookStep) -> str:
    """What the search reads of a step besides its title, one part a line: the folded
    search column, the exact-diacritics filter, the ranking and the snippet alike (the
    filter once read goal and body only, so "đặt lịch" lost a checklist hit)."""
    return "\n".join([step.goal or "", step.body_md or "", *step.checklist, *step.mistakes])


def search_steps(query: str, limit: int = 20) -> list[SearchHit]:
    """Diacritic-insensitive search over titles and text, best matches first."""
    words = search.query_words(query)
    if not words or (len(words) == 1 and len(words[0]) < 2):
        return []
    steps = list(
        db.session.scalars(
            select(PlaybookStep)
            .where(search.conditions(PlaybookStep.search_text, words))
            .options(selectinload(PlaybookStep.playbook))
            .order_by(PlaybookStep.playbook_id, PlaybookStep.position)
        )
    )
    # Whole-word matches of every word, when there are any, hide the rows
    # that matched the last word only as the start of a longer one.
    whole = [s for s in steps if search.whole_words(s.search_text, words)]
    steps = whole or steps
    # Typed with diacritics ("đối thủ"): rows with exactly that text, if any,
    # rather than everything that folds the same ("đổi thu").
    texts = {s.id: searched_text(s) for s in steps}
    exact = [s for s in steps if search.exact_phrase(query, s.title, texts[s.id])]
    steps = exact or steps
    steps.sort(
        key=lambda s: search.rank(
            s.search_text, words, title=s.title, text=texts[s.id], raw_query=query
        )
    )
    return [
        SearchHit(s, search.snippet(search.plain(texts[s.id]), words, prefix=not whole))
        for s in steps[:limit]
    ]


# --- onboarding items -----------------------------------------------------------


def onboarding_items(ref_ids: list[int]) -> dict[int, ItemInfo]:
    """What onboarding needs to show playbook steps as module items (one query, of
    the columns it shows: a step row carries its whole text)."""
    if not ref_ids:
        return {}
    rows = db.session.execute(
        select(
            PlaybookStep.id,
            PlaybookStep.title,
            PlaybookStep.slug,
            PlaybookStep.version,
            Playbook.title,
            Playbook.slug,
        )
        .join(Playbook, Playbook.id == PlaybookStep.playbook_id)
        .where(PlaybookStep.id.in_(ref_ids))
    )
    return {
        step_id: ItemInfo(
            title,
            playbook_title,
            url_for("playbooks.step", playbook_slug=playbook_slug, step_slug=slug),
            version,
        )
        for step_id, title, slug, version, playbook_title, playbook_slug in rows
    }


def diff_url(ref_id: int, from_version: int) -> str | None:
    step = db.session.get(PlaybookStep, ref_id)
    if step is None:
        return None
    return url_for(
        "playbooks.diff",
        playbook_slug=step.playbook.slug,
        step_slug=step.slug,
        a=from_version,
        b=step.version,
    )


def process_steps() -> list[PlaybookStep]:
    """The nine steps of the two care processes, in order (for other features)."""
    return list(
        db.session.scalars(
            select(PlaybookStep)
            .join(Playbook)
            .where(Playbook.kind == "process")
            .options(selectinload(PlaybookStep.playbook))
            .order_by(Playbook.position, PlaybookStep.position)
        )
    )


def process_step_choices() -> list[tuple[int, str]]:
    """The nine process steps for a select: "Playbook · 3. Step"."""
    return [(s.id, f"{s.playbook.title} · {s.position}. {s.title}") for s in process_steps()]


def process_step_ids() -> dict[str, int]:
    return {step.slug: step.id for step in process_steps()}


def step_refs() -> dict[str, int]:
    """Every step by a reference a person can type in a spreadsheet: the nine
    process steps by their slug, any step (handbook chapters too) as
    "playbook/step"."""
    refs = {f"{p.slug}/{s.slug}": s.id for p in playbooks() for s in p.steps}
    refs.update(process_step_ids())
    return refs


def step_choices() -> list[tuple[int, str]]:
    return [(s.id, f"{p.title} › {s.position}. {s.title}") for p in playbooks() for s in p.steps]
