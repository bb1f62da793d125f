"""Onboarding logic: paths, assignment, progress, re-acknowledgement, the completion matrix."""

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.core.content import ItemInfo, item_kinds
from portal.core.extensions import db
from portal.core.models import local_today, utcnow
from portal.core.roles import FRONTLINE
from portal.core.text import spreadsheet_safe
from portal.onboarding.models import (
    ItemProgress,
    ModuleItem,
    OnboardingAssignment,
    OnboardingModule,
)

NOT_ASSIGNED, NOT_STARTED, IN_PROGRESS, DONE, OVERDUE, REACK = (
    "not_assigned",
    "not_started",
    "in_progress",
    "done",
    "overdue",
    "reack",
)


class OnboardingError(Exception):
    """A step a person may not take yet; the message says why."""


# --- modules ------------------------------------------------------------------


def modules() -> list[OnboardingModule]:
    return list(
        db.session.scalars(
            select(OnboardingModule)
            .where(OnboardingModule.refresher_for_id.is_(None))
            .options(selectinload(OnboardingModule.items))
            .order_by(OnboardingModule.position, OnboardingModule.id)
        )
    )


def save_module(
    module: OnboardingModule | None,
    *,
    title,
    description,
    due_days,
    requires_previous,
    auto_assign=False,
) -> OnboardingModule:
    if module is None:
        last = (
            db.session.scalar(
                select(func.max(OnboardingModule.position)).where(
                    OnboardingModule.refresher_for_id.is_(None)
                )
            )
            or 0
        )
        module = OnboardingModule(position=last + 1)
        db.session.add(module)
    module.title, module.description = title, description
    module.due_days, module.requires_previous = due_days, requires_previous
    module.auto_assign = auto_assign
    db.session.commit()
    return module


def _move(ordered: list, thing, offset: int) -> None:
    """Swap `thing` with its neighbour `offset` away and renumber positions from 1."""
    index = ordered.index(thing)
    other = index + offset
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
        for position, each in enumerate(ordered, start=1):
            each.position = position
        db.session.commit()


def move_module(module: OnboardingModule, offset: int) -> None:
    _move(modules(), module, offset)


def add_item(module: OnboardingModule, kind: str, ref_id: int) -> ModuleItem:
    """Add content to a module; an item removed earlier comes back with its progress."""
    if kind not in item_kinds() or ref_id not in item_kinds()[kind].describe([ref_id]):
        raise OnboardingError("unknown content")
    if any(i.kind == kind and i.ref_id == ref_id for i in module.items):
        raise OnboardingError("already in module")
    item = db.session.scalar(
        select(ModuleItem).where(
            ModuleItem.module_id == module.id, ModuleItem.kind == kind, ModuleItem.ref_id == ref_id
        )
    )
    if item is None:
        item = ModuleItem(module_id=module.id, kind=kind, ref_id=ref_id)
        db.session.add(item)
    item.removed_at = None
    item.position = len(module.items) + 1
    db.session.commit()
    db.session.expire(module, ["items"])
    return item


def remove_item(item: ModuleItem) -> None:
    """Take an item out of its module; progress on it is kept, not deleted."""
    module = item.module
    item.removed_at = utcnow()
    remaining = [other for other in module.items if other.id != item.id]
    for position, other in enumerate(remaining, start=1):
        other.position = position
    db.session.commit()
    db.session.expire(module, ["items"])


def move_item(item: ModuleItem, offset: int) -> None:
    _move(list(item.module.items), item, offset)


def describe_items(items: list[ModuleItem]) -> dict[int, ItemInfo]:
    """Item id -> what it points at; one query per content kind."""
    by_kind: dict[str, list[ModuleItem]] = defaultdict(list)
    for item in items:
        by_kind[item.kind].append(item)
    result = {}
    for kind, group in by_kind.items():
        info = item_kinds()[kind].describe([i.ref_id for i in group])
        for item in group:
            if item.ref_id in info:
                result[item.id] = info[item.ref_id]
    return result


# --- assignment ---------------------------------------------------------------


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


# --- a person's path ------------------------------------------------------------


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


