"""Pages of a long table: one helper for every paged list (question bank,
interactions, completion matrix), and one pager macro (`_macros.html`).

Flask-SQLAlchemy's `db.paginate` returns the first column only, and the
completion matrix pages a list of people it has already ordered; both shapes
go through `Page`, so the numbers (and their bounds) are computed once.
"""

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, select

from portal.core.extensions import db


def page_count(total: int, per_page: int) -> int:
    """How many pages `total` rows fill (at least one, so an empty table has a page)."""
    return max(1, -(-total // per_page)) if per_page else 1


def page_number(asked: int | None, total: int, per_page: int) -> int:
    """The asked page, kept within 1..last (a stale link past the end shows the last)."""
    return min(max(asked or 1, 1), page_count(total, per_page))


@dataclass(frozen=True)
class Page:
    items: list[Any] = field(default_factory=list)
    total: int = 0
    page: int = 1
    per_page: int = 0

    @property
    def pages(self) -> int:
        return page_count(self.total, self.per_page)

    @property
    def first_index(self) -> int:
        """1-based position of the first row shown (0 when none)."""
        return (self.page - 1) * self.per_page + 1 if self.items else 0

    @property
    def last_index(self) -> int:
        return self.first_index + len(self.items) - 1 if self.items else 0


def paginate(query: Select, page: int | None, per_page: int, *, rows: bool = False) -> Page:
    """One page of `query` (already ordered) and the total, in two statements.
    `rows=True` keeps every selected column (``(Question, QuestionVersion)`` pairs)."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    number = page_number(page, total or 0, per_page)
    sliced = query.limit(per_page).offset((number - 1) * per_page)
    items = db.session.execute(sliced).all() if rows else list(db.session.scalars(sliced))
    return Page(items, total or 0, number, per_page)


def paginate_list(items: list, page: int | None, per_page: int | None) -> Page:
    """One page of a list already in order; no `per_page` means everything on one page."""
    if not per_page:
        return Page(list(items), len(items), 1, 0)
    number = page_number(page, len(items), per_page)
    return Page(items[(number - 1) * per_page : number * per_page], len(items), number, per_page)
