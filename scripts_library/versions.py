"""Comparing two versions of a script: each as lines a person can read side by side."""

from flask_babel import lazy_gettext as _l

from portal.core.history import History
from portal.playbooks.services import process_steps
from scripts_library.models import ScriptVersion
from scripts_library.validation import BLOCK_KINDS, CHANNELS, SITUATIONS


def comparable_labels() -> dict[str, str]:
    return {
        "title": str(_l("Title")),
        "purpose": str(_l("Purpose")),
        "where": str(_l("Step, channel and situation")),
        "segments": str(_l("Customer segments")),
        "placeholders": str(_l("Placeholders")),
        "blocks": str(_l("Script")),
    }


def comparable(version) -> dict:
    """A version as lines a person can compare (blocks as "[Kind] text")."""
    step_titles = {step.id: step.title for step in process_steps()}
    lines = []
    for block in version.blocks:
        lines.append(f"[{BLOCK_KINDS.get(block['kind'], block['kind'])}] {block['text']}")
        lines.extend(f"    ↳ {c['label']} → {c['goto']}" for c in block["choices"])
    return {
        "title": version.title,
        "purpose": version.purpose,
        "where": " · ".join(
            str(x)
            for x in (
                step_titles.get(version.step_id),
                CHANNELS.get(version.channel),
                SITUATIONS.get(version.situation),
            )
        ),
        "segments": list(version.segments),
        "placeholders": [
            f"{{{p['name']}}} {p['label']} ({p['default']})" for p in version.placeholders
        ],
        "blocks": lines,
    }


# Every published version of a script, kept; compared as the lines above.
SCRIPT_HISTORY = History(
    ScriptVersion.script_id, ScriptVersion.version, ScriptVersion.author, comparable=comparable
)
