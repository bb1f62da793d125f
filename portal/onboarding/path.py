"""A person's path: their modules in order with progress, and opening and completing items."""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from portal.accounts.models import User
from portal.core.content import ItemInfo, item_kinds
from portal.core.extensions import db
from portal.core.models import local_today, utcnow
from portal.onboarding.models import (
    ItemProgress,
    ModuleItem,
    OnboardingAssignment,
    OnboardingModule,
)
from portal.onboarding.modules import OnboardingError, describe_items
from portal.onboarding.status import (
    DONE,
    IN_PROGRESS,
    NOT_STARTED,
    OVERDUE,
    REACK,
    module_status,
)


@dataclass
class ItemView:
    item: ModuleItem
    info: ItemInfo | None
    progress: ItemProgress | None

    @property
    def status(self) -> str:
        p = self.progress
        if p is None or p.completed_at is None:
            return IN_PROGRESS if p is not None and p.opened_at else NOT_STARTED
        return REACK if p.stale else DONE


@dataclass
class ModuleView:
    module: OnboardingModule
    assignment: OnboardingAssignment
    items: list[ItemView]
    locked: bool = False
    today: date = field(default_factory=local_today)

    @property
    def done_count(self) -> int:
        return sum(1 for i in self.items if i.status == DONE)

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def status(self) -> str:
        progress = [i.progress for i in self.items if i.progress is not None]
        completed = sum(1 for p in progress if p.completed_at is not None)
        return module_status(
            total=self.total,
            fresh=self.done_count,
            completed=completed,
            stale=completed - self.done_count,
            touched=len(progress),
            due=self.assignment.due_date,
            today=self.today,
        )

    @property
    def done(self) -> bool:
        return self.status == DONE

    @property
    def finished_once(self) -> bool:
        """Every item completed at least once: what unlocks the next module."""
        return all(i.progress is not None and i.progress.completed_at for i in self.items)

    @property
    def percent(self) -> int:
        return round(100 * self.done_count / self.total) if self.total else 100

    @property
    def overdue(self) -> bool:
        # A locked module cannot be worked on: the person is told it is
        # locked (and about the overdue module before it), not that it is late.
        return not self.locked and self.status == OVERDUE

    @property
    def days_left(self) -> int:
        return (self.assignment.due_date - self.today).days


@dataclass
class PathView:
    user: User
    modules: list[ModuleView]

    @property
    def done_count(self) -> int:
        return sum(m.done_count for m in self.modules)

    @property
    def total(self) -> int:
        return sum(m.total for m in self.modules)

    @property
    def percent(self) -> int:
        return round(100 * self.done_count / self.total) if self.total else 0

    @property
    def next_item(self) -> ItemView | None:
        for module in self.modules:
            if module.locked:
                continue
            for item in module.items:
                if item.status != DONE:
                    return item
        return None

    @property
    def overdue(self) -> list[ModuleView]:
        return [m for m in self.modules if m.overdue]

    @property
    def reack(self) -> list[ItemView]:
        return [i for m in self.modules for i in m.items if i.status == REACK]


# Built once and run with bound values: reusing a statement skips rebuilding its
# expression tree and cache key (see reviews/notifications.py). Every home page asks.
# One statement for the whole path: each assignment with its module, the module's
# current items (the relationship's own join) and the person's progress on each.
_PATH = (
    select(OnboardingAssignment, ItemProgress)
    .join(OnboardingAssignment.module)
    .outerjoin(OnboardingModule.items)
    .outerjoin(
        ItemProgress,
        and_(ItemProgress.item_id == ModuleItem.id, ItemProgress.user_id == bindparam("user")),
    )
    .where(OnboardingAssignment.user_id == bindparam("user"))
    .options(contains_eager(OnboardingAssignment.module).contains_eager(OnboardingModule.items))
    .order_by(OnboardingModule.position, OnboardingModule.id, ModuleItem.position, ModuleItem.id)
)


def path_for(user: User) -> PathView:
    """The person's assigned modules in path order, with progress (one statement, and
    one per kind of content the items show)."""
    assignments, progress = {}, {}
    for assignment, item_progress in db.session.execute(_PATH, {"user": user.id}).unique():
        assignments.setdefault(assignment.id, assignment)
        if item_progress is not None:
            progress[item_progress.item_id] = item_progress
    assignments = list(assignments.values())
    items = [i for a in assignments for i in a.module.items]
    info = describe_items(items)
    views, previous_done = [], True
    for assignment in assignments:
        module = assignment.module
        view = ModuleView(
            module,
            assignment,
            [ItemView(i, info.get(i.id), progress.get(i.id)) for i in module.items],
        )
        view.locked = module.requires_previous and not previous_done
        previous_done = view.finished_once
        views.append(view)
    return PathView(user, views)


def _item_in_path(user: User, item_id: int) -> tuple[PathView, ItemView]:
    path = path_for(user)
    for module in path.modules:
        for view in module.items:
            if view.item.id == item_id:
                if module.locked:
                    raise OnboardingError("locked")
                return path, view
    raise OnboardingError("not assigned")


def open_item(user: User, item_id: int) -> ItemView:
    """Record that the person opened an item (needed before marking it done)."""
    _, view = _item_in_path(user, item_id)
    if view.progress is None:
        try:
            db.session.add(ItemProgress(user_id=user.id, item_id=item_id, opened_at=utcnow()))
            db.session.commit()
        except IntegrityError:  # a double click opened it at the same moment
            db.session.rollback()
        view.progress = db.session.scalar(
            select(ItemProgress).where(
                ItemProgress.user_id == user.id, ItemProgress.item_id == item_id
            )
        )
    elif view.progress.opened_at is None:
        view.progress.opened_at = utcnow()
        db.session.commit()
    return view


def complete_item(user: User, item_id: int) -> ItemView:
    """Mark an opened item done at its current content version (also re-acknowledges)."""
    _, view = _item_in_path(user, item_id)
    if item_kinds()[view.item.kind].completes_itself:
        raise OnboardingError("completes itself")
    if view.progress is None or view.progress.opened_at is None:
        raise OnboardingError("not opened")
    if view.info is None:
        raise OnboardingError("content missing")
    view.progress.completed_at = utcnow()
    view.progress.completed_version = view.info.version
    view.progress.stale = False
    db.session.commit()
    return view


def diff_url(view: ItemView) -> str | None:
    if view.progress is None or view.progress.completed_version is None:
        return None
    return item_kinds()[view.item.kind].diff_url(view.item.ref_id, view.progress.completed_version)
