"""Finding interactions: the list a reviewer pages through, who has reviewed
each, the people a reviewer may pick, and the reviews a person may see of one."""

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.accounts.policy import visible_users
from portal.core.extensions import db
from portal.core.pagination import Page, paginate
from portal.core.policy import may
from portal.core.roles import LEADERS
from reviews.models import DRAFT_STATES, REGULAR, Interaction, InteractionChange, Review

PER_PAGE = 50


def reviewers() -> list[User]:
    """Active people who may be handed reviews: supervisors and admins."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.role.in_([r.value for r in LEADERS]), User.active.is_(True))
            .order_by(User.name)
        )
    )


def recent_interactions(viewer: User, limit: int = 200) -> list[Interaction]:
    """The latest interactions `viewer` may see (a supervisor's own teams' calls)."""
    scope = visible_users(viewer).with_only_columns(User.id)
    return list(
        db.session.scalars(
            select(Interaction)
            .where(Interaction.agent_id.in_(scope))
            .options(selectinload(Interaction.agent))
            .order_by(Interaction.occurred_at.desc())
            .limit(limit)
        )
    )


def interactions_page(
    viewer: User, *, agent_id: int | None, channel: str | None, page: int | None
) -> Page:
    """A page of the interactions `viewer` may see, newest first, filtered."""
    scope = visible_users(viewer).with_only_columns(User.id)
    query = select(Interaction).where(Interaction.agent_id.in_(scope))
    if agent_id:
        query = query.where(Interaction.agent_id == agent_id)
    if channel:
        query = query.where(Interaction.channel == channel)
    ordered = query.options(selectinload(Interaction.agent)).order_by(
        Interaction.occurred_at.desc(), Interaction.id.desc()
    )
    return paginate(ordered, page, PER_PAGE)


def review_counts(interactions: list[Interaction]) -> dict[int, int]:
    """How many reviews each interaction has (one grouped query)."""
    return dict(
        db.session.execute(
            select(Review.interaction_id, func.count())
            .where(Review.interaction_id.in_([i.id for i in interactions]))
            .group_by(Review.interaction_id)
        ).all()
    )


def reviews_visible_to(viewer: User, interaction: Interaction) -> list[Review]:
    """The reviews of an interaction that `viewer` may open (`review.read`)."""
    reviews = db.session.scalars(
        select(Review)
        .where(Review.interaction_id == interaction.id)
        .options(selectinload(Review.reviewer))
        .order_by(Review.created_at)
    )
    return [r for r in reviews if may(viewer, "review.read", r)]


def open_review_of(reviewer: User, interaction: Interaction) -> int | None:
    """The reviewer's unsubmitted regular review of this interaction, if any."""
    return db.session.scalar(
        select(Review.id).where(
            Review.interaction_id == interaction.id,
            Review.reviewer_id == reviewer.id,
            Review.kind == REGULAR,
            Review.state.in_(DRAFT_STATES),
        )
    )


def changes_of(interaction: Interaction) -> list[InteractionChange]:
    """What later updates from the sending system changed, oldest first."""
    return list(
        db.session.scalars(
            select(InteractionChange)
            .where(InteractionChange.interaction_id == interaction.id)
            .order_by(InteractionChange.at, InteractionChange.id)
        )
    )
