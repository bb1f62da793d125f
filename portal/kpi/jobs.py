"""HR exports as background jobs (portal/core/jobs.py): the request returns at once,
the page polls the job's progress (htmx), and the workbook goes to shared storage,
so any app node can answer the polling and the download."""

import tempfile
from datetime import date, timedelta

from sqlalchemy import select

from portal.accounts.models import User
from portal.core import jobs
from portal.core.extensions import db
from portal.core.storage import storage
from portal.kpi import export
from portal.kpi.periods import Period

KIND = "hr_export"
WORKBOOK_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _delete_workbook(job: jobs.Job) -> None:
    if job.result.get("file"):
        storage().delete(job.result["file"])


def start(requested_by: User, agent_ids: list[int], period: Period, today: date) -> jobs.Job:
    """Queue an export; JobLimit at two open per person (or a busy portal)."""
    params = {
        "agents": agent_ids,
        "kind": period.kind,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "today": today.isoformat(),
    }
    return jobs.start(KIND, by_id=requested_by.id, params=params, total=len(agent_ids))


@jobs.kind(KIND, keep_for=timedelta(days=1), on_expire=_delete_workbook)
def build_workbook(job: jobs.Job, beat) -> dict:
    """Safe to run again after a dead worker: it only reads, then stores one file."""
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
            beat(done["n"])

    # Outside a request the labels are in the default language (Vietnamese).
    sheets = export.plan(agents, period, date.fromisoformat(params["today"]), progress=step)
    key = f"exports/{job.token}.xlsx"
    with tempfile.TemporaryFile() as workbook:
        export.write_openpyxl(sheets, workbook)
        workbook.seek(0)
        storage().save(key, workbook)
    job.done = len(agents)
    return {"file": key}
