"""The roster import as two background jobs (portal/core/jobs.py), so that no web
request does the slow part.

- "roster_check" reads the stored upload and validates every row against the
  database (roster.read_roster). Its result is the preview; it writes nothing else.
- "roster_import" reads and validates the file again (the database may have changed
  since the preview), hashes the new accounts' one-time passwords, then writes every
  account without committing: the job runner commits the accounts and "done"
  together, so a worker killed mid-import has written nothing and the import can
  run again from the start. Onboarding hears of new hires (person_joined), and the
  upload is deleted, only once that commit has happened.

The one-time passwords live in the import's result only, so that the admin who
started it can read them on its page; jobs.expire clears the result after KEEP_FOR.
An upload never imported is deleted when its check expires.
"""

import os
import secrets
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from functools import partial, wraps
from typing import BinaryIO

from flask import current_app
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload
from werkzeug.security import generate_password_hash

from portal.accounts import roster
from portal.accounts.models import Team, User
from portal.core import jobs
from portal.core.extensions import db
from portal.core.roles import Role
from portal.core.signals import person_joined
from portal.core.storage import StorageError, seekable, storage

CHECK, IMPORT = "roster_check", "roster_import"
KEEP_FOR = timedelta(days=1)  # an abandoned upload, and the one-time passwords, go after it
# hashlib.scrypt (and pbkdf2_hmac) release the GIL while they hash, so a few threads
# use several cores without starting processes. Kept small: each scrypt hash holds
# 32 MB while it runs (werkzeug's n=2**15, r=8), and the worker runs other jobs too.
HASH_THREADS = min(4, os.cpu_count() or 1)


class NotWaiting(Exception):
    """The upload is gone: imported, checked again, or deleted when it expired."""

    def __str__(self) -> str:
        return _(
            "This roster file is no longer waiting: it was imported, checked again, or "
            "deleted after a day. Upload it again if you still need it."
        )


def _upload_key(job: jobs.Job) -> str:
    return roster.upload_key(job.params["upload"])


def _delete_upload(job: jobs.Job) -> None:
    storage().delete(_upload_key(job))


def _params(upload_token: str) -> dict:
    return {"upload": upload_token, "locale": str(get_locale())}


def _in_their_language(handler):
    """Row problems and failure sentences in the language of the admin who started
    the job: a worker has no request to take it from."""

    @wraps(handler)
    def run(job: jobs.Job, beat) -> dict:
        with force_locale(job.params.get("locale", "vi")):
            return handler(job, beat)

    return run


# --- what the pages call ---------------------------------------------------------------


def start_check(admin: User, upload: BinaryIO) -> jobs.Job:
    """Store an uploaded roster and queue its check. JobLimit (and the file not kept)
    when this admin already has checks running."""
    token = roster.store_upload(upload)
    try:
        return jobs.start(CHECK, by_id=admin.id, params=_params(token))
    except jobs.JobLimit:
        storage().delete(roster.upload_key(token))
        raise


def check_again(check: jobs.Job, admin: User) -> jobs.Job:
    """Check the same file once more (after the database changed under its preview).
    The file moves to the new check, which owns it from then on: the old check's page
    no longer offers to import it, and its expiry cannot delete the new one's file."""
    old = _upload_key(check)
    if not storage().exists(old):
        raise NotWaiting
    token = uuid.uuid4().hex
    with storage().open(old) as stored:
        storage().save(roster.upload_key(token), stored)
    try:
        job = jobs.start(CHECK, by_id=admin.id, params=_params(token))
    except jobs.JobLimit:
        storage().delete(roster.upload_key(token))
        raise
    storage().delete(old)
    return job


def upload_waiting(job: jobs.Job) -> bool:
    return storage().exists(_upload_key(job))


def preview_of(check: jobs.Job) -> roster.RosterPreview:
    return roster.RosterPreview.from_json(check.result)


def importable(check: jobs.Job) -> bool:
    """A finished check whose every row is valid (what the preview offers to import)."""
    rows = check.result.get("rows") or []
    return bool(rows) and not any(row["errors"] for row in rows)


def import_started(check: jobs.Job) -> str | None:
    """The token of the import started from this check, if one was."""
    return check.params.get("import")


def start_import(check: jobs.Job, admin: User) -> jobs.Job:
    """Queue the import of a checked, valid roster, and note it on the check so that a
    reload of the preview leads to that import rather than to a second one. JobLimit
    while another import of this admin's is open."""
    new = sum(1 for row in check.result["rows"] if row["action"] == "create")
    check_id, check_params = check.id, dict(check.params)
    params = {**_params(check_params["upload"]), "check": check.token}
    job = jobs.start(IMPORT, by_id=admin.id, params=params, total=new)
    # Noted in the check's small params with one UPDATE: the check object expired at
    # the commit above, and touching it would load its result (5,000 rows) again.
    db.session.execute(
        update(jobs.Job)
        .where(jobs.Job.id == check_id)
        .values(params={**check_params, "import": job.token})
    )
    db.session.commit()
    return job


# --- the jobs ----------------------------------------------------------------------------


def _read(job: jobs.Job, progress=None, *, delete_unreadable: bool) -> roster.RosterPreview:
    key = _upload_key(job)
    try:
        with seekable(key) as upload:
            return roster.read_roster(upload, progress)
    except StorageError as error:
        raise jobs.JobFailed(str(NotWaiting())) from error
    except roster.RosterFileError as error:
        if delete_unreadable:
            storage().delete(key)  # nothing can be done with it; the page says why
        raise jobs.JobFailed(str(error)) from error


