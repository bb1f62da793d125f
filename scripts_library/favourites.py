"""An agent's favourite and recently used scripts."""

from sqlalchemy import select

from portal.core.extensions import db
from portal.core.models import utcnow
from scripts_library.models import CallScript, ScriptFavourite, ScriptUse
from scripts_library.search import readable


def is_favourite(user_id: int, script_id: int) -> bool:
    return db.session.get(ScriptFavourite, (user_id, script_id)) is not None


def toggle_favourite(user_id: int, script_id: int) -> bool:
    """Add or remove a favourite; returns whether it is now a favourite."""
    existing = db.session.get(ScriptFavourite, (user_id, script_id))
    if existing:
        db.session.delete(existing)
    else:
        db.session.add(ScriptFavourite(user_id=user_id, script_id=script_id))
    db.session.commit()
    return existing is None


def record_use(user_id: int, script_id: int) -> None:
    use = db.session.get(ScriptUse, (user_id, script_id))
    if use is None:
        db.session.add(ScriptUse(user_id=user_id, script_id=script_id, used_at=utcnow()))
    else:
        use.used_at = utcnow()
    db.session.commit()


def favourites(user_id: int) -> list[CallScript]:
    return list(
        db.session.scalars(
            select(CallScript)
            .join(ScriptFavourite, ScriptFavourite.script_id == CallScript.id)
            .where(ScriptFavourite.user_id == user_id, *readable())
            .order_by(CallScript.title)
        )
    )


def recently_used(user_id: int, limit: int = 8) -> list[CallScript]:
    return list(
        db.session.scalars(
            select(CallScript)
            .join(ScriptUse, ScriptUse.script_id == CallScript.id)
            .where(ScriptUse.user_id == user_id, *readable())
            .order_by(ScriptUse.used_at.desc())
            .limit(limit)
        )
    )
