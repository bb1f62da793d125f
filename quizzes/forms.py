"""Forms of the question bank and the quiz editor."""

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
)
from wtforms.validators import (
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from portal.core.forms import CHECKBOXES, CleanStringField, CleanTextAreaField, NoMarkup, PortalForm
from quizzes.bank import QuestionInput, format_answers
from quizzes.models import GRADING_METHODS
from quizzes.results import review_settings
from quizzes.services import current_version
from quizzes.setup import QuizSettings

QUESTION_TYPE_LABELS = {
    "single": _l("One right answer"),
    "multiple": _l("Several right answers"),
    "true_false": _l("True or false"),
    "ordering": _l("Put in order"),
    "matching": _l("Matching"),
    "short_answer": _l("Short answer"),
    "essay": _l("Essay (marked by hand)"),
}
GRADING_LABELS = {
    "highest": _l("Highest attempt"),
    "average": _l("Average of attempts"),
    "first": _l("First attempt"),
    "last": _l("Last attempt"),
}
REVIEW_ITEM_LABELS = {
    "answers": _l("Their answers"),
    "correctness": _l("Right or wrong"),
    "marks": _l("Marks"),
    "feedback": _l("Feedback"),
    "right_answers": _l("The right answers"),
}
REVIEW_TIME_LABELS = {
    "during": _l("During the attempt"),
    "after": _l("Right after handing in (10 minutes)"),
    "later": _l("Later, while the quiz is open"),
    "closed": _l("After the quiz closes"),
}


class QuestionForm(PortalForm):
    key = CleanStringField(
        _l("Key (left empty: made from the question)"),
        validators=[
            Optional(),
            Length(max=80),
            Regexp(
                r"^[a-z0-9][a-z0-9-]*$", message=_l("Use lowercase letters, digits and hyphens.")
            ),
        ],
    )
    category_id = SelectField(_l("Category"), coerce=int, validators=[InputRequired()])
    type = SelectField(_l("Type"), choices=list(QUESTION_TYPE_LABELS.items()))
    prompt = CleanTextAreaField(_l("Question"), validators=[InputRequired(), Length(max=4000)])
    points = IntegerField(
        _l("Points"), default=1, validators=[InputRequired(), NumberRange(min=1, max=100)]
    )
    answers = CleanTextAreaField(_l("Answers"), validators=[Optional(), Length(max=8000)])
    diacritics_optional = BooleanField(_l("Accept answers typed without Vietnamese diacritics"))
    general_feedback = CleanTextAreaField(
        _l("Feedback shown after the attempt"), validators=[Optional(), Length(max=4000)]
    )
    step_id = SelectField(_l("Playbook step it tests"), coerce=int, default=0)
    script_slug = SelectField(_l("Call script it tests"), default="")
    tags = CleanStringField(
        _l("Tags, separated by commas"), validators=[Optional(), Length(max=300), NoMarkup()]
    )
    change_note = CleanStringField(
        _l("What changed (for the history)"), validators=[Optional(), Length(max=200)]
    )
    revision = HiddenField()

    @classmethod
    def data_from(cls, question) -> dict:
        """The question as its current version says it, answers as the editor's lines."""
        version = current_version(question)
        return {
            **super().data_from(question),
            "type": version.type,
            "prompt": version.prompt,
            "points": version.points,
            "answers": format_answers(version.type, version.data),
            "diacritics_optional": bool(version.data.get("diacritics_optional")),
            "general_feedback": version.general_feedback,
            "step_id": question.step_id or 0,
            "script_slug": question.script_slug or "",
            "tags": ", ".join(question.tags or []),
        }

    def question_input(self) -> QuestionInput:
        return QuestionInput(
            key=self.key.data or "",
            category_id=self.category_id.data,
            type=self.type.data,
            prompt=self.prompt.data,
            points=self.points.data,
            answers=self.answers.data or "",
            general_feedback=self.general_feedback.data or "",
            diacritics_optional=self.diacritics_optional.data,
            step_id=self.step_id.data or None,
            script_slug=self.script_slug.data or None,
            tags=tuple((self.tags.data or "").split(",")),
        )


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Ho_Chi_Minh"))


def to_utc(local: datetime | None) -> datetime | None:
    """The portal's people type times in Vietnam's time; the database keeps UTC."""
    return local.replace(tzinfo=_zone()).astimezone(ZoneInfo("UTC")) if local else None


def to_local(moment: datetime | None) -> datetime | None:
    return moment.astimezone(_zone()).replace(tzinfo=None) if moment else None


def _sensible_year(form, field):
    if field.data and not 2000 <= field.data.year <= 2100:
        raise ValidationError(_l("Choose a date between the years 2000 and 2100."))


class QuizForm(PortalForm):
    title = CleanStringField(_l("Title"), validators=[InputRequired(), Length(max=200), NoMarkup()])
    description = CleanTextAreaField(_l("Description"), validators=[Optional(), Length(max=4000)])
    shuffle_questions = BooleanField(_l("Shuffle the questions"))
    shuffle_answers = BooleanField(_l("Shuffle the answers within each question"))
    time_limit_minutes = IntegerField(
        _l("Time limit in minutes (empty: none)"),
        validators=[Optional(), NumberRange(min=1, max=600)],
    )
    open_at = DateTimeLocalField(
        _l("Opens (Vietnam time)"),
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        validators=[Optional(), _sensible_year],
    )
    close_at = DateTimeLocalField(
        _l("Closes (Vietnam time)"),
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        validators=[Optional(), _sensible_year],
    )
    attempts_allowed = IntegerField(
        _l("Attempts allowed (empty: unlimited)"),
        validators=[Optional(), NumberRange(min=1, max=100)],
    )
    delay_minutes = IntegerField(
        _l("Minutes to wait between attempts"),
        default=0,
        validators=[InputRequired(), NumberRange(min=0, max=10080)],
    )
    grading_method = SelectField(
        _l("Quiz grade"), choices=[(m, GRADING_LABELS[m]) for m in GRADING_METHODS]
    )
    pass_percent = IntegerField(
        _l("Pass mark (%)"), default=80, validators=[InputRequired(), NumberRange(min=0, max=100)]
    )
    review_during = SelectMultipleField(
        REVIEW_TIME_LABELS["during"], choices=[("marks", REVIEW_ITEM_LABELS["marks"])], **CHECKBOXES
    )
    review_after = SelectMultipleField(
        REVIEW_TIME_LABELS["after"], choices=list(REVIEW_ITEM_LABELS.items()), **CHECKBOXES
    )
    review_later = SelectMultipleField(
        REVIEW_TIME_LABELS["later"], choices=list(REVIEW_ITEM_LABELS.items()), **CHECKBOXES
    )
    review_closed = SelectMultipleField(
        REVIEW_TIME_LABELS["closed"], choices=list(REVIEW_ITEM_LABELS.items()), **CHECKBOXES
    )
    hidden = BooleanField(_l("Hidden while being set up (only authors see it)"))
    revision = HiddenField()

    REVIEW_FIELDS = ("during", "after", "later", "closed")

    def settings(self) -> QuizSettings:
        return QuizSettings(
            title=self.title.data,
            description=self.description.data or "",
            shuffle_questions=self.shuffle_questions.data,
            shuffle_answers=self.shuffle_answers.data,
            time_limit_minutes=self.time_limit_minutes.data,
            open_at=to_utc(self.open_at.data),
            close_at=to_utc(self.close_at.data),
            attempts_allowed=self.attempts_allowed.data,
            delay_minutes=self.delay_minutes.data or 0,
            grading_method=self.grading_method.data,
            pass_percent=self.pass_percent.data,
            review={m: list(getattr(self, f"review_{m}").data or []) for m in self.REVIEW_FIELDS},
            hidden=self.hidden.data,
        )

    @classmethod
    def data_from(cls, quiz) -> dict:
        """The quiz's settings, its times in Vietnam time, its review options per moment."""
        review = review_settings(quiz)
        return {
            **super().data_from(quiz),
            "open_at": to_local(quiz.open_at),
            "close_at": to_local(quiz.close_at),
            **{f"review_{m}": list(review.get(m, [])) for m in cls.REVIEW_FIELDS},
        }


NEW_QUIZ = {
    "title": "",
    "shuffle_questions": True,
    "shuffle_answers": True,
    "delay_minutes": 0,
    "grading_method": "highest",
    "pass_percent": 80,
    "hidden": True,
    "revision": 1,
}


class SlotQuestionForm(PortalForm):
    key = CleanStringField(
        _l("Question key (type to search)"), validators=[InputRequired(), Length(max=80)]
    )


class SlotDrawForm(PortalForm):
    category_id = SelectField(_l("Category"), coerce=int, validators=[InputRequired()])
    count = IntegerField(
        _l("How many questions"), default=1, validators=[InputRequired(), NumberRange(1, 200)]
    )
    include_subcategories = BooleanField(_l("Include its subcategories"), default=True)


class BankImportForm(PortalForm):
    workbook = FileField(
        _l("Question bank workbook (.xlsx)"),
        validators=[
            FileRequired(_l("Choose a file.")),
            FileAllowed(["xlsx"], _l("Only Excel workbooks (.xlsx) are accepted.")),
        ],
    )
