"""Reporting periods: week, month, quarter or a custom range, in Vietnam time."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import format_date
from flask_babel import lazy_gettext as _l

KINDS = {
    "week": _l("Week"),
    "month": _l("Month"),
    "quarter": _l("Quarter"),
    "custom": _l("Custom range"),
}
MAX_DAYS = 400


@dataclass(frozen=True)
class Period:
    kind: str
    start: date  # first day
    end: date  # last day (inclusive)

    @property
    def label(self) -> str:
        if self.kind == "month":
            return format_date(self.start, "MM/yyyy")
        if self.kind == "quarter":
            return f"Q{(self.start.month - 1) // 3 + 1}/{self.start.year}"
        return f"{format_date(self.start, 'dd/MM')}–{format_date(self.end, 'dd/MM/yyyy')}"

    def utc_bounds(self) -> tuple[datetime, datetime]:
        """[start, end) as UTC instants, for timestamps stored in UTC."""
        zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Ho_Chi_Minh"))
        begin = datetime.combine(self.start, time.min, zone)
        after = datetime.combine(self.end + timedelta(days=1), time.min, zone)
        return begin.astimezone(ZoneInfo("UTC")), after.astimezone(ZoneInfo("UTC"))

    def previous(self) -> "Period":
        return (
            containing(self.kind, self.start - timedelta(days=1))
            if self.kind != "custom"
            else Period(
                "custom",
                self.start - (self.end - self.start) - timedelta(days=1),
                self.start - timedelta(days=1),
            )
        )

    def params(self) -> dict:
        if self.kind == "custom":
            return {
                "period": "custom",
                "start": self.start.isoformat(),
                "end": self.end.isoformat(),
            }
        return {"period": self.kind, "ref": self.start.isoformat()}


def containing(kind: str, day: date) -> Period:
    if kind == "week":
        start = day - timedelta(days=day.weekday())
        return Period("week", start, start + timedelta(days=6))
    if kind == "quarter":
        first_month = 3 * ((day.month - 1) // 3) + 1
        start = date(day.year, first_month, 1)
    else:
        kind, start = "month", day.replace(day=1)
    months = 3 if kind == "quarter" else 1
    year, month = divmod(start.month - 1 + months, 12)
    return Period(kind, start, date(start.year + year, month + 1, 1) - timedelta(days=1))


def last_n(period: Period, n: int) -> list[Period]:
    """The period and the n − 1 before it, oldest first (for trends)."""
    found = [period]
    while len(found) < n:
        found.append(found[-1].previous())
    return list(reversed(found))


def from_args(args, today: date) -> tuple[Period, str | None]:
    """The period a request asks for, or this month, with a message if the range was bad."""
    kind = args.get("period", "month")
    if kind == "custom":
        try:
            start = date.fromisoformat(args.get("start", ""))
            end = date.fromisoformat(args.get("end", ""))
        except ValueError:
            return containing("month", today), str(_l("Give both dates of the range."))
        if not (
            date(2000, 1, 1) <= start <= date(2100, 1, 1)
            and date(2000, 1, 1) <= end <= date(2100, 1, 1)
        ):
            return containing("month", today), str(
                _l("Choose dates between the years 2000 and 2100.")
            )
        if end < start:
            return containing("month", today), str(_l("The range must end after it starts."))
        if (end - start).days > MAX_DAYS:
            return containing("month", today), str(
                _l("A range may span at most %(n)d days.", n=MAX_DAYS)
            )
        return Period("custom", start, end), None
    try:
        ref = date.fromisoformat(args.get("ref", "")) if args.get("ref") else today
    except ValueError:
        ref = today
    if not date(2000, 1, 1) <= ref <= date(2100, 1, 1):
        ref = today
    return containing(kind if kind in ("week", "month", "quarter") else "month", ref), None
