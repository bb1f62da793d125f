"""The drop folder: what SFTP landing looks like to the portal.

A phone system (or a person) leaves a batch, a folder holding `manifest.csv` or
`manifest.xlsx` and the audio files it names, under `<root>/incoming/`. Every
minute the worker takes each batch that has settled, imports its rows (the rows
themselves: portal/integrations/drop_import.py) and moves it to `done/` or
`failed/` with `report.txt`, a plain-text account a person can read.

Never half-written: a batch without a manifest is left alone, and one is taken
only when the folder, the manifest and every file in it have been still for
PORTAL_DROP_SETTLE_SECONDS. "Still" is the later of each entry's mtime and ctime:
a write moves both, and so does a client that sets the mtime back to the
original's once it has finished (`sftp -p`), a rename into the folder, a chmod.
The sizes and times seen are checked once more after the claim, so a writer that
woke up in between sends the batch back to wait.

Claimed by rename: `incoming/<batch>` → `processing/<batch>` is atomic, so of two
scans at once (two workers, a cron run beside the schedule) exactly one gets each
batch; the other finds it gone. A scan touches the folder after each row; a batch
left in processing/ by a worker that died is moved back to incoming/ once it has
been untouched for JOB_STALLED_SECONDS, and importing it again is harmless (rows
are put by their external ids).
"""

import logging
import os
import stat
import time
from pathlib import Path

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from portal.core.extensions import db
from portal.core.pagination import Page, paginate
from portal.core.queue import periodic
from portal.integrations import drop_import
from portal.integrations.models import DropBatch

log = logging.getLogger(__name__)

INCOMING, PROCESSING, DONE, FAILED = "incoming", "processing", "done", "failed"
PER_PAGE = 20

Signature = tuple[tuple[str, int, int], ...]


def root_folder() -> Path | None:
    """PORTAL_DROP_FOLDER, or None: the drop folder is off."""
    configured = current_app.config.get("DROP_FOLDER") or ""
    return Path(configured) if configured else None


def _last_change(status: os.stat_result) -> float:
    return max(status.st_mtime, status.st_ctime)


def signature(folder: Path) -> Signature | None:
    """Each entry's (name, size, last change) and the folder's own; None when the
    folder is gone."""
    try:
        entries = [(".", os.lstat(folder))]
        with os.scandir(folder) as listing:
            entries += [(e.name, e.stat(follow_symlinks=False)) for e in listing]
    except FileNotFoundError:
        return None
    except OSError as error:  # a folder the portal may not read: it waits, said so
        log.warning("drop folder: %s cannot be read: %s", folder, error)
        return None
    return tuple(
        sorted((name, status.st_size, int(_last_change(status) * 1e6)) for name, status in entries)
    )


def settled(folder: Path, *, now: float, settle: int) -> Signature | None:
    """The folder's signature when it holds a manifest and nothing in it changed for
    `settle` seconds before `now`; None while it should wait."""
    seen = signature(folder)
    if seen is None or not any(name in drop_import.MANIFESTS for name, _, _ in seen):
        return None
    if any(changed / 1e6 > now - settle for _, _, changed in seen):
        return None  # still being written (or a clock ahead of ours)
    return seen


def _batch_name(entry: os.DirEntry) -> bool:
    """A folder a batch may be: not hidden (an uploader's temporary folder), not a
    link, and a name the database can hold (bytes that are not UTF-8 are not)."""
    if entry.name.startswith(".") or not entry.is_dir(follow_symlinks=False):
        return False
    try:
        entry.name.encode("utf-8")
    except UnicodeEncodeError:
        log.warning("drop folder: %r is not a UTF-8 name; left alone", entry.name)
        return False
    return True


def ready(root: Path, *, now: float) -> list[tuple[str, Signature]]:
    """The batches in incoming/ that may be taken now, oldest name first."""
    settle = current_app.config["DROP_SETTLE_SECONDS"]
    found = []
    with os.scandir(root / INCOMING) as listing:
        for entry in sorted(listing, key=lambda e: e.name):
            if _batch_name(entry):
                seen = settled(Path(entry.path), now=now, settle=settle)
                if seen is not None:
                    found.append((entry.name, seen))
    return found


