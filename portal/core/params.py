"""Numbers from URLs: ids and page numbers beyond what the database holds are
"not found", never a crash (SQLite and PostgreSQL integers are 64/32-bit)."""

from flask import request
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` that refuses (404) numbers no table can hold."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def int_arg(name: str) -> int | None:
    """A query-string integer, or None when absent, malformed or out of range."""
    value = request.args.get(name, type=int)
    return value if value is not None and 0 <= value <= MAX_ID else None


def whole_number(value) -> int:
    """A version or revision number sent back by a form; anything odd counts as 0,
    which no saved record has, so the save is refused as stale rather than crashing."""
    text = str(value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else 0
