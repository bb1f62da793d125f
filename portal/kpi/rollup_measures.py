"""The KPI measures read from the rollups (portal/kpi/rollups.py): the same values
as `review_measures` and `outcome_measures` compute from the raw rows (a property
test holds them equal), in a fixed number of statements whatever the period's
length or the number of reviews, since a period is a sum over its days.

Means are sums over counts; medians come exact from the one-second histograms.
"""

from collections import defaultdict

from sqlalchemy import BigInteger, Float, case, cast, func, literal, select, true, union_all

from portal.core.extensions import db
from portal.kpi.aggregates import tidy_review_figures
from portal.kpi.models import (
    AutoQaDay,
    CriterionDay,
    DisputeDay,
    DurationDay,
    OutcomeDay,
    ReviewDay,
    TargetedDay,
)
from portal.kpi.periods import Period


def _ratio(hits, total, scale: float = 1.0):
    """scale × Σhits / Σtotal, None where there is nothing to divide by."""
    return scale * cast(func.sum(hits), Float) / func.nullif(func.sum(total), 0)


def _in(model, agent_ids: list[int], period: Period) -> list:
    return [model.agent_id.in_(agent_ids), model.day.between(period.start, period.end)]


def _review_days(model, flag: int, agent_ids, period):
    m = model
    return select(
        m.agent_id,
        m.reviews,
        m.score_sum,
        m.score_n,
        m.passed,
        m.passed_n,
        m.critical_fails,
        literal(flag).label("targeted"),
    ).where(*_in(m, agent_ids, period))


def review_measures(
    agent_ids: list[int], period: Period, *, with_targeted: bool = False
) -> dict[int, dict]:
    """The reviews' figures over the random sample (and reviews a person chose), or
    with the targeted ones too; their number apart either way. One statement."""
    d = DisputeDay
    days = union_all(
        _review_days(ReviewDay, 0, agent_ids, period),
        _review_days(TargetedDay, 1, agent_ids, period),
    ).subquery()
    counted = true() if with_targeted else days.c.targeted == 0

    def only(column):
        return case((counted, column), else_=0)

    found: dict[int, dict] = defaultdict(dict)
    for row in db.session.execute(
        select(
            days.c.agent_id,
            func.sum(only(days.c.reviews)).label("review_count"),
            _ratio(only(days.c.score_sum), only(days.c.score_n)).label("review_score"),
            _ratio(only(days.c.passed), only(days.c.passed_n), 100.0).label("pass_rate"),
            func.sum(only(days.c.critical_fails)).label("critical_fails"),
            func.sum(case((days.c.targeted == 1, days.c.reviews), else_=0)).label(
                "targeted_reviews"
            ),
        ).group_by(days.c.agent_id)
    ):
        found[row.agent_id].update(dict(row._mapping))
    for row in db.session.execute(
        select(
            d.agent_id,
            func.sum(d.raised).label("disputes_raised"),
            func.sum(d.upheld).label("disputes_upheld"),
        )
        .where(*_in(d, agent_ids, period))
        .group_by(d.agent_id)
    ):
        found[row.agent_id].update(dict(row._mapping))
    return tidy_review_figures(found)


def autoqa_measures(agent_ids: list[int], period: Period) -> dict[int, dict]:
    """The automatic QA's figures: apart from the reviews', by the calls' own days."""
    a = AutoQaDay
    return {
        row.agent_id: {
            "auto_qa_calls": row.calls,
            "auto_qa_share": row.share,
            "auto_qa_score": row.score,
        }
        for row in db.session.execute(
            select(
                a.agent_id,
                func.sum(a.calls).label("calls"),
                _ratio(a.calls, a.interactions, 100.0).label("share"),
                _ratio(a.score_sum, a.calls).label("score"),
            )
            .where(*_in(a, agent_ids, period))
            .group_by(a.agent_id)
        )
    }


def _averages(level: str, scale: float, agent_ids, period) -> dict[int, list]:
    c = CriterionDay
    found: dict[int, list] = defaultdict(list)
    for agent_id, key, mean, n in db.session.execute(
        select(c.agent_id, c.key, _ratio(c.percent_sum, c.n, scale), func.sum(c.n))
        .where(*_in(c, agent_ids, period), c.level == level)
        .group_by(c.agent_id, c.key)
    ):
        found[agent_id].append((key, mean, n))
    for rows in found.values():
        rows.sort(key=lambda row: row[1])
    return found


def criterion_averages(agent_ids: list[int], period: Period) -> dict[int, list]:
    """Per agent: (criterion key, mean %, how many scores), weakest first."""
    return _averages("criterion", 100.0, agent_ids, period)


def section_averages(agent_ids: list[int], period: Period) -> dict[int, list]:
    """Per agent: (section key, mean section %, how many reviews), weakest first."""
    return _averages("section", 1.0, agent_ids, period)


