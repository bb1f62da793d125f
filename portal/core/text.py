"""Text hygiene shared by forms, imports and search.

Vietnamese text arrives in both NFC and NFD forms (macOS keyboards, copied PDF
text); everything stored is NFC so equality and search behave.
"""

import re
import unicodedata

from flask_babel import lazy_gettext as _l

_SPACES = re.compile(r"\s+")
# Characters that have no business in a name or title: controls (but tab and
# newline), zero-width and bidi overrides used to disguise text.
_INVISIBLE = re.compile(
    "[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)


def clean(value: str | None, *, multiline: bool = False) -> str:
    """NFC-normalize, drop invisible control characters, tidy whitespace."""
    if value is None:
        return ""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", str(value)))
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        return "\n".join(line.rstrip() for line in text.split("\n")).strip()
    return _SPACES.sub(" ", text).strip()


def fold(value: str | None) -> str:
    """Lower-case, diacritic-free form for search: 'Xử lý Đơn' -> 'xu ly don'.

    `đ` has no combining decomposition in Unicode, so it is mapped by hand.
    """
    text = clean(value, multiline=True).lower().replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped).strip()


def too_long(text: str | None, limit: int, what) -> str | None:
    """Why `text` cannot be saved when it is over `limit` characters, else None.

    Long text is refused with what was typed kept in the form, never cut: a
    summary that silently lost its end would say something its writer did not.
    """
    length = len(text or "")
    if length <= limit:
        return None
    return str(
        _l(
            "%(what)s is %(n)d characters long; the limit is %(max)d. Shorten it: "
            "nothing was saved.",
            what=what,
            n=length,
            max=limit,
        )
    )


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """Text that a spreadsheet must show as text, never run as a formula.

    A leading apostrophe is how Excel and LibreOffice mark a cell as literal
    text (OWASP's advice for CSV injection); numbers pass through untouched.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
