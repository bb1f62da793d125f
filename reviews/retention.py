"""Retention of recordings per channel (issue 12, voice is personal data under
Decree 13/2023): a rule says how many days a channel's recordings are kept; a
purge deletes the older ones and keeps the rest of the interaction (its
transcript as masked at intake, its segments, reviews and scores).

A purge works in batches of BATCH interactions, each its own transaction: a large
backlog neither holds one long transaction nor loses what was done when the run is
interrupted, and the run's RetentionPurge row is kept in step with every batch.
The database forgets a file before the file is deleted (as
portal/integrations/intake.py does for a replaced recording): a file nothing
points to is only a leak to log, while a row pointing to a deleted file would be a
player that fails. Running a purge again deletes nothing new.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import selectinload

from portal.core.extensions import db
from portal.core.models import utcnow
from portal.core.storage import StorageError, storage
from reviews.models import Interaction
from reviews.recordings import CHANNELS, key_of
from reviews.retention_models import RetentionPurge, RetentionRule

MIN_DAYS, MAX_DAYS = 1, 3650
BATCH = 500
HISTORY = 50


@dataclass(frozen=True)
class ChannelPlan:
    """What the next run would do for one channel (days None: kept for ever)."""

    channel: str
    days: int | None
    cutoff: datetime | None
    recordings: int = 0
    bytes: int = 0


@dataclass(frozen=True)
class ChannelRun:
    channel: str
    days: int
    recordings: int
    bytes: int


def rules() -> dict[str, RetentionRule]:
    """The rules by channel; a channel without one keeps its recordings for ever."""
    return {r.channel: r for r in db.session.scalars(select(RetentionRule))}


def save_rules(days_by_channel: dict[str, int | None], *, by_id: int | None) -> None:
    """Set (days) or clear (None) the rule of each channel named; channels left
    out are unchanged. ValueError for an unknown channel or days out of range."""
    current = rules()
    for channel, days in days_by_channel.items():
        if channel not in CHANNELS:
            raise ValueError(f"unknown channel {channel!r}")
        if days is None:
            db.session.execute(delete(RetentionRule).where(RetentionRule.channel == channel))
            continue
        if isinstance(days, bool) or not isinstance(days, int) or not MIN_DAYS <= days <= MAX_DAYS:
            raise ValueError(f"days must be {MIN_DAYS}..{MAX_DAYS}, not {days!r}")
        rule = current.get(channel)
        if rule is None:
            db.session.add(RetentionRule(channel=channel, days=days, updated_by_id=by_id))
        elif rule.days != days:
            rule.days, rule.updated_by_id, rule.updated_at = days, by_id, utcnow()
    db.session.commit()


def _due(channel: str, cutoff: datetime):
    return and_(
        Interaction.channel == channel,
        Interaction.recording_file.is_not(None),
        Interaction.occurred_at < cutoff,
    )


def preview(now: datetime | None = None) -> list[ChannelPlan]:
    """Per channel, what a purge at `now` would delete: one grouped query for all
    the channels with a rule, whatever the number of recordings."""
    now = now or utcnow()
    kept = rules()
    cutoffs = {c: now - timedelta(days=r.days) for c, r in kept.items() if c in CHANNELS}
    counts = {}
    if cutoffs:
        due = or_(*(_due(c, cutoff) for c, cutoff in cutoffs.items()))
        grouped = (
            select(
                Interaction.channel,
                func.count(Interaction.id),
                func.coalesce(func.sum(Interaction.recording_bytes), 0),
            )
            .where(due)
            .group_by(Interaction.channel)
        )
        counts = {channel: (n, size) for channel, n, size in db.session.execute(grouped)}
    plans = []
    for channel in CHANNELS:
        if channel not in cutoffs:
            plans.append(ChannelPlan(channel, None, None))
            continue
        count, size = counts.get(channel, (0, 0))
        plans.append(ChannelPlan(channel, kept[channel].days, cutoffs[channel], count, int(size)))
    return plans


def purge(by_id: int | None, now: datetime | None = None, beat=None) -> list[ChannelRun]:
    """Delete every recording older than its channel's rule at `now`, batch by
    batch (each committed, then its files deleted). One RetentionPurge per channel
    that had something to delete; `by_id` None is the schedule. `beat(done)` is
    called after each batch (a job's heartbeat)."""
    now = now or utcnow()
    runs, done = [], 0
    for channel, days in sorted((r.channel, r.days) for r in rules().values()):
        if channel not in CHANNELS:
            continue
        cutoff = now - timedelta(days=days)
        record_id = None
        while True:
            batch = _take_batch(channel, cutoff)
            if not batch:
                break
            record_id = _forget(batch, record_id, by_id, channel, days, cutoff, now)
            db.session.commit()
            _delete_files(name for _id, name, _size in batch)
            done += len(batch)
            if beat is not None:
                beat(done)
        if record_id is not None:
            record = db.session.get(RetentionPurge, record_id)
            runs.append(ChannelRun(channel, days, record.recordings, record.bytes))
    return runs


def _take_batch(channel: str, cutoff: datetime) -> list[tuple[int, str, int]]:
    # On PostgreSQL the rows are locked until the batch commits, and rows another
    # run holds are skipped, so two runs at once never count a recording twice
    # (SQLite has one writer at a time anyway).
    rows = db.session.execute(
        select(Interaction.id, Interaction.recording_file, Interaction.recording_bytes)
        .where(_due(channel, cutoff))
        .order_by(Interaction.id)
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    ).all()
    return [(i, name, size or 0) for i, name, size in rows]


def _forget(batch, record_id, by_id, channel, days, cutoff, now) -> int:
    """The batch's rows lose their recording and the run's record grows, in the
    caller's transaction. Returns the record's id."""
    ids = [i for i, _name, _size in batch]
    db.session.execute(
        update(Interaction)
        .where(Interaction.id.in_(ids))
        .values(
            recording_file=None,
            recording_format=None,
            recording_bytes=None,
            recording_purged_at=now,
        )
        .execution_options(synchronize_session="fetch")
    )
    if record_id is None:
        record = RetentionPurge(
            at=now,
            by_id=by_id,
            channel=channel,
            days=days,
            cutoff=cutoff,
            recordings=0,
            bytes=0,
            interaction_ids=[],
        )
        db.session.add(record)
    else:
        record = db.session.get(RetentionPurge, record_id)
    record.recordings += len(batch)
    record.bytes += sum(size for _i, _name, size in batch)
    record.interaction_ids = [*record.interaction_ids, *ids]  # a new list: JSON is not tracked
    db.session.flush()
    return record.id


def _delete_files(names) -> None:
    # The rows no longer name these files: a failure here leaves a file nothing
    # points to, which is logged for an admin to remove, never a failed run.
    store = storage()
    for name in names:
        try:
            store.delete(key_of(name))
        except (StorageError, OSError, ValueError):
            current_app.logger.exception("retention: %s could not be deleted", name)


def history(limit: int = HISTORY) -> list[RetentionPurge]:
    """The latest runs, newest first, with who started them."""
    return list(
        db.session.scalars(
            select(RetentionPurge)
            .options(selectinload(RetentionPurge.by))
            .order_by(RetentionPurge.at.desc(), RetentionPurge.id.desc())
            .limit(limit)
        )
    )
