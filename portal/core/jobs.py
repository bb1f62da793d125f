"""Background jobs: long or unbounded work (an HR workbook, a roster's passwords, an
outcome import, a batch of recordings) with its state in the database.

The queue (portal/core/queue.py) only carries a job's id; this table says what the
job is, how far it got, what it produced and why it failed, so that any app node can
answer the page that polls it.

A job's handler does its work without committing; the runner marks the job done in
the same transaction, so a worker killed mid-job leaves nothing half-written, and the
periodic sweep retries the job (when its kind says retrying is safe) or fails it once
it has sent no heartbeat for JOB_STALLED_SECONDS, never "running" forever.
"""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import abort, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.extensions import db
from portal.core.models import UTCDateTime, utcnow
from portal.core.queue import job as queued_job
from portal.core.queue import periodic

OPEN = ("queued", "running")


class Job(db.Model):
    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_state_kind", "state", "kind"),
        Index("ix_jobs_requested_by_state", "requested_by_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(20), default="queued")  # OPEN, done, failed, expired
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[dict] = mapped_column(JSON, default=dict)
    error: Mapped[str] = mapped_column(Text, default="")  # a sentence for the person
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def open(self) -> bool:
        return self.state in OPEN


class JobFailed(Exception):
    """Raised by a handler: the job fails with this sentence for the person."""


class JobRetry(Exception):
    """Raised by a handler whose work may succeed later (a remote server down, a
    timeout): the job is queued again after `delay` seconds while its kind allows
    more attempts, and fails with this sentence after the last."""

    def __init__(self, message: str, delay: int):
        super().__init__(message)
        self.delay = delay


class JobLimit(Exception):
    """Too many jobs waiting: for this person, or for the whole portal."""


@dataclass(frozen=True)
class Kind:
    run: Callable  # (job, beat) -> result dict; writes without committing
    retry_when_stalled: bool  # safe to run again from the start after a dead worker
    per_person: int
    keep_for: timedelta
    on_expire: Callable | None  # (job) -> None: delete what the job produced
    max_attempts: int = 3
    # (job) -> None, once the job's writes are committed: what must not happen for
    # writes that could still roll back (signals to other features, deleting inputs).
    after_commit: Callable | None = None


KINDS: dict[str, Kind] = {}


def kind(
    name: str,
    *,
    retry_when_stalled: bool = True,
    per_person: int = 2,
    keep_for: timedelta = timedelta(days=1),
    on_expire: Callable | None = None,
    after_commit: Callable | None = None,
    max_attempts: int = 3,
):
    """Register the handler of one kind of job."""

    def register(fn):
        KINDS[name] = Kind(
            fn,
            retry_when_stalled,
            per_person,
            keep_for,
            on_expire,
            max_attempts=max_attempts,
            after_commit=after_commit,
        )
        return fn

    return register


def start(name: str, *, by_id: int | None, params: dict, total: int = 0) -> Job:
    """Record a job and hand it to the queue. JobLimit when this person (or, for
    `by_id=None`, the schedule) already has `per_person` of this kind open, or the
    portal has JOBS_MAX_OPEN open."""
    settle_stalled()
    limit = KINDS[name].per_person
    # Jobs nobody asked for (the schedule's) share one allowance per kind.
    whose = Job.requested_by_id.is_(None) if by_id is None else Job.requested_by_id == by_id
    mine = db.session.scalar(
        select(db.func.count(Job.id)).where(Job.kind == name, whose, Job.state.in_(OPEN))
    )
    if mine >= limit:
        raise JobLimit(
            str(_l("You already have %(n)d of these running; wait for one to finish.", n=limit))
        )
    overall = db.session.scalar(select(db.func.count(Job.id)).where(Job.state.in_(OPEN)))
    if overall >= current_app.config["JOBS_MAX_OPEN"]:
        raise JobLimit(str(_l("The portal is busy with other work; try again in a few minutes.")))
    job = Job(token=secrets.token_hex(16), kind=name, requested_by_id=by_id, params=params)
    job.total = total
    db.session.add(job)
    db.session.commit()
    run_job(job.id)
    return job


def of(token: str, name: str, person_id: int) -> Job | None:
    """A job by its token, only for the person who started it."""
    if len(token) != 32:
        return None
    job = db.session.scalar(select(Job).where(Job.token == token, Job.kind == name))
    return job if job is not None and job.requested_by_id == person_id else None


def own_or_404(token: str, name: str, person_id: int) -> Job:
    """A job for its page: to anyone but the person who started it, it does not
    exist (404); a stalled one is settled first."""
    job = of(token, name, person_id)
    if job is None:
        abort(404)
    return check(job)


def beat(job_id: int, done: int | None = None) -> None:
    """Progress and a sign of life, on a connection of its own: the handler's own
    transaction stays open and uncommitted."""
    values = {"heartbeat_at": utcnow()}
    if done is not None:
        values["done"] = done
    with db.engine.begin() as connection:
        connection.execute(update(Job).where(Job.id == job_id).values(**values))


@queued_job()
def run_job(job_id: int) -> None:
    run(job_id)


def run(job_id: int) -> None:
    """Run one job: running → done with its result, or failed with a sentence."""
    claimed = db.session.execute(
        update(Job)
        .where(Job.id == job_id, Job.state == "queued")
        .values(
            state="running",
            attempts=Job.attempts + 1,
            started_at=utcnow(),
            heartbeat_at=utcnow(),
        )
    ).rowcount
    db.session.commit()
    if not claimed:  # delivered twice, or settled meanwhile
        return
    job = db.session.get(Job, job_id)
    handler = KINDS[job.kind]
    try:
        result = handler.run(job, lambda done=None: beat(job_id, done))
        job.state, job.result, job.finished_at = "done", result or {}, utcnow()
        job.error = ""  # a retried job's earlier reason
        db.session.commit()  # the handler's writes and "done" together
    except JobFailed as failure:
        _fail(job_id, str(failure))
    except JobRetry as later:
        _fail(job_id, str(later), retry=handler, delay=later.delay)
    except OperationalError as error:  # the database went away: try again later
        current_app.logger.warning("job %s: %s", job_id, error)
        _fail(job_id, str(_l("The database could not be reached; try again.")), retry=handler)
    except Exception:
        current_app.logger.exception("job %s (%s) failed", job_id, job.kind)
        _fail(job_id, str(_l("Something went wrong; try again, and tell an admin if it fails.")))
    else:
        if handler.after_commit is not None:
            _after_commit(handler, job)


def _after_commit(handler: Kind, job: Job) -> None:
    # The job is done and its writes are in: a failure here is logged, not turned
    # into a failed job (that would tell the person nothing was written).
    try:
        handler.after_commit(job)
    except Exception:
        db.session.rollback()
        current_app.logger.exception("job %s (%s): after its commit", job.id, job.kind)


def _fail(job_id: int, message: str, retry: Kind | None = None, delay: int = 30) -> None:
    db.session.rollback()
    job = db.session.get(Job, job_id)
    if retry is not None and job.attempts < retry.max_attempts:
        # The reason stays on the row while it waits, for the page that shows it; the
        # heartbeat set to when it is due keeps the sweep from calling the wait a stall.
        job.state, job.error, job.heartbeat_at = (
            "queued",
            message,
            utcnow() + timedelta(seconds=delay),
        )
        db.session.commit()
        run_job.schedule((job_id,), delay=delay)
        return
    job.state, job.error, job.finished_at = "failed", message, utcnow()
    db.session.commit()


def settle_stalled(now: datetime | None = None) -> int:
    """Jobs whose worker went quiet: queued again when their kind can start over,
    failed when not (or after three attempts). Returns how many were settled."""
    now = now or utcnow()
    quiet = now - timedelta(seconds=current_app.config["JOB_STALLED_SECONDS"])
    stalled = list(
        db.session.scalars(
            select(Job).where(
                Job.state.in_(OPEN), db.func.coalesce(Job.heartbeat_at, Job.created_at) < quiet
            )
        )
    )
    again = []
    for job in stalled:
        kind_of = KINDS.get(job.kind)
        if kind_of and kind_of.retry_when_stalled and job.attempts < kind_of.max_attempts:
            job.state, job.heartbeat_at = "queued", now
            again.append(job.id)
        else:
            job.state, job.finished_at = "failed", now
            job.error = str(_l("The work stopped before it finished (a worker restarted)."))
    db.session.commit()
    for job_id in again:
        run_job(job_id)
    return len(stalled)


def expire(now: datetime | None = None) -> int:
    """Finished jobs older than their kind keeps them: what they produced is deleted
    and their result cleared (it may hold one-time passwords)."""
    now = now or utcnow()
    count = 0
    # Only rows old enough for the shortest keep are read: the table grows for ever.
    shortest = min((k.keep_for for k in KINDS.values()), default=timedelta(days=1))
    old_enough = select(Job).where(
        Job.state.in_(["done", "failed"]),
        db.func.coalesce(Job.finished_at, Job.created_at) < now - shortest,
    )
    for job in db.session.scalars(old_enough):
        kind_of = KINDS.get(job.kind)
        keep = kind_of.keep_for if kind_of else timedelta(days=1)
        if (job.finished_at or job.created_at) >= now - keep:
            continue
        if kind_of and kind_of.on_expire:
            kind_of.on_expire(job)
        job.state, job.result = "expired", {}
        count += 1
    db.session.commit()
    return count


def check(job: Job) -> Job:
    """The job as its polling page should see it: a stalled one settled first. Writes
    only in that case, so a poll every second stays a read."""
    quiet = utcnow() - timedelta(seconds=current_app.config["JOB_STALLED_SECONDS"])
    if job.open and (job.heartbeat_at or job.created_at) < quiet:
        settle_stalled()
        db.session.refresh(job)
    return job


@periodic(minute="*")
def sweep() -> None:
    """Every minute on the worker's scheduler: stalled jobs retried or failed, old
    results and files deleted (`flask portal sweep-jobs` does the same from cron)."""
    settle_stalled()
    expire()
