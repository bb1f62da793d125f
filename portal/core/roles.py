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

# Role groups: the vocabulary every feature's policy module speaks. What each
# group may do is stated there (``scripts_library/policy.py`` and so on), never
# by testing roles in a view or a template.

EVERYONE = frozenset(Role)
"""Every logged-in person."""

FRONTLINE = frozenset({Role.NEW_HIRE, Role.AGENT})
"""People who work customer contacts and are trained, reviewed and scored."""

OVERSEERS = frozenset({Role.SUPERVISOR, Role.HR, Role.ADMIN})
"""People who may look at other people's records (supervisors: their teams)."""

LEADERS = frozenset({Role.SUPERVISOR, Role.ADMIN})
"""People who lead the frontline's work: review calls, write scripts and
questions, assign modules (supervisors for their teams, admins for everyone)."""

OFFICE = frozenset({Role.HR, Role.ADMIN})
"""People who see the whole company: HR and admins."""

ADMINS = frozenset({Role.ADMIN})
"""Admins: people, teams, playbooks, modules, rubrics."""
