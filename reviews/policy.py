"""Who may see and do what in quality reviews, per role and per state of the object.

A review before submit (assigned, or a draft being scored) is its reviewer's
working state: only the reviewer and admins may open it. From submit on, the
agent (regular reviews), the supervisors of the agent's team, HR and admins
read it. Calibration is blind: a participant sees another participant's
review only once their own review of that interaction is submitted.
"""

from sqlalchemy import select

from portal.accounts.models import User
from portal.accounts.policy import led_team_ids
from portal.core.extensions import db
from portal.core.policy import permission, rule
from portal.core.roles import ADMINS, FRONTLINE, LEADERS, OFFICE, OVERSEERS, Role
from reviews.models import (
    DRAFT_STATES,
    REGULAR,
    SCORED,
    SUBMITTED,
    CalibrationSession,
    Interaction,
    Review,
    calibration_reviewers,
)

REVIEW_CALLS = permission(
    "reviews.review",
    LEADERS,
    "Supervisors (for their teams' calls) and admins review calls: the interaction "
    "list, uploads, sampling, starting a review, disputes to decide, coaching, calibration.",
)
REVIEWS_OVERSEE = permission(
    "reviews.oversee",
    OVERSEERS,
    "Supervisors (their teams), HR and admins read the submitted reviews of the people "
    "they oversee.",
)
REVIEWS_RECEIVE = permission(
    "reviews.receive",
    FRONTLINE,
    "Agents and new hires are reviewed: they read, acknowledge or dispute their reviews.",
)
RUBRICS_READ = permission(
    "rubrics.read", OVERSEERS, "Supervisors, HR and admins read the rubrics calls are scored with."
)
RUBRICS_EDIT = permission("rubrics.edit", ADMINS, "Only admins write, publish and retire rubrics.")
RECORDINGS_AUDIT = permission(
    "recordings.audit",
    ADMINS,
    "Only admins read and export the log of who played or downloaded which recording.",
)
RETENTION_MANAGE = permission(
    "retention.manage",
    ADMINS,
    "Only admins set how long each channel's recordings are kept, delete the expired "
    "ones now and read what every purge deleted.",
)


def _leads(viewer: User, agent_id: int) -> bool:
    # The agent is usually in the session already (loaded with the page's review or
    # call), and the viewer's teams came with the viewer: then no statement at all.
    agent = db.session.get(User, agent_id)
    return agent is not None and agent.team_id is not None and agent.team_id in led_team_ids(viewer)


def leads_agent(viewer: User, agent_id: int) -> bool:
    """An admin, or a supervisor of the agent's team."""
    if viewer.role == Role.ADMIN:
        return True
    return viewer.role == Role.SUPERVISOR and _leads(viewer, agent_id)


@rule("interaction.listen")
def can_see_interaction(viewer: User, interaction: Interaction) -> bool:
    """The agent, supervisors of the agent's team, admins, and anyone holding a
    review of it (a calibration reviewer from another team). HR reads scores,
    not recordings."""
    if viewer.role == Role.ADMIN or viewer.id == interaction.agent_id:
        return True
    if viewer.role == Role.SUPERVISOR and _leads(viewer, interaction.agent_id):
        return True
    return bool(
        db.session.scalar(
            select(Review.id).where(
                Review.interaction_id == interaction.id, Review.reviewer_id == viewer.id
            )
        )
    )


@rule("interaction.review", LEADERS)
def can_start_review(viewer: User, interaction: Interaction) -> bool:
    """A regular review of a call is started by the agent's supervisors or an admin,
    never by the agent themself."""
    return viewer.id != interaction.agent_id and leads_agent(viewer, interaction.agent_id)


