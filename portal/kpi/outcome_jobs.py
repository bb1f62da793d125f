"""HR's customer-outcome import as a background job (portal/core/jobs.py).

The request checks only what it can at once: an Excel workbook that is not a zip
bomb, or a UTF-8 CSV file. A refused file answers 422 and is never stored; an
accepted one is kept as `uploads/outcomes/<32 hex>.<xlsx|csv>` and the job reads
every row (outcomes.read_outcomes) and adds the new records
(outcomes.import_outcomes) without committing: the runner commits them together
with "done", so a worker killed midway writes nothing and running the job again
from the start is safe (`retry_when_stalled`); the record keys make a second run
add nothing twice anyway.

The upload is deleted once the job is done and its records committed
(`after_commit`), or when the handler fails (nothing of it is committed then), but
not when the database went away (the runner tries again and needs it); `on_expire`
deletes what a job that ended otherwise (a worker killed for good) left behind.
"""

import secrets
from contextlib import contextmanager
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import OperationalError

from portal.accounts.models import User
from portal.core import jobs
from portal.core.extensions import db
from portal.core.storage import StorageError, seekable, storage
from portal.core.text import clean
from portal.core.workbooks import WorkbookError, sheet_kind
from portal.kpi import outcomes

KIND = "outcome_import"
MAX_ERRORS_KEPT = 300  # the page lists this many; the count says how many there were


def start(by: User, upload) -> jobs.Job:
    """Check the file, keep it, queue its import. WorkbookError when it is refused
    at once (nothing stored); JobLimit when this person already has two imports
    running (the stored file is deleted again)."""
    key = f"uploads/outcomes/{secrets.token_hex(16)}.{sheet_kind(upload.stream)}"
    storage().save(key, upload.stream)
    name = clean((upload.filename or "").replace("\\", "/").rsplit("/", 1)[-1])[:255]
    try:
        return jobs.start(KIND, by_id=by.id, params={"file": key, "file_name": name})
    except Exception:
        storage().delete(key)
        raise


def page_status(job: jobs.Job) -> int:
    """What the finished page answers, as the form did before it was a job: 422 for
    a file with errors, 409 when someone imported the same records at that moment."""
    if job.state != "done":
        return 200
    if job.result.get("conflict"):
        return 409
    return 422 if job.result.get("errors") or job.result.get("file_error") else 200


def _delete_upload(job: jobs.Job) -> None:
    storage().delete(job.params["file"])


@contextmanager
def _upload_deleted_on_failure(key: str):
    try:
        yield
    except OperationalError:
        raise  # the runner runs the job again: the file is still needed
    except BaseException:
        storage().delete(key)
        raise


@jobs.kind(
    KIND,
    retry_when_stalled=True,
    per_person=2,
    keep_for=timedelta(days=1),
    on_expire=_delete_upload,
    after_commit=_delete_upload,
)
def import_file(job: jobs.Job, beat) -> dict:
    """Check every row, then add the new records (committed by the runner with
    "done"); a file with any wrong row writes nothing. Returns what the page shows."""
    key = job.params["file"]
    with _upload_deleted_on_failure(key):
        try:
            with seekable(key) as upload:
                parsed = outcomes.read_outcomes(upload)
        except StorageError as gone:
            raise jobs.JobFailed(
                str(_l("The uploaded file is no longer there; upload it again."))
            ) from gone
        except WorkbookError as error:
            return {"file_error": str(error)}
        if parsed.errors:
            return {
                "errors": [list(e) for e in parsed.errors[:MAX_ERRORS_KEPT]],
                "error_count": len(parsed.errors),
            }
        beat()  # read and checked; what follows is one insert
        by = db.session.get(User, job.requested_by_id) if job.requested_by_id else None
        try:
            batch = outcomes.import_outcomes(parsed, by=by, file_name=job.params["file_name"])
        except outcomes.ConcurrentImport:
            return {"conflict": True}
        return {"added": batch.added, "already_there": batch.already_there}