@jobs.kind(CHECK, keep_for=KEEP_FOR, on_expire=_delete_upload)
@_in_their_language
def check_roster(job: jobs.Job, beat) -> dict:
    """The preview of a stored upload. Only reads, so safe to run again."""
    return _read(job, beat, delete_unreadable=True).as_json()


def _after_import(job: jobs.Job) -> None:
    """Once the accounts are committed: onboarding hears of each new hire (it hands
    out their modules), as when an admin adds one by hand; then the upload goes (if
    deleting it fails, its expiry deletes it)."""
    joined = job.result.get("joined", [])
    app = current_app._get_current_object()
    for user in db.session.scalars(select(User).where(User.id.in_(joined)).order_by(User.id)):
        person_joined.send(app, user=user)
    _delete_upload(job)


@jobs.kind(
    IMPORT,
    retry_when_stalled=True,  # nothing is written before the runner's commit
    per_person=1,  # a second click on "Import" is refused while the first runs
    keep_for=KEEP_FOR,
    on_expire=_delete_upload,  # an import that failed leaves the file for a new check
    after_commit=_after_import,
)
@_in_their_language
def import_roster(job: jobs.Job, beat) -> dict:
    """Validate again, hash the new accounts' passwords, write every account."""
    preview = _read(job, delete_unreadable=False)
    if not preview.rows:  # the check refuses this too; a hand-made job might not
        raise jobs.JobFailed(_("The workbook has a header but no people."))
    if not preview.valid:
        raise jobs.JobFailed(_changed_since_preview(preview))
    creating = [row.email for row in preview.rows if row.action == "create"]
    passwords = [secrets.token_urlsafe(9) for _ in creating]
    hashes = _hash_passwords(passwords, beat)
    pairs = zip(passwords, hashes, strict=True)
    return write_roster(preview, dict(zip(creating, pairs, strict=True)))


def _changed_since_preview(preview: roster.RosterPreview) -> str:
    first = preview.errors[0]
    return _(
        "Nothing was imported: since the preview, the people in the portal changed and "
        "%(n)d rows now have problems (row %(row)d: %(problem)s). Check the file again "
        "and look at the new preview.",
        n=len(preview.errors),
        row=first.number,
        problem=first.errors[0],
    )


def _hash_passwords(passwords: list[str], beat) -> list[str]:
    """Hash the one-time passwords before anything is written, telling progress: this
    is nearly all of an import's time (scrypt, ~0.1 s each). The method is the app's
    PASSWORD_HASH_METHOD, as services.hash_password uses; called directly because the
    pool's threads have no app context."""
    hash_one = partial(generate_password_hash, method=current_app.config["PASSWORD_HASH_METHOD"])
    hashes: list[str] = []
    with ThreadPoolExecutor(HASH_THREADS, thread_name_prefix="roster-hash") as pool:
        for hashed in pool.map(hash_one, passwords):
            hashes.append(hashed)
            if len(hashes) % 20 == 0 or len(hashes) == len(passwords):
                beat(len(hashes))
    return hashes


def write_roster(preview: roster.RosterPreview, passwords: dict[str, tuple[str, str]]) -> dict:
    """Write a valid roster WITHOUT committing (the job runner commits it with "done";
    an error before then leaves nothing). `passwords`: email → (password, its hash)
    for each new account. Returns what the import's page shows."""
    teams = {t.name: t for t in db.session.scalars(select(Team))}
    teams_created = [name for name in preview.new_teams if name not in teams]
    for name in teams_created:
        teams[name] = Team(name=name, description="")
        db.session.add(teams[name])
    users = {
        u.email.lower(): u
        for u in db.session.scalars(
            select(User)
            .where(func.lower(User.email).in_([r.email for r in preview.rows]))
            .options(selectinload(User.team), selectinload(User.led_teams))
        )
    }
    created, updated, joined = [], 0, []
    for row in preview.rows:
        user = users.get(row.email)
        previous_role = user.role if user else None
        if user is None:
            if row.email not in passwords:  # an account gone since the check
                raise jobs.JobFailed(_changed_since_preview(preview))
            password, hashed = passwords[row.email]
            # As set_password does for a new account (session_version starts at 1).
            user = User(email=row.email, password_hash=hashed)
            db.session.add(user)
            created.append((user, password))
        else:
            updated += 1
        user.name = row.name
        user.role = row.role
        if row.team:  # an empty cell keeps the current team
            user.team = teams[row.team]
            # As the admin form does: a supervisor leads their team, or their
            # review queue and onboarding matrix would stay empty.
            if row.role == Role.SUPERVISOR and user.team not in user.led_teams:
                user.led_teams.append(user.team)
        if row.hire_date:
            user.hire_date = row.hire_date
        if user.role != Role.SUPERVISOR:
            user.led_teams = []
        if row.role == Role.NEW_HIRE and previous_role != Role.NEW_HIRE:
            joined.append(user)
    db.session.flush()  # ids for the signals sent after the commit
    return {
        "created": [{"name": u.name, "email": u.email, "password": p} for u, p in created],
        "updated": updated,
        "teams_created": teams_created,
        "joined": [u.id for u in joined],
    }
