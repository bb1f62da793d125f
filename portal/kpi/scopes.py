"""The people KPI pages are about: the frontline (agents, new hires) of a viewer's
scope, active, by name."""

from portal.accounts.models import User
from portal.core.roles import FRONTLINE


def frontline(scope_query, team_id: int | None = None):
    query = scope_query.where(User.role.in_([r.value for r in FRONTLINE]), User.active.is_(True))
    if team_id:
        query = query.where(User.team_id == team_id)
    return query.order_by(User.name, User.id)
