"""Who has to do which module by when: assigning, refreshers, due dates, new hires."""

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.accounts.models import User
from portal.core.extensions import db
from portal.core.models import local_today
from portal.onboarding.models import ModuleItem, OnboardingAssignment, OnboardingModule


def assign(
    users: list[User],
    chosen: list[OnboardingModule],
    *,
    by: User | None,
    due_in_days: int | None = None,
) -> int:
    """Assign modules to people; due dates count from each person's hire date.

    Someone hired long ago (an agent given a new module) would be overdue the
    moment it is assigned, so when the earliest of these due dates has already
    passed, every module's days count from today instead (keeping their order). Existing assignments are kept as they are.
    Returns how many were created.
    """
    if not users or not chosen:
        return 0
    # Two managers assigning the same team at once: the loser's insert hits
    # the unique constraint; read again and add only what is still missing.
    for attempt in range(2):
        try:
            return _assign_missing(users, chosen, by, due_in_days)
        except IntegrityError:
            db.session.rollback()
            if attempt:
                raise
    return 0


def _assign_missing(users, chosen, by, due_in_days) -> int:
    existing = set(
        db.session.execute(
            select(OnboardingAssignment.user_id, OnboardingAssignment.module_id).where(
                OnboardingAssignment.user_id.in_([u.id for u in users]),
                OnboardingAssignment.module_id.in_([m.id for m in chosen]),
            )
        ).all()
    )
    today = local_today()
    created = 0

    def days_for(module) -> timedelta:
        return timedelta(days=module.due_days if due_in_days is None else due_in_days)

    first = min(days_for(m) for m in chosen)
    for user in users:
        # One start per person for the whole batch, so the path keeps its order.
        start = user.hire_date or today
        if start + first < today:
            start = today
        for module in chosen:
            if (user.id, module.id) in existing:
                continue
            due = start + days_for(module)
            db.session.add(
                OnboardingAssignment(
                    user_id=user.id,
                    module_id=module.id,
                    due_date=due,
                    assigned_by_id=by.id if by else None,
                )
            )
            created += 1
    db.session.commit()
    return created


def give_refresher(
    person: User, title: str, items: list[tuple[str, int]], *, by: User | None, due_in_days: int
) -> OnboardingModule:
    """A one-person module of things to go over again (from a coaching note):
    it joins the person's path like any module, due in `due_in_days`."""
    module = OnboardingModule(
        title=title[:200],
        description="",
        position=10_000,  # after the regular path
        due_days=due_in_days,
        refresher_for_id=person.id,
    )
    db.session.add(module)
    db.session.flush()
    for position, (kind, ref_id) in enumerate(items, start=1):
        module.items.append(ModuleItem(kind=kind, ref_id=ref_id, position=position))
    db.session.flush()
    assign([person], [module], by=by, due_in_days=due_in_days)
    # Due counted from today, not from the hire date like a path module.
    assignment = db.session.scalar(
        select(OnboardingAssignment).where(
            OnboardingAssignment.user_id == person.id, OnboardingAssignment.module_id == module.id
        )
    )
    assignment.due_date = local_today() + timedelta(days=due_in_days)
    db.session.commit()
    return module


def assign_to_new_hire(sender, *, user: User, **_) -> None:
    """Signal receiver: a new hire joined; give them every module marked for new hires."""
    automatic = list(
        db.session.scalars(select(OnboardingModule).where(OnboardingModule.auto_assign))
    )
    assign([user], automatic, by=None)


def assignment_of(user_id: int, module_id: int) -> OnboardingAssignment | None:
    return db.session.scalar(
        select(OnboardingAssignment).where(
            OnboardingAssignment.user_id == user_id, OnboardingAssignment.module_id == module_id
        )
    )


def change_due_date(assignment: OnboardingAssignment, due: date) -> None:
    assignment.due_date = due
    db.session.commit()


def unassign(user: User, module: OnboardingModule) -> None:
    db.session.execute(
        OnboardingAssignment.__table__.delete().where(
            OnboardingAssignment.user_id == user.id, OnboardingAssignment.module_id == module.id
        )
    )
    db.session.commit()