def claim(root: Path, name: str) -> Path | None:
    """Move the batch to processing/ (atomic); None when another scan took it first."""
    target = root / PROCESSING / name
    try:
        os.rename(root / INCOMING / name, target)
    except FileNotFoundError:
        return None
    except OSError as error:  # processing/<name> holds another attempt's files
        log.warning("drop folder: %s not claimed: %s", name, error)
        return None
    return target


def _move_back(root: Path, name: str) -> None:
    try:
        os.rename(root / PROCESSING / name, root / INCOMING / name)
    except OSError as error:  # incoming/<name> was dropped again meanwhile
        log.warning("drop folder: %s stays in processing/: %s", name, error)


def finish(root: Path, name: str, state: str) -> Path:
    """Move the batch to done/ or failed/ under its name, or the name with a suffix
    when that is taken: never over an earlier batch. The empty folder made first
    (mkdir is exclusive) is what the rename then replaces."""
    for number in range(1, 10_000):
        target = root / state / (name if number == 1 else f"{name}-{number}")
        try:
            target.mkdir()
        except FileExistsError:
            continue
        os.rename(root / PROCESSING / name, target)
        return target
    raise RuntimeError(f"no free name for {name} in {state}/")


def recover_stale(root: Path, *, now: float) -> list[str]:
    """Batches a dead worker left in processing/, back to incoming/."""
    quiet = current_app.config["JOB_STALLED_SECONDS"]
    moved = []
    with os.scandir(root / PROCESSING) as listing:
        for entry in listing:
            status = entry.stat(follow_symlinks=False)
            if stat.S_ISDIR(status.st_mode) and _last_change(status) < now - quiet:
                _move_back(root, entry.name)
                moved.append(entry.name)
    return moved


def _layout(root: Path) -> None:
    for part in (INCOMING, PROCESSING, DONE, FAILED):
        (root / part).mkdir(parents=True, exist_ok=True)


def scan(root: Path | None = None, *, now: float | None = None) -> list[DropBatch]:
    """Take every settled batch, import it, move it on; the batches recorded."""
    root = root or root_folder()
    if root is None:
        return []
    now = time.time() if now is None else now
    _layout(root)
    recover_stale(root, now=now)
    recorded = []
    for name, seen in ready(root, now=now):
        folder = claim(root, name)
        if folder is None:
            continue
        now_seen = signature(folder)
        if now_seen is None or _renamed(now_seen) != _renamed(seen):
            _move_back(root, name)  # written to between the look and the claim
            continue
        batch = _run(root, name, folder)
        if batch is not None:
            recorded.append(batch)
    return recorded


def _renamed(seen: Signature) -> Signature:
    """Without the folder's own entry: its ctime moves with the claim's rename,
    everything in it stays as it was."""
    return tuple(entry for entry in seen if entry[0] != ".")


def _run(root: Path, name: str, folder: Path) -> DropBatch | None:
    def beat():  # a sign of life, so no other scan calls the batch abandoned
        os.utime(folder)

    try:
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
            outcome = drop_import.import_batch(
                folder,
                name,
                source=current_app.config["DROP_SOURCE"],
                beat=beat,
            )
    except OperationalError:
        db.session.rollback()  # the database went away: the batch waits for it
        _move_back(root, name)
        log.exception("drop folder: %s put back, the database is unreachable", name)
        return None
    except Exception:
        # Not left in processing/ to be retried for ever: failed/, for a person.
        db.session.rollback()
        log.exception("drop folder: %s failed", name)
        outcome = drop_import.broken(name)
    (folder / drop_import.REPORT).write_text(outcome.report, encoding="utf-8")
    state = FAILED if outcome.failed else DONE
    finish(root, name, state)
    batch = DropBatch(
        name=name[:200],
        state=state,
        rows=outcome.rows,
        created=outcome.created,
        updated=outcome.updated,
        refused=outcome.refused,
        report=outcome.report,
    )
    db.session.add(batch)
    db.session.commit()
    return batch


def recent(number: int | None) -> Page:
    """The batches taken, newest first, for the admin page."""
    return paginate(
        select(DropBatch).order_by(DropBatch.at.desc(), DropBatch.id.desc()), number, PER_PAGE
    )


@periodic(minute="*")
def scan_on_schedule() -> None:
    """Every minute on the worker's scheduler, while PORTAL_DROP_FOLDER is set
    (`flask portal scan-drop-folder` does the same from cron)."""
    if root_folder() is not None:
        scan()