@rule("review.read")
def can_read_review(viewer: User, review: Review) -> bool:
    """Its reviewer, always. Before submit, nobody else but admins (a draft is the
    reviewer's working state). From submit on: the agent, the supervisors of the
    agent's team, HR and admins. Calibration reviews follow the blind rule."""
    if viewer.id == review.reviewer_id:
        return True
    if review.kind != REGULAR:
        return _may_read_calibration_review(viewer, review)
    if review.state not in SCORED:
        return viewer.role == Role.ADMIN
    if viewer.role in OFFICE or viewer.id == review.agent_id:
        return True
    return leads_agent(viewer, review.agent_id)


def _may_read_calibration_review(viewer: User, review: Review) -> bool:
    """A participant (the creator or an admin included) sees another participant's
    submitted review only once their own review of that interaction is submitted;
    the creator or an admin who does not score sees the submitted ones, and admins
    the drafts too. HR does not read calibration reviews."""
    session = db.session.get(CalibrationSession, review.calibration_id)
    if viewer.id in {r.id for r in session.reviewers}:
        return review.state in SCORED and may_see_others(session, viewer, review.interaction_id)
    if review.state not in SCORED:
        return viewer.role == Role.ADMIN
    return viewer.id == session.created_by_id or viewer.role == Role.ADMIN


def may_see_others(session: CalibrationSession, viewer: User, interaction_id: int) -> bool:
    """Blind scoring: a participant sees the others' scores for an interaction
    only once their own review of it is submitted."""
    if viewer.id not in {r.id for r in session.reviewers}:
        return True  # not scoring: nothing to bias
    own = db.session.scalar(
        select(Review.state).where(
            Review.calibration_id == session.id,
            Review.interaction_id == interaction_id,
            Review.reviewer_id == viewer.id,
        )
    )
    return own in SCORED


@rule("review.score")
def can_score(viewer: User, review: Review) -> bool:
    """Only its reviewer scores a review, autosaves it and submits it."""
    return viewer.id == review.reviewer_id


def is_editable_by(viewer: User, review: Review) -> bool:
    """The scoring form is open: the reviewer's own review, not yet submitted."""
    return can_score(viewer, review) and review.state in DRAFT_STATES


@rule("review.decide")
def can_decide(viewer: User, review: Review) -> bool:
    """The reviewer, an admin, or a supervisor of the agent's team (as arbitrator)
    decides a dispute; never the agent. A calibration review is its reviewer's alone."""
    if viewer.id == review.agent_id:
        return False
    if viewer.id == review.reviewer_id:
        return True
    return review.kind == REGULAR and leads_agent(viewer, review.agent_id)


@rule("review.comment")
def can_comment(viewer: User, review: Review) -> bool:
    """The reviewer, and those who may decide its disputes, comment on the recording."""
    return viewer.id == review.reviewer_id or can_decide(viewer, review)


@rule("review.coach", LEADERS)
def can_coach(viewer: User, review: Review) -> bool:
    """Coaching follows a regular review: by those who may decide its disputes."""
    return review.kind == REGULAR and can_decide(viewer, review)


@rule("calibration.open", LEADERS)
def can_open_calibration(viewer: User, session: CalibrationSession) -> bool:
    """A calibration session is open to its participants, its creator and admins."""
    return (
        viewer.role == Role.ADMIN
        or viewer.id == session.created_by_id
        or viewer.id in {r.id for r in session.reviewers}
    )


def calibration_sessions_of(viewer: User):
    """`calibration.open` as a query: the sessions `viewer` may open, newest first."""
    query = select(CalibrationSession).order_by(CalibrationSession.created_at.desc())
    if viewer.role == Role.ADMIN:
        return query
    mine = select(calibration_reviewers.c.session_id).where(
        calibration_reviewers.c.user_id == viewer.id
    )
    return query.where(
        (CalibrationSession.created_by_id == viewer.id) | CalibrationSession.id.in_(mine)
    )


@rule("review.answer")
def can_answer(viewer: User, review: Review) -> bool:
    """The agent answers a submitted regular review of their own call: acknowledge or dispute."""
    return review.kind == REGULAR and viewer.id == review.agent_id and review.state == SUBMITTED
