"""What a home page says of onboarding: how many people are tracked and how many of
their modules are overdue, without building the completion matrix."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.core.extensions import db
from portal.core.models import local_today
from portal.onboarding.matrix import frontline_of, item_totals, progress_counts
from portal.onboarding.models import OnboardingAssignment, OnboardingModule


@dataclass
class Summary:
    total_people: int
    overdue_total: int  # modules past their due date, as the matrix counts them


def onboarding_summary(people_query, *, today: date | None = None) -> Summary:
    """The matrix's two totals in one statement whatever the number of people.

    The matrix calls a module overdue (portal/onboarding/status.py) when it is not
    done, not finished once, and past its date; since fresh items are a part of the
    completed ones, that is: fewer items completed than the module holds, and due
    before today. So SQL counts it directly (tests/onboarding/test_summary.py holds
    the two to the same numbers)."""
    today = today or local_today()
    ids = frontline_of(people_query).with_only_columns(User.id)
    totals, progress = item_totals().subquery(), progress_counts(ids).subquery()
    overdue = (
        select(func.count())
        .select_from(OnboardingAssignment)
        .join(OnboardingModule, OnboardingModule.id == OnboardingAssignment.module_id)
        .outerjoin(totals, totals.c.module_id == OnboardingAssignment.module_id)
        .outerjoin(
            progress,
            (progress.c.user_id == OnboardingAssignment.user_id)
            & (progress.c.module_id == OnboardingAssignment.module_id),
        )
        .where(
            OnboardingAssignment.user_id.in_(ids),
            # A personal refresher is not a column of the matrix, nor counted here.
            OnboardingModule.refresher_for_id.is_(None),
            OnboardingAssignment.due_date < today,
            func.coalesce(progress.c.completed, 0) < func.coalesce(totals.c.total, 0),
        )
    )
    people = select(func.count()).select_from(ids.subquery())
    total_people, overdue_total = db.session.execute(
        select(people.scalar_subquery(), overdue.scalar_subquery())
    ).one()
    return Summary(total_people, overdue_total)
