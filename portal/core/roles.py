"""The five roles and what each may do, in one place."""

from enum import StrEnum

from flask_babel import lazy_gettext as _l


class Role(StrEnum):
    NEW_HIRE = "new_hire"
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    HR = "hr"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.NEW_HIRE: _l("New hire"),
    Role.AGENT: _l("Agent"),
    Role.SUPERVISOR: _l("Supervisor"),
    Role.HR: _l("HR"),
    Role.ADMIN: _l("Admin"),
}

# People who work customer contacts and are trained, reviewed, scored.
FRONTLINE = frozenset({Role.NEW_HIRE, Role.AGENT})
# People who may look at other people's records (within their scope).
OVERSEERS = frozenset({Role.SUPERVISOR, Role.HR, Role.ADMIN})
# People who may change content (playbooks, modules).
EDITORS = frozenset({Role.ADMIN})
