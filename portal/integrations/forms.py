from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField
from wtforms.validators import DataRequired, Length, ValidationError

from portal.core.forms import CHECKBOXES, CleanStringField, CleanTextAreaField, PortalForm, lines_of
from portal.integrations.fetching import normal_host
from portal.integrations.models import SCOPES

MAX_HOSTS = 20

SCOPE_LABELS = {
    "interactions:write": _l("Send interactions and their recordings"),
    "outcomes:write": _l("Send customer outcomes"),
    "reviews:read": _l("Read submitted reviews and scores"),
}


class TokenForm(PortalForm):
    name = CleanStringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=120)],
        description=_l("The system that will use it, e.g. the phone system."),
    )
    scopes = SelectMultipleField(
        _l("What it may do"),
        choices=[(s, SCOPE_LABELS[s]) for s in SCOPES],
        validators=[DataRequired(_l("Choose at least one."))],
        **CHECKBOXES,
    )


class AllowedHostsForm(PortalForm):
    hosts = CleanTextAreaField(
        _l("Hosts recordings may be fetched from"),
        validators=[Length(max=4000)],
        description=_l(
            "One per line: a host name (its standard http and https ports) or host:port, "
            "e.g. pbx.example.vn or 10.0.0.5:8443. Empty: nothing is fetched for this system."
        ),
    )

    def validate_hosts(self, field):
        entries = lines_of(field.data)
        bad = [entry for entry in entries if normal_host(entry) is None]
        if bad:
            raise ValidationError(
                _l("Not a host name or host:port: %(entries)s", entries=", ".join(bad[:5]))
            )
        if len(entries) > MAX_HOSTS:
            raise ValidationError(_l("At most %(n)d hosts.", n=MAX_HOSTS))

    @property
    def normal_hosts(self) -> list[str]:
        return [normal_host(entry) for entry in lines_of(self.hosts.data)]
