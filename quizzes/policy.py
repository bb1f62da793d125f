"""Who may take, write, grade and read quizzes and their results."""

from portal.accounts.policy import can_view_user
from portal.core.policy import permission, rule
from portal.core.roles import ADMINS, LEADERS, OVERSEERS

QUIZZES_AUTHOR = permission(
    "quizzes.author",
    LEADERS,
    "Supervisors and admins write questions, import and export the bank, set up "
    "quizzes and see quizzes still hidden while being set up.",
)
QUIZZES_GRADE = permission(
    "quizzes.grade", LEADERS, "Supervisors and admins mark essays waiting in the queue."
)
QUIZZES_RESULTS = permission(
    "quizzes.results",
    OVERSEERS,
    "Supervisors (their teams), HR and admins read results, per quiz and per person, "
    "and the item analysis.",
)
QUIZZES_REGRADE = permission(
    "quizzes.regrade", ADMINS, "Only admins regrade attempts after a key is fixed."
)


@rule("attempt.read")
def may_read_attempt(viewer, attempt_owner) -> bool:
    """An attempt is read by the person who took it, and by those who oversee them
    (their supervisors, HR and admins)."""
    if viewer.id == attempt_owner.id:
        return True
    return viewer.role in OVERSEERS and can_view_user(viewer, attempt_owner)
