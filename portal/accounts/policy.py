"""Who may see and manage people: the scope every feature's "their teams" means."""

from sqlalchemy import Select, false, or_, select

from portal.accounts.models import Team, User, team_leads
from portal.core.extensions import db
from portal.core.policy import permission, rule
from portal.core.roles import ADMINS, OFFICE, Role

PEOPLE_READ = permission("people.read", OFFICE, "HR and admins see the lists of people and teams.")
PEOPLE_MANAGE = permission(
    "people.manage",
    ADMINS,
    "Only admins add, edit and deactivate people, edit teams and import a roster.",
)


def led_team_ids(user: User) -> list[int]:
    """The teams `user` leads (a supervisor's scope): as read with the logged-in
    person's row (accounts.services.load_user), or asked now for anyone else."""
    known = user.__dict__.get(_LED)
    if known is not None:
        return list(known)
    return list(
        db.session.scalars(select(team_leads.c.team_id).where(team_leads.c.user_id == user.id))
    )


_LED = "_led_team_ids"  # not a mapped attribute: kept for this request only


def remember_led_teams(user: User, team_ids: list[int]) -> None:
    user.__dict__[_LED] = tuple(team_ids)


@rule("person.records")
def can_view_user(viewer: User, subject: User) -> bool:
    """Everyone sees their own records; supervisors those of their teams' members;
    HR and admins everyone's."""
    if viewer.role in OFFICE or viewer.id == subject.id:
        return True
    if viewer.role == Role.SUPERVISOR:
        return subject.team_id is not None and subject.team_id in led_team_ids(viewer)
    return False


def visible_users(viewer: User) -> Select:
    """`person.records` as a query: the people whose records `viewer` may read."""
    query = select(User)
    if viewer.role in OFFICE:
        return query
    if viewer.role == Role.SUPERVISOR:
        teams = select(team_leads.c.team_id).where(team_leads.c.user_id == viewer.id)
        return query.where(or_(User.id == viewer.id, User.team_id.in_(teams)))
    return query.where(User.id == viewer.id)


def visible_teams(viewer: User) -> Select:
    """The teams whose people `viewer` may read: all for HR and admins, a
    supervisor's own teams, none for the frontline."""
    query = select(Team).order_by(Team.name)
    if viewer.role in OFFICE:
        return query
    if viewer.role == Role.SUPERVISOR:
        return query.where(
            Team.id.in_(select(team_leads.c.team_id).where(team_leads.c.user_id == viewer.id))
        )
    return query.where(false())
