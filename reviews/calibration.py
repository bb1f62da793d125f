"""Calibration: several reviewers score the same interactions blind, then see
how far apart they are, from the benchmark (expert) reviewer and from each
other, with Krippendorff's alpha (interval) as the agreement measure, and how
far the automatic checks' suggestions agree with them (reviews/agreement.py).
Calibration reviews never count toward an agent's scores."""

import statistics
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.core.extensions import db
from reviews.agreement import CheckAgreement, alpha, of_calibration
from reviews.models import (
    CALIBRATION,
    SCORED,
    CalibrationSession,
    Interaction,
    Review,
    RubricVersion,
)
from reviews.reviewing import assign
from reviews.rubrics import criteria_of

WITHIN = 5.0  # points of the review % counted as "in line with the benchmark"


def create_session(
    title: str,
    version: RubricVersion,
    interactions: list[Interaction],
    reviewer_ids: list[int],
    *,
    benchmark_id: int | None,
    by,
) -> CalibrationSession:
    session = CalibrationSession(
        title=title,
        rubric_version_id=version.id,
        benchmark_id=benchmark_id,
        created_by_id=by.id,
    )
    session.interactions = interactions
    people = set(reviewer_ids) | ({benchmark_id} if benchmark_id else set())
    session.reviewers = list(db.session.scalars(select(User).where(User.id.in_(people))))
    db.session.add(session)
    db.session.flush()
    for interaction in interactions:
        for reviewer_id in sorted(people):
            assign(
                interaction,
                version,
                reviewer_id,
                by=by,
                kind=CALIBRATION,
                calibration_id=session.id,
            )
    db.session.commit()
    return session


def reviews_of(session: CalibrationSession) -> list[Review]:
    return list(
        db.session.scalars(
            select(Review)
            .where(Review.calibration_id == session.id)
            .options(selectinload(Review.scores))
            .order_by(Review.interaction_id, Review.reviewer_id)
        )
    )


@dataclass
class ReviewerLine:
    reviewer_id: int
    scored: int = 0
    mean_deviation: float | None = None  # mean |score − benchmark score|, points
    within: float | None = None  # share of their reviews within ±5 of the benchmark


@dataclass
class CriterionLine:
    key: str
    title: str
    spread: float | None = None  # mean over interactions of (max − min), points
    deviation: dict[int, float] = field(default_factory=dict)  # reviewer → mean |Δ| to benchmark


@dataclass
class Results:
    reviewers: list[ReviewerLine]
    criteria: list[CriterionLine]
    alpha_criteria: float | None  # units: interaction × criterion, values: criterion %
    alpha_scores: float | None  # units: interactions, values: review %
    within: float | None  # share of all non-benchmark reviews within ±5 of the benchmark
    complete: bool
    checks: list[CheckAgreement] = field(default_factory=list)  # the machine and the people


def results(session: CalibrationSession) -> Results:
    reviews = [r for r in reviews_of(session) if r.state in SCORED]
    reviewer_ids = sorted({r.id for r in session.reviewers})
    interaction_ids = sorted({i.id for i in session.interactions})
    by_pair = {(r.reviewer_id, r.interaction_id): r for r in reviews}
    criteria = criteria_of(session.rubric_version.structure)
    benchmark = session.benchmark_id

    def criterion_value(review: Review | None, key: str) -> float | None:
        if review is None:
            return None
        row = next((s for s in review.scores if s.criterion_key == key), None)
        return None if row is None or row.percent is None else 100 * row.percent

    criterion_lines = []
    for key, criterion in criteria.items():
        line = CriterionLine(key, criterion["title"])
        spreads = []
        for interaction_id in interaction_ids:
            values = [
                v
                for r in reviewer_ids
                if (v := criterion_value(by_pair.get((r, interaction_id)), key)) is not None
            ]
            if len(values) >= 2:
                spreads.append(max(values) - min(values))
        line.spread = statistics.fmean(spreads) if spreads else None
        if benchmark:
            for reviewer_id in reviewer_ids:
                if reviewer_id == benchmark:
                    continue
                gaps = [
                    abs(mine - theirs)
                    for i in interaction_ids
                    if (mine := criterion_value(by_pair.get((reviewer_id, i)), key)) is not None
                    and (theirs := criterion_value(by_pair.get((benchmark, i)), key)) is not None
                ]
                if gaps:
                    line.deviation[reviewer_id] = statistics.fmean(gaps)
        criterion_lines.append(line)

    reviewer_lines, all_within = [], []
    for reviewer_id in reviewer_ids:
        line = ReviewerLine(reviewer_id)
        own = [by_pair[(reviewer_id, i)] for i in interaction_ids if (reviewer_id, i) in by_pair]
        line.scored = len(own)
        if benchmark and reviewer_id != benchmark:
            gaps = [
                abs(r.score - by_pair[(benchmark, r.interaction_id)].score)
                for r in own
                if (benchmark, r.interaction_id) in by_pair
                and r.score is not None
                and by_pair[(benchmark, r.interaction_id)].score is not None
            ]
            if gaps:
                line.mean_deviation = statistics.fmean(gaps)
                line.within = sum(g <= WITHIN for g in gaps) / len(gaps)
                all_within.extend(g <= WITHIN for g in gaps)
        reviewer_lines.append(line)

    criterion_matrix = [
        [criterion_value(by_pair.get((r, i)), key) for i in interaction_ids for key in criteria]
        for r in reviewer_ids
    ]
    score_matrix = [
        [by_pair[(r, i)].score if (r, i) in by_pair else None for i in interaction_ids]
        for r in reviewer_ids
    ]
    return Results(
        reviewers=reviewer_lines,
        criteria=criterion_lines,
        alpha_criteria=alpha(criterion_matrix),
        alpha_scores=alpha(score_matrix),
        checks=of_calibration(session.rubric_version.structure, reviews),
        within=(sum(all_within) / len(all_within)) if all_within else None,
        complete=len(reviews) == len(reviewer_ids) * len(interaction_ids),
    )
