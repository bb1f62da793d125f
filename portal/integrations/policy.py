"""Who may create and revoke integration tokens."""

from portal.core.policy import permission
from portal.core.roles import Role

INTEGRATIONS_MANAGE = permission(
    "integrations.manage",
    [Role.ADMIN],
    "Admins create, read and revoke the tokens other systems use to call the API.",
)