def path_for(user: User) -> PathView:
    """The person's assigned modules in path order, with progress (four queries)."""
    assignments = list(
        db.session.scalars(
            select(OnboardingAssignment)
            .join(OnboardingModule)
            .where(OnboardingAssignment.user_id == user.id)
            .options(selectinload(OnboardingAssignment.module).selectinload(OnboardingModule.items))
            .order_by(OnboardingModule.position, OnboardingModule.id)
        )
    )
    items = [i for a in assignments for i in a.module.items]
    progress = (
        {
            p.item_id: p
            for p in db.session.scalars(
                select(ItemProgress).where(
                    ItemProgress.user_id == user.id, ItemProgress.item_id.in_([i.id for i in items])
                )
            )
        }
        if items
        else {}
    )
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


def record_completion(sender, *, kind: str, ref_id: int, user_id: int, version: int, **_) -> None:
    """Signal receiver: a person completed content on their own (e.g. passed a quiz).

    Every module item pointing at it in that person's path is ticked.
    """
    items = list(
        db.session.scalars(
            select(ModuleItem.id).where(
                ModuleItem.kind == kind,
                ModuleItem.ref_id == ref_id,
                ModuleItem.removed_at.is_(None),
            )
        )
    )
    if not items:
        return
    existing = {
        p.item_id: p
        for p in db.session.scalars(
            select(ItemProgress).where(
                ItemProgress.user_id == user_id, ItemProgress.item_id.in_(items)
            )
        )
    }
    now = utcnow()
    for item_id in items:
        progress = existing.get(item_id)
        if progress is None:
            progress = ItemProgress(user_id=user_id, item_id=item_id)
            db.session.add(progress)
        progress.opened_at = progress.opened_at or now
        progress.completed_at = now
        progress.completed_version = version
        progress.stale = False
    db.session.commit()


def flag_changed_content(sender, *, kind: str, ref_id: int, version: int, **_) -> None:
    """Signal receiver: content got a new version, so earlier completions need re-acknowledging.

    Clearing opened_at means the person has to open the new version before
    confirming it.
    """
    items = select(ModuleItem.id).where(ModuleItem.kind == kind, ModuleItem.ref_id == ref_id)
    db.session.execute(
        update(ItemProgress)
        .where(
            ItemProgress.item_id.in_(items),
            ItemProgress.completed_at.is_not(None),
            ItemProgress.completed_version < version,
        )
        .values(stale=True, opened_at=None)
    )
    db.session.commit()


def diff_url(view: ItemView) -> str | None:
    if view.progress is None or view.progress.completed_version is None:
        return None
    return item_kinds()[view.item.kind].diff_url(view.item.ref_id, view.progress.completed_version)


# --- completion matrix ------------------------------------------------------------


@dataclass
class Cell:
    status: str
    done: int = 0
    total: int = 0
    due_date: date | None = None


