"""The built-in script pack: content/scripts/*.yml read, checked as a whole, published."""

from pathlib import Path

import yaml
from flask import current_app

from portal.core.text import clean
from portal.playbooks.services import process_step_ids, taxonomy
from scripts_library.publishing import publish_all
from scripts_library.validation import check_content


def _from_pack(data: dict, step_ids_by_slug: dict[str, int]) -> dict:
    def text(value) -> str:
        return clean(str(value or ""), multiline=True)

    return {
        "title": clean(str(data.get("title", ""))),
        "purpose": text(data.get("purpose")),
        "step_id": step_ids_by_slug.get(data.get("step")),
        "channel": data.get("channel"),
        "situation": data.get("situation"),
        "segments": [str(s) for s in data.get("segments") or []],
        "tags": [clean(str(t)) for t in data.get("tags") or []],
        "placeholders": [
            {
                "name": str(p["name"]),
                "label": clean(str(p.get("label", p["name"]))),
                "default": clean(str(p.get("default") or "")),
            }
            for p in data.get("placeholders") or []
        ],
        "blocks": [
            {
                "key": str(b["key"]),
                "kind": b.get("kind"),
                "text": text(b.get("text")),
                "choices": [
                    {"label": clean(str(c["label"])), "goto": str(c["goto"])}
                    for c in b.get("choices") or []
                ],
            }
            for b in data.get("blocks") or []
        ],
    }


def load_scripts_pack(folder: Path | None = None) -> dict[str, int]:
    """Publish the built-in scripts; a script whose text changed gets a new version.

    Refuses the whole pack (ValueError listing every problem) if any script is
    invalid, so a broken file never half-loads.
    """
    folder = Path(folder or Path(current_app.config["CONTENT_DIR"]) / "scripts")
    step_ids = process_step_ids()
    known_segments = set(taxonomy().segments)
    contents, problems = {}, []
    for path in sorted(folder.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        content = _from_pack(data, step_ids)
        for problem in check_content(
            content, known_segments=known_segments, step_ids=set(step_ids.values())
        ):
            problems.append(f"{path.name}: {problem}")
        if data.get("slug") in contents:
            problems.append(f"{path.name}: slug {data.get('slug')} is used twice")
        contents[data.get("slug")] = content
    if problems:
        raise ValueError("\n".join(problems))
    counts = publish_all(contents, author=None, note="content pack")
    return {"created": counts["created"], "updated": counts["updated"]}
