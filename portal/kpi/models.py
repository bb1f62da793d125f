"""Customer outcomes imported from the call/CRM system, KPI targets, and
export jobs (long exports run in the background)."""

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
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


# --- rollups (portal/kpi/rollups.py) ------------------------------------------------------
# Per agent and day in the portal's time zone, the counts and sums every measure
# needs, kept in the same transaction as the rows they summarise and rebuildable
# from them (`flask portal rebuild-rollups`). A sheet sums a period's days instead
# of reading every review and outcome of it.


class ReviewSums:
    """The sums of an agent's reviews submitted on a day (ReviewDay, TargetedDay)."""

    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    reviews: Mapped[int] = mapped_column(Integer, default=0)
    score_sum: Mapped[float] = mapped_column(Float, default=0.0)
    score_n: Mapped[int] = mapped_column(Integer, default=0)
    passed: Mapped[int] = mapped_column(Integer, default=0)
    passed_n: Mapped[int] = mapped_column(Integer, default=0)
    critical_fails: Mapped[int] = mapped_column(Integer, default=0)


class ReviewDay(ReviewSums, db.Model):
    """Counted reviews (regular, scored, not targeted) of an agent submitted on a day."""

    __tablename__ = "rollup_review_days"


class TargetedDay(ReviewSums, db.Model):
    """The same for the agent's targeted reviews (drawn by a signal, reviews/sampling.py),
    kept apart: an agent's QA figures count them only when the viewer asks."""

    __tablename__ = "rollup_targeted_days"


class DisputeDay(db.Model):
    """Disputes an agent raised on a day, and how many of them were upheld so far."""

    __tablename__ = "rollup_dispute_days"

    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    raised: Mapped[int] = mapped_column(Integer, default=0)
    upheld: Mapped[int] = mapped_column(Integer, default=0)


class CriterionDay(db.Model):
    """Per agent, day and criterion (or section): the sum and count of its percents
    over counted reviews."""

    __tablename__ = "rollup_criterion_days"

    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    level: Mapped[str] = mapped_column(String(10), primary_key=True)  # criterion / section
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    percent_sum: Mapped[float] = mapped_column(Float, default=0.0)
    n: Mapped[int] = mapped_column(Integer, default=0)


class OutcomeDay(db.Model):
    """An agent's customer outcomes on a day: counts and sums."""

    __tablename__ = "rollup_outcome_days"

    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    nps_n: Mapped[int] = mapped_column(Integer, default=0)
    nps_promoters: Mapped[int] = mapped_column(Integer, default=0)
    nps_detractors: Mapped[int] = mapped_column(Integer, default=0)
    csat_n: Mapped[int] = mapped_column(Integer, default=0)
    csat_good: Mapped[int] = mapped_column(Integer, default=0)
    frt_sum: Mapped[int] = mapped_column(BigInteger, default=0)
    frt_n: Mapped[int] = mapped_column(Integer, default=0)
    atht_sum: Mapped[int] = mapped_column(BigInteger, default=0)
    atht_n: Mapped[int] = mapped_column(Integer, default=0)
    complaint_yes: Mapped[int] = mapped_column(Integer, default=0)
    complaint_n: Mapped[int] = mapped_column(Integer, default=0)
    recontact_yes: Mapped[int] = mapped_column(Integer, default=0)
    recontact_n: Mapped[int] = mapped_column(Integer, default=0)
    returned_yes: Mapped[int] = mapped_column(Integer, default=0)
    returned_n: Mapped[int] = mapped_column(Integer, default=0)


class DurationDay(db.Model):
    """How many of an agent's records on a day took exactly `seconds` (first
    response or handling): a histogram at one-second resolution, from which a
    period's median is exact (the times are whole seconds)."""

    __tablename__ = "rollup_duration_days"

    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    measure: Mapped[str] = mapped_column(String(10), primary_key=True)  # frt / atht
    seconds: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)


class KpiVersion(db.Model):
    """A counter per agent (and 0 for what every sheet shows: targets, teams, the
    rubric and content catalogue), bumped by each transaction that changes what
    their KPI figures are made of; the pages' ETags are made from it."""

    __tablename__ = "kpi_versions"

    scope: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger, default=1)


class AutoQaDay(db.Model):
    """An agent's interactions on a day (by when they happened), and those the
    automatic QA scored (autoqa/auto_score.py): kept apart from the reviewers' ReviewDay, since
    the auto-QA score measures what the checks can hear, not the whole call."""

    __tablename__ = "rollup_autoqa_days"

    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    interactions: Mapped[int] = mapped_column(Integer, default=0)  # analysed or not
    calls: Mapped[int] = mapped_column(Integer, default=0)
    score_sum: Mapped[float] = mapped_column(Float, default=0.0)
    passed: Mapped[int] = mapped_column(Integer, default=0)
