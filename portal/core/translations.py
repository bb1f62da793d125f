"""The templates' gettext, bound to the request's catalogue once per render.

Flask-Babel's Jinja callables find the locale and its catalogue again on every
call (half a dozen context lookups each), and a page says `_()` 30 to 70 times.
A context processor hands each render callables bound to the catalogue already
found. They keep Jinja's new-style semantics, written out here because jinja2.ext
keeps its own wrappers private: the message is marked safe when autoescaping, then
always %-formatted, so the variables are escaped and a lone "%%" means "%".
Macros imported without context still reach Flask-Babel's, with the same result.
"""

from flask import Flask
from flask_babel import get_translations
from jinja2 import pass_context
from markupsafe import Markup


def _bound(catalogue) -> dict:
    @pass_context
    def gettext(context, message: str, **variables) -> str:
        text = catalogue.ugettext(message)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        return text % variables

    @pass_context
    def ngettext(context, singular: str, plural: str, num: int, **variables) -> str:
        variables.setdefault("num", num)
        text = catalogue.ungettext(singular, plural, num)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        return text % variables

    return {"gettext": gettext, "ngettext": ngettext}


def init_app(app: Flask) -> None:
    app.context_processor(lambda: _bound(get_translations()))
