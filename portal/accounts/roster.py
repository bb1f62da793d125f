"""Roster import from an Excel workbook: read and validate every row for the preview.

The checking and the writing run as background jobs (portal/accounts/roster_jobs.py);
this module reads a workbook and says what importing it would do, writing nothing."""

import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import BinaryIO

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.accounts.models import Team, User
from portal.core.extensions import db
from portal.core.roles import ROLE_LABELS, Role
from portal.core.storage import storage
from portal.core.text import clean, fold
from portal.core.workbooks import MAX_COLUMNS, WorkbookError, check_workbook

MAX_ROWS = 5000

# Header names accepted, compared after folding (no case, no diacritics).
HEADERS = {
    "name": {"name", "full name", "ho ten", "ho va ten", "ten"},
    "email": {"email", "e-mail", "thu dien tu"},
    "role": {"role", "vai tro", "chuc vu"},
    "team": {"team", "nhom", "doi", "to"},
    "hire_date": {"hire date", "hire_date", "ngay vao lam", "ngay nhan viec", "ngay tuyen dung"},
}
REQUIRED_HEADERS = ("name", "email", "role", "team", "hire_date")


def _column_label(column: str) -> str:
    return {
        "name": _("Name"),
        "email": _("Email"),
        "role": _("Role"),
        "team": _("Team"),
        "hire_date": _("Hire date"),
    }[column]


# Other words people write for a role, besides the labels the portal shows.
ROLE_WORDS = {
    Role.NEW_HIRE: {"new_hire", "new hire", "nhan vien moi", "tan binh"},
    Role.AGENT: {"agent", "nhan vien", "tu van vien", "nhan vien cskh"},
    Role.SUPERVISOR: {"supervisor", "giam sat", "truong nhom", "qa"},
    Role.HR: {"hr", "nhan su", "human resources"},
    Role.ADMIN: {"admin", "quan tri", "quan tri vien"},
}


def _role_key(text) -> str:
    """A role as typed, compared without case, diacritics, extra spaces, _ or -."""
    return " ".join(fold(str(text or "")).replace("_", " ").replace("-", " ").split())


def accepted_role_labels() -> dict[Role, list[str]]:
    """What the role column takes, as the portal writes it: each role's label in
    every language of the UI (the add-person form and the people list show these),
    then its code. The upload page lists them."""
    labels: dict[Role, list[str]] = {role: [] for role in Role}
    for locale in current_app.config["LANGUAGES"]:
        with force_locale(locale):
            for role, label in ROLE_LABELS.items():
                if str(label) not in labels[role]:
                    labels[role].append(str(label))
    for role in Role:
        labels[role].append(role.value)
    return labels


def role_words() -> dict[str, Role]:
    """Every accepted way of writing a role, by its comparison key."""
    words = {_role_key(w): role for role, ws in ROLE_WORDS.items() for w in ws}
    for role, labels in accepted_role_labels().items():
        words.update({_role_key(label): role for label in labels})
    return words


def role_from_text(text, words: dict[str, Role] | None = None) -> Role | None:
    """The role a roster cell names, or None."""
    return (words if words is not None else role_words()).get(_role_key(text))


class RosterFileError(Exception):
    """The file as a whole cannot be read (not a workbook, no header, too many rows)."""


@dataclass
class RosterRow:
    number: int  # the row number a person sees in Excel
    name: str = ""
    email: str = ""
    role: str = ""
    team: str = ""
    hire_date: date | None = None
    errors: list[str] = field(default_factory=list)
    action: str = "create"  # create | update
    changes: list[str] = field(default_factory=list)  # what an update changes


@dataclass
class RosterPreview:
    rows: list[RosterRow]
    new_teams: list[str]

    @property
    def errors(self) -> list[RosterRow]:
        return [row for row in self.rows if row.errors]

    @property
    def valid(self) -> bool:
        return bool(self.rows) and not self.errors

    def as_json(self) -> dict:
        """What a check job keeps as its result, for the preview page."""
        rows = [
            {**asdict(row), "hire_date": row.hire_date.isoformat() if row.hire_date else None}
            for row in self.rows
        ]
        return {"rows": rows, "new_teams": self.new_teams}

    @classmethod
    def from_json(cls, data: dict) -> "RosterPreview":
        rows = [
            RosterRow(
                **{
                    **row,
                    "hire_date": date.fromisoformat(row["hire_date"]) if row["hire_date"] else None,
                }
            )
            for row in data["rows"]
        ]
        return cls(rows, data["new_teams"])


def _parse_date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = clean(str(value))
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def _header_map(header_cells) -> dict[str, int]:
    found = {}
    for index, cell in enumerate(header_cells):
        key = fold(str(cell.value)) if cell.value is not None else ""
        for column, names in HEADERS.items():
            if key in names and column not in found:
                found[column] = index
    missing = [c for c in REQUIRED_HEADERS if c not in found]
    if missing:
        raise RosterFileError(
            _(
                "The first row must name the columns: name, email, role, team, hire date. Missing: %(cols)s.",
                cols=", ".join(_column_label(c) for c in missing),
            )
        )
    return found