@dataclass
class Matrix:
    people: list[User]  # the people on this page
    modules: list[OnboardingModule]
    cells: dict[tuple[int, int], Cell]
    overdue_by_person: dict[int, int]
    overdue_by_module: dict[int, int]
    total_people: int = 0
    page: int = 1
    per_page: int = 0

    @property
    def pages(self) -> int:
        return max(1, -(-self.total_people // self.per_page)) if self.per_page else 1

    @property
    def first_index(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.people else 0

    @property
    def last_index(self) -> int:
        return self.first_index + len(self.people) - 1 if self.people else 0

    @property
    def overdue_total(self) -> int:
        return sum(self.overdue_by_person.values())

    def cell(self, user_id: int, module_id: int) -> Cell:
        return self.cells.get((user_id, module_id), Cell(NOT_ASSIGNED))


def completion_matrix(
    people_query,
    *,
    status: str | None = None,
    today: date | None = None,
    page: int = 1,
    per_page: int | None = None,
) -> Matrix:
    """People × modules with done/total per cell, computed in SQL.

    A fixed number of queries whatever the number of people: ids in scope,
    modules, item counts, assignments, one grouped count of progress, and
    the people on the page with their teams.
    """
    today = today or local_today()
    scoped = people_query.where(User.role.in_([r.value for r in FRONTLINE]))
    # Statuses are worked out for everyone in scope (filters and overdue
    # counts need them) from ids and grouped counts; full rows are loaded
    # only for the page shown.
    ids = scoped.with_only_columns(User.id)
    ordered_ids = list(db.session.scalars(ids.order_by(User.name, User.id)))
    module_list = list(
        db.session.scalars(
            select(OnboardingModule)
            .where(OnboardingModule.refresher_for_id.is_(None))
            .order_by(OnboardingModule.position, OnboardingModule.id)
        )
    )
    totals = dict(
        db.session.execute(
            select(ModuleItem.module_id, func.count())
            .where(ModuleItem.removed_at.is_(None))
            .group_by(ModuleItem.module_id)
        ).all()
    )
    assignments = db.session.execute(
        select(
            OnboardingAssignment.user_id,
            OnboardingAssignment.module_id,
            OnboardingAssignment.due_date,
        ).where(OnboardingAssignment.user_id.in_(ids))
    ).all()
    completed_stale = case(
        (ItemProgress.completed_at.is_not(None) & ItemProgress.stale, 1), else_=0
    )
    progress_rows = db.session.execute(
        select(
            ItemProgress.user_id,
            ModuleItem.module_id,
            func.count(ItemProgress.completed_at),
            func.sum(completed_stale),
            func.count(),
        )
        .join(ModuleItem, ModuleItem.id == ItemProgress.item_id)
        .where(ItemProgress.user_id.in_(ids), ModuleItem.removed_at.is_(None))
        .group_by(ItemProgress.user_id, ModuleItem.module_id)
    ).all()
    progress = {
        (u, m): (completed, stale or 0, touched)
        for u, m, completed, stale, touched in progress_rows
    }
    cells, by_person, by_module = {}, defaultdict(int), defaultdict(int)
    shown = {m.id for m in module_list}  # a personal refresher is not a column
    for user_id, module_id, due in assignments:
        if module_id not in shown:
            continue
        total = totals.get(module_id, 0)
        completed, stale, touched = progress.get((user_id, module_id), (0, 0, 0))
        fresh = completed - stale
        state = module_status(
            total=total,
            fresh=fresh,
            completed=completed,
            stale=stale,
            touched=touched,
            due=due,
            today=today,
        )
        if state == OVERDUE:
            by_person[user_id] += 1
            by_module[module_id] += 1
        cells[(user_id, module_id)] = Cell(state, fresh, total, due)
    if status:
        wanted = {uid for (uid, _), cell in cells.items() if cell.status == status}
        ordered_ids = [uid for uid in ordered_ids if uid in wanted]
    total = len(ordered_ids)
    if per_page:
        page = min(max(page, 1), max(1, -(-total // per_page)))
        ordered_ids = ordered_ids[(page - 1) * per_page : page * per_page]
    loaded = {
        u.id: u
        for u in db.session.scalars(
            select(User).where(User.id.in_(ordered_ids)).options(selectinload(User.team))
        )
    }
    people = [loaded[uid] for uid in ordered_ids]
    return Matrix(
        people, module_list, cells, dict(by_person), dict(by_module), total, page, per_page or 0
    )


def matrix_csv(matrix: Matrix, *, status_labels, role_labels, headers) -> str:
    """The completion matrix as CSV (UTF-8 with BOM so Excel shows Vietnamese right)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    header = [*headers[:4], *[m.title for m in matrix.modules], headers[4]]
    writer.writerow([spreadsheet_safe(value) for value in header])
    for person in matrix.people:
        cells = []
        for module in matrix.modules:
            cell = matrix.cell(person.id, module.id)
            cells.append(
                ""
                if cell.status == NOT_ASSIGNED
                else f"{cell.done}/{cell.total} {status_labels(cell.status)}"
            )
        row = [
            person.name,
            person.email,
            person.team.name if person.team else "",
            role_labels(person.role),
            *cells,
            matrix.overdue_by_person.get(person.id, 0),
        ]
        writer.writerow([spreadsheet_safe(value) for value in row])
    return "\ufeff" + buffer.getvalue()
