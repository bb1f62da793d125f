from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from werkzeug.datastructures import FileStorage
from wtforms import BooleanField, DateField, PasswordField, SelectField, SelectMultipleField
from wtforms.validators import Email, EqualTo, InputRequired, Length, Optional, ValidationError

from portal.accounts.services import UserData, email_taken, external_id_taken, team_named
from portal.core.forms import CleanStringField, NoMarkup, PortalForm
from portal.core.roles import ROLE_LABELS, Role
from portal.core.workbooks import WorkbookError, check_workbook


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
    external_agent_id = CleanStringField(
        _l("Id in the phone system"),
        validators=[Optional(), Length(max=120), NoMarkup()],
        description=_l("The agent's extension or login there, if calls name them by it."),
    )
    can_approve_scripts = BooleanField(_l("May publish call scripts (supervisors)"))
    password = PasswordField(
        _l("Password"),
        validators=[Optional(), Length(min=10, max=200, message=_l("Use 10 to 200 characters."))],
        description=_l("Leave empty to keep the current password."),
    )

    def __init__(self, *args, teams=(), subject=None, editor=None, **kwargs):
        """`subject`: the person edited (None: a new one, whose password is required);
        `editor`: who edits (nobody takes away their own admin role)."""
        super().__init__(*args, **kwargs)
        self.subject, self.editor = subject, editor
        require_password = subject is None
        self.team_id.choices = [(None, _l("— no team —"))] + [(t.id, t.name) for t in teams]
        self.led_team_ids.choices = [(t.id, t.name) for t in teams]
        if require_password:
            self.password.validators = [InputRequired(), *self.password.validators[1:]]
            self.password.flags.required = True
            self.password.description = _l("At least 10 characters. Hand it over in person.")

    @classmethod
    def data_from(cls, user) -> dict:
        return {**super().data_from(user), "led_team_ids": [t.id for t in user.led_teams]}

    def validate_email(self, field):
        if email_taken(field.data, except_id=self.subject.id if self.subject else None):
            raise ValidationError(_l("Someone already has this email."))

    def validate_external_agent_id(self, field):
        taken = external_id_taken(field.data, except_id=self.subject.id if self.subject else None)
        if field.data and taken:
            raise ValidationError(_l("Someone already has this id."))

    def validate_role(self, field):
        own = self.subject is not None and self.editor is not None
        if own and self.subject.id == self.editor.id and field.data != Role.ADMIN:
            raise ValidationError(_l("You cannot take away your own admin role."))

    def validate_led_team_ids(self, field):
        if field.data and self.role.data != Role.SUPERVISOR:
            raise ValidationError(_l("Only supervisors lead teams."))

    def user_data(self) -> UserData:
        return UserData(
            name=self.name.data,
            email=self.email.data,
            role=self.role.data,
            team_id=self.team_id.data,
            hire_date=self.hire_date.data,
            external_agent_id=(self.external_agent_id.data or "").strip() or None,
            led_team_ids=self.led_team_ids.data or [],
            can_approve_scripts=bool(self.can_approve_scripts.data),
        )


class TeamForm(PortalForm):
    name = CleanStringField(
        _l("Team name"), validators=[InputRequired(), Length(max=120), NoMarkup()]
    )
    description = CleanStringField(_l("Description"), validators=[Optional(), Length(max=500)])
    lead_ids = SelectMultipleField(_l("Supervisors"), coerce=int)

    def __init__(self, *args, supervisors=(), team=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.team = team
        self.lead_ids.choices = [(u.id, u.name) for u in supervisors]

    @classmethod
    def data_from(cls, team) -> dict:
        return {**super().data_from(team), "lead_ids": [u.id for u in team.leads]}

    def validate_name(self, field):
        clash = team_named(field.data)
        if clash is not None and (self.team is None or clash != self.team.id):
            raise ValidationError(_l("A team with this name exists."))


class RosterUploadForm(PortalForm):
    workbook = FileField(
        _l("Roster workbook (.xlsx)"),
        validators=[
            FileRequired(_l("Choose a file.")),
            FileAllowed(["xlsx"], _l("Only Excel workbooks (.xlsx) are accepted.")),
        ],
    )

    def validate_workbook(self, field):
        """A crafted workbook is refused here, before it is ever stored."""
        if isinstance(field.data, FileStorage):
            try:
                check_workbook(field.data.stream)
            except WorkbookError as error:
                raise ValidationError(str(error)) from error
