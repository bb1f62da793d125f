"""Where a person stands in a module: the status names and the one rule that decides them."""

from datetime import date

NOT_ASSIGNED, NOT_STARTED, IN_PROGRESS, DONE, OVERDUE, REACK = (
    "not_assigned",
    "not_started",
    "in_progress",
    "done",
    "overdue",
    "reack",
)


def module_status(
    *, total: int, fresh: int, completed: int, stale: int, touched: int, due: date, today: date
) -> str:
    """One module's status for one person; the matrix and "my onboarding" both use it.

    `completed` counts items ever completed, `stale` those of them whose
    content changed since, `fresh` the rest; `touched` counts items opened.
    An empty module is done. A module finished once and changed later asks
    to be read again rather than turning overdue. Locking is not looked at:
    managers see a locked module past its date as overdue (the person is
    behind), while the person's own page shows it as locked (they cannot act
    on it yet).
    """
    if fresh >= total:
        return DONE
    if completed >= total:
        return REACK
    if due < today:
        return OVERDUE
    if stale:
        return REACK
    if touched or completed:
        return IN_PROGRESS
    return NOT_STARTED
