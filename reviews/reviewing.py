"""Scoring a review: assigned → in progress (autosaved drafts with a version
check) → submitted (the agent is notified). What follows (acknowledge, dispute,
decision) is in `disputes`; who may do it, in `policy`. Times are passed in
(`now`) so the rules are tested to the second."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload, selectinload

from portal.accounts.models import User
from portal.core.extensions import db
from portal.core.text import too_long
from reviews import auto_checks, scoring
from reviews.models import (
    ASSIGNED,
    DRAFT_STATES,
    IN_PROGRESS,
    REGULAR,
    SUBMITTED,
    CriterionScore,
    Interaction,
    Review,
    ReviewComment,
    RubricVersion,
    SectionScore,
)
from reviews.notifications import notify
from reviews.rubrics import criteria_of

# The longest texts a review keeps; longer is refused (the page counts), never cut.
TEXT_LIMITS = {"summary": 5000, "comment": 2000, "field": 500, "reason": 2000}


class ReviewRefused(Exception):
    """Why this cannot be done now, as a sentence for the person."""


class StaleReview(Exception):
    """A newer save of this review exists (another tab, another device)."""

    def __init__(self, review: Review):
        super().__init__(review.lock_version)
        self.review = review


def review_for_page(review_id: int) -> Review | None:
    """A review with everything its page shows, loaded up front: the statements do
    not grow with the number of comments, scores or people involved. What the review
    has one of (its call, rubric version and two people) comes joined in the review's
    own statement; what it has many of, by one statement each."""
    return db.session.scalar(_REVIEW_PAGE, {"review": review_id})


# Built once (see reviews/notifications.py): the review page's first statement.
_REVIEW_PAGE = (
    select(Review)
    .where(Review.id == bindparam("review"))
    .options(
        selectinload(Review.comments).selectinload(ReviewComment.author),
        selectinload(Review.scores),
        joinedload(Review.agent),
        joinedload(Review.reviewer),
        joinedload(Review.interaction),
        joinedload(Review.rubric_version),
    )
)


def queue_of(reviewer: User):
    """The reviewer's reviews not yet submitted, oldest first."""
    return (
        select(Review)
        .where(Review.reviewer_id == reviewer.id, Review.state.in_(DRAFT_STATES))
        .order_by(Review.created_at)
    )


# --- scoring a review -------------------------------------------------------------------


def assign(
    interaction: Interaction,
    version: RubricVersion,
    reviewer_id: int,
    *,
    by,
    kind=REGULAR,
    calibration_id=None,
) -> Review:
    review = Review(
        interaction_id=interaction.id,
        rubric_version_id=version.id,
        reviewer_id=reviewer_id,
        agent_id=interaction.agent_id,
        kind=kind,
        calibration_id=calibration_id,
        state=ASSIGNED,
        lock_version=1,
        assigned_by_id=by.id if by else None,
        field_values={},
    )
    db.session.add(review)
    return review


def suggestions_for(review: Review) -> dict[str, auto_checks.Suggestion]:
    """What the automatic checks suggest for each criterion of this review's rubric."""
    structure = review.rubric_version.structure
    if not auto_checks.is_automatic(structure):
        return {}
    return auto_checks.suggestions(structure, auto_checks.figures_for(review.interaction))


def given_of(review: Review) -> dict[str, scoring.Given]:
    return {s.criterion_key: scoring.Given(s.value, s.na) for s in review.scores}


def live_score(review: Review) -> scoring.Result:
    version = review.rubric_version
    return scoring.score(version.structure, given_of(review), version.pass_percent)


