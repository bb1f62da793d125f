"""A supervisor's batch of recordings with its manifest, as a background job
(portal/core/jobs.py): the request checks the manifest and keeps every file in
storage; the job checks each row and each file's audio and creates the interactions.

Where things are kept: the manifest and the files go to
`uploads/batches/<batch>/` under generated names (`manifest.xlsx|csv`, `f0001`, …);
the client's file names stay in the job's params (generated name → client name) and
are only ever matched and shown, never used as keys. The batch token is lowercase
letters because storage keys allow nothing else in a folder's name.

What a job run commits: the whole batch, once. The handler checks every row and
file first (a heartbeat after each file), copies each accepted recording into
`recordings/` under a name derived from the batch and the file, and only then adds
the interactions, without committing; the runner commits them together with
"done". So each good row is still kept whatever the other rows hold (bad rows and
files are reported, not fatal), but a worker killed midway leaves no interaction
behind, and the retry (`retry_when_stalled`) starts again from the first row: its
recordings land on the same names as the dead attempt's (overwritten, not copied)
and it creates each interaction once. `Interaction.recording_file` is unique, so
even two live attempts (a worker thought dead) cannot both commit the rows with a
recording. Per-row commits
recorded in the job's result were the alternative; they would break the runner's
"writes and done together" and need a second bookkeeping of which rows are done.

Cleaning up: the batch's uploads are deleted once its interactions are committed
(`after_commit`) or when the handler fails, not when the database went away (the
runner then tries again and needs them); `on_expire` deletes what a batch that
ended otherwise left. A failure also deletes the recordings the batch had copied
and no interaction names (a killed attempt's, say); nothing else can name them.
"""

import hashlib
import secrets
import string
from contextlib import contextmanager
from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from portal.accounts.models import User
from portal.core import jobs
from portal.core.extensions import db
from portal.core.storage import StorageError, seekable, storage
from portal.core.workbooks import WorkbookError, sheet_kind
from portal.playbooks.services import process_step_ids
from reviews import recordings
from reviews.models import Interaction

KIND = "recording_batch"
AREA = "uploads/batches"
MAX_KEPT = 500  # created and refused rows the page lists (a manifest has up to 5000)


def _batch_token() -> str:
    return "".join(secrets.choice(string.ascii_lowercase) for _ in range(32))


def _folder(batch: str) -> str:
    if len(batch) != 32 or not batch.isascii() or not batch.isalpha() or not batch.islower():
        raise ValueError(f"not a batch token: {batch!r}")
    return f"{AREA}/{batch}"


