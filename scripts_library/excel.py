"""The library as an Excel workbook, one row per block, and back.

Script columns repeat on every row of the script so the sheet can be
filtered in Excel; on import the first row of a script gives them and later
rows may leave them empty. Text cells are always written as text, never as
formulas (a line such as "=..." or "- ..." stays what it is).
"""

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from portal.core.text import clean
from portal.core.workbooks import read_table, write_table
from scripts_library import publishing, validation
from scripts_library.models import CallScript

COLUMNS = [
    "slug",
    "title",
    "purpose",
    "step",
    "channel",
    "situation",
    "segments",
    "tags",
    "placeholders",
    "block_key",
    "block_kind",
    "block_text",
    "block_choices",
]
SCRIPT_COLUMNS = COLUMNS[:9]
MAX_ROWS = 20_000


def export_workbook(scripts: list[CallScript], step_slugs: dict[int, str]) -> bytes:
    """Every script's published version, one row per block (write-only: flat memory)."""

    def rows():
        for script in scripts:
            values = [
                script.slug,
                script.title,
                script.purpose,
                step_slugs.get(script.step_id, ""),
                script.channel,
                script.situation,
                ", ".join(script.segments),
                ", ".join(script.tags),
                "; ".join(f"{p['name']}|{p['label']}|{p['default']}" for p in script.placeholders),
            ]
            for block in script.blocks:
                choices = "; ".join(f"{c['label']} -> {c['goto']}" for c in block["choices"])
                yield [*values, block["key"], block["kind"], block["text"], choices]

    return write_table("scripts", COLUMNS, rows(), freeze="B2")


@dataclass
class Parsed:
    contents: dict[str, dict] = field(default_factory=dict)  # slug -> content
    errors: list[tuple[int, str]] = field(default_factory=list)  # (row, message)


def read_workbook(stream, step_ids: dict[str, int], known_segments: set[str]) -> Parsed:
    """Read and check every row; writes nothing."""
    parsed, first_row, scripts, reported = Parsed(), {}, {}, set()
    for number, values in read_table(stream, COLUMNS, max_rows=MAX_ROWS):
        if isinstance(values, str):
            parsed.errors.append((number, values))
            continue
        slug = values.get("slug", "")
        if not slug:
            parsed.errors.append((number, str(_l("The slug is missing."))))
            continue
        if slug not in scripts:
            first_row[slug] = number
            scripts[slug] = _script_from(values)
        else:
            for name in SCRIPT_COLUMNS[1:]:
                differs = values.get(name) and values[name] != _script_value(scripts[slug], name)
                if differs and (slug, name) not in reported:  # once per script and column
                    reported.add((slug, name))
                    parsed.errors.append(
                        (
                            number,
                            str(
                                _l(
                                    "“%(col)s” differs from row %(row)d of the same script.",
                                    col=name,
                                    row=first_row[slug],
                                )
                            ),
                        )
                    )
        block, problem = _block_from(values)
        if problem:
            parsed.errors.append((number, problem))
        elif block:
            scripts[slug]["blocks"].append(block)
    for slug, raw in scripts.items():
        step_slug = raw.pop("step_slug")
        raw.pop("_raw", None)
        content = {**raw, "step_id": step_ids.get(step_slug)}
        for problem in validation.check_content(
            content, known_segments=known_segments, step_ids=set(step_ids.values())
        ):
            parsed.errors.append((first_row[slug], f"{slug}: {problem}"))
        parsed.contents[slug] = content
    parsed.errors.sort()
    return parsed


def _script_from(values: dict) -> dict:
    placeholders = []
    for part in filter(None, (p.strip() for p in values.get("placeholders", "").split(";"))):
        name, _, rest = part.partition("|")
        label, _, default = rest.partition("|")
        placeholders.append(
            {
                "name": name.strip(),
                "label": label.strip() or name.strip(),
                "default": default.strip(),
            }
        )
    return {
        "title": clean(values.get("title", "")),
        "purpose": values.get("purpose", ""),
        "step_slug": values.get("step", ""),
        "channel": values.get("channel", ""),
        "situation": values.get("situation", ""),
        "segments": [s.strip() for s in values.get("segments", "").split(",") if s.strip()],
        "tags": [t.strip() for t in values.get("tags", "").split(",") if t.strip()],
        "placeholders": placeholders,
        "blocks": [],
        "_raw": values,
    }


def _script_value(script: dict, name: str) -> str:
    return script["_raw"].get(name, "")


def _block_from(values: dict) -> tuple[dict | None, str | None]:
    text = values.get("block_text", "")
    if not text:
        return None, None
    choices = []
    for part in filter(None, (p.strip() for p in values.get("block_choices", "").split(";"))):
        label, arrow, goto = part.rpartition("->")
        if not arrow or not label.strip() or not goto.strip():
            return None, str(_l("Write each choice as “what happens -> key”, separated by “;”."))
        choices.append({"label": label.strip(), "goto": goto.strip()})
    return {
        "key": values.get("block_key", ""),
        "kind": values.get("block_kind", ""),
        "text": text,
        "choices": choices,
    }, None


def import_library(parsed: Parsed, *, author) -> dict[str, int]:
    """Publish every new or changed script in one transaction (only a valid file)."""
    if parsed.errors:
        raise ValueError("workbook has errors")
    return publishing.publish_all(parsed.contents, author=author, note="Excel import")
