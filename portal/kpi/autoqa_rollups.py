"""Auto-QA rollups: per agent and day (when the calls happened, in the portal's
time zone), how many interactions there were, how many of them the automatic QA
scored, the sum of their scores and how many passed (portal/kpi/models.py
AutoQaDay).

Kept the way the review rollups are (portal/kpi/rollups.py): a flush that adds a
call, writes its analysis, or moves it to another agent or day notes the (agent,
day); just before the transaction commits those days are computed again from the
raw rows. The analysis job commits in its own session, and the hooks are on every
session, so it is covered too.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import Date, case, delete, event, func, insert, inspect, literal, select
from sqlalchemy.orm import Session

from autoqa.models import CallAnalysis
from portal.core.models import local_midnight
from portal.kpi.changes import changed_values, local_day, one_at_a_time
from portal.kpi.models import AutoQaDay
from reviews.models import Interaction

PENDING = "kpi_autoqa_rollups"
AUTOQA_LOCK = 7302  # advisory lock key, apart from the review rollups' (no waits between them)


def _calls_day(session, day: date, agent_ids) -> None:
    agents = [AutoQaDay.agent_id.in_(sorted(agent_ids))] if agent_ids is not None else []
    session.execute(delete(AutoQaDay).where(AutoQaDay.day == day, *agents))
    a, i = CallAnalysis, Interaction
    session.execute(
        insert(AutoQaDay).from_select(
            ["agent_id", "day", "interactions", "calls", "score_sum", "passed"],
            select(
                i.agent_id,
                literal(day, Date),
                func.count(i.id),
                func.count(a.auto_score),
                func.coalesce(func.sum(a.auto_score), 0.0),
                func.sum(case((a.auto_passed.is_(True), 1), else_=0)),
            )
            .select_from(i)
            .outerjoin(a, a.interaction_id == i.id)
            .where(
                i.occurred_at >= local_midnight(day),
                i.occurred_at < local_midnight(day + timedelta(days=1)),
                *([i.agent_id.in_(sorted(agent_ids))] if agent_ids is not None else []),
            )
            .group_by(i.agent_id),
        )
    )


def refresh(keys: Iterable[tuple[int, date]], session: Session) -> None:
    by_day: dict[date, set[int]] = defaultdict(set)
    for agent_id, day in keys:
        by_day[day].add(agent_id)
    for day, agent_ids in sorted(by_day.items()):
        _calls_day(session, day, agent_ids)


def rebuild(session: Session) -> int:
    """Every auto-QA rollup made again from the analyses; returns the days walked."""
    session.execute(delete(AutoQaDay))
    first, last = session.execute(
        select(func.min(Interaction.occurred_at), func.max(Interaction.occurred_at))
    ).one()
    if first is None:
        return 0
    day, end, days = local_day(first), local_day(last), 0
    while day <= end:
        _calls_day(session, day, None)
        day, days = day + timedelta(days=1), days + 1
    return days


def _pending(session: Session) -> dict:
    return session.info.setdefault(PENDING, {"calls": set(), "keys": set()})


@event.listens_for(Session, "after_flush")
def _note(session: Session, _context) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, CallAnalysis):
            _pending(session)["calls"].update(changed_values(inspect(obj), "interaction_id"))
        elif isinstance(obj, Interaction):  # a new call counts; a moved one, both places
            state = inspect(obj)
            moved = state.attrs.agent_id.history, state.attrs.occurred_at.history
            if obj in session.new or obj in session.deleted or any(h.has_changes() for h in moved):
                days = {local_day(m) for m in changed_values(state, "occurred_at")}
                _pending(session)["keys"].update(
                    (agent, d) for agent in changed_values(state, "agent_id") for d in days
                )


@event.listens_for(Session, "before_commit")
def _refresh(session: Session) -> None:
    session.flush()
    pending = session.info.pop(PENDING, None)
    if not pending or not (pending["calls"] or pending["keys"]):
        return
    keys = set(pending["keys"])
    ids = sorted(pending["calls"])
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(Interaction.agent_id, Interaction.occurred_at).where(
                Interaction.id.in_(ids[start : start + 500])
            )
        )
        keys.update((agent_id, local_day(moment)) for agent_id, moment in rows)
    one_at_a_time(session, AUTOQA_LOCK, {a for a, _ in keys})
    refresh(keys, session)
    session.info.pop(PENDING, None)


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, _previous) -> None:
    session.info.pop(PENDING, None)
