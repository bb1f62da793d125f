"""HR exports run as a queued job (portal/core/queue.py): the request returns at
once, the page polls the job's progress (htmx), and other people's pages never
wait. State lives in the database and the file under instance/exports, so any
gunicorn worker can answer the polling and the download."""

import secrets
from datetime import date, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from portal.accounts.models import User
from portal.core.extensions import db
from portal.core.models import utcnow
from portal.core.queue import job as queued_job
from portal.core.queue import periodic
from portal.kpi import export
from portal.kpi.models import ExportJob
from portal.kpi.periods import Period

MAX_RUNNING_PER_PERSON = 2
STALLED_AFTER = timedelta(minutes=10)  # no progress for this long: its worker is gone
KEEP_FILES_FOR = timedelta(days=1)


def folder() -> Path:
    path = Path(current_app.config["EXPORT_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def settle_stalled(now=None) -> None:
    """Jobs whose worker died (a restart, a timeout) are failed, not "running" forever;
    workbooks older than a day are deleted (they can be built again)."""
    now = now or utcnow()
    db.session.execute(
        db.update(ExportJob)
        .where(
            ExportJob.state.in_(["queued", "running"]),
            db.func.coalesce(ExportJob.heartbeat_at, ExportJob.created_at) < now - STALLED_AFTER,
        )
        .values(state="failed", error="stalled", finished_at=now)
    )
    for job in db.session.scalars(
        select(ExportJob).where(
            ExportJob.state == "done", ExportJob.finished_at < now - KEEP_FILES_FOR
        )
    ):
        if job.file_name:
            (folder() / job.file_name).unlink(missing_ok=True)
        job.state, job.file_name = "expired", None
    db.session.commit()


@periodic(minute="*/5")
def sweep_exports() -> None:
    """Every five minutes: stalled exports failed, day-old workbooks deleted, even
    when nobody opens the export page."""
    settle_stalled()


def job_of(token: str, requester_id: int) -> ExportJob | None:
    """An export job by its token, only for the person who asked for it."""
    job = db.session.scalar(select(ExportJob).where(ExportJob.token == token))
    return job if job is not None and job.requested_by_id == requester_id else None


def check(job: ExportJob) -> ExportJob:
    """The job as the polling page should see it: a stalled one is failed. Writes
    only in that case, so a poll every second stays a read."""
    last = job.heartbeat_at or job.created_at
    if job.state in ("queued", "running") and last < utcnow() - STALLED_AFTER:
        job.state, job.error, job.finished_at = "failed", "stalled", utcnow()
        db.session.commit()
    return job


def start(requested_by: User, agent_ids: list[int], period: Period, today: date) -> ExportJob:
    """Record the export and hand it to the job queue; at most two running per person."""
    settle_stalled()
    running = db.session.scalar(
        select(db.func.count(ExportJob.id)).where(
            ExportJob.requested_by_id == requested_by.id, ExportJob.state.in_(["queued", "running"])
        )
    )
    if running >= MAX_RUNNING_PER_PERSON:
        raise RuntimeError("too many exports running")
    job = ExportJob(
        token=secrets.token_hex(16),
        requested_by_id=requested_by.id,
        params={
            "agents": agent_ids,
            "kind": period.kind,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "today": today.isoformat(),
        },
        total_agents=len(agent_ids),
    )
    db.session.add(job)
    db.session.commit()
    build_workbook(job.id)
    return job


@queued_job()
def build_workbook(job_id: int) -> None:
    run(job_id)


def run(job_id: int) -> None:
    job = db.session.get(ExportJob, job_id)
    job.state, job.heartbeat_at = "running", utcnow()
    db.session.commit()
    try:
        params = job.params
        period = Period(
            params["kind"], date.fromisoformat(params["start"]), date.fromisoformat(params["end"])
        )
        agents = list(
            db.session.scalars(
                select(User).where(User.id.in_(params["agents"])).order_by(User.name, User.id)
            )
        )
        done = {"n": 0}

        def step():
            done["n"] += 1
            if done["n"] % 10 == 0 or done["n"] == len(agents):
                db.session.execute(
                    db.update(ExportJob)
                    .where(ExportJob.id == job_id)
                    .values(done_agents=done["n"], heartbeat_at=utcnow())
                )
                db.session.commit()

        # Outside a request the labels are in the default language (Vietnamese).
        sheets = export.plan(agents, period, date.fromisoformat(params["today"]), progress=step)
        name = f"{job.token}.xlsx"
        export.write_openpyxl(sheets, folder() / name)
        job = db.session.get(ExportJob, job_id)
        job.state, job.file_name, job.finished_at = "done", name, utcnow()
        job.done_agents = len(agents)
    except Exception as error:  # the job reports it; the page says so
        db.session.rollback()
        job = db.session.get(ExportJob, job_id)
        job.state, job.error, job.finished_at = "failed", str(error)[:2000], utcnow()
        current_app.logger.exception("export %s failed", job_id)
    db.session.commit()
