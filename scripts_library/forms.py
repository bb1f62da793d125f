"""The script editor: metadata, placeholder rows and block rows."""

import re

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import FieldList, FormField, SelectField, SelectMultipleField
from wtforms.validators import InputRequired, Length, Optional, Regexp
from wtforms.widgets import HiddenInput

from portal.core.forms import (
    CHECKBOXES,
    DAMAGED_VERSION,
    BoundedIntegerField,
    CleanStringField,
    CleanTextAreaField,
    NoMarkup,
    PortalForm,
    PortalSubform,
)
from portal.playbooks.services import process_step_choices, taxonomy
from scripts_library.validation import BLOCK_KINDS, CHANNELS, SITUATIONS

BLANK_ROWS = 3
_KEY = Regexp(
    r"^[a-z0-9][a-z0-9-]{0,39}$", message=_l("Use lowercase letters, digits and hyphens.")
)
_CHOICE = re.compile(r"^(?P<label>.+?)\s*->\s*(?P<goto>[a-z0-9][a-z0-9-]*)$")


class PlaceholderRow(PortalSubform):
    name = CleanStringField(
        _l("Name"),
        validators=[
            Optional(),
            Regexp(r"^[a-z][a-z0-9_]{0,39}$", message=_l("Use lowercase letters, digits and _.")),
        ],
    )
    label = CleanStringField(_l("Label"), validators=[Optional(), Length(max=80), NoMarkup()])
    default = CleanStringField(_l("Default"), validators=[Optional(), Length(max=200)])


class BlockRow(PortalSubform):
    key = CleanStringField(_l("Key"), validators=[Optional(), _KEY])
    kind = SelectField(_l("Kind"), choices=list(BLOCK_KINDS.items()))
    text = CleanTextAreaField(_l("Text"), validators=[Optional(), Length(max=4000)])
    choices = CleanTextAreaField(
        _l("Choices, one per line: what happens -> key of the next block"),
        validators=[Optional(), Length(max=2000)],
    )


class ScriptForm(PortalForm):
    title = CleanStringField(_l("Title"), validators=[InputRequired(), Length(max=200), NoMarkup()])
    purpose = CleanTextAreaField(_l("Purpose"), validators=[Optional(), Length(max=2000)])
    step_id = SelectField(_l("Process step"), coerce=int)
    channel = SelectField(_l("Channel"), choices=list(CHANNELS.items()))
    situation = SelectField(_l("Situation"), choices=list(SITUATIONS.items()))
    segments = SelectMultipleField(_l("Customer segments"), **CHECKBOXES)
    tags = CleanStringField(
        _l("Tags, separated by commas"), validators=[Optional(), Length(max=300)]
    )
    placeholders = FieldList(FormField(PlaceholderRow), min_entries=1)
    blocks = FieldList(FormField(BlockRow), min_entries=1)
    lock_version = BoundedIntegerField(
        validators=[Optional()], message=DAMAGED_VERSION, widget=HiddenInput()
    )

    def content(self) -> tuple[dict, list[str]]:
        """The script content the rows describe, and problems with the rows themselves."""
        problems: list[str] = []
        blocks = []
        for number, row in enumerate(self.blocks.entries, start=1):
            data = row.form.data
            if not data["text"]:
                continue
            choices = []
            for line in (data["choices"] or "").split("\n"):
                if not line.strip():
                    continue
                match = _CHOICE.match(line.strip())
                if match is None:
                    problems.append(
                        str(
                            _l("Block %(n)d: write each choice as “what happens -> key”.", n=number)
                        )
                    )
                    continue
                choices.append({"label": match["label"], "goto": match["goto"]})
            blocks.append(
                {
                    "key": data["key"] or f"b{number}",
                    "kind": data["kind"],
                    "text": data["text"],
                    "choices": choices,
                }
            )
        placeholders = [
            {
                "name": r.form.data["name"],
                "label": r.form.data["label"] or r.form.data["name"],
                "default": r.form.data["default"] or "",
            }
            for r in self.placeholders.entries
            if r.form.data["name"]
        ]
        content = {
            "title": self.title.data,
            "purpose": self.purpose.data or "",
            "step_id": self.step_id.data,
            "channel": self.channel.data,
            "situation": self.situation.data,
            "segments": self.segments.data or [],
            "tags": [t.strip() for t in (self.tags.data or "").split(",") if t.strip()][:10],
            "placeholders": placeholders,
            "blocks": blocks,
        }
        return content, problems

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        tax = taxonomy()
        self.step_id.choices = process_step_choices()
        self.segments.choices = [(code, tax.label("segments", code)) for code in tax.segments]
        self.row_problems: list[str] = []  # what `validate` found wrong with the rows

    @classmethod
    def data_from(cls, content: dict) -> dict:
        """Rows for an existing script (its content as `authoring.content_of` gives it,
        with `lock_version`), plus blank ones to add to it."""
        return {
            **{
                k: content.get(k)
                for k in ("title", "purpose", "step_id", "channel", "situation", "segments")
            },
            "tags": ", ".join(content["tags"]),
            "placeholders": content["placeholders"] + [{}] * BLANK_ROWS,
            "blocks": [
                {**b, "choices": "\n".join(f"{c['label']} -> {c['goto']}" for c in b["choices"])}
                for b in content["blocks"]
            ]
            + [{"kind": "agent"}] * BLANK_ROWS,
            "lock_version": content.get("lock_version", 0),
        }

    def validate(self, extra_validators=None) -> bool:
        """The fields, then the rows read as a script (`content`)."""
        valid = super().validate(extra_validators)
        self.script_content, self.row_problems = self.content()
        return valid and not self.row_problems


EMPTY_SCRIPT = {
    "title": "",
    "purpose": "",
    "step_id": None,
    "channel": "phone",
    "situation": "greeting",
    "segments": [],
    "tags": [],
    "placeholders": [],
    "blocks": [],
}


class ImportForm(PortalForm):
    workbook = FileField(
        _l("Library workbook (.xlsx)"),
        validators=[
            FileRequired(_l("Choose a file.")),
            FileAllowed(["xlsx"], _l("Only Excel workbooks (.xlsx) are accepted.")),
        ],
    )
