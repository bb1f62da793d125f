"""One drop-folder batch imported: each manifest row checked with the API's own
schema (InteractionIn: the same rules and messages), put by its external id, its
recording attached; and the plain-text report of what became of each row.

A row is refused, with its reason, when its fields are invalid, it names a file
that is not in the batch folder (or a path: folders, "..", a hidden file), the file
is not audio, or another row already uses the file or the external id. The other
rows import. Each row is committed as it is imported (put_interaction commits), so
a batch cut short leaves what it did; dropping the batch again updates those rows
and creates the rest, never a second interaction for the same external id.

The caller (portal/integrations/drop_folder.py) owns the folder: it claims it,
runs this inside the portal's default locale, and moves it on.
"""

import io
import os
import stat
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import marshmallow as ma
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.core.models import local_zone, utcnow
from portal.core.text import clean
from portal.core.workbooks import WorkbookError, read_rows
from portal.integrations import intake
from portal.integrations.schemas import InteractionIn
from reviews import recordings
from reviews.batch_jobs import check_manifest

MANIFESTS = ("manifest.csv", "manifest.xlsx")
REPORT = "report.txt"
BY = "drop folder"  # who the interactions' change history names
MAX_ROWS = 5000  # as the web batch
# The web batch's columns, and what a phone system adds; only file_name must come
# first (the schema says which fields a row must fill).
COLUMNS = ["file_name"]
OPTIONAL = (
    *recordings.MANIFEST_COLUMNS[1:],
    *recordings.OPTIONAL_COLUMNS,
    "external_id",
    "agent_external_id",
    "direction",
    "queue",
)
FIELDS = tuple(InteractionIn().fields)


@dataclass
class Line:
    """What became of one row: created, updated or refused (with why)."""

    number: int
    file: str
    outcome: str
    why: str = ""
    interaction_id: int | None = None


@dataclass
class Outcome:
    lines: list[Line] = field(default_factory=list)
    unnamed: list[str] = field(default_factory=list)  # files no row names
    problem: str = ""  # why the batch as a whole was not imported
    report: str = ""

    def count(self, outcome: str) -> int:
        return sum(1 for line in self.lines if line.outcome == outcome)

    @property
    def rows(self) -> int:
        return len(self.lines)

    @property
    def created(self) -> int:
        return self.count("created")

    @property
    def updated(self) -> int:
        return self.count("updated")

    @property
    def refused(self) -> int:
        return self.count("refused")

    @property
    def failed(self) -> bool:
        """For a person to look at: anything refused, unread or left over."""
        return bool(self.problem or self.refused or self.unnamed)


def _files(folder: Path) -> dict[str, str]:
    """The batch's plain files (no links, no folders), by their NFC name (a Mac
    sends NFD), except the manifest and the portal's own report."""
    found = {}
    with os.scandir(folder) as listing:
        for entry in listing:
            if entry.name in (*MANIFESTS, REPORT):
                continue
            if stat.S_ISREG(entry.stat(follow_symlinks=False).st_mode):
                found[unicodedata.normalize("NFC", entry.name)] = entry.name
    return found


def _open(path: Path):
    """A plain file of the batch for reading; never through a link, even one put
    in place of the file after the folder was listed."""
    return os.fdopen(os.open(path, os.O_RDONLY | os.O_NOFOLLOW), "rb")


def _manifest(folder: Path) -> list[tuple[int, dict | str]]:
    """The manifest's rows; WorkbookError (a sentence) when it cannot be read."""
    present = [name for name in MANIFESTS if (folder / name).exists()]
    if len(present) != 1:
        raise WorkbookError(_("Keep one manifest in the batch: manifest.csv or manifest.xlsx."))
    try:
        stream = _open(folder / present[0])
    except OSError as error:  # a link, a folder, a file the portal may not read
        raise WorkbookError(_("The manifest could not be opened.")) from error
    with stream:
        check_manifest(stream, max_bytes=current_app.config["MAX_CONTENT_LENGTH"])
        return read_rows(stream, COLUMNS, max_rows=MAX_ROWS, optional=OPTIONAL)


def _when(value: str, zone) -> str:
    """ISO 8601 with an offset as the API takes it, or the web batch's local
    "YYYY-MM-DD HH:MM" (an Excel date reads so) turned into it."""
    try:
        if datetime.fromisoformat(value).tzinfo is not None:
            return value
    except ValueError:
        pass
    when = recordings.parse_when(value, zone)
    return when.isoformat() if when else value  # the schema says what is wrong with it


def body_of(values: dict, zone) -> dict:
    """The row as the API's JSON body: empty cells left out (the schema's defaults),
    inbound unless the row says otherwise."""
    body = {name: values[name] for name in FIELDS if values.get(name)}
    body.setdefault("direction", "inbound")
    if "duration_seconds" in body:
        body["duration_seconds"] = body["duration_seconds"].removesuffix(".0")  # Excel's
    if "occurred_at" in body:
        body["occurred_at"] = _when(body["occurred_at"], zone)
    return body


def _messages(errors: dict) -> str:
    return " ".join(
        f"{name}: {' '.join(str(m) for m in (said if isinstance(said, list) else [said]))}"
        for name, said in sorted(errors.items())
    )


