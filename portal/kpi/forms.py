"""Forms of the KPI pages."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField

from portal.core.forms import PortalForm
from portal.kpi.measures import BY_CODE
from portal.kpi.targets import TARGETED

TARGET_RANGE = (-1000, 1_000_000)


class OutcomesForm(PortalForm):
    file = FileField(
        _l("Export of the call/CRM system (.xlsx or .csv)"),
        validators=[FileRequired(_l("Choose a file."))],
    )


def target_text(value: float, code: str) -> str:
    """A target as people type it: 80, 30, 05:00 for times."""
    if BY_CODE[code].unit == "seconds":
        seconds = int(round(value))
        return f"{seconds // 60:02d}:{seconds % 60:02d}"
    return f"{value:g}"


def parse_target(raw: str, code: str) -> float | None:
    """A typed target: a number (decimal comma or point), or for times mm:ss (or
    seconds); None when empty. ValueError if it is neither."""
    raw = raw.strip().replace(",", ".")
    if not raw:
        return None
    if BY_CODE[code].unit == "seconds" and ":" in raw:
        minutes, _sep, seconds = raw.partition(":")
        return int(minutes) * 60 + float(seconds)
    value = float(raw)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(raw)
    return value


class TargetField(StringField):
    """One measure's target; empty means none of its own (the company's applies)."""

    def __init__(self, label=None, validators=None, *, code: str, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.code = code

    def process_formdata(self, valuelist):
        self.raw_data = [(valuelist[0] if valuelist else "")[:20]]
        try:
            self.data = parse_target(self.raw_data[0], self.code)
        except ValueError:
            self.data = None
            raise ValueError(_("“%(v)s” is not a number.", v=self.raw_data[0])) from None
        low, high = TARGET_RANGE
        if self.data is not None and not low <= self.data <= high:
            raise ValueError(_("“%(v)s” is out of range.", v=self.raw_data[0]))

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return target_text(self.data, self.code) if self.data is not None else ""


class TargetsForm(PortalForm):
    """A field per targeted measure (added below, one per code in `TARGETED`)."""

    def values(self) -> dict[str, float | None]:
        return {code: self[code].data for code in TARGETED}


for _code in TARGETED:
    setattr(TargetsForm, _code, TargetField(BY_CODE[_code].label, code=_code))
