"""Numbers from URLs, query strings and forms: ids, page numbers and counters beyond
what the database holds are "not found" or refused, never a crash (SQLite and
PostgreSQL integers are 64/32-bit)."""

from flask import request
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` that refuses (404) numbers no table can hold."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def bounded_int(value, *, low: int = 0, high: int = MAX_ID) -> int | None:
    """The one reading of a whole number a browser sent (query string, form field,
    hidden counter): ASCII digits, a minus sign only when `low` is negative, between
    `low` and `high`; anything else is None.

    `int()` alone is not enough: it reads "1_000" and Arabic-Indic digits, raises on
    "²" (which `str.isdigit` accepts), and returns numbers no database column holds.
    """
    if isinstance(value, bool):
        return None
    text = str(value).strip() if value is not None else ""
    negative = text.startswith("-") and low < 0
    digits = text[1:] if negative else text
    if not (digits.isascii() and digits.isdigit()):
        return None
    digits = digits.lstrip("0") or "0"
    if len(digits) > len(str(max(abs(low), abs(high)))):  # int() never sees 5,000 digits
        return None
    number = -int(digits) if negative else int(digits)
    return number if low <= number <= high else None


def int_arg(name: str) -> int | None:
    """A query-string integer, or None when absent, malformed or out of range."""
    return bounded_int(request.args.get(name))


def version_pair(latest: int) -> tuple[int, int]:
    """The two versions a "what changed" page compares (``?a=…&b=…``); by default
    the one before the latest and the latest."""
    return int_arg("a") or max(latest - 1, 1), int_arg("b") or latest


def whole_number(value) -> int:
    """A version or revision number sent back by a form; anything odd counts as 0,
    which no saved record has, so the save is refused as stale rather than crashing."""
    return bounded_int(value) or 0
