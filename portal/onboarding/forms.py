from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from portal.core.content import item_kinds
from portal.core.forms import CHECKBOXES, CleanStringField, CleanTextAreaField, NoMarkup, PortalForm


class ModuleForm(PortalForm):
    title = CleanStringField(_l("Title"), validators=[InputRequired(), Length(max=200), NoMarkup()])
    description = CleanTextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    due_days = IntegerField(
        _l("Due, in days after the hire date"),
        validators=[
            InputRequired(),
            NumberRange(min=0, max=365, message=_l("Between 0 and 365 days.")),
        ],
        default=7,
    )
    requires_previous = BooleanField(_l("Locked until the previous module is done"))
    auto_assign = BooleanField(_l("Assign automatically to every new hire who joins"))


class DueDateForm(PortalForm):
    due_date = DateField(_l("Due date"), validators=[InputRequired(_l("Choose a date."))])


class ItemForm(PortalForm):
    """Add a piece of content (a step, a script, a quiz) to a module."""

    content = SelectField(_l("Content"), validators=[InputRequired()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.content.choices = [
            (f"{code}:{ref_id}", label)
            for code, kind in item_kinds().items()
            for ref_id, label in kind.choices()
        ]

    @property
    def chosen(self) -> tuple[str, int]:
        """(kind, id) of the content chosen; valid once the form validated."""
        kind, _sep, ref = self.content.data.partition(":")
        return kind, int(ref)


class AssignForm(PortalForm):
    modules = SelectMultipleField(
        _l("Modules"),
        coerce=int,
        validators=[InputRequired(_l("Choose at least one module."))],
        **CHECKBOXES,
    )
    target = SelectField(
        _l("Assign to"),
        choices=[
            ("people", _l("Chosen people")),
            ("team", _l("A whole team")),
            ("role", _l("Everyone with a role")),
        ],
    )
    people = SelectMultipleField(_l("People"), coerce=int, **CHECKBOXES)
    team = SelectField(_l("Team"), coerce=int, validate_choice=False)
    role = SelectField(_l("Role"), choices=[("new_hire", _l("New hire")), ("agent", _l("Agent"))])
    due_in_days = IntegerField(
        _l("Due, in days after each person's hire date (empty: the module's default)"),
        description=_l("If that day has already passed, the days count from today."),
        validators=[Optional(), NumberRange(min=0, max=365, message=_l("Between 0 and 365 days."))],
    )

    def __init__(self, *args, modules=(), people=(), teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.module_list, self.people_list = list(modules), list(people)
        self.modules.choices = [(m.id, m.title) for m in self.module_list]
        self.people.choices = [(p.id, f"{p.name} ({p.email})") for p in self.people_list]
        self.team.choices = [(t.id, t.name) for t in teams]

    def chosen_modules(self) -> list:
        return [m for m in self.module_list if m.id in self.modules.data]

    def chosen_people(self) -> list:
        """Who the assignment is for: the people ticked, a team, or everyone with a
        role, always among the people offered (the assigner's scope)."""
        if self.target.data == "people":
            return [p for p in self.people_list if p.id in self.people.data]
        if self.target.data == "team":
            return [p for p in self.people_list if p.team_id == self.team.data]
        return [p for p in self.people_list if p.role == self.role.data]

    def validate_people(self, field):
        if self.target.data == "people" and not field.data:
            raise ValidationError(_l("Choose at least one person."))

    def validate_team(self, field):
        if self.target.data == "team" and field.data not in {c[0] for c in field.choices}:
            raise ValidationError(_l("Choose a team."))
