"""Customer outcomes imported from the call/CRM system, KPI targets, and
export jobs (long exports run in the background)."""

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.extensions import db
from portal.core.models import UTCDateTime, utcnow


class OutcomeImport(db.Model):
    __tablename__ = "outcome_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    file_name: Mapped[str] = mapped_column(String(255), default="")
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    added: Mapped[int] = mapped_column(Integer, default=0)
    already_there: Mapped[int] = mapped_column(Integer, default=0)


class OutcomeRecord(db.Model):
    """One survey answer or contact record of an agent on a day (any measure may be empty)."""

    __tablename__ = "outcome_records"
    __table_args__ = (UniqueConstraint("record_key", name="uq_outcome_record_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The source system's id, or a fingerprint of the row: importing the same
    # file again finds every key taken and adds nothing.
    record_key: Mapped[str] = mapped_column(String(120))
    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    occurred_on: Mapped[date] = mapped_column(Date, index=True)
    nps: Mapped[int | None] = mapped_column(Integer)  # 0..10
    csat: Mapped[int | None] = mapped_column(Integer)  # 1..5
    first_response_seconds: Mapped[int | None] = mapped_column(Integer)
    handling_seconds: Mapped[int | None] = mapped_column(Integer)
    complaint: Mapped[bool | None] = mapped_column(Boolean)
    recontact: Mapped[bool | None] = mapped_column(Boolean)
    returned: Mapped[bool | None] = mapped_column(Boolean)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("outcome_imports.id"))


class KpiTarget(db.Model):
    """A target for one measure: the company default (no team) or a team's own."""

    __tablename__ = "kpi_targets"
    __table_args__ = (UniqueConstraint("measure", "team_id", name="uq_kpi_target"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    measure: Mapped[str] = mapped_column(String(40))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    value: Mapped[float] = mapped_column(Float)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
