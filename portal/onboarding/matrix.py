"""The completion matrix: people × modules with each cell's status, and its CSV."""

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.core.extensions import db
from portal.core.models import local_today
from portal.core.pagination import Page, paginate_list
from portal.core.roles import FRONTLINE
from portal.core.text import spreadsheet_safe
from portal.onboarding.models import (
    ItemProgress,
    ModuleItem,
    OnboardingAssignment,
    OnboardingModule,
)
from portal.onboarding.status import NOT_ASSIGNED, OVERDUE, module_status


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
    paging: Page = field(default_factory=Page)  # of the people in scope

    @property
    def total_people(self) -> int:
        return self.paging.total

    @property
    def page(self) -> int:
        return self.paging.page

    @property
    def pages(self) -> int:
        return self.paging.pages

    @property
    def first_index(self) -> int:
        return self.paging.first_index

    @property
    def last_index(self) -> int:
        return self.paging.last_index

    @property
    def overdue_total(self) -> int:
        return sum(self.overdue_by_person.values())

    def cell(self, user_id: int, module_id: int) -> Cell:
        return self.cells.get((user_id, module_id), Cell(NOT_ASSIGNED))


def frontline_of(people_query):
    """The people whose onboarding is tracked: agents and new hires."""
    return people_query.where(User.role.in_([r.value for r in FRONTLINE]))


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
    scoped = frontline_of(people_query)
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
    paging = paginate_list(ordered_ids, page, per_page)
    ordered_ids = paging.items
    loaded = {
        u.id: u
        for u in db.session.scalars(
            select(User).where(User.id.in_(ordered_ids)).options(selectinload(User.team))
        )
    }
    people = [loaded[uid] for uid in ordered_ids]
    return Matrix(people, module_list, cells, dict(by_person), dict(by_module), paging)


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
