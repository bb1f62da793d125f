"""Customer outcomes from the call/CRM system's export (Excel or CSV).

Every row is checked first; nothing is written unless the whole file is
valid. Each record gets a key (the export's record_id, or a fingerprint of
the row and how many identical rows came before it in the file), so
importing the same file again adds nothing. The import runs as a background
job (portal/kpi/outcome_jobs.py); nothing here commits.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.accounts.models import User
from portal.core.extensions import db
from portal.core.workbooks import read_rows
from portal.kpi import rollups, versions
from portal.kpi.models import OutcomeImport, OutcomeRecord

REQUIRED = ["agent_email", "date"]
OPTIONAL = (
    "record_id",
    "nps",
    "csat",
    "first_response_seconds",
    "handling_seconds",
    "complaint",
    "recontact_7d",
    "returned",
)
YES = {"1", "yes", "y", "true", "x", "có", "co", "c"}
NO = {"0", "no", "n", "false", "không", "khong", "k"}
MAX_ROWS = 200_000


class ConcurrentImport(Exception):
    """Another import of the same records finished first; importing again adds the rest."""


@dataclass
class ParsedOutcomes:
    records: list[dict] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)


def _number(raw: str, low: int, high: int | None, label: str, problems: list) -> int | None:
    raw = raw.strip().removesuffix(".0")
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:
        problems.append(str(_l("%(what)s must be a whole number: “%(v)s”.", what=label, v=raw)))
        return None
    value = int(raw)
    if value < low or (high is not None and value > high):
        if high is None:
            problems.append(str(_l("%(what)s cannot be below %(low)d.", what=label, low=low)))
        else:
            problems.append(
                str(
                    _l(
                        "%(what)s must be from %(low)d to %(high)d: “%(v)s”.",
                        what=label,
                        low=low,
                        high=high,
                        v=raw,
                    )
                )
            )
        return None
    return value


def _flag(raw: str, label: str, problems: list) -> bool | None:
    raw = raw.strip().lower()
    if not raw:
        return None
    if raw in YES:
        return True
    if raw in NO:
        return False
    problems.append(str(_l("%(what)s must be yes or no: “%(v)s”.", what=label, v=raw)))
    return None


def _date(raw: str, zone: ZoneInfo) -> date | None:
    """A day from "2026-11-10", "10/11/2026", an Excel date-time (shown as
    "2026-11-10 09:30:00[.500000]") or ISO 8601 with a zone (converted to
    Vietnam's day)."""
    raw = raw.strip()
    value = None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        for pattern in ("%d/%m/%Y", "%d/%m/%Y %H:%M"):
            try:
                moment = datetime.strptime(raw, pattern)
                break
            except ValueError:
                moment = None
    if moment is not None:
        value = (moment.astimezone(zone) if moment.tzinfo else moment).date()
    if value is None or not date(2000, 1, 1) <= value <= date(2100, 1, 1):
        return None
    return value


class OutcomeChecker:
    """The checks of one outcome record, whichever way it came in (a sheet's row,
    an API record): its values as text by column name, as a sheet has them. Keeps
    what it saw, so a repeated record_id is refused and identical rows without one
    get distinct keys, in the order they came."""

    def __init__(self, duplicate_message=None):
        self.agents = dict(db.session.execute(select(func.lower(User.email), User.id)).all())
        self.zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Ho_Chi_Minh"))
        self.seen: dict[str, int] = {}
        self.ids: dict[str, int] = {}
        self.duplicate_message = duplicate_message or (
            lambda first: str(_l("The record_id is also on row %(row)d.", row=first))
        )

    def check(self, values: dict, where: int) -> tuple[dict | None, dict[str, list[str]]]:
        """(the record with its key, {}) or (None, messages by column)."""
        problems: dict[str, list[str]] = {}

        def on(column):
            return problems.setdefault(column, [])

        agent_id = self.agents.get(values.get("agent_email", "").strip().lower())
        if agent_id is None:
            on("agent_email").append(
                str(
                    _l(
                        "No one in the portal has the email “%(v)s”.",
                        v=values.get("agent_email", ""),
                    )
                )
            )
        day = _date(values.get("date", ""), self.zone)
        if day is None:
            on("date").append(
                str(_l("Write the date as YYYY-MM-DD: “%(v)s”.", v=values.get("date", "")))
            )
        numbers = (
            ("nps", 0, 10, "NPS"),
            ("csat", 1, 5, "CSAT"),
            ("first_response_seconds", 0, None, str(_l("First response"))),
            ("handling_seconds", 0, None, str(_l("Handling time"))),
        )
        flags = (
            ("complaint", "complaint", str(_l("Complaint"))),
            ("recontact", "recontact_7d", str(_l("Re-contact"))),
            ("returned", "returned", str(_l("Return"))),
        )
        record = {"agent_id": agent_id, "occurred_on": day}
        for column, low, high, label in numbers:
            mine: list[str] = []
            record[column] = _number(values.get(column, ""), low, high, label, mine)
            if mine:
                on(column).extend(mine)
        for key, column, label in flags:
            mine = []
            record[key] = _flag(values.get(column, ""), label, mine)
            if mine:
                on(column).extend(mine)
        if problems:
            return None, problems
        record_id = values.get("record_id", "").strip()[:100]
        if record_id:
            key = f"id:{record_id}"
            if key in self.ids:
                return None, {"record_id": [self.duplicate_message(self.ids[key])]}
            self.ids[key] = where
        else:
            fingerprint = "|".join(str(record[k]) for k in sorted(record))
            self.seen[fingerprint] = self.seen.get(fingerprint, 0) + 1
            key = (
                "h:"
                + hashlib.sha256(f"{fingerprint}|{self.seen[fingerprint]}".encode()).hexdigest()[
                    :60
                ]
            )
        return {**record, "record_key": key}, {}


def read_outcomes(stream) -> ParsedOutcomes:
    """Check every row; writes nothing. Raises WorkbookError for an unreadable file."""
    parsed, checker = ParsedOutcomes(), OutcomeChecker()
    for number, values in read_rows(stream, REQUIRED, max_rows=MAX_ROWS, optional=OPTIONAL):
        if isinstance(values, str):
            parsed.errors.append((number, values))
            continue
        record, problems = checker.check(values, number)
        if problems:
            parsed.errors.extend((number, p) for messages in problems.values() for p in messages)
        else:
            parsed.records.append(record)
    return parsed


def import_outcomes(parsed: ParsedOutcomes, *, by, file_name: str) -> OutcomeImport:
    """Add the records not already imported, without committing (the job's runner
    commits them together with the job's "done"). ConcurrentImport, with everything
    of this import rolled back, when the same records were added meanwhile."""
    if parsed.errors:
        raise ValueError("the file has errors")
    keys = [r["record_key"] for r in parsed.records]
    taken = set()
    for start in range(0, len(keys), 1000):
        taken.update(
            db.session.scalars(
                select(OutcomeRecord.record_key).where(
                    OutcomeRecord.record_key.in_(keys[start : start + 1000])
                )
            )
        )
    batch = OutcomeImport(file_name=file_name[:255], imported_by_id=by.id if by else None)
    db.session.add(batch)
    db.session.flush()
    fresh = [r for r in parsed.records if r["record_key"] not in taken]
    if fresh:
        try:
            db.session.execute(
                OutcomeRecord.__table__.insert(), [{**r, "import_id": batch.id} for r in fresh]
            )
            # A bulk insert is no ORM flush: the rollups are told which days it touched.
            rollups.touch_outcomes({(r["agent_id"], r["occurred_on"]) for r in fresh})
            versions.touch(db.session(), {r["agent_id"] for r in fresh})
        except IntegrityError as exc:
            # The same records were imported at the same moment by someone else.
            db.session.rollback()
            raise ConcurrentImport() from exc
    batch.added, batch.already_there = len(fresh), len(parsed.records) - len(fresh)
    return batch