def check_manifest(stream, *, max_bytes: int) -> str:
    """'xlsx' or 'csv', told by the first bytes; WorkbookError (a sentence) for a file
    that is too large, a crafted workbook, or neither."""
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    if size > max_bytes:
        raise WorkbookError(
            str(_l("The manifest is larger than %(n)d MB.", n=max_bytes // (1024 * 1024)))
        )
    return sheet_kind(stream)


def start(by: User, manifest, files: list) -> jobs.Job:
    """Check the manifest, keep it and the files in storage, queue the batch.
    WorkbookError for a manifest refused at once (nothing stored), JobLimit when
    this person already has two batches running (what was stored is deleted)."""
    kind = check_manifest(manifest.stream, max_bytes=current_app.config["MAX_CONTENT_LENGTH"])
    batch = _batch_token()
    folder = _folder(batch)
    names = {}
    try:
        storage().save(f"{folder}/manifest.{kind}", manifest.stream)
        for number, upload in enumerate((f for f in files if f.filename), start=1):
            stored = f"f{number:04d}"
            storage().save(f"{folder}/{stored}", upload.stream)
            names[stored] = recordings.client_name(upload.filename)
        params = {"batch": batch, "manifest": f"{folder}/manifest.{kind}", "files": names}
        return jobs.start(KIND, by_id=by.id, params=params, total=len(names))
    except Exception:
        _delete_uploads(batch)
        raise


def page_status(job: jobs.Job) -> int:
    """422 when the batch ended refusing everything it held (an unreadable manifest,
    or every row and file), as the form answered before it was a job; else 200."""
    result = job.result or {}
    refused_all = result.get("rejected_count") and not result.get("created_count")
    return 422 if job.state == "done" and (result.get("manifest_error") or refused_all) else 200


# --- the job ------------------------------------------------------------------------------


def _stem(batch: str, stored: str) -> str:
    """The recording's name in `recordings/` (before the extension): the same for
    every attempt at this batch, unguessable from outside it."""
    return hashlib.sha256(f"{batch}/{stored}".encode()).hexdigest()[:32]


def _delete_uploads(batch: str) -> None:
    backend = storage()
    for key in list(backend.keys(_folder(batch))):
        backend.delete(key)


def _delete_unclaimed_recordings(params: dict) -> None:
    """Recordings this batch copied that no interaction names (after a failure)."""
    candidates = {
        f"{_stem(params['batch'], stored)}.{extension}"
        for stored in params.get("files", {})
        for extension, _mimetype in recordings.FORMATS.values()
    }
    claimed = set()
    listed = sorted(candidates)
    for start in range(0, len(listed), 500):
        claimed.update(
            db.session.scalars(
                select(Interaction.recording_file).where(
                    Interaction.recording_file.in_(listed[start : start + 500])
                )
            )
        )
    for name in candidates - claimed:
        storage().delete(recordings.key_of(name))


def _forget(job: jobs.Job) -> None:
    """on_expire: the uploads, and for a failed batch its unclaimed recordings."""
    _delete_uploads(job.params["batch"])
    if job.state == "failed":
        _delete_unclaimed_recordings(job.params)


@contextmanager
def _cleaned_up_on_failure(params: dict):
    """On a failure, delete the batch's uploads and the recordings it copied; keep
    both when the database went away (the runner runs the job again)."""
    try:
        yield
    except OperationalError:
        raise
    except BaseException:
        db.session.rollback()  # what this attempt added is not kept: nothing names them
        _delete_uploads(params["batch"])
        _delete_unclaimed_recordings(params)
        raise


def _uploads_done_with(job: jobs.Job) -> None:
    """after_commit: the interactions are in, the uploads are no longer needed."""
    _delete_uploads(job.params["batch"])


@jobs.kind(
    KIND,
    retry_when_stalled=True,
    per_person=2,
    keep_for=timedelta(days=7),
    on_expire=_forget,
    after_commit=_uploads_done_with,
)
def run_batch(job: jobs.Job, beat) -> dict:
    """Check every row and file, keep the recordings, add the interactions (the
    runner commits them with "done"). Returns what the page shows."""
    params = job.params
    with _cleaned_up_on_failure(params):
        try:
            with seekable(params["manifest"]) as manifest:
                rows = recordings.read_manifest(manifest)
        except StorageError as gone:
            raise jobs.JobFailed(
                str(_l("The uploaded files are no longer there; upload the batch again."))
            ) from gone
        except WorkbookError as error:
            return {"manifest_error": str(error)}
        by = db.session.get(User, job.requested_by_id)
        made, rejected = _check(rows, params, by, beat)
        created = [
            recordings.create_interaction(given, kept, by=by, original=name)
            for given, kept, name in made
        ]
        db.session.flush()  # the ids for the page's links; committed by the runner
        job.done = job.total
        return {
            "created": [[i.id, i.customer_ref, i.original_name] for i in created[:MAX_KEPT]],
            "created_count": len(created),
            "rejected": rejected[:MAX_KEPT],
            "rejected_count": len(rejected),
        }


def _check(rows, params: dict, by: User, beat) -> tuple[list, list[list[str]]]:
    """The rows to create (with their audio, already copied into `recordings/`) and
    the rows and files refused with why, in the order the form reported them."""
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Ho_Chi_Minh"))
    max_bytes = current_app.config["RECORDING_MAX_MB"] * 1024 * 1024
    folder = _folder(params["batch"])
    rejected, uploads = [], {}
    for stored, name in sorted(params["files"].items(), key=lambda item: int(item[0][1:])):
        if name in uploads:
            rejected.append([name, str(_l("Two files have this name; only the first is used."))])
            continue
        uploads[name] = stored
    agents, step_ids = recordings.agents_for(by), process_step_ids()
    made, used, checked = [], set(), 0
    for number, values in rows:
        where = str(_l("Row %(n)d", n=number))
        if isinstance(values, str):
            rejected.append([where, values])
            continue
        row = recordings.check_row(values, agents=agents, step_ids=step_ids, zone=zone)
        name, problems = row.file_name, list(row.problems)
        stored = uploads.get(name)
        if name and name in used:
            problems.append(str(_l("Another row already uses the file “%(name)s”.", name=name)))
            stored = None
        elif name and stored is None:
            problems.append(
                str(_l("The file “%(name)s” was not uploaded with the manifest.", name=name))
            )
        if name:
            used.add(name)
        kept = None
        if stored is not None and not problems:
            try:
                with storage().open(f"{folder}/{stored}") as upload:
                    audio = recordings.check_audio(upload, max_bytes=max_bytes)
                kept = recordings.store(audio, _stem(params["batch"], stored))
            except recordings.RecordingRejected as refused:
                problems.append(f"{name}: {refused}")
            checked += 1
            beat(checked)
        if problems:
            rejected.append([where, " ".join(problems)])
            continue
        made.append((row.given, kept, name))
    for name in uploads:
        if name not in used:
            rejected.append([name, str(_l("No row of the manifest names this file."))])
    return made, rejected
