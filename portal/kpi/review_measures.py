"""Review measures (count, score, pass rate, critical fails, disputes) and their averages.

Scores and averages read only what `counted_reviews` selects (regular reviews submitted in
the period); disputes count in the period they were raised.
"""

from collections import defaultdict

from sqlalchemy import and_, case, func, select, true

from portal.core.extensions import db
from portal.kpi.aggregates import percent_of, tidy_review_figures
from portal.kpi.periods import Period
from reviews.models import REGULAR, SCORED, CriterionScore, Dispute, Review, SectionScore
from reviews.sampling import counted_by_default


def counted_reviews(agent_ids: list[int], period: Period, *, with_targeted: bool = False):
    """The reviews a KPI counts: the agents' regular reviews submitted in the period
    (calibration reviews and drafts never count), without the targeted ones unless
    asked (reviews/sampling.py)."""
    begin, after = period.utc_bounds()
    return and_(
        true() if with_targeted else counted_by_default(),
        Review.agent_id.in_(agent_ids),
        Review.kind == REGULAR,
        Review.state.in_(SCORED),
        Review.submitted_at >= begin,
        Review.submitted_at < after,
    )


def review_measures(
    agent_ids: list[int], period: Period, *, with_targeted: bool = False
) -> dict[int, dict]:
    begin, after = period.utc_bounds()
    counted = counted_reviews(agent_ids, period, with_targeted=with_targeted)
    found: dict[int, dict] = defaultdict(dict)
    for r in db.session.execute(
        select(
            Review.agent_id,
            func.count(Review.id).label("review_count"),
            func.avg(Review.score).label("review_score"),
            percent_of(Review.passed.is_(True), Review.passed).label("pass_rate"),
            func.sum(case((Review.critical_failed.is_(True), 1), else_=0)).label("critical_fails"),
        )
        .where(counted)
        .group_by(Review.agent_id)
    ):
        found[r.agent_id].update(dict(r._mapping))
    everything = counted_reviews(agent_ids, period, with_targeted=True)
    for r in db.session.execute(
        select(Review.agent_id, func.count(Review.id).label("targeted_reviews"))
        .where(everything, ~counted_by_default())
        .group_by(Review.agent_id)
    ):
        found[r.agent_id].update(dict(r._mapping))
    upheld = Dispute.state.in_(["accepted", "partially_accepted"])
    for r in db.session.execute(
        select(
            Review.agent_id,
            func.count(Dispute.id).label("disputes_raised"),
            func.sum(case((upheld, 1), else_=0)).label("disputes_upheld"),
        )
        .join(Review, Review.id == Dispute.review_id)
        .where(
            Review.agent_id.in_(agent_ids),
            Dispute.raised_at >= begin,
            Dispute.raised_at < after,
        )
        .group_by(Review.agent_id)
    ):
        found[r.agent_id].update(dict(r._mapping))
    return tidy_review_figures(found)


def _averages(
    model, key, scale: float, agent_ids, period
) -> dict[int, list[tuple[str, float, int]]]:
    """Per agent: (key, mean percent, how many), weakest first, over counted reviews."""
    found: dict[int, list] = defaultdict(list)
    for agent_id, name, mean, n in db.session.execute(
        select(Review.agent_id, key, scale * func.avg(model.percent), func.count(model.percent))
        .join(Review, Review.id == model.review_id)
        .where(counted_reviews(agent_ids, period), model.percent.is_not(None))
        .group_by(Review.agent_id, key)
    ):
        found[agent_id].append((name, mean, n))
    for rows in found.values():
        rows.sort(key=lambda row: row[1])
    return found


def criterion_averages(
    agent_ids: list[int], period: Period
) -> dict[int, list[tuple[str, float, int]]]:
    """Per agent: (criterion key, mean %, how many scores), weakest first."""
    return _averages(CriterionScore, CriterionScore.criterion_key, 100.0, agent_ids, period)


def section_averages(
    agent_ids: list[int], period: Period
) -> dict[int, list[tuple[str, float, int]]]:
    """Per agent: (section key, mean section %, how many reviews), weakest first."""
    return _averages(SectionScore, SectionScore.section_key, 1.0, agent_ids, period)


def versions_used(agent_ids: list[int], period: Period) -> set[int]:
    """The rubric versions the agents' counted reviews of the period were scored with."""
    return set(
        db.session.scalars(
            select(Review.rubric_version_id).where(counted_reviews(agent_ids, period)).distinct()
        )
    )
