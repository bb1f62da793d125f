"""The onboarding path's modules and their items: editing, ordering, and what each item points at."""

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.core.content import ItemInfo, item_kinds
from portal.core.extensions import db
from portal.core.models import utcnow
from portal.onboarding.models import ModuleItem, OnboardingModule


class OnboardingError(Exception):
    """A step a person may not take yet; the message says why."""


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
