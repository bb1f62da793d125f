"""What onboarding needs from scripts: their item kind, descriptions, choices, diff links."""

from flask import url_for
from sqlalchemy import select

from portal.core.content import ItemInfo
from portal.core.extensions import db
from scripts_library.models import ARCHIVED, CallScript
from scripts_library.search import readable
from scripts_library.validation import CHANNELS, SITUATIONS

ITEM_KIND = "call_script"


def onboarding_items(ref_ids: list[int]) -> dict[int, ItemInfo]:
    scripts = db.session.scalars(select(CallScript).where(CallScript.id.in_(ref_ids)))
    return {
        s.id: ItemInfo(
            s.title,
            f"{CHANNELS.get(s.channel, s.channel)} · {SITUATIONS.get(s.situation, s.situation)}",
            url_for("scripts_library.script", slug=s.slug),
            s.published_version,
        )
        for s in scripts
        if s.published_version and s.state != ARCHIVED
    }


def script_choices() -> list[tuple[int, str]]:
    # Only the columns a choice shows: a script row carries its whole text and search text.
    channels = {code: str(label) for code, label in CHANNELS.items()}
    rows = db.session.execute(
        select(CallScript.id, CallScript.title, CallScript.channel)
        .where(*readable())
        .order_by(CallScript.title)
    )
    return [(id_, f"{title} ({channels.get(channel, channel)})") for id_, title, channel in rows]


def version_diff_url(ref_id: int, from_version: int) -> str | None:
    script = db.session.get(CallScript, ref_id)
    if script is None or not script.published_version:
        return None
    return url_for(
        "scripts_library.diff", slug=script.slug, a=from_version, b=script.published_version
    )
