"""The agent's answer to a submitted review: acknowledge it, or dispute criteria
within the dispute window; the reviewer, a supervisor of the team or an admin
decides, and every score change keeps the old value, who, when and why."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.core.extensions import db
from portal.core.text import too_long
from reviews import scoring
from reviews.models import (
    ACCEPTED,
    ACKNOWLEDGED,
    DISPUTED,
    OPEN,
    PARTIAL,
    REJECTED,
    RESOLVED,
    SUBMITTED,
    CriterionScore,
    Dispute,
    DisputeItem,
    Review,
    ScoreChange,
)
from reviews.notifications import notify
from reviews.policy import can_decide
from reviews.reviewing import TEXT_LIMITS, ReviewRefused, apply_result, claim, live_score
from reviews.rubrics import criteria_of


def dispute_deadline(review: Review) -> datetime | None:
    if review.submitted_at is None:
        return None
    return review.submitted_at + timedelta(days=current_app.config["REVIEW_DISPUTE_DAYS"])


def acknowledge(review: Review, agent: User, *, now: datetime) -> None:
    if agent.id != review.agent_id or review.state != SUBMITTED:
        raise ReviewRefused(str(_l("This review is not waiting for your answer.")))
    review.state, review.acknowledged_at = ACKNOWLEDGED, now
    db.session.commit()


@dataclass
class DisputedCriterion:
    criterion_key: str
    reason: str
    proposed_value: int | None = None
    proposed_na: bool = False


def raise_dispute(review: Review, agent: User, items: list[DisputedCriterion], *, now) -> Dispute:
    if agent.id != review.agent_id or review.state != SUBMITTED:
        raise ReviewRefused(str(_l("This review is not waiting for your answer.")))
    if now > dispute_deadline(review):
        raise ReviewRefused(
            str(
                _l(
                    "The %(n)d days to dispute this review have passed.",
                    n=current_app.config["REVIEW_DISPUTE_DAYS"],
                )
            )
        )
    criteria = criteria_of(review.rubric_version.structure)
    problems = []
    if not items:
        problems.append(str(_l("Choose at least one criterion you disagree with.")))
    for item in items:
        criterion = criteria.get(item.criterion_key)
        if criterion is None:
            problems.append(str(_l("Unknown criterion.")))
            continue
        if not item.reason.strip():
            problems.append(str(_l("Say why for “%(c)s”.", c=criterion["title"])))
        why = _l("The reason for “%(c)s”", c=criterion["title"])
        problems.append(too_long(item.reason, TEXT_LIMITS["reason"], why))
        proposal = scoring.Given(item.proposed_value, item.proposed_na)
        if not scoring.valid_value(criterion, proposal):
            problems.append(str(_l("“%(c)s” has no such value.", c=criterion["title"])))
    problems = [p for p in problems if p]
    if problems:
        raise ReviewRefused(" ".join(problems))
    # A double click sends twice: only the first moves the review to "disputed".
    claim(Review, review.id, Review.state == SUBMITTED, state=DISPUTED)
    dispute = Dispute(review_id=review.id, raised_by_id=agent.id, raised_at=now, state=OPEN)
    for item in items:
        dispute.items.append(
            DisputeItem(
                criterion_key=item.criterion_key,
                reason=item.reason,
                proposed_value=item.proposed_value,
                proposed_na=item.proposed_na,
            )
        )
    db.session.add(dispute)
    review.state = DISPUTED
    db.session.flush()
    notify(review.reviewer_id, review, "dispute_raised", now)
    db.session.commit()
    return dispute


@dataclass
class Decision:
    accept: bool
    value: int | None = None  # the value to set when accepted (default: the proposal)
    na: bool = False


def decide_dispute(
    dispute: Dispute, decider: User, decisions: dict[int, Decision], *, note: str, now: datetime
) -> None:
    """Accept, partly accept or reject; every accepted change is a ScoreChange."""
    review = db.session.get(Review, dispute.review_id)
    if dispute.state != OPEN:
        raise ReviewRefused(str(_l("This dispute is already decided.")))
    if not can_decide(decider, review):
        raise ReviewRefused(
            str(_l("Only the reviewer, a supervisor of the team or an admin decides."))
        )
    missing = [item for item in dispute.items if item.id not in decisions]
    if missing:
        raise ReviewRefused(str(_l("Decide every disputed criterion.")))
    problem = too_long(note, TEXT_LIMITS["reason"], _l("The note"))
    if problem:
        raise ReviewRefused(problem)
    criteria = criteria_of(review.rubric_version.structure)
    # Check every decision before changing anything.
    chosen = {}
    for item in dispute.items:
        choice = decisions[item.id]
        if not choice.accept:
            continue
        explicit = choice.value is not None or choice.na
        value = choice.value if explicit else item.proposed_value
        na = choice.na if explicit else item.proposed_na
        if not scoring.valid_value(criteria[item.criterion_key], scoring.Given(value, na)) or (
            value is None and not na
        ):
            raise ReviewRefused(
                str(_l("“%(c)s” has no such value.", c=criteria[item.criterion_key]["title"]))
            )
        chosen[item.id] = (value, na)
    # Two arbitrators at once: only the first decision counts.
    claim(Dispute, dispute.id, Dispute.state == OPEN, decided_by_id=decider.id)
    rows = {s.criterion_key: s for s in review.scores}
    for item in dispute.items:
        item.accepted = decisions[item.id].accept
        if item.id not in chosen:
            continue
        value, na = chosen[item.id]
        item.decided_value, item.decided_na = value, na
        change_score(
            review,
            rows[item.criterion_key],
            value,
            na,
            by=decider,
            reason=note or item.reason,
            now=now,
            dispute=dispute,
        )
    accepted = [i.accepted for i in dispute.items]
    dispute.state = ACCEPTED if all(accepted) else PARTIAL if any(accepted) else REJECTED
    dispute.decided_by_id, dispute.decided_at, dispute.decision_note = decider.id, now, note
    review.state = RESOLVED
    notify(review.agent_id, review, "dispute_decided", now)
    db.session.commit()


def change_score(review, row: CriterionScore, value, na, *, by, reason, now, dispute=None) -> None:
    """Change one criterion of a submitted review, keeping the old value and score."""
    old_score = review.score
    change = ScoreChange(
        review_id=review.id,
        criterion_key=row.criterion_key,
        old_value=row.value,
        old_na=row.na,
        new_value=None if na else value,
        new_na=na,
        old_score=old_score,
        reason=reason[:2000],
        dispute_id=dispute.id if dispute else None,
        changed_by_id=by.id,
        changed_at=now,
    )
    row.value, row.na = (None, True) if na else (value, False)
    db.session.flush()
    apply_result(review, live_score(review))
    change.new_score = review.score
    db.session.add(change)


def history(review: Review) -> list[ScoreChange]:
    return list(
        db.session.scalars(
            select(ScoreChange)
            .where(ScoreChange.review_id == review.id)
            .options(selectinload(ScoreChange.changed_by))
            .order_by(ScoreChange.changed_at, ScoreChange.id)
        )
    )


def open_dispute(review: Review) -> Dispute | None:
    return db.session.scalar(
        select(Dispute)
        .where(Dispute.review_id == review.id)
        .options(
            selectinload(Dispute.items),
            selectinload(Dispute.raised_by),
            selectinload(Dispute.decided_by),
        )
        .order_by(Dispute.id.desc())
    )
