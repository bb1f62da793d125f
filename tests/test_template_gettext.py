"""Templates translate through callables bound once per render
(portal/core/translations.py): every message of the catalogue comes out exactly as
Flask-Babel's own callables give it, in both languages, with hostile values."""

import re
from pathlib import Path

from babel.messages.pofile import read_po
from flask import render_template_string, session
from flask_babel import refresh

PO = Path(__file__).resolve().parent.parent / "portal/translations/vi/LC_MESSAGES/messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)([sd])")
HOSTILE = '<script>alert("x")</script> & 100%'


def _values(*messages: str) -> dict:
    found = {name: kind for m in messages for name, kind in PLACEHOLDER.findall(m)}
    return {name: 3 if kind == "d" else HOSTILE for name, kind in found.items() if name != "num"}


def _render(template: str, **context) -> str:
    """The text, or the kind of error (a message meant for Python code only, with a
    bare "%", fails the same way through either callable)."""
    try:
        return render_template_string(template, **context)
    except (ValueError, KeyError, TypeError) as error:
        return f"error: {type(error).__name__}"


def _both(app, locale: str) -> dict[str, tuple[str, str]]:
    """{message: (ours, Flask-Babel's)} for every message of the catalogue."""
    babel = app.jinja_env.globals
    rendered = {}
    with app.test_request_context("/"):
        session["locale"] = locale
        refresh()  # the fixture's app context keeps the language it found first
        assert _render("{{ gettext is sameas babel }}", babel=babel["gettext"]) == "False"
        for message in read_po(PO.open("rb")):
            if isinstance(message.id, tuple):
                singular, plural = message.id
                for n in (1, 3):
                    c = {"s": singular, "p": plural, "n": n, "v": _values(singular, plural)}
                    rendered[f"{singular} ({n})"] = (
                        _render("{{ ngettext(s, p, n, **v) }}", **c),
                        _render("{{ babel(s, p, n, **v) }}", babel=babel["ngettext"], **c),
                    )
            elif message.id:
                c = {"m": message.id, "v": _values(message.id)}
                rendered[message.id] = (
                    _render("{{ _(m, **v) }}", **c),
                    _render("{{ babel(m, **v) }}", babel=babel["gettext"], **c),
                )
    return rendered


def test_every_message_renders_as_flask_babel_renders_it(app):
    for locale in ("vi", "en"):
        rendered = _both(app, locale)
        assert len(rendered) > 500
        assert {m: pair for m, pair in rendered.items() if pair[0] != pair[1]} == {}
        assert not any("<script>" in ours for ours, _theirs in rendered.values())
        errors = [m for m, (ours, _) in rendered.items() if ours.startswith("error")]
        assert len(errors) < 5, errors  # only messages meant for Python's own formatting
    english, vietnamese = _both(app, "en"), _both(app, "vi")
    assert english["Quality reviews"][0] == "Quality reviews"
    assert vietnamese["Quality reviews"][0] == "Chấm chất lượng"
    assert "&lt;script&gt;" in vietnamese["Reviewer: %(name)s"][0]
