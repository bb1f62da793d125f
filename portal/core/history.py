"""Saved versions of content: one way to list them, find one and compare two.

Playbook steps and introductions, call scripts, questions and rubrics keep
every save as a row of their own version table, never overwriting. A
`History` names that table's link to its owner and its version number, and
how a version reads as text to compare; the pages built on it (history,
"what changed") then look and behave the same for every kind of content.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.core.diffs import FieldDiff, field_diffs
from portal.core.extensions import db


@dataclass(frozen=True)
class Comparison:
    old: Any
    new: Any
    changes: list[FieldDiff]


@dataclass(frozen=True)
class History:
    owner: Any  # the version row's column naming what it is a version of
    number: Any  # the version row's version-number column
    author: Any = None  # its relationship to the person who saved it, loaded with the list
    fields: tuple[str, ...] = ()  # compared as they are, when there is no `comparable`
    comparable: Callable[[Any], dict] | None = field(default=None, compare=False)

    @property
    def model(self):
        return self.owner.class_

    def versions(self, owner_id: int) -> list:
        """Every saved version, newest first."""
        query = select(self.model).where(self.owner == owner_id).order_by(self.number.desc())
        if self.author is not None:
            query = query.options(selectinload(self.author))
        return list(db.session.scalars(query))

    def find(self, owner_id: int, number: int | None):
        """Version `number`, or None when there is no such version."""
        if number is None:
            return None
        return db.session.scalar(
            select(self.model).where(self.owner == owner_id, self.number == number)
        )

    def as_text(self, version) -> dict:
        """A version as {field: text or lines}, the shape `field_diffs` compares."""
        if self.comparable is not None:
            return self.comparable(version)
        return {name: getattr(version, name) for name in self.fields}

    def compare(self, owner_id: int, a: int, b: int, labels: dict[str, str]) -> Comparison | None:
        """What changed from version `a` to version `b`, field by field with the
        labels given; None when either version does not exist."""
        old, new = self.find(owner_id, a), self.find(owner_id, b)
        if old is None or new is None:
            return None
        changes = field_diffs(self.as_text(old), self.as_text(new), labels)
        return Comparison(old, new, changes)
