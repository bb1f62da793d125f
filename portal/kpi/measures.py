"""Every measure of a KPI sheet, computed in SQL for a set of agents and a period.

The number of statements is fixed (one per source, plus one per median), so
a team of 5 and a company of 500 cost the same number of queries.

Definitions (also written into the Excel "Definitions" sheet):
- NPS = % promoters (answers 9–10) − % detractors (0–6), over all 0–10 answers;
- CSAT = % of 1–5 answers that are 4 or 5;
- first response (FRT) and handling time (ATHT): median and mean, in seconds;
- complaint / re-contact / return rates: share of records marked yes among
  those that say yes or no;
- review score: mean review % of regular reviews submitted in the period
  (calibration reviews never count); pass rate: share of them passed.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import Float, and_, case, cast, func, select

from portal.core.extensions import db
from portal.kpi.models import OutcomeRecord
from portal.kpi.periods import Period

HIGHER, LOWER, NEUTRAL = "higher", "lower", "neutral"


@dataclass(frozen=True)
class Measure:
    code: str
    label: object  # lazy string
    unit: str  # "percent", "score", "seconds", "count"
    better: str
    group: str
    definition: object


MEASURES = [
    Measure(
        "review_count",
        _l("Reviews"),
        "count",
        NEUTRAL,
        "quality",
        _l("Regular reviews submitted in the period."),
    ),
    Measure(
        "review_score",
        _l("Review score"),
        "percent",
        HIGHER,
        "quality",
        _l("Mean review score of those reviews."),
    ),
    Measure(
        "pass_rate",
        _l("Pass rate"),
        "percent",
        HIGHER,
        "quality",
        _l("Share of those reviews that passed the rubric's pass mark."),
    ),
    Measure(
        "critical_fails",
        _l("Critical fails"),
        "count",
        LOWER,
        "quality",
        _l("Reviews in which a critical criterion failed."),
    ),
    Measure(
        "disputes_raised",
        _l("Disputes raised"),
        "count",
        NEUTRAL,
        "quality",
        _l("Disputes the agent raised in the period."),
    ),
    Measure(
        "disputes_upheld",
        _l("Disputes upheld"),
        "count",
        NEUTRAL,
        "quality",
        _l("Of those, accepted in full or in part."),
    ),
    Measure(
        "nps",
        _l("NPS"),
        "score",
        HIGHER,
        "customer",
        _l("Share of 9–10 answers minus share of 0–6 answers, in points from −100 to 100."),
    ),
    Measure(
        "csat",
        _l("CSAT"),
        "percent",
        HIGHER,
        "customer",
        _l("Share of 1–5 satisfaction answers that are 4 or 5."),
    ),
    Measure(
        "frt_median",
        _l("First response, median"),
        "seconds",
        LOWER,
        "customer",
        _l("Median time to the first response."),
    ),
    Measure(
        "frt_mean",
        _l("First response, mean"),
        "seconds",
        LOWER,
        "customer",
        _l("Mean time to the first response."),
    ),
    Measure(
        "atht_median",
        _l("Handling time, median"),
        "seconds",
        LOWER,
        "customer",
        _l("Median handling time of a ticket or call."),
    ),
    Measure(
        "atht_mean",
        _l("Handling time, mean"),
        "seconds",
        LOWER,
        "customer",
        _l("Mean handling time (ATHT)."),
    ),
    Measure(
        "complaint_rate",
        _l("Complaint rate"),
        "percent",
        LOWER,
        "customer",
        _l("Share of contacts that became complaints."),
    ),
    Measure(
        "recontact_rate",
        _l("Re-contact rate"),
        "percent",
        LOWER,
        "customer",
        _l("Share of contacts followed by another within 7 days."),
    ),
    Measure(
        "return_rate",
        _l("Return rate"),
        "percent",
        LOWER,
        "customer",
        _l("Share of contacts that ended in a product return."),
    ),
    Measure(
        "onboarding_done",
        _l("Onboarding done"),
        "percent",
        HIGHER,
        "training",
        _l("Share of assigned onboarding items completed (today)."),
    ),
    Measure(
        "overdue_items",
        _l("Overdue items"),
        "count",
        LOWER,
        "training",
        _l("Onboarding items not done whose module is past its due date (today)."),
    ),
    Measure(
        "quizzes_passed",
        _l("Quizzes passed"),
        "count",
        HIGHER,
        "training",
        _l("Quizzes whose grade reaches their pass mark (to date)."),
    ),
    Measure(
        "quiz_best",
        _l("Best quiz score"),
        "percent",
        HIGHER,
        "training",
        _l("Highest quiz grade to date."),
    ),
    Measure(
        "quiz_latest",
        _l("Latest quiz score"),
        "percent",
        HIGHER,
        "training",
        _l("Grade of the most recently taken quiz."),
    ),
]
BY_CODE = {m.code: m for m in MEASURES}


def _percent_of(condition, over):
    """100 × (rows where condition) / (rows where `over` is not null); None with no rows."""
    hits = func.sum(case((condition, 1.0), else_=0.0))
    return 100.0 * hits / func.nullif(func.count(over), 0)


def _rate(column):
    return 100.0 * func.avg(case((column.is_(None), None), (column, 1.0), else_=0.0))


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
            (_percent_of(o.nps >= 9, o.nps) - _percent_of(o.nps <= 6, o.nps)).label("nps"),
            _percent_of(o.csat >= 4, o.csat).label("csat"),
            func.avg(cast(o.first_response_seconds, Float)).label("frt_mean"),
            func.avg(cast(o.handling_seconds, Float)).label("atht_mean"),
            _rate(o.complaint).label("complaint_rate"),
            _rate(o.recontact).label("recontact_rate"),
            _rate(o.returned).label("return_rate"),
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


def review_measures(agent_ids: list[int], period: Period) -> dict[int, dict]:
    from reviews.models import Dispute, Review

    begin, after = period.utc_bounds()
    counted = counted_reviews(agent_ids, period)
    found: dict[int, dict] = defaultdict(dict)
    for r in db.session.execute(
        select(
            Review.agent_id,
            func.count(Review.id).label("review_count"),
            func.avg(Review.score).label("review_score"),
            _percent_of(Review.passed.is_(True), Review.passed).label("pass_rate"),
            func.sum(case((Review.critical_failed.is_(True), 1), else_=0)).label("critical_fails"),
        )
        .where(counted)
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
    return found


def training_measures(agent_ids: list[int], today: date) -> dict[int, dict]:
    """Onboarding and quizzes as they stand today (they are not period-bound)."""
    from portal.onboarding.models import (
        ItemProgress,
        ModuleItem,
        OnboardingAssignment,
        OnboardingModule,
    )
    from portal.onboarding.status import OVERDUE, module_status
    from quizzes.models import Quiz, QuizAttempt
    from quizzes.results import grades

    a, item, progress = OnboardingAssignment, ModuleItem, ItemProgress
    completed = progress.completed_at.is_not(None)
    # Per person and module, the counts the onboarding matrix works from, so the
    # KPI and the matrix agree (a module finished once and changed later asks to
    # be read again; it is not overdue). Coaching refreshers are not onboarding.
    rows = db.session.execute(
        select(
            a.user_id,
            a.module_id,
            a.due_date,
            func.count(item.id).label("total"),
            func.sum(case((completed, 1), else_=0)).label("completed"),
            func.sum(case((and_(completed, progress.stale.is_(True)), 1), else_=0)).label("stale"),
            func.count(progress.opened_at).label("touched"),
        )
        .join(OnboardingModule, OnboardingModule.id == a.module_id)
        .join(item, and_(item.module_id == a.module_id, item.removed_at.is_(None)))
        .outerjoin(progress, and_(progress.item_id == item.id, progress.user_id == a.user_id))
        .where(a.user_id.in_(agent_ids), OnboardingModule.refresher_for_id.is_(None))
        .group_by(a.user_id, a.module_id, a.due_date)
    ).all()
    found: dict[int, dict] = defaultdict(dict)
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])  # items, fresh done, overdue
    for r in rows:
        completed_n, stale_n = r.completed or 0, r.stale or 0
        fresh = completed_n - stale_n
        state = module_status(
            total=r.total,
            fresh=fresh,
            completed=completed_n,
            stale=stale_n,
            touched=r.touched or 0,
            due=r.due_date,
            today=today,
        )
        entry = totals[r.user_id]
        entry[0] += r.total
        entry[1] += fresh
        if state == OVERDUE:
            entry[2] += r.total - fresh
    for user_id, (items, fresh, overdue) in totals.items():
        found[user_id]["onboarding_done"] = 100.0 * fresh / items if items else None
        found[user_id]["overdue_items"] = overdue
    quizzes = {q.id: q for q in db.session.scalars(select(Quiz))}
    for grade in grades(QuizAttempt.user_id.in_(agent_ids)):
        quiz = quizzes[grade.quiz_id]
        value = grade.by(quiz.grading_method)
        entry = found[grade.user_id]
        entry.setdefault("quizzes_passed", 0)
        if value is not None and value >= quiz.pass_percent:
            entry["quizzes_passed"] += 1
        if grade.highest is not None:
            entry["quiz_best"] = max(entry.get("quiz_best") or 0, grade.highest)
        # The latest finished attempt across quizzes (an attempt still running
        # does not make its quiz the latest one).
        if (
            grade.last is not None
            and grade.last_finished is not None
            and (entry.get("_latest_at") is None or grade.last_finished > entry["_latest_at"])
        ):
            entry["quiz_latest"], entry["_latest_at"] = grade.last, grade.last_finished
    for entry in found.values():
        entry.pop("_latest_at", None)
    return found


def sheet_values(agent_ids: list[int], period: Period, today: date) -> dict[int, dict]:
    """Every measure for every agent: {agent_id: {code: value or None}}."""
    values = {agent_id: dict.fromkeys(BY_CODE) for agent_id in agent_ids}
    if not agent_ids:
        return values
    for source in (
        review_measures(agent_ids, period),
        outcome_measures(agent_ids, period),
        training_measures(agent_ids, today),
    ):
        for agent_id, measures in source.items():
            values[agent_id].update({k: v for k, v in measures.items() if k in BY_CODE})
    for entry in values.values():
        entry["review_count"] = entry["review_count"] or 0
    return values


def counted_reviews(agent_ids: list[int], period: Period):
    """The reviews a KPI counts: the agents' regular reviews submitted in the period
    (calibration reviews and drafts never count)."""
    from reviews.models import REGULAR, Review
    from reviews.models import SCORED

    begin, after = period.utc_bounds()
    return and_(
        Review.agent_id.in_(agent_ids),
        Review.kind == REGULAR,
        Review.state.in_(SCORED),
        Review.submitted_at >= begin,
        Review.submitted_at < after,
    )


def _averages(
    model, key, scale: float, agent_ids, period
) -> dict[int, list[tuple[str, float, int]]]:
    """Per agent: (key, mean percent, how many), weakest first, over counted reviews."""
    from reviews.models import Review

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
    from reviews.models import CriterionScore

    return _averages(CriterionScore, CriterionScore.criterion_key, 100.0, agent_ids, period)


def section_averages(
    agent_ids: list[int], period: Period
) -> dict[int, list[tuple[str, float, int]]]:
    """Per agent: (section key, mean section %, how many reviews), weakest first."""
    from reviews.models import SectionScore

    return _averages(SectionScore, SectionScore.section_key, 1.0, agent_ids, period)


def versions_used(agent_ids: list[int], period: Period) -> set[int]:
    """The rubric versions the agents' counted reviews of the period were scored with."""
    from reviews.models import Review

    return set(
        db.session.scalars(
            select(Review.rubric_version_id).where(counted_reviews(agent_ids, period)).distinct()
        )
    )
