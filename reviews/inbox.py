"""What the reviews page shows a person: their queue, reviews of their work,
disputes to decide, the latest reviews of the people they oversee, and news."""

from dataclasses import dataclass

from flask import render_template
from markupsafe import Markup
from sqlalchemy import Row, select
from sqlalchemy.orm import aliased

from portal.accounts.models import User
from portal.accounts.policy import visible_users
from portal.core import fragments
from portal.core.extensions import db
from portal.core.policy import may
from reviews.models import (
    DRAFT_STATES,
    OPEN,
    REGULAR,
    SCORED,
    Dispute,
    Interaction,
    Review,
)
from reviews.policy import REVIEW_CALLS, REVIEWS_OVERSEE
from reviews.reviewing import queue_of
from reviews.sampling import signal_label


@dataclass
class Inbox:
    mine: list[Row]  # submitted reviews of the person's own calls
    queue: list[Row]  # reviews the person has to score
    disputes: list[Row]  # open disputes the person may decide
    recent: list[Row]  # the latest submitted reviews of the people they oversee


# A line of the inbox shows a handful of columns of a review, its call and one or two
# people. They are selected as plain rows, joined in one statement per list: no
# review object is built (a review row carries JSON and a transcript's worth of
# columns the inbox never shows), which is most of the page's time at a hundred lines.
Agent, Reviewer = aliased(User), aliased(User)
_OUTCOME = (Review.id, Review.state, Review.kind, Review.score, Review.passed, Review.chosen_for)


def _mine(user: User, limit: int):
    return (
        select(*_OUTCOME, Interaction.occurred_at, Reviewer.name.label("reviewer_name"))
        .join(Interaction, Interaction.id == Review.interaction_id)
        .join(Reviewer, Reviewer.id == Review.reviewer_id)
        .where(Review.agent_id == user.id, Review.kind == REGULAR)
        .where(Review.state.not_in(DRAFT_STATES))
        .order_by(Review.submitted_at.desc())
        .limit(limit)
    )


def _queue(user: User):
    return (
        queue_of(user)
        .with_only_columns(
            *_OUTCOME,
            Interaction.occurred_at,
            Interaction.customer_ref,
            Agent.name.label("agent_name"),
        )
        .join(Interaction, Interaction.id == Review.interaction_id)
        .join(Agent, Agent.id == Review.agent_id)
    )


def _disputes(user: User, scope):
    return (
        select(Dispute.review_id, Dispute.raised_at, User.name.label("raised_by_name"))
        .join(Review, Review.id == Dispute.review_id)
        .join(User, User.id == Dispute.raised_by_id)
        .where(Dispute.state == OPEN)
        .where((Review.reviewer_id == user.id) | Review.agent_id.in_(scope))
        .order_by(Dispute.raised_at)
    )


def _recent(scope):
    return (
        select(
            *_OUTCOME,
            Review.submitted_at,
            Agent.name.label("agent_name"),
            Reviewer.name.label("reviewer_name"),
        )
        .join(Agent, Agent.id == Review.agent_id)
        .join(Reviewer, Reviewer.id == Review.reviewer_id)
        .where(Review.kind == REGULAR, Review.state.in_(SCORED), Review.agent_id.in_(scope))
        .order_by(Review.submitted_at.desc())
        .limit(50)
    )


def inbox_of(user: User, *, limit: int = 100) -> Inbox:
    """Everything in a bounded number of statements, whatever the data size."""
    scope = visible_users(user).with_only_columns(User.id)
    disputes = recent = ()
    if may(user, REVIEW_CALLS):
        disputes = db.session.execute(_disputes(user, scope)).all()
    if may(user, REVIEWS_OVERSEE):
        recent = db.session.execute(_recent(scope)).all()
    return Inbox(
        mine=db.session.execute(_mine(user, limit)).all(),
        queue=db.session.execute(_queue(user)).all(),
        disputes=list(disputes),
        recent=list(recent),
    )


def inbox_lists(user: User, version: str | None) -> Markup:
    """The inbox's four lists as HTML, kept as a fragment under the inbox's data
    version (portal/kpi/caching.py): any review, dispute or notice that would change
    them bumps a counter the version reads, in the same transaction, so a kept copy
    is never older than the person's last change. Keyed by the person and their
    role too: the lists are theirs alone."""

    def rendered():
        return render_template(
            "reviews/_inbox_lists.html", **vars(inbox_of(user)), signal_label=signal_label
        )

    if version is None:
        return Markup(rendered())
    return fragments.cached(fragments.key_of("review-inbox", user.id, user.role, version), rendered)
