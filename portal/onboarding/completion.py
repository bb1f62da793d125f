"""Progress kept in step with content: completions made elsewhere, and content that changed since."""

from sqlalchemy import select, update

from portal.core.extensions import db
from portal.core.models import utcnow
from portal.onboarding.models import ItemProgress, ModuleItem


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
