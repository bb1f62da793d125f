"""Form fields that clean what people type before validation sees it."""

from pathlib import Path

import email_validator
from babel.support import Translations
from flask import g, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form, IntegerField, StringField, TextAreaField, widgets
from wtforms.fields.core import UnboundField
from wtforms.validators import ValidationError

from portal.core.params import MAX_ID, bounded_int
from portal.core.text import clean

# Company intranets often use addresses at ".local" (and the demo team does);
# email-validator refuses that special-use domain unless told otherwise.
if "local" in email_validator.SPECIAL_USE_DOMAIN_NAMES:
    email_validator.SPECIAL_USE_DOMAIN_NAMES.remove("local")

_TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


def _wtforms_translations():
    if "_wtforms_translations" not in g:
        g._wtforms_translations = Translations.load(
            str(_TRANSLATIONS), [str(get_locale())], domain="wtforms"
        )
    return g._wtforms_translations


class PortalForm(FlaskForm):
    """Every form of the portal: WTForms' own messages ("This field is
    required.") in the person's language. WTForms ships no Vietnamese, so the
    portal keeps its own `wtforms` catalogue next to its messages."""

    class Meta:
        def get_translations(self, form):
            return _wtforms_translations()

    @classmethod
    def editing(cls, thing, **kwargs):
        """The edit form of `thing`, the one way every edit form is pre-filled: on a
        GET filled from the model (`data_from`), otherwise from what was posted.
        With no `thing` (a new one) the form starts from its fields' defaults."""
        if request.method == "GET" and thing is not None:
            return cls(formdata=None, data=cls.data_from(thing), **kwargs)
        return cls(**kwargs)

    @classmethod
    def data_from(cls, thing) -> dict:
        """Field values from the model's attributes of the same name; forms whose
        fields hold something else (a list as lines, a version) extend this."""
        names = [n for n in dir(cls) if isinstance(getattr(cls, n, None), UnboundField)]
        return {name: getattr(thing, name) for name in names if hasattr(thing, name)}


class PortalSubform(Form):
    """A row repeated inside a PortalForm (`FieldList(FormField(...))`). WTForms
    gives such a form its own Meta, not the outer form's, so a plain `Form` row
    answered "Field cannot be longer than 4000 characters." in the Vietnamese UI."""

    class Meta:
        def get_translations(self, form):
            return _wtforms_translations()


# For SelectMultipleField: tick boxes rather than a multi-select list, so
# nobody has to know about Ctrl-click.
CHECKBOXES = {
    "widget": widgets.ListWidget(prefix_label=False),
    "option_widget": widgets.CheckboxInput(),
}


class BoundedIntegerField(IntegerField):
    """A whole number from `low` to `high` (by default what an id column holds), read
    by `bounded_int`; anything else is this field's error, never a number the database
    cannot take. Left empty it is None, for InputRequired or Optional to judge.
    `message` replaces the default "from … to …" (hidden counters)."""

    def __init__(self, label=None, validators=None, *, low=0, high=MAX_ID, message=None, **kw):
        super().__init__(label, validators, **kw)
        self.low, self.high, self.message = low, high, message

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        self.data = bounded_int(valuelist[0], low=self.low, high=self.high)
        if self.data is None:
            raise ValueError(
                str(self.message)
                if self.message
                else _(
                    "Enter a whole number from %(low)d to %(high)d.", low=self.low, high=self.high
                )
            )


# A form's hidden version counter that is not a number a saved version can have: the
# page was changed on the way (or is very old); the 422 keeps what was typed.
DAMAGED_VERSION = _l(
    "This form's version number is not valid. Reload the page and make your change "
    "again; what you typed is still below to copy."
)


def bounded_coerce(value) -> int:
    """`coerce` for a SelectField of ids: a value no table holds is the field's
    "could not coerce" error rather than a query that overflows."""
    number = bounded_int(value)
    if number is None:
        raise ValueError(value)
    return number


class CleanStringField(StringField):
    """A one-line text field: NFC, no invisible characters, tidy spaces."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.data = clean(self.data)


class CleanTextAreaField(TextAreaField):
    """A multi-line text field: NFC, normalized line ends."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.data = clean(self.data, multiline=True)


def lines_of(text: str | None) -> list[str]:
    """One entry per non-empty line (checklists, lists of mistakes)."""
    return [line.strip(" -*\t") for line in (text or "").split("\n") if line.strip(" -*\t")]


class NoMarkup:
    """Refuse angle brackets in names and titles: they are never legitimate there."""

    def __call__(self, form, field):
        if field.data and ("<" in field.data or ">" in field.data):
            raise ValidationError(_l("Please remove the < and > characters."))
