"""Every UI string in the code has a Vietnamese translation (Vietnamese is the default UI)."""

from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "portal" / "translations" / "vi" / "LC_MESSAGES" / "messages.po"


def _strings_in_code() -> set[str]:
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    found = set()
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    for package in ("portal", "scripts_library", "quizzes", "reviews", "autoqa"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / package, method_map=method_map, keywords=keywords
        ):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_ui_string_is_translated_to_vietnamese():
    catalog = read_po(PO.open("rb"))
    translated = {
        m.id[0] if isinstance(m.id, tuple) else m.id
        for m in catalog
        if m.id
        and m.string
        and (all(m.string) if isinstance(m.string, tuple) else True)
        and not m.fuzzy
    }
    missing = sorted(_strings_in_code() - translated)
    assert not missing, "run `make messages` and translate: " + "; ".join(missing[:20])


def test_translations_keep_their_placeholders():
    catalog = read_po(PO.open("rb"))
    problems = [(m.id, str(e)) for m in catalog for e in (m.check(catalog) or [])]
    assert problems == []
