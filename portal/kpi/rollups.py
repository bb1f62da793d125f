"""Rollups kept as the data changes: per agent and day, the counts and sums of the
measures (portal/kpi/models.py, ReviewDay and its neighbours).

How they stay right: every flush that adds, changes or removes a review, a
criterion or section score, a dispute or an outcome record notes which (agent,
day) it touches; just before that transaction commits, those days' rollup rows are
computed again from the raw rows, in the same transaction. Recomputing a day is
exact by construction (no running deltas to drift), and a day is small. Writes
that bypass the ORM (the outcome import's bulk insert) call `touch_outcomes`.

`rebuild()` (also `flask portal rebuild-rollups`, and the job of that name) makes
every rollup again from the raw rows.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import Date, case, delete, event, func, insert, inspect, literal, select
from sqlalchemy.orm import Session

from portal.core import jobs
from portal.core.extensions import db
from portal.core.models import local_midnight
from portal.kpi import autoqa_rollups
from portal.kpi.changes import changed_values, local_day, one_at_a_time
from portal.kpi.models import (
    AutoQaDay,
    CriterionDay,
    DisputeDay,
    DurationDay,
    OutcomeDay,
    OutcomeRecord,
    ReviewDay,
    TargetedDay,
)
from reviews.models import REGULAR, SCORED, CriterionScore, Dispute, Review, SectionScore
from reviews.sampling import counted_by_default

UPHELD = ("accepted", "partially_accepted")
PENDING = "kpi_rollups"


# --- recomputing days from the raw rows ---------------------------------------------------


def _agents(column, agent_ids):
    return [column.in_(sorted(agent_ids))] if agent_ids is not None else []


def _counted(day: date, agent_ids, *, targeted: bool = False) -> list:
    """The reviews of ReviewDay and CriterionDay (the random sample and the reviews
    a person chose), or with `targeted` those of TargetedDay."""
    default = counted_by_default()
    return [
        ~default if targeted else default,
        Review.kind == REGULAR,
        Review.state.in_(SCORED),
        Review.submitted_at >= local_midnight(day),
        Review.submitted_at < local_midnight(day + timedelta(days=1)),
        *_agents(Review.agent_id, agent_ids),
    ]


def _review_day(session, day: date, agent_ids) -> None:
    """ReviewDay, DisputeDay and CriterionDay rows of one day, for these agents
    (None: all), from the reviews."""
    on_day = literal(day, Date)
    for model in (ReviewDay, TargetedDay, DisputeDay, CriterionDay):
        session.execute(delete(model).where(model.day == day, *_agents(model.agent_id, agent_ids)))
    counted = _counted(day, agent_ids)
    for model, where in (
        (ReviewDay, counted),
        (TargetedDay, _counted(day, agent_ids, targeted=True)),
    ):
        session.execute(
            insert(model).from_select(
                ["agent_id", "day", "reviews", "score_sum", "score_n", "passed", "passed_n"]
                + ["critical_fails"],
                select(
                    Review.agent_id,
                    on_day,
                    func.count(Review.id),
                    func.coalesce(func.sum(Review.score), 0.0),
                    func.count(Review.score),
                    func.sum(case((Review.passed.is_(True), 1), else_=0)),
                    func.count(Review.passed),
                    func.sum(case((Review.critical_failed.is_(True), 1), else_=0)),
                )
                .where(*where)
                .group_by(Review.agent_id),
            )
        )
    for level, model, key in (
        ("criterion", CriterionScore, CriterionScore.criterion_key),
        ("section", SectionScore, SectionScore.section_key),
    ):
        session.execute(
            insert(CriterionDay).from_select(
                ["agent_id", "day", "level", "key", "percent_sum", "n"],
                select(
                    Review.agent_id,
                    on_day,
                    literal(level),
                    key,
                    func.sum(model.percent),
                    func.count(model.percent),
                )
                .join(Review, Review.id == model.review_id)
                .where(*counted, model.percent.is_not(None))
                .group_by(Review.agent_id, key),
            )
        )
    session.execute(
        insert(DisputeDay).from_select(
            ["agent_id", "day", "raised", "upheld"],
            select(
                Review.agent_id,
                on_day,
                func.count(Dispute.id),
                func.sum(case((Dispute.state.in_(UPHELD), 1), else_=0)),
            )
            .join(Review, Review.id == Dispute.review_id)
            .where(
                Dispute.raised_at >= local_midnight(day),
                Dispute.raised_at < local_midnight(day + timedelta(days=1)),
                *_agents(Review.agent_id, agent_ids),
            )
            .group_by(Review.agent_id),
        )
    )


def _yes(column):
    return func.sum(case((column.is_(True), 1), else_=0))


def _outcome_days(session, days: list[date] | None, agent_ids) -> None:
    """OutcomeDay and DurationDay rows of these days (None: every day) and agents."""
    o = OutcomeRecord
    on_days = [o.occurred_on.in_(days)] if days is not None else []
    for model in (OutcomeDay, DurationDay):
        in_days = [model.day.in_(days)] if days is not None else []
        session.execute(delete(model).where(*in_days, *_agents(model.agent_id, agent_ids)))
    where = [*on_days, *_agents(o.agent_id, agent_ids)]
    session.execute(
        insert(OutcomeDay).from_select(
            [
                *("agent_id", "day", "nps_n", "nps_promoters", "nps_detractors"),
                *("csat_n", "csat_good", "frt_sum", "frt_n", "atht_sum", "atht_n"),
                *("complaint_yes", "complaint_n", "recontact_yes", "recontact_n"),
                *("returned_yes", "returned_n"),
            ],
            select(
                o.agent_id,
                o.occurred_on,
                func.count(o.nps),
                func.sum(case((o.nps >= 9, 1), else_=0)),
                func.sum(case((o.nps <= 6, 1), else_=0)),
                func.count(o.csat),
                func.sum(case((o.csat >= 4, 1), else_=0)),
                func.coalesce(func.sum(o.first_response_seconds), 0),
                func.count(o.first_response_seconds),
                func.coalesce(func.sum(o.handling_seconds), 0),
                func.count(o.handling_seconds),
                _yes(o.complaint),
                func.count(o.complaint),
                _yes(o.recontact),
                func.count(o.recontact),
                _yes(o.returned),
                func.count(o.returned),
            )
            .where(*where)
            .group_by(o.agent_id, o.occurred_on),
        )
    )
    for measure, column in (("frt", o.first_response_seconds), ("atht", o.handling_seconds)):
        session.execute(
            insert(DurationDay).from_select(
                ["agent_id", "day", "measure", "seconds", "n"],
                select(o.agent_id, o.occurred_on, literal(measure), column, func.count())
                .where(*where, column.is_not(None))
                .group_by(o.agent_id, o.occurred_on, column),
            )
        )


def refresh_reviews(keys: Iterable[tuple[int, date]], session=None) -> None:
    """Compute these (agent, day) review rollups again; one pass per day."""
    session = session or db.session
    by_day: dict[date, set[int]] = defaultdict(set)
    for agent_id, day in keys:
        by_day[day].add(agent_id)
    for day, agent_ids in sorted(by_day.items()):
        _review_day(session, day, agent_ids)


def refresh_outcomes(keys: Iterable[tuple[int, date]], session=None) -> None:
    session = session or db.session
    by_day: dict[date, set[int]] = defaultdict(set)
    for agent_id, day in keys:
        by_day[day].add(agent_id)
    # Days with the same agents share one pass: an import touches many days of
    # each agent, and the statements are per set of agents.
    by_agents: dict[frozenset, list[date]] = defaultdict(list)
    for day, agent_ids in by_day.items():
        by_agents[frozenset(agent_ids)].append(day)
    for agent_ids, days in by_agents.items():
        _outcome_days(session, sorted(days), set(agent_ids))


def rebuild(session=None) -> dict:
    """Every rollup made again from the raw rows (not committed). Returns counts.
    `session`: another than the app's (the migration that added the rollups)."""
    session = session or db.session
    first, last = session.execute(
        select(func.min(Review.submitted_at), func.max(Review.submitted_at))
    ).one()
    dispute_first, dispute_last = session.execute(
        select(func.min(Dispute.raised_at), func.max(Dispute.raised_at))
    ).one()
    for model in (ReviewDay, TargetedDay, DisputeDay, CriterionDay):
        session.execute(delete(model))
    moments = [m for m in (first, last, dispute_first, dispute_last) if m is not None]
    days = 0
    if moments:
        day, end = local_day(min(moments)), local_day(max(moments))
        while day <= end:
            _review_day(session, day, None)
            day += timedelta(days=1)
            days += 1
    _outcome_days(session, None, None)
    autoqa_rollups.rebuild(session)
    counts = {
        model.__tablename__: session.scalar(select(func.count()).select_from(model))
        for model in (ReviewDay, TargetedDay, DisputeDay, CriterionDay, OutcomeDay)
        + (DurationDay, AutoQaDay)
    }
    return {"days": days, **counts}