def _file_problem(name: str, files: dict[str, str], used: set[str]) -> str | None:
    if not name:
        return _("The row names no file.")
    if "/" in name or "\\" in name or name.startswith("."):
        return _("The file name must be a file of the batch folder, without folders.")
    if name in used:
        return _("Another row already uses the file “%(name)s”.", name=name)
    if name not in files:
        return _("The file “%(name)s” is not in the batch folder.", name=name)
    return None


class _Batch:
    """The state of one batch's import: what its rows have used so far."""

    def __init__(self, folder: Path, name: str, source: str):
        self.folder, self.source = folder, source
        self.name = unicodedata.normalize("NFC", name)
        self.files = _files(folder)
        self.used_files: set[str] = set()
        self.used_ids: set[str] = set()
        self.zone = local_zone()
        self.max_bytes = current_app.config["RECORDING_MAX_MB"] * 1024 * 1024

    def row(self, number: int, values: dict) -> Line:
        file_name = unicodedata.normalize("NFC", values.get("file_name", ""))
        problems = []
        try:
            body = InteractionIn().load(body_of(values, self.zone))
        except ma.ValidationError as invalid:
            body = None
            problems.append(_messages(invalid.messages))
        external_id = values.get("external_id") or f"{self.name}/{file_name}"
        if len(external_id) > 120:
            problems.append(_("The external id is longer than 120 characters."))
        elif external_id in self.used_ids:
            problems.append(_("Another row already has the external id “%(id)s”.", id=external_id))
        self.used_ids.add(external_id)
        missing = _file_problem(file_name, self.files, self.used_files)
        self.used_files.add(file_name)
        audio = None
        if missing:
            problems.append(missing)
        elif not problems:
            try:
                with _open(self.folder / self.files[file_name]) as stream:
                    audio = recordings.check_audio(stream, max_bytes=self.max_bytes)
            except recordings.RecordingRejected as refused:
                problems.append(f"{file_name}: {refused}")
            except OSError:  # replaced by a link meanwhile, or not readable by the portal
                problems.append(_("The file “%(name)s” could not be read.", name=file_name))
        if problems:
            return Line(number, file_name, "refused", " ".join(problems))
        if body.get("duration_seconds") is None:
            # What attaching the recording would set: said now, a batch dropped again
            # is not an update of the duration to nothing and back.
            body["duration_seconds"] = round(audio.seconds)
        try:
            interaction, created = intake.put_interaction(self.source, external_id, body, by=BY)
        except intake.Unprocessable as unknown:
            return Line(number, file_name, "refused", _messages(unknown.errors))
        intake.attach_recording(
            interaction, io.BytesIO(audio.data), max_bytes=self.max_bytes, name=file_name
        )
        return Line(number, file_name, "created" if created else "updated", "", interaction.id)


def import_batch(folder: Path, name: str, *, source: str, beat=lambda: None) -> Outcome:
    """Import every row of the batch in `folder`; the outcome with its report."""
    outcome = Outcome()
    try:
        rows = _manifest(folder)
    except WorkbookError as unreadable:
        outcome.problem = _("The manifest was not read: %(why)s", why=str(unreadable))
        rows = []
    batch = _Batch(folder, name, source)
    for number, values in rows:
        if isinstance(values, str):  # a formula in a workbook cell
            outcome.lines.append(Line(number, "", "refused", values))
        else:
            outcome.lines.append(batch.row(number, values))
        beat()
    if not outcome.problem:
        outcome.unnamed = sorted(set(batch.files) - batch.used_files)
    outcome.report = report(name, outcome)
    return outcome


def broken(name: str) -> Outcome:
    """The outcome of a batch whose import stopped on an error of the portal's own
    (logged); the rows it had imported stay, and dropping it again is safe."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        outcome = Outcome(problem=_("The import stopped on an error; tell an admin."))
        outcome.report = report(name, outcome)
    return outcome


def _one_line(text: str) -> str:
    """A value from the batch, as one line of the report: a newline in a cell or a
    file's name cannot forge another row's line."""
    # A file name that is not UTF-8 arrives with surrogates: shown as "?".
    return clean(text).encode("utf-8", "replace").decode("utf-8")[:300]


def report(name: str, outcome: Outcome) -> str:
    """The report, in the current locale, one line per row."""
    taken = utcnow().astimezone(local_zone()).strftime("%Y-%m-%d %H:%M")
    lines = [
        _one_line(_("Drop-folder batch “%(name)s”, imported %(when)s.", name=name, when=taken)),
        _(
            "%(rows)d rows: %(created)d created, %(updated)d updated, %(refused)d refused.",
            rows=outcome.rows,
            created=outcome.created,
            updated=outcome.updated,
            refused=outcome.refused,
        ),
        "",
    ]
    if outcome.problem:
        lines.append(_one_line(outcome.problem))
    said = {"created": _("created"), "updated": _("updated"), "refused": _("refused")}
    for line in outcome.lines:
        where = _("Row %(n)d", n=line.number)
        text = f"{where} · {line.file or '—'} · {said[line.outcome]}"
        if line.why:
            text += f": {line.why}"
        lines.append(_one_line(text))
    for file in outcome.unnamed:
        lines.append(_one_line(f"{file} · {_('No row of the manifest names this file.')}"))
    if outcome.failed:
        lines += [
            "",
            _(
                "Correct what is refused and drop the batch again: the rows already "
                "imported are updated, never imported twice."
            ),
        ]
    return "\n".join(lines) + "\n"
