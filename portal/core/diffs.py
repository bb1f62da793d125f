"""Readable differences between two versions of any content."""

import difflib
from dataclasses import dataclass


@dataclass
class FieldDiff:
    label: str
    rows: list[tuple[str, str]]  # (op, text): op " " same, "-" removed, "+" added, "…" gap


def lines_of(value) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return str(value or "").split("\n")


def field_diffs(old: dict, new: dict, labels: dict[str, str]) -> list[FieldDiff]:
    """What changed, field by field, for two {field: text or list of lines} views.

    Long texts show only the changed lines with two lines of context around
    each change ("…" between the pieces), so a reader sees the change, not
    the whole document again.
    """
    result = []
    for key, label in labels.items():
        a, b = lines_of(old.get(key)), lines_of(new.get(key))
        if a == b:
            continue
        rows: list[tuple[str, str]] = []
        matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
        for number, group in enumerate(matcher.get_grouped_opcodes(2)):
            if number:
                rows.append(("…", ""))
            for tag, i1, i2, j1, j2 in group:
                if tag == "equal":
                    rows.extend((" ", line) for line in a[i1:i2] if line.strip())
                    continue
                rows.extend(("-", line) for line in a[i1:i2] if line.strip())
                rows.extend(("+", line) for line in b[j1:j2] if line.strip())
        result.append(FieldDiff(label, rows))
    return result