# --- noticing what a transaction touched ----------------------------------------------------


def _pending(session: Session) -> dict:
    return session.info.setdefault(
        PENDING, {"reviews": set(), "review_ids": set(), "outcomes": set()}
    )


@event.listens_for(Session, "after_flush")
def _note_changes(session: Session, _context) -> None:
    touched = None
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Review):
            touched = touched or _pending(session)
            state = inspect(obj)
            days = {local_day(m) for m in changed_values(state, "submitted_at")}
            for agent_id in changed_values(state, "agent_id"):
                touched["reviews"].update((agent_id, d) for d in days)
        elif isinstance(obj, CriterionScore | SectionScore | Dispute):
            touched = touched or _pending(session)
            touched["review_ids"].update(changed_values(inspect(obj), "review_id"))
        elif isinstance(obj, OutcomeRecord):
            touched = touched or _pending(session)
            state = inspect(obj)
            for agent_id in changed_values(state, "agent_id"):
                touched["outcomes"].update(
                    (agent_id, d) for d in changed_values(state, "occurred_on")
                )


def touch_outcomes(keys: Iterable[tuple[int, date]]) -> None:
    """For writes that bypass the ORM: these (agent, day) outcome rollups are
    computed again before the transaction commits."""
    _pending(db.session())["outcomes"].update(keys)


