"""Forms of the KPI pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired

from portal.core.forms import PortalForm


class OutcomesForm(PortalForm):
    file = FileField(
        _l("Export of the call/CRM system (.xlsx or .csv)"),
        validators=[FileRequired(_l("Choose a file."))],
    )