def _medians(measure: str, agent_ids: list[int], period: Period) -> dict[int, float]:
    """The exact median per agent from the period's histogram: the value at the
    middle position (or the mean of the two middle ones), found by running counts."""
    h = DurationDay
    counts = (
        select(h.agent_id, h.seconds, func.sum(h.n).label("n"))
        .where(*_in(h, agent_ids, period), h.measure == measure)
        .group_by(h.agent_id, h.seconds)
        .subquery()
    )
    return dict(db.session.execute(_median_of(counts, [])).all())


def outcome_measures(agent_ids: list[int], period: Period) -> dict[int, dict]:
    o = OutcomeDay
    rows = db.session.execute(
        select(
            o.agent_id,
            (
                _ratio(o.nps_promoters, o.nps_n, 100.0) - _ratio(o.nps_detractors, o.nps_n, 100.0)
            ).label("nps"),
            _ratio(o.csat_good, o.csat_n, 100.0).label("csat"),
            _ratio(o.frt_sum, o.frt_n).label("frt_mean"),
            _ratio(o.atht_sum, o.atht_n).label("atht_mean"),
            _ratio(o.complaint_yes, o.complaint_n, 100.0).label("complaint_rate"),
            _ratio(o.recontact_yes, o.recontact_n, 100.0).label("recontact_rate"),
            _ratio(o.returned_yes, o.returned_n, 100.0).label("return_rate"),
            func.sum(o.nps_n).label("nps_answers"),
            func.sum(o.csat_n).label("csat_answers"),
        )
        .where(*_in(o, agent_ids, period))
        .group_by(o.agent_id)
    )
    found = {r.agent_id: dict(r._mapping) for r in rows}
    for code, measure in (("frt_median", "frt"), ("atht_median", "atht")):
        for agent_id, value in _medians(measure, agent_ids, period).items():
            found.setdefault(agent_id, {})[code] = value
    return found


# --- several periods at once (the sheet's trend) ---------------------------------------------


def _bucket(model, periods: list[Period]):
    """Which of the periods a rollup day falls in (their index), in SQL."""
    return case(*[(model.day.between(p.start, p.end), i) for i, p in enumerate(periods)])


def _spanning(model, agent_ids, periods):
    return [
        model.agent_id.in_(agent_ids),
        model.day.between(min(p.start for p in periods), max(p.end for p in periods)),
    ]


def trend_values(agent_ids: list[int], periods: list[Period]) -> dict[tuple[int, int], dict]:
    """{(agent, period index): {review_score, csat, nps, frt_median}} for all the
    periods in three statements, however many periods or days they cover."""
    found: dict[tuple[int, int], dict] = defaultdict(dict)
    if not agent_ids or not periods:
        return found
    r, o, h = ReviewDay, OutcomeDay, DurationDay
    review_bucket, outcome_bucket = _bucket(r, periods), _bucket(o, periods)
    for agent_id, index, score in db.session.execute(
        select(r.agent_id, review_bucket, _ratio(r.score_sum, r.score_n))
        .where(*_spanning(r, agent_ids, periods))
        .group_by(r.agent_id, review_bucket)
    ):
        if index is not None:
            found[(agent_id, index)]["review_score"] = score
    for agent_id, index, nps, csat in db.session.execute(
        select(
            o.agent_id,
            outcome_bucket,
            _ratio(o.nps_promoters, o.nps_n, 100.0) - _ratio(o.nps_detractors, o.nps_n, 100.0),
            _ratio(o.csat_good, o.csat_n, 100.0),
        )
        .where(*_spanning(o, agent_ids, periods))
        .group_by(o.agent_id, outcome_bucket)
    ):
        if index is not None:
            found[(agent_id, index)].update(nps=nps, csat=csat)
    bucket = _bucket(h, periods).label("bucket")
    counts = (
        select(h.agent_id, bucket, h.seconds, func.sum(h.n).label("n"))
        .where(*_spanning(h, agent_ids, periods), h.measure == "frt")
        .group_by(h.agent_id, bucket, h.seconds)
        .subquery()
    )
    for agent_id, index, median in db.session.execute(_median_of(counts, [counts.c.bucket])):
        if index is not None:
            found[(agent_id, index)]["frt_median"] = median
    return found


def _median_of(counts, groups: list):
    """The exact median per agent (and `groups`) from a histogram subquery with
    columns agent_id, seconds, n."""
    partition = [counts.c.agent_id, *groups]
    # Cast: PostgreSQL sums integers as numeric, and (n + 1) // 2 must stay whole.
    running = select(
        *partition,
        counts.c.seconds,
        cast(
            func.sum(counts.c.n).over(partition_by=partition, order_by=counts.c.seconds),
            BigInteger,
        ).label("upto"),
        cast(func.sum(counts.c.n).over(partition_by=partition), BigInteger).label("total"),
    ).subquery()
    low = func.min(case((running.c.upto >= (running.c.total + 1) // 2, running.c.seconds)))
    high = func.min(case((running.c.upto >= (running.c.total + 2) // 2, running.c.seconds)))
    keys = [running.c.agent_id, *(running.c[g.name] for g in groups)]
    return select(*keys, (cast(low, Float) + high) / 2.0).group_by(*keys)
