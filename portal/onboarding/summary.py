"""What a home page says of onboarding: how many people are tracked and how many of
their modules are overdue, without building the completion matrix."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.core.extensions import db
from portal.core.models import local_today
from portal.onboarding.matrix import frontline_of
from portal.onboarding.models import (
    ItemProgress,
    ModuleItem,
    OnboardingAssignment,
    OnboardingModule,
)


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
    assignment = OnboardingAssignment
    # Correlated counts, asked only for assignments already past their date (few):
    # a plan simpler to make than grouping everyone's progress, and less to read.
    held = (
        select(func.count())
        .where(ModuleItem.module_id == assignment.module_id, ModuleItem.removed_at.is_(None))
        .scalar_subquery()
    )
    completed = (
        select(func.count())
        .select_from(ItemProgress)
        .join(ModuleItem, ModuleItem.id == ItemProgress.item_id)
        .where(
            ItemProgress.user_id == assignment.user_id,
            ModuleItem.module_id == assignment.module_id,
            ModuleItem.removed_at.is_(None),
            ItemProgress.completed_at.is_not(None),
        )
        .scalar_subquery()
    )
    overdue = (
        select(func.count())
        .select_from(assignment)
        .join(OnboardingModule, OnboardingModule.id == assignment.module_id)
        .where(
            assignment.user_id.in_(ids),
            # A personal refresher is not a column of the matrix, nor counted here.
            OnboardingModule.refresher_for_id.is_(None),
            assignment.due_date < today,
            completed < held,
        )
    )
    people = select(func.count()).select_from(ids.subquery())
    total_people, overdue_total = db.session.execute(
        select(people.scalar_subquery(), overdue.scalar_subquery())
    ).one()
    return Summary(total_people, overdue_total)
