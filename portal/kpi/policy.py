"""Who may read KPI sheets, set targets, import outcomes and export scorecards."""

from portal.accounts.policy import can_view_user
from portal.core.policy import permission, rule
from portal.core.roles import FRONTLINE, OFFICE, OVERSEERS

KPI_TEAM = permission(
    "kpi.team",
    OVERSEERS,
    "Supervisors (their teams), HR and admins see the team table, its CSV, the "
    "targets and the HR workbook export.",
)
KPI_TARGETS_EDIT = permission(
    "kpi.targets.edit", OFFICE, "HR and admins set the targets; supervisors read them."
)
OUTCOMES_IMPORT = permission(
    "kpi.outcomes.import",
    OFFICE,
    "HR and admins import customer outcomes (NPS, CSAT, response and handling times).",
)


@rule("kpi.sheet")
def may_read_sheet(viewer, person) -> bool:
    """An agent's or new hire's KPI sheet is read by them, their supervisors, HR
    and admins. Others have no sheet."""
    return person.role in FRONTLINE and can_view_user(viewer, person)


def lands_on_own_sheet(viewer) -> bool:
    """The frontline land on their own sheet; overseers on the team table."""
    return viewer.role in FRONTLINE
