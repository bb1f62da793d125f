"""Column helpers shared by every feature's models."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


def local_zone() -> ZoneInfo:
    """The portal's time zone (PORTAL_TIMEZONE, Vietnam by default)."""
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Ho_Chi_Minh"))


def local_today() -> date:
    """Today in the portal's time zone (Vietnam), not the server's.

    Due dates are calendar days for people in Vietnam; a UTC host would
    otherwise be a day behind between midnight and 7 am.
    """
    return datetime.now(local_zone()).date()


def from_local(moment: datetime | None) -> datetime | None:
    """A time people typed in the portal's time zone, as the UTC the database keeps."""
    return moment.replace(tzinfo=local_zone()).astimezone(UTC) if moment else None


def local_midnight(day: date) -> datetime:
    """The start of a calendar day in the portal's time zone, in UTC."""
    return datetime.combine(day, datetime.min.time(), local_zone()).astimezone(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on SQLite (which stores naive) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class VersionStamp:
    """Who wrote a kept version of some content, when, and why (history, not overwrite)."""

    change_note: Mapped[str] = mapped_column(String(300), default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @declared_attr
    def author(cls):
        return relationship("User")