def save_draft(
    review: Review,
    given: dict[str, scoring.Given],
    *,
    fields: dict[str, str],
    summary: str,
    lock_version: int,
    now: datetime,
) -> scoring.Result:
    """Keep what the reviewer has set so far; refuse a save from a stale tab."""
    if review.state not in DRAFT_STATES:
        raise ReviewRefused(str(_l("This review is submitted; it can no longer be edited.")))
    criteria = criteria_of(review.rubric_version.structure)
    problems = [
        str(_l("“%(c)s” has no such value.", c=criteria[key]["title"]))
        for key, value in given.items()
        if key in criteria and not scoring.valid_value(criteria[key], value)
    ]
    options = {f["key"]: f for f in review.rubric_version.structure.get("fields", [])}
    problems.append(too_long(summary, TEXT_LIMITS["summary"], _l("The summary")))
    problems += [
        too_long(value, TEXT_LIMITS["field"], f"“{options[key]['label']}”")
        for key, value in fields.items()
        if key in options
    ]
    problems = [p for p in problems if p]
    if problems:
        raise ReviewRefused(" ".join(problems))
    # Compare and bump in one UPDATE: two tabs saving at once cannot both win.
    updated = db.session.execute(
        db.update(Review)
        .where(Review.id == review.id, Review.lock_version == lock_version)
        .values(lock_version=Review.lock_version + 1)
    )
    if updated.rowcount != 1:
        db.session.rollback()
        db.session.refresh(review)
        raise StaleReview(review)
    existing = {s.criterion_key: s for s in review.scores}
    for key, value in given.items():
        if key not in criteria:
            continue
        row = existing.get(key)
        if row is None:
            row = CriterionScore(criterion_key=key, section_key=criteria[key]["section"])
            review.scores.append(row)
        row.value, row.na = (None, True) if value.na else (value.value, False)
    review.field_values = {
        key: value
        for key, value in fields.items()
        if key in options
        and (not options[key]["options"] or value in options[key]["options"] or not value)
    }
    review.summary = summary
    review.state, review.saved_at = IN_PROGRESS, now
    db.session.flush()
    result = live_score(review)
    review.score, review.passed = result.percent, result.passed
    db.session.commit()
    return result


def holds(review: Review, given: dict[str, scoring.Given], fields: dict, summary: str) -> bool:
    """Whether the stored draft already says exactly this."""
    db.session.refresh(review)
    stored = given_of(review)
    stored_fields = {k: v for k, v in (review.field_values or {}).items() if v}
    return (
        {k: v for k, v in stored.items() if v.value is not None or v.na} == given
        and stored_fields == {k: v for k, v in fields.items() if v}
        and (review.summary or "") == summary
    )


def submit(review: Review, *, now: datetime) -> scoring.Result:
    if review.state not in DRAFT_STATES:
        raise ReviewRefused(str(_l("This review is already submitted.")))
    result = live_score(review)
    if not result.complete:
        raise ReviewRefused(
            str(
                _l(
                    "Answer every criterion or mark it N/A before submitting (%(n)d left).",
                    n=len(result.missing),
                )
            )
        )
    if result.percent is None:
        raise ReviewRefused(str(_l("Score at least one criterion: a review cannot be all N/A.")))
    claim(Review, review.id, Review.state.in_(DRAFT_STATES), state=SUBMITTED)
    apply_result(review, result)
    keep_suggestions(review, suggestions_for(review))
    review.state, review.submitted_at = SUBMITTED, now
    if review.kind == REGULAR:
        notify(review.agent_id, review, "new_review", now)
    db.session.commit()
    return result


def apply_result(review: Review, result: scoring.Result) -> None:
    """Store the final score, and each criterion's and section's share for roll-ups."""
    review.score, review.passed = result.percent, result.passed
    review.critical_failed = result.critical is not None
    for row in review.scores:
        row.percent = result.criteria.get(row.criterion_key)
    existing = {s.section_key: s for s in review.sections}
    for key, percent in result.sections.items():
        row = existing.get(key) or SectionScore(section_key=key)
        row.percent = percent
        if key not in existing:
            review.sections.append(row)


def keep_suggestions(review: Review, suggested: dict[str, auto_checks.Suggestion]) -> None:
    """Keep, beside each final value, what was suggested when the review was submitted
    (the agreement between the checks and the reviewers is measured on these)."""
    for row in review.scores:
        found = suggested.get(row.criterion_key)
        row.suggested_value = found.value if found else None
        row.suggestion = found.reasons if found else None


def claim(model, row_id: int, condition, **values) -> None:
    """Move a row on only if it is still where this request found it (one UPDATE,
    so of two requests at once exactly one wins); refuse the other."""
    updated = db.session.execute(
        db.update(model).where(model.id == row_id, condition).values(**values)
    )
    if updated.rowcount != 1:
        db.session.rollback()
        raise ReviewRefused(str(_l("This was already done, in another tab or by someone else.")))


def add_comment(
    review: Review, author: User, body: str, *, at_seconds: float | None, criterion_key=None, now
) -> ReviewComment:
    problem = too_long(body, TEXT_LIMITS["comment"], _l("The comment"))
    if problem:
        raise ReviewRefused(problem)
    if at_seconds is not None and not 0 <= at_seconds <= 24 * 3600:
        at_seconds = None
    comment = ReviewComment(
        review_id=review.id,
        author_id=author.id,
        body=body,
        at_seconds=round(at_seconds, 1) if at_seconds is not None else None,
        criterion_key=criterion_key,
        created_at=now,
    )
    db.session.add(comment)
    db.session.commit()
    return comment
