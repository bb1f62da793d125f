"""A review's life: assigned → in progress (autosaved drafts with a version
check) → submitted (the agent is notified) → acknowledged, or disputed and
decided. Every change to a submitted score is kept with who, when and why.
Times are passed in (`now`) so the rules are tested to the second."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.accounts.models import User, team_leads
from portal.core.extensions import db
from portal.core.roles import Role
from reviews import scoring
from reviews.models import (
    ACCEPTED,
    ACKNOWLEDGED,
    ASSIGNED,
    DISPUTED,
    IN_PROGRESS,
    OPEN,
    PARTIAL,
    REGULAR,
    REJECTED,
    SUBMITTED,
    CriterionScore,
    Dispute,
    DisputeItem,
    Interaction,
    Notification,
    Review,
    ReviewComment,
    RubricVersion,
    ScoreChange,
    SectionScore,
)
from reviews.rubrics import criteria_of

RESOLVED = "resolved"  # a dispute was decided
SCORED = (SUBMITTED, ACKNOWLEDGED, DISPUTED, RESOLVED)


class ReviewRefused(Exception):
    """Why this cannot be done now, as a sentence for the person."""


class StaleReview(Exception):
    """A newer save of this review exists (another tab, another device)."""

    def __init__(self, review: Review):
        super().__init__(review.lock_version)
        self.review = review


# --- who may see what -------------------------------------------------------------------


def _leads_agent(viewer: User, agent_id: int):
    return (
        select(User.id)
        .join(team_leads, team_leads.c.team_id == User.team_id)
        .where(User.id == agent_id, team_leads.c.user_id == viewer.id)
        .exists()
    )


def can_see_interaction(viewer: User, interaction: Interaction) -> bool:
    """The agent, supervisors of the agent's team, admins, and anyone holding a
    review of it (a calibration reviewer from another team). HR reads scores,
    not recordings."""
    if viewer.role == Role.ADMIN or viewer.id == interaction.agent_id:
        return True
    if viewer.role == Role.SUPERVISOR and db.session.scalar(
        select(_leads_agent(viewer, interaction.agent_id))
    ):
        return True
    return bool(
        db.session.scalar(
            select(Review.id).where(
                Review.interaction_id == interaction.id, Review.reviewer_id == viewer.id
            )
        )
    )


def can_read_review(viewer: User, review: Review) -> bool:
    """Reviewer; the agent once submitted (regular reviews only); supervisors of the
    agent's team; HR and admins. Calibration reviews follow their own rule."""
    if viewer.id == review.reviewer_id:
        return True
    if review.kind != REGULAR:
        return _may_see_calibration(viewer, review)
    if viewer.role in (Role.ADMIN, Role.HR):
        return True
    if viewer.id == review.agent_id:
        return review.state in SCORED
    return leads_agent(viewer, review.agent_id)


def _may_see_calibration(viewer: User, review: Review) -> bool:
    """Calibration is blind: a participant (the creator or an admin included) sees
    another participant's review only once their own review of that interaction
    is submitted; the creator or an admin who does not score sees them all."""
    from reviews.calibration import may_see_others
    from reviews.models import CalibrationSession

    session = db.session.get(CalibrationSession, review.calibration_id)
    if viewer.id in {r.id for r in session.reviewers}:
        return may_see_others(session, viewer, review.interaction_id)
    return viewer.id == session.created_by_id or viewer.role == Role.ADMIN


def leads_agent(viewer: User, agent_id: int) -> bool:
    """An admin, or a supervisor of the agent's team."""
    if viewer.role == Role.ADMIN:
        return True
    return viewer.role == Role.SUPERVISOR and bool(
        db.session.scalar(select(_leads_agent(viewer, agent_id)))
    )


def can_decide(viewer: User, review: Review) -> bool:
    """The reviewer, an admin, or a supervisor of the agent's team (as arbitrator).
    A calibration review is its reviewer's alone."""
    if viewer.id == review.agent_id:
        return False
    if viewer.id == review.reviewer_id:
        return True
    return review.kind == REGULAR and leads_agent(viewer, review.agent_id)


