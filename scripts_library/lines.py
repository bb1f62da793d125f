"""The lines of published scripts, for checking what was said on a call (autoqa):
the agent's lines and the "don't say" ones, of the scripts of a step and channel."""

from dataclasses import dataclass

from sqlalchemy import select

from portal.core.extensions import db
from scripts_library.models import CallScript
from scripts_library.search import readable

SPOKEN = ("agent", "dont_say")


@dataclass(frozen=True)
class ScriptLine:
    script: str  # the script's slug
    title: str
    key: str  # the block's key
    kind: str  # agent or dont_say
    text: str


def lines_for(step_id: int | None, channel: str, session=None) -> list[ScriptLine]:
    """Every agent and "don't say" line of the readable scripts of this step (and
    channel), in script and block order; none without a step. `session`: the
    caller's own, when it is not the request's."""
    if step_id is None:
        return []
    scripts = (session or db.session).scalars(
        select(CallScript)
        .where(CallScript.step_id == step_id, CallScript.channel == channel, *readable())
        .order_by(CallScript.slug)
    )
    return [
        ScriptLine(script.slug, script.title, block["key"], block["kind"], block["text"])
        for script in scripts
        for block in script.blocks
        if block.get("kind") in SPOKEN and block.get("text")
    ]
