from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField
from wtforms.validators import DataRequired, Length

from portal.core.forms import CHECKBOXES, CleanStringField, PortalForm
from portal.integrations.models import SCOPES

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