def _review_keys(session, review_ids: set[int]) -> set[tuple[int, date]]:
    """The (agent, day) of these reviews: the day they were submitted, and the days
    their disputes were raised."""
    keys = set()
    ids = sorted(review_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for agent_id, submitted_at in session.execute(
            select(Review.agent_id, Review.submitted_at).where(Review.id.in_(chunk))
        ):
            if submitted_at is not None:
                keys.add((agent_id, local_day(submitted_at)))
        for agent_id, raised_at in session.execute(
            select(Review.agent_id, Dispute.raised_at)
            .join(Review, Review.id == Dispute.review_id)
            .where(Dispute.review_id.in_(chunk))
        ):
            keys.add((agent_id, local_day(raised_at)))
    return keys


ROLLUP_LOCK = 7301  # the first key of the advisory locks (the second: the agent)


@event.listens_for(Session, "before_commit")
def _refresh_touched(session: Session) -> None:
    # Commit flushes only after this hook: flush now, so what is still unflushed
    # notes its days too (a no-op when nothing is).
    session.flush()
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    keys = pending["reviews"] | _review_keys(session, pending["review_ids"])
    one_at_a_time(session, ROLLUP_LOCK, {a for a, _ in keys} | {a for a, _ in pending["outcomes"]})
    if keys:
        refresh_reviews(keys, session)
    if pending["outcomes"]:
        refresh_outcomes(pending["outcomes"], session)
    # The refresh's own statements note nothing (they are not ORM objects).
    session.info.pop(PENDING, None)


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, _previous) -> None:
    session.info.pop(PENDING, None)


# --- the rebuild as a background job ----------------------------------------------------------

REBUILD = "kpi_rollup_rebuild"


@jobs.kind(REBUILD, per_person=1, keep_for=timedelta(days=30))
def _rebuild_job(job: jobs.Job, beat) -> dict:
    """Safe to run again after a dead worker: it replaces every rollup row, and the
    runner commits it with the job (a half-done rebuild never shows)."""
    return rebuild()


def start_rebuild(by_id: int | None = None) -> jobs.Job:
    return jobs.start(REBUILD, by_id=by_id, params={})
