"""What the reviews page shows a person: their queue, reviews of their work,
disputes to decide, the latest reviews of the people they oversee, and news."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.accounts.models import User
from portal.accounts.policy import visible_users
from portal.core.extensions import db
from portal.core.policy import may
from reviews import notifications
from reviews.models import (
    DRAFT_STATES,
    OPEN,
    REGULAR,
    SCORED,
    Dispute,
    Interaction,
    Notification,
    Review,
)
from reviews.policy import REVIEW_CALLS, REVIEWS_OVERSEE
from reviews.reviewing import queue_of


@dataclass
class Inbox:
    mine: list[Review]  # submitted reviews of the person's own calls
    queue: list[Review]  # reviews the person has to score
    disputes: list[Dispute]  # open disputes the person may decide
    recent: list[Review]  # the latest submitted reviews of the people they oversee
    notices: list[Notification]


# Joined, not loaded by a second statement: each line names one call and one or two
# people (many-to-one), so the rows come with what they show in one statement.


def _interaction_heading():
    """What a line of the inbox shows of a call: not its transcript (often the
    largest column of the row), nor its recording's metadata."""
    return joinedload(Review.interaction).load_only(
        Interaction.occurred_at, Interaction.customer_ref, Interaction.channel
    )


def _name_of(person):
    return joinedload(person).load_only(User.name)


def inbox_of(user: User, *, limit: int = 100) -> Inbox:
    """Everything in a bounded number of statements, whatever the data size."""
    scope = visible_users(user).with_only_columns(User.id)
    mine = db.session.scalars(
        select(Review)
        .where(Review.agent_id == user.id, Review.kind == REGULAR)
        .where(Review.state.not_in(DRAFT_STATES))
        .options(_name_of(Review.reviewer), _interaction_heading())
        .order_by(Review.submitted_at.desc())
        .limit(limit)
    )
    queue = db.session.scalars(
        queue_of(user).options(_name_of(Review.agent), _interaction_heading())
    )
    disputes = recent = ()
    if may(user, REVIEW_CALLS):
        disputes = db.session.scalars(
            select(Dispute)
            .options(_name_of(Dispute.raised_by))
            .join(Review, Review.id == Dispute.review_id)
            .where(Dispute.state == OPEN)
            .where((Review.reviewer_id == user.id) | Review.agent_id.in_(scope))
            .order_by(Dispute.raised_at)
        )
    if may(user, REVIEWS_OVERSEE):
        recent = db.session.scalars(
            select(Review)
            .where(Review.kind == REGULAR, Review.state.in_(SCORED), Review.agent_id.in_(scope))
            .options(_name_of(Review.agent), _name_of(Review.reviewer))
            .order_by(Review.submitted_at.desc())
            .limit(50)
        )
    return Inbox(
        mine=list(mine),
        queue=list(queue),
        disputes=list(disputes),
        recent=list(recent),
        notices=notifications.notifications_of(user.id, limit=20),
    )
