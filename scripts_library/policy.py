"""Who may read, write and publish call scripts. Everyone reads the published
library; writers draft; approvers publish, archive and import."""

from portal.core.policy import permission, rule
from portal.core.roles import LEADERS, OVERSEERS, Role

SCRIPTS_WRITE = permission(
    "scripts.write",
    LEADERS,
    "Supervisors and admins write drafts, submit them for approval, see the history "
    "and restore an old version as a draft.",
)
SCRIPTS_EXPORT = permission(
    "scripts.export", OVERSEERS, "Supervisors, HR and admins download the library as Excel."
)


@rule("scripts.approve", LEADERS)
def can_approve(user, _script=None) -> bool:
    """Approvers publish, archive and import scripts: admins, and supervisors an admin
    granted it."""
    return user.role == Role.ADMIN or bool(user.can_approve_scripts)


def can_write(user) -> bool:
    """`scripts.write` for services that are handed a user rather than a request."""
    return user.role in SCRIPTS_WRITE.roles
