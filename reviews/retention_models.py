"""Retention of recordings: how long each channel's recordings are kept, and every
purge the rule made (reviews/retention.py)."""

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.extensions import db
from portal.core.models import UTCDateTime, utcnow


class RetentionRule(db.Model):
    """How long recordings of one channel are kept (voice is personal data)."""

    __tablename__ = "retention_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20), unique=True)
    days: Mapped[int] = mapped_column(Integer)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RetentionPurge(db.Model):
    """One run of retention for one channel: what it deleted, when and why."""

    __tablename__ = "retention_purges"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the schedule
    channel: Mapped[str] = mapped_column(String(20))
    days: Mapped[int] = mapped_column(Integer)
    cutoff: Mapped[datetime] = mapped_column(UTCDateTime)
    recordings: Mapped[int] = mapped_column(Integer, default=0)
    bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    interaction_ids: Mapped[list] = mapped_column(JSON, default=list)

    by = relationship("User")
