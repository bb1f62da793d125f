"""Dates and times in the reader's language and time zone, as Flask-Babel writes them.

Flask-Babel's format_datetime resolves the locale, the time zone and three CLDR
patterns on every call (about 40 µs); an inbox line shows one or two moments and a
page shows a few hundred. The patterns are the same for every call of a language,
so they are looked up once per locale here and applied directly (about 7 µs). The
output is Flask-Babel's, character for character (tests/test_dates.py compares
them in both languages).
"""

from datetime import UTC, datetime
from functools import lru_cache

from babel import Locale
from babel.dates import get_date_format, get_datetime_format, get_time_format
from flask_babel import get_locale, get_timezone


@lru_cache(maxsize=32)
def _short_patterns(locale_code: str):
    """(locale, glue, date pattern, time pattern) of the 'short' date-time."""
    locale = Locale.parse(locale_code)
    # Babel drops the quotes of the glue ("{1}, {0}") rather than parsing it.
    glue = get_datetime_format("short", locale=locale).replace("'", "")
    return locale, glue, get_date_format("short", locale), get_time_format("short", locale)


def short_datetime(moment: datetime | None) -> str:
    """A moment as Flask-Babel's format_datetime(moment, "short"); a naive moment
    is read as UTC, as Babel reads it."""
    if moment is None:
        return ""
    # get_locale() and get_timezone() are kept by Flask-Babel for the request (and
    # follow force_locale), so asking each time is cheap and never stale.
    locale, glue, date_pattern, time_pattern = _short_patterns(str(get_locale()))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(get_timezone())
    time_part = time_pattern.apply(moment.timetz(), locale, reference_date=moment.date())
    return glue.replace("{0}", time_part).replace("{1}", date_pattern.apply(moment, locale))
