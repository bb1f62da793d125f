"""Publishing a script: an immutable version agents read, and onboarding told of the change."""

from flask import current_app
from sqlalchemy import select

from portal.core import search
from portal.core.extensions import db
from portal.core.models import utcnow
from portal.core.signals import content_changed
from scripts_library.models import PUBLISHED, CallScript, ScriptVersion
from scripts_library.onboarding_items import ITEM_KIND


def publish_all(contents: dict[str, dict], *, author, note: str) -> dict[str, int]:
    """Publish every new or changed script (slug -> content) in one transaction.

    Shared by the built-in pack and the Excel import; onboarding hears about
    changed scripts once everything is committed.
    """
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    changed = []
    existing = {s.slug: s for s in db.session.scalars(select(CallScript))}
    try:
        for slug, content in contents.items():
            script = existing.get(slug)
            if script is None:
                script = CallScript(slug=slug, **content)
                db.session.add(script)
                db.session.flush()
                counts["created"] += 1
            elif script.published_version and all(
                getattr(script, k) == v for k, v in content.items()
            ):
                counts["unchanged"] += 1
                continue
            else:
                counts["updated"] += 1
                changed.append(script)
            publish(script, content, author=author, note=note)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    announce_new_versions(changed)
    return counts


def publish(script: CallScript, content: dict, *, author, note: str) -> ScriptVersion:
    """Write an immutable version and make it what agents read."""
    for key, value in content.items():
        setattr(script, key, value)
    script.published_version += 1
    script.state = PUBLISHED
    script.updated_at = utcnow()
    block_text = [b["text"] for b in content["blocks"]] + [
        c["label"] for b in content["blocks"] for c in b["choices"]
    ]
    script.search_text = search.document(
        content["title"], content["purpose"], content["tags"], block_text
    )
    script.title_key = search.document(content["title"]).split("\n", 1)[0]
    script.segment_key = " " + " ".join(content["segments"]) + " "
    version = ScriptVersion(
        script_id=script.id,
        version=script.published_version,
        change_note=note,
        author=author,
        **content,
    )
    db.session.add(version)
    return version


def announce_new_versions(scripts) -> None:
    """Tell onboarding (through the signal) that these scripts have a new version."""
    app = current_app._get_current_object()
    for script in scripts:
        content_changed.send(
            app, kind=ITEM_KIND, ref_id=script.id, version=script.published_version
        )
