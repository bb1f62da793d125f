"""Finding people and teams: the people list with its filters, the teams with
their sizes and leads, the supervisors a team can be given."""

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.accounts.models import Team, User
from portal.accounts.policy import visible_users
from portal.core.extensions import db
from portal.core.roles import FRONTLINE, Role
from portal.core.text import fold


def find_people(*, words: str = "", role: str | None = None, team_id: int | None = None):
    """Active people first, by name; every word must match (diacritics folded)."""
    query = (
        select(User)
        .options(selectinload(User.team), selectinload(User.led_teams))
        .order_by(User.active.desc(), User.name)
    )
    for word in fold(words[:100]).split()[:5]:
        query = query.where(User.search_key.contains(word, autoescape=True))
    if role in {r.value for r in Role}:
        query = query.where(User.role == role)
    if team_id:
        query = query.where(User.team_id == team_id)
    return list(db.session.scalars(query))


def frontline_in_scope(viewer: User) -> list[User]:
    """Active agents and new hires whose records `viewer` may read, by name."""
    return list(
        db.session.scalars(
            visible_users(viewer)
            .where(User.role.in_([r.value for r in FRONTLINE]), User.active.is_(True))
            .order_by(User.name)
        )
    )


def all_teams() -> list[Team]:
    return list(db.session.scalars(select(Team).order_by(Team.name)))


def teams_with_sizes() -> list[tuple[Team, int]]:
    """Each team with its number of active members (leads loaded), by name."""
    return db.session.execute(
        select(Team, func.count(User.id))
        .outerjoin(User, (User.team_id == Team.id) & User.active)
        .options(selectinload(Team.leads))
        .group_by(Team.id)
        .order_by(Team.name)
    ).all()


def active_supervisors() -> list[User]:
    return list(
        db.session.scalars(
            select(User).where(User.role == Role.SUPERVISOR, User.active).order_by(User.name)
        )
    )


def people_by_id(user_ids) -> dict[int, User]:
    """The people with these ids, by id (one query)."""
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(list(user_ids))))}
