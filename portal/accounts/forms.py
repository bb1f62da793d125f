from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, DateField, PasswordField, SelectField, SelectMultipleField
from wtforms.validators import Email, EqualTo, InputRequired, Length, Optional, ValidationError

from portal.core.forms import CleanStringField, NoMarkup, PortalForm
from portal.core.roles import ROLE_LABELS, Role


class LoginForm(PortalForm):
    email = CleanStringField(_l("Email"), validators=[InputRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=200)])


class PasswordChangeForm(PortalForm):
    current_password = PasswordField(_l("Current password"), validators=[InputRequired()])
    new_password = PasswordField(
        _l("New password"),
        validators=[
            InputRequired(),
            Length(min=10, max=200, message=_l("Use 10 to 200 characters.")),
        ],
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[
            InputRequired(),
            EqualTo("new_password", message=_l("The two passwords differ.")),
        ],
    )


def _coerce_optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class UserForm(PortalForm):
    name = CleanStringField(
        _l("Full name"), validators=[InputRequired(), Length(max=120), NoMarkup()]
    )
    email = CleanStringField(
        _l("Email"),
        validators=[
            InputRequired(),
            Length(max=254),
            Email(message=_l("This is not an email address.")),
        ],
    )
    role = SelectField(_l("Role"), choices=[(r.value, label) for r, label in ROLE_LABELS.items()])
    team_id = SelectField(_l("Team"), coerce=_coerce_optional_int, validate_choice=True)
    led_team_ids = SelectMultipleField(_l("Teams led (supervisors)"), coerce=int)
    hire_date = DateField(_l("Hire date"), validators=[Optional()])
    can_approve_scripts = BooleanField(_l("May publish call scripts (supervisors)"))
    password = PasswordField(
        _l("Password"),
        validators=[Optional(), Length(min=10, max=200, message=_l("Use 10 to 200 characters."))],
        description=_l("Leave empty to keep the current password."),
    )

    def __init__(self, *args, teams=(), require_password=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.team_id.choices = [(None, _l("— no team —"))] + [(t.id, t.name) for t in teams]
        self.led_team_ids.choices = [(t.id, t.name) for t in teams]
        if require_password:
            self.password.validators = [InputRequired(), *self.password.validators[1:]]
            self.password.flags.required = True
            self.password.description = _l("At least 10 characters. Hand it over in person.")

    def validate_led_team_ids(self, field):
        if field.data and self.role.data != Role.SUPERVISOR:
            raise ValidationError(_l("Only supervisors lead teams."))


class TeamForm(PortalForm):
    name = CleanStringField(
        _l("Team name"), validators=[InputRequired(), Length(max=120), NoMarkup()]
    )
    description = CleanStringField(_l("Description"), validators=[Optional(), Length(max=500)])
    lead_ids = SelectMultipleField(_l("Supervisors"), coerce=int)


class RosterUploadForm(PortalForm):
    workbook = FileField(
        _l("Roster workbook (.xlsx)"),
        validators=[
            FileRequired(_l("Choose a file.")),
            FileAllowed(["xlsx"], _l("Only Excel workbooks (.xlsx) are accepted.")),
        ],
    )
