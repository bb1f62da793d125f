"""In-portal notices about reviews: a new review for the agent, a dispute for the
reviewer, a decision for the agent; read when the review is opened."""

from datetime import datetime

from sqlalchemy import bindparam, func, select

from portal.core.extensions import db
from reviews.models import Notification, Review


def notify(user_id: int, review: Review, kind: str, now: datetime) -> None:
    db.session.add(Notification(user_id=user_id, review_id=review.id, kind=kind, created_at=now))


# Built once and run with bound values: SQLAlchemy keeps a statement's cache key on
# the statement object, so a reused one skips building its expression tree and key
# (about 150 µs of a 350 µs statement, measured here). The badge asks on every page.
_UNREAD = select(func.count(Notification.id)).where(
    Notification.user_id == bindparam("user"), Notification.read_at.is_(None)
)
_LATEST = (
    select(Notification)
    .where(Notification.user_id == bindparam("user"))
    .order_by(Notification.created_at.desc(), Notification.id.desc())
    .limit(bindparam("limit"))
)


def unread_of(user_id):
    """The badge's count as a correlated subquery, read with the person's row."""
    return (
        select(func.count(Notification.id))
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .scalar_subquery()
    )


def unread_count(user_id: int) -> int:
    return db.session.scalar(_UNREAD, {"user": user_id})


def notifications_of(user_id: int, limit: int = 50) -> list[Notification]:
    return list(db.session.scalars(_LATEST, {"user": user_id, "limit": limit}))


# Through the ORM rather than one UPDATE: the flush is what tells the version
# counters (portal/kpi/versions.py) that this person's inbox and badge changed.


def _mark(unread, now: datetime) -> None:
    notices = list(db.session.scalars(unread))
    for notice in notices:
        notice.read_at = now
    if notices:  # most opens change nothing: no commit, nothing loaded expired
        db.session.commit()


def mark_read(user_id: int, review_id: int, now: datetime) -> None:
    _mark(
        db.select(Notification).where(
            Notification.user_id == user_id,
            Notification.review_id == review_id,
            Notification.read_at.is_(None),
        ),
        now,
    )


def mark_all_read(user_id: int, now: datetime) -> None:
    _mark(
        db.select(Notification).where(
            Notification.user_id == user_id, Notification.read_at.is_(None)
        ),
        now,
    )
