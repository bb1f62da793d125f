"""Who may follow, assign and shape onboarding."""

from portal.accounts.policy import can_view_user
from portal.core.policy import permission, rule
from portal.core.roles import ADMINS, LEADERS, OVERSEERS, Role

ONBOARDING_TRACK = permission(
    "onboarding.track",
    OVERSEERS,
    "Supervisors (their teams), HR and admins follow people's onboarding: the "
    "completion matrix, its CSV and a person's path.",
)
ONBOARDING_ASSIGN = permission(
    "onboarding.assign",
    LEADERS,
    "Supervisors (their teams) and admins assign modules, move a due date and take a "
    "module off a person's path.",
)
MODULES_EDIT = permission(
    "onboarding.modules",
    ADMINS,
    "Only admins write modules, their items and their order.",
)


@rule("onboarding.follow", OVERSEERS)
def may_follow(viewer, person) -> bool:
    """A person's path is followed by those who may read that person's records."""
    return can_view_user(viewer, person)


def lands_on_onboarding(user) -> bool:
    """New hires start on their onboarding path rather than the home page."""
    return user.role == Role.NEW_HIRE
