"""Customer-outcome measures from the imported records: NPS, CSAT, times with medians, rates.

One statement for the means and rates plus one per median, whatever the number of agents.
"""

from sqlalchemy import Float, cast, func, select

from portal.core.extensions import db
from portal.kpi.aggregates import percent_of, rate
from portal.kpi.models import OutcomeRecord
from portal.kpi.periods import Period


def _medians(column, agent_ids: list[int], period: Period) -> dict[int, float]:
    """Median per agent with window functions (SQLite and PostgreSQL alike): the
    middle value, or the mean of the two middle values for an even count."""
    ranked = (
        select(
            OutcomeRecord.agent_id.label("agent_id"),
            cast(column, Float).label("value"),
            func.row_number()
            .over(partition_by=OutcomeRecord.agent_id, order_by=column)
            .label("rn"),
            func.count().over(partition_by=OutcomeRecord.agent_id).label("n"),
        )
        .where(
            OutcomeRecord.agent_id.in_(agent_ids),
            OutcomeRecord.occurred_on.between(period.start, period.end),
            column.is_not(None),
        )
        .subquery()
    )
    middle = (ranked.c.n + 1) // 2, (ranked.c.n + 2) // 2  # floor division: the middle row(s)
    return dict(
        db.session.execute(
            select(ranked.c.agent_id, func.avg(ranked.c.value))
            .where(ranked.c.rn.in_([middle[0], middle[1]]))
            .group_by(ranked.c.agent_id)
        ).all()
    )


def outcome_measures(agent_ids: list[int], period: Period) -> dict[int, dict]:
    o = OutcomeRecord
    rows = db.session.execute(
        select(
            o.agent_id,
            (percent_of(o.nps >= 9, o.nps) - percent_of(o.nps <= 6, o.nps)).label("nps"),
            percent_of(o.csat >= 4, o.csat).label("csat"),
            func.avg(cast(o.first_response_seconds, Float)).label("frt_mean"),
            func.avg(cast(o.handling_seconds, Float)).label("atht_mean"),
            rate(o.complaint).label("complaint_rate"),
            rate(o.recontact).label("recontact_rate"),
            rate(o.returned).label("return_rate"),
            func.count(o.nps).label("nps_answers"),
            func.count(o.csat).label("csat_answers"),
        )
        .where(o.agent_id.in_(agent_ids), o.occurred_on.between(period.start, period.end))
        .group_by(o.agent_id)
    )
    found = {r.agent_id: dict(r._mapping) for r in rows}
    for code, column in (
        ("frt_median", o.first_response_seconds),
        ("atht_median", o.handling_seconds),
    ):
        for agent_id, value in _medians(column, agent_ids, period).items():
            found.setdefault(agent_id, {})[code] = value
    return found
