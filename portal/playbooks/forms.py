from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectMultipleField
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from portal.core.forms import (
    CHECKBOXES,
    DAMAGED_VERSION,
    BoundedIntegerField,
    CleanStringField,
    CleanTextAreaField,
    NoMarkup,
    PortalForm,
    lines_of,
)


class StepForm(PortalForm):
    title = CleanStringField(_l("Title"), validators=[InputRequired(), Length(max=200), NoMarkup()])
    goal = CleanTextAreaField(_l("Goal"), validators=[Optional(), Length(max=2000)])
    body_md = CleanTextAreaField(
        _l("What to do (Markdown)"), validators=[InputRequired(), Length(max=50_000)]
    )
    checklist = CleanTextAreaField(
        _l("Checklist, one item per line"), validators=[Optional(), Length(max=5000)]
    )
    mistakes = CleanTextAreaField(
        _l("Common mistakes, one per line"), validators=[Optional(), Length(max=5000)]
    )
    segments = SelectMultipleField(_l("Customer segments"), **CHECKBOXES)
    channels = SelectMultipleField(_l("Channels"), **CHECKBOXES)
    kpis = SelectMultipleField(_l("KPIs it moves"), **CHECKBOXES)
    change_note = CleanStringField(
        _l("What changed"), validators=[InputRequired(), Length(max=300)]
    )
    base_version = BoundedIntegerField(
        validators=[InputRequired()], message=DAMAGED_VERSION, widget=HiddenInput()
    )

    def __init__(self, *args, taxonomy=None, locale: str = "vi", **kwargs):
        super().__init__(*args, **kwargs)
        if taxonomy is not None:
            for kind in ("segments", "channels", "kpis"):
                getattr(self, kind).choices = [
                    (code, taxonomy.label(kind, code, locale)) for code in getattr(taxonomy, kind)
                ]

    @classmethod
    def data_from(cls, step) -> dict:
        return {
            **super().data_from(step),
            "checklist": "\n".join(step.checklist),
            "mistakes": "\n".join(step.mistakes),
            "base_version": step.version,
        }

    def fields_for_save(self) -> dict:
        return {
            "title": self.title.data,
            "goal": self.goal.data or "",
            "body_md": self.body_md.data,
            "checklist": lines_of(self.checklist.data),
            "mistakes": lines_of(self.mistakes.data),
            "segments": self.segments.data or [],
            "channels": self.channels.data or [],
            "kpis": self.kpis.data or [],
        }


class PreviewForm(PortalForm):
    body_md = HiddenField()


class IntroForm(PortalForm):
    """A playbook's own page: its title, one-line summary and introduction."""

    title = CleanStringField(_l("Title"), validators=[InputRequired(), Length(max=200), NoMarkup()])
    summary = CleanStringField(_l("Summary"), validators=[Optional(), Length(max=500)])
    intro_md = CleanTextAreaField(
        _l("Introduction (Markdown)"), validators=[Optional(), Length(max=50_000)]
    )
    change_note = CleanStringField(
        _l("What changed"), validators=[InputRequired(), Length(max=300)]
    )
    base_version = BoundedIntegerField(
        validators=[InputRequired()], message=DAMAGED_VERSION, widget=HiddenInput()
    )

    @classmethod
    def data_from(cls, playbook) -> dict:
        return {**super().data_from(playbook), "base_version": playbook.version}

    def fields_for_save(self) -> dict:
        return {name: getattr(self, name).data or "" for name in ("title", "summary", "intro_md")}
