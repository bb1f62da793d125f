"""Who may change the playbooks: everyone reads them; admins edit them."""

from portal.core.policy import permission
from portal.core.roles import ADMINS

PLAYBOOKS_EDIT = permission(
    "playbooks.edit",
    ADMINS,
    "Only admins edit a playbook's steps and introduction (every save a new version).",
)
