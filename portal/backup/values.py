"""Column values as JSON with their types kept, so a row read from SQLite or
PostgreSQL comes back as the same Python value on either.

A value is a JSON scalar (text, integer, float, true/false, null) or an object of
one tagged member: {"$datetime": "2026-01-02T03:04:05.123456+00:00"},
{"$date": ...}, {"$time": ...}, {"$decimal": "12.50"}, {"$bytes": base64},
{"$uuid": ...}, {"$interval": [days, seconds, microseconds]}, {"$float": "nan"},
and {"$json": <document>} for a JSON column (so a stored JSON `null` stays apart
from SQL NULL, and a document's own objects are never read as tags).
"""

import base64
import json
import math
import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import JSON

_PLAIN = {str, int, bool}


def encode(value):
    """One column value as JSON; aware datetimes in UTC (the same instant)."""
    if value is None or type(value) in _PLAIN or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"$float": repr(value)}
    if isinstance(value, datetime):
        moment = value.astimezone(UTC) if value.tzinfo is not None else value
        return {"$datetime": moment.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, time):
        return {"$time": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, uuid.UUID):
        return {"$uuid": str(value)}
    if isinstance(value, timedelta):
        return {"$interval": [value.days, value.seconds, value.microseconds]}
    raise TypeError(f"no backup encoding for a {type(value).__name__} value")


def encode_json(document: str | None):
    """A JSON column read as its text: SQL NULL stays null, a document is tagged."""
    return None if document is None else {"$json": json.loads(document)}


_DECODERS = {
    "$datetime": datetime.fromisoformat,
    "$date": date.fromisoformat,
    "$time": time.fromisoformat,
    "$decimal": Decimal,
    "$bytes": base64.b64decode,
    "$uuid": uuid.UUID,
    "$interval": lambda parts: timedelta(*parts),
    "$float": float,
    # JSON.NULL writes a JSON `null`; plain None (with none_as_null) writes SQL NULL.
    "$json": lambda document: JSON.NULL if document is None else document,
}


def decode(value):
    """The Python value of one encoded column value."""
    if not isinstance(value, dict):
        return value
    if len(value) != 1:
        raise ValueError(f"not an encoded value: {value!r}")
    ((tag, raw),) = value.items()
    if tag not in _DECODERS:
        raise ValueError(f"unknown value type {tag!r}")
    return _DECODERS[tag](raw)
