"""Form fields that clean what people type before validation sees it."""

from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import ValidationError

from portal.core.text import clean


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