def read_roster(stream: BinaryIO, progress: Callable[[int], None] | None = None) -> RosterPreview:
    """Read and validate every row; never writes to the database. `progress(n)` is
    told every 100 rows read."""
    try:
        check_workbook(stream)
    except WorkbookError as error:
        raise RosterFileError(str(error)) from error
    try:
        workbook = load_workbook(stream, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises several types for a non-workbook
        raise RosterFileError(_("This file is not a readable Excel workbook (.xlsx).")) from exc
    try:
        sheet = workbook.worksheets[0]
        rows_iter = sheet.iter_rows(max_col=MAX_COLUMNS)
        header = next(rows_iter, None)
        if header is None:
            raise RosterFileError(_("The workbook is empty."))
        columns = _header_map(header)
        words = role_words()
        rows: list[RosterRow] = []
        for number, cells in enumerate(rows_iter, start=2):
            # Blank rows count too: a sheet of a million empty rows is refused, not read.
            if number > MAX_ROWS + 1:
                raise RosterFileError(_("A roster may hold at most %(n)d people.", n=MAX_ROWS))
            if all(c.value is None or clean(str(c.value)) == "" for c in cells):
                continue
            if len(rows) >= MAX_ROWS:
                raise RosterFileError(_("A roster may hold at most %(n)d people.", n=MAX_ROWS))
            rows.append(_read_row(number, cells, columns, words))
            if progress is not None and len(rows) % 100 == 0:
                progress(len(rows))
    finally:
        workbook.close()
    return _check_against_database(rows)


def _cell(cells, columns, name):
    index = columns[name]
    return cells[index] if index < len(cells) else None


def _read_row(number: int, cells, columns, words: dict[str, Role]) -> RosterRow:
    row = RosterRow(number)
    values = {}
    for name in REQUIRED_HEADERS:
        cell = _cell(cells, columns, name)
        if cell is not None and cell.data_type == "f":
            row.errors.append(
                _("%(col)s holds a formula; type the value instead.", col=_column_label(name))
            )
            values[name] = None
        else:
            values[name] = None if cell is None else cell.value
    row.name = clean(str(values["name"] or ""))
    row.email = clean(str(values["email"] or "")).lower()
    role = role_from_text(values["role"], words)
    row.team = clean(str(values["team"] or ""))
    if not row.name:
        row.errors.append(_("Name is missing."))
    elif len(row.name) > 120 or any(ch in row.name for ch in "<>") or row.name[0] in "=+-@":
        row.errors.append(_("The name is too long or holds characters not allowed in a name."))
    if not row.email:
        row.errors.append(_("Email is missing."))
    else:
        try:
            row.email = validate_email(row.email, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            row.errors.append(_("“%(email)s” is not an email address.", email=row.email[:80]))
    if not _role_key(values["role"]):
        row.errors.append(_("Role is missing."))
    elif role is None:
        row.errors.append(
            _(
                "Unknown role “%(role)s”; use one of: %(roles)s.",
                role=str(values["role"])[:40],
                roles=", ".join(r.label for r in Role),
            )
        )
    else:
        row.role = role.value
    if len(row.team) > 120 or any(ch in row.team for ch in "<>"):
        row.errors.append(_("The team name is too long or holds < or >."))
    if values["hire_date"] not in (None, ""):
        try:
            row.hire_date = _parse_date(values["hire_date"])
        except ValueError:
            row.errors.append(
                _(
                    "“%(value)s” is not a date (use YYYY-MM-DD or DD/MM/YYYY).",
                    value=str(values["hire_date"])[:40],
                )
            )
    return row


def _check_against_database(rows: list[RosterRow]) -> RosterPreview:
    seen: dict[str, int] = {}
    for row in rows:
        if not row.email:
            continue
        if row.email in seen:
            row.errors.append(_("Duplicate email: already on row %(row)d.", row=seen[row.email]))
        else:
            seen[row.email] = row.number
    existing = (
        {
            u.email.lower(): u
            for u in db.session.scalars(
                select(User)
                .where(func.lower(User.email).in_(list(seen)))
                .options(selectinload(User.team))
            )
        }
        if seen
        else {}
    )
    for row in rows:
        _check_row_against(row, existing.get(row.email))
    team_names = {row.team for row in rows if row.team}
    known = (
        set(db.session.scalars(select(Team.name).where(Team.name.in_(team_names))))
        if team_names
        else set()
    )
    return RosterPreview(rows, sorted(team_names - known))


def _check_row_against(row: RosterRow, user: User | None) -> None:
    """Rules that depend on the account the row would create or update.

    On an update an empty cell keeps what the account has: a roster export
    missing a column must not wipe hire dates or teams.
    """
    team = row.team or (user.team.name if user and user.team else "")
    hire_date = row.hire_date or (user.hire_date if user else None)
    if row.role in (Role.NEW_HIRE, Role.AGENT) and not team:
        row.errors.append(_("Team is missing (new hires and agents belong to a team)."))
    if row.role == Role.NEW_HIRE and hire_date is None:
        row.errors.append(
            _("Hire date is missing (new hires need one for their onboarding due dates).")
        )
    if user is None:
        return
    row.action = "update"
    if user.role == Role.ADMIN and row.role and row.role != Role.ADMIN:
        row.errors.append(
            _("This is an admin account: change its role on its edit page, not by import.")
        )
    if row.role and row.role != user.role:
        row.changes.append(
            _("role: %(old)s → %(new)s", old=Role(user.role).label, new=Role(row.role).label)
        )
    if row.team and row.team != (user.team.name if user.team else ""):
        row.changes.append(
            _("team: %(old)s → %(new)s", old=user.team.name if user.team else "—", new=row.team)
        )
    if row.name and row.name != user.name:
        row.changes.append(_("name: %(old)s → %(new)s", old=user.name, new=row.name))
    if row.hire_date and row.hire_date != user.hire_date:
        row.changes.append(_("hire date changed"))


def store_upload(stream: BinaryIO) -> str:
    """Keep an uploaded roster under a generated name until it is imported or
    abandoned; return its token."""
    token = uuid.uuid4().hex
    storage().save(upload_key(token), stream)
    return token


def upload_key(token: str) -> str | None:
    if len(token) != 32 or not all(c in "0123456789abcdef" for c in token):
        return None
    return f"uploads/roster/{token}.xlsx"