def queue_of(reviewer: User):
    return (
        select(Review)
        .where(Review.reviewer_id == reviewer.id, Review.state.in_([ASSIGNED, IN_PROGRESS]))
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
    if review.state not in (ASSIGNED, IN_PROGRESS):
        raise ReviewRefused(str(_l("This review is submitted; it can no longer be edited.")))
    criteria = criteria_of(review.rubric_version.structure)
    problems = [
        str(_l("“%(c)s” has no such value.", c=criteria[key]["title"]))
        for key, value in given.items()
        if key in criteria and not scoring.valid_value(criteria[key], value)
    ]
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
    options = {f["key"]: f for f in review.rubric_version.structure.get("fields", [])}
    review.field_values = {
        key: value[:500]
        for key, value in fields.items()
        if key in options
        and (not options[key]["options"] or value in options[key]["options"] or not value)
    }
    review.summary = summary[:5000]
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
        and (review.summary or "") == summary[:5000]
    )


def submit(review: Review, *, now: datetime) -> scoring.Result:
    if review.state not in (ASSIGNED, IN_PROGRESS):
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
    _claim(Review, review.id, Review.state.in_([ASSIGNED, IN_PROGRESS]), state=SUBMITTED)
    _apply(review, result)
    review.state, review.submitted_at = SUBMITTED, now
    if review.kind == REGULAR:
        notify(review.agent_id, review, "new_review", now)
    db.session.commit()
    return result


def _apply(review: Review, result: scoring.Result) -> None:
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


def _claim(model, row_id: int, condition, **values) -> None:
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
    if at_seconds is not None and not 0 <= at_seconds <= 24 * 3600:
        at_seconds = None
    comment = ReviewComment(
        review_id=review.id,
        author_id=author.id,
        body=body[:2000],
        at_seconds=round(at_seconds, 1) if at_seconds is not None else None,
        criterion_key=criterion_key,
        created_at=now,
    )
    db.session.add(comment)
    db.session.commit()
    return comment


# --- the agent's answer: acknowledge or dispute -------------------------------------------


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
        proposal = scoring.Given(item.proposed_value, item.proposed_na)
        if not scoring.valid_value(criterion, proposal):
            problems.append(str(_l("“%(c)s” has no such value.", c=criterion["title"])))
    if problems:
        raise ReviewRefused(" ".join(problems))
    # A double click sends twice: only the first moves the review to "disputed".
    _claim(Review, review.id, Review.state == SUBMITTED, state=DISPUTED)
    dispute = Dispute(review_id=review.id, raised_by_id=agent.id, raised_at=now, state=OPEN)
    for item in items:
        dispute.items.append(
            DisputeItem(
                criterion_key=item.criterion_key,
                reason=item.reason[:2000],
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
    _claim(Dispute, dispute.id, Dispute.state == OPEN, decided_by_id=decider.id)
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
    dispute.decided_by_id, dispute.decided_at, dispute.decision_note = decider.id, now, note[:2000]
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
    _apply(review, live_score(review))
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


# --- notifications ------------------------------------------------------------------------


def notify(user_id: int, review: Review, kind: str, now: datetime) -> None:
    db.session.add(Notification(user_id=user_id, review_id=review.id, kind=kind, created_at=now))


def unread_count(user_id: int) -> int:
    return db.session.scalar(
        select(db.func.count(Notification.id)).where(
            Notification.user_id == user_id, Notification.read_at.is_(None)
        )
    )


def notifications_of(user_id: int, limit: int = 50) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user_id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def mark_read(user_id: int, review_id: int, now: datetime) -> None:
    db.session.execute(
        db.update(Notification)
        .where(
            Notification.user_id == user_id,
            Notification.review_id == review_id,
            Notification.read_at.is_(None),
        )
        .values(read_at=now)
    )
    db.session.commit()
