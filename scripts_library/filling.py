"""Filling in a script: placeholders replaced by what the agent typed, as HTML or plain text."""

from markupsafe import Markup, escape

from portal.core.text import clean
from scripts_library.validation import PLACEHOLDER


def _pieces(text: str, placeholders: list[dict], values: dict[str, str]):
    """Split text into (plain text, None) and (value or label, filled?) pieces.

    A value the agent typed wins, then the declared default; a placeholder
    with neither stays visible as "[label]" so nothing is silently left out.
    """
    declared = {p["name"]: p for p in placeholders}
    position = 0
    for match in PLACEHOLDER.finditer(text):
        yield text[position : match.start()], None
        name = match.group(1)
        value = clean(values.get(name, ""))[:200] or declared.get(name, {}).get("default", "")
        yield (value, True) if value else (declared.get(name, {}).get("label", name), False)
        position = match.end()
    yield text[position:], None


def fill(text: str, placeholders: list[dict], values: dict[str, str]) -> Markup:
    """The text with placeholders replaced, safe for HTML, filled parts marked."""
    out = Markup("")
    for piece, filled in _pieces(text, placeholders, values):
        if filled is None:
            out += escape(piece)
        elif filled:
            out += Markup('<span class="filled">') + escape(piece) + Markup("</span>")
        else:
            out += Markup('<span class="missing">[') + escape(piece) + Markup("]</span>")
    return out


def fill_plain(text: str, placeholders: list[dict], values: dict[str, str]) -> str:
    """The same, as plain text (line breaks kept) for copying into email or chat."""
    return "".join(
        piece if filled is not False else f"[{piece}]"
        for piece, filled in _pieces(text, placeholders, values)
    )


def missing_values(script, values: dict[str, str]) -> list[str]:
    """Labels of placeholders still empty (no value typed, no default)."""
    return [
        p["label"]
        for p in script.placeholders
        if not clean(values.get(p["name"], "")) and not p.get("default")
    ]


def filled_plain_text(script, values: dict[str, str]) -> str:
    """What the agent copies into an email or chat: the agent's lines, filled in."""
    return "\n\n".join(
        fill_plain(b["text"], script.placeholders, values)
        for b in script.blocks
        if b["kind"] == "agent"
    )
