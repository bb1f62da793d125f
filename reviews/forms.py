"""Forms of the reviews package. The scoring form's fields come from the rubric,
so it is read by `scores_from_form` rather than declared here."""

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired, MultipleFileField
from wtforms import (
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
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

from portal.core.content import item_kinds
from portal.core.forms import (
    CHECKBOXES,
    CleanStringField,
    CleanTextAreaField,
    NoMarkup,
    PortalForm,
    bounded_coerce,
)
from portal.core.models import from_local, local_midnight, local_today
from portal.core.text import too_long
from portal.playbooks.services import process_step_choices
from reviews.disputes import Decision, DisputedCriterion
from reviews.recordings import CHANNELS, InteractionInput
from reviews.reviewing import TEXT_LIMITS
from reviews.rubrics import criteria_of, find_rubric, scale_values, to_yaml
from reviews.sampling import RANDOM, signals
from reviews.scoring import Given


def scores_from_form(form, criteria: dict[str, dict]) -> dict[str, Given]:
    """`c-<key>` holds a value on the criterion's scale or "na"; anything else is ignored."""
    given = {}
    for key in criteria:
        raw = (form.get(f"c-{key}") or "").strip()
        if raw == "na":
            given[key] = Given(na=True)
        elif raw.isascii() and raw.isdigit() and len(raw) < 4:
            given[key] = Given(int(raw))
    return given


def fields_from_form(form, fields: list[dict]) -> dict[str, str]:
    return {f["key"]: (form.get(f"f-{f['key']}") or "").strip() for f in fields}


class InteractionForm(PortalForm):
    """One interaction typed in by hand, with its recording if any."""

    agent_id = SelectField(_l("Agent"), coerce=int, validators=[InputRequired()])
    channel = SelectField(_l("Channel"))
    occurred_at = DateTimeLocalField(
        _l("When (Vietnam time)"), format="%Y-%m-%dT%H:%M", validators=[InputRequired()]
    )
    customer_ref = CleanStringField(
        _l("Customer reference"), validators=[Optional(), Length(max=120), NoMarkup()]
    )
    step_id = SelectField(_l("Process step"), coerce=int, default=0)
    transcript = CleanTextAreaField(_l("Transcript"), validators=[Optional(), Length(max=50_000)])
    recording = FileField(_l("Recording (mp3, wav, ogg/opus, m4a)"))

    def __init__(self, *args, agents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.agent_id.choices = [(u.id, u.name) for u in agents]
        self.channel.choices = [(k, str(v)) for k, v in CHANNELS.items()]
        self.step_id.choices = [(0, "—"), *process_step_choices()]

    def interaction_input(self) -> InteractionInput:
        return InteractionInput(
            agent_id=self.agent_id.data,
            channel=self.channel.data,
            occurred_at=from_local(self.occurred_at.data),
            customer_ref=self.customer_ref.data or "",
            step_id=self.step_id.data or None,
            transcript=self.transcript.data or "",
        )

    @property
    def upload(self):
        """The recording sent, or None when the file box was left empty."""
        sent = self.recording.data
        return sent if sent and sent.filename else None


class BatchForm(PortalForm):
    manifest = FileField(
        _l("Manifest (.xlsx or .csv)"), validators=[FileRequired(_l("Choose a file."))]
    )
    recordings = MultipleFileField(_l("Recordings"))


class StartReviewForm(PortalForm):
    rubric_version_id = SelectField(_l("Rubric"), coerce=int, validators=[InputRequired()])

    def __init__(self, *args, versions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.versions = {v.id: v for v in versions}
        self.rubric_version_id.choices = [(v.id, v.title) for v in versions]

    @property
    def version(self):
        return self.versions[self.rubric_version_id.data]


class SampleForm(PortalForm):
    agents = SelectMultipleField(_l("Agents"), coerce=int, **CHECKBOXES)
    per_agent = IntegerField(
        _l("Interactions per agent"), default=3, validators=[InputRequired(), NumberRange(1, 50)]
    )
    start = DateField(_l("From"), validators=[InputRequired()])
    end = DateField(_l("To (inclusive)"), validators=[InputRequired()])
    channel = SelectField(_l("Channel"), validate_choice=False)
    step_id = SelectField(_l("Process step"), coerce=bounded_coerce, validate_choice=False)
    reviewers = SelectMultipleField(
        _l("Reviewers (they take turns)"), coerce=int, validators=[InputRequired()], **CHECKBOXES
    )
    rubric_version_id = SelectField(_l("Rubric"), coerce=int, validators=[InputRequired()])
    signal = SelectField(_l("Which calls"), default=RANDOM)

    def __init__(self, *args, agents=(), reviewers=(), versions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.signal.choices = [(RANDOM, str(_l("At random (counts toward the agent's QA)")))] + [
            (s.name, str(_l("Targeted: %(s)s", s=s.label))) for s in signals().values()
        ]
        self.agents.choices = [(u.id, u.name) for u in agents]
        self.reviewers.choices = [(u.id, u.name) for u in reviewers]
        self.channel.choices = [("", "—")] + [(k, str(v)) for k, v in CHANNELS.items()]
        self.step_id.choices = [(0, "—"), *process_step_choices()]
        self.versions = {v.id: v for v in versions}
        self.rubric_version_id.choices = [(v.id, v.title) for v in versions]

    @classmethod
    def starting(cls, *, me, agents, **choices) -> "SampleForm":
        """Unposted: the last seven days, every agent in scope, the person as reviewer."""
        today = local_today()
        form = cls(formdata=None, agents=agents, **choices)
        form.start.data, form.end.data = today - timedelta(days=7), today
        form.reviewers.data, form.agents.data = [me.id], [u.id for u in agents]
        return form

    def validate_end(self, field):
        if self.start.data and field.data and field.data < self.start.data:
            raise ValidationError(_l("The period must end after it starts."))

    def draw(self) -> dict:
        """What `sampling.draw` takes from the form (agents kept to the ones offered)."""
        offered = {agent_id for agent_id, _name in self.agents.choices}
        return {
            "agent_ids": [a for a in self.agents.data if a in offered],
            "per_agent": self.per_agent.data,
            "start": local_midnight(self.start.data),
            "end": local_midnight(self.end.data + timedelta(days=1)),
            "reviewer_ids": self.reviewers.data,
            "version": self.versions[self.rubric_version_id.data],
            "channel": self.channel.data or None,
            "step_id": self.step_id.data or None,
            "signal": self.signal.data,
        }


class RubricForm(PortalForm):
    title = CleanStringField(_l("Title"), validators=[InputRequired(), Length(max=200), NoMarkup()])
    pass_percent = IntegerField(
        _l("Pass mark (%)"), default=80, validators=[InputRequired(), NumberRange(0, 100)]
    )
    source = CleanTextAreaField(
        _l("Sections, criteria and fields"), validators=[InputRequired(), Length(max=100_000)]
    )
    lock_version = HiddenField()
    note = CleanStringField(_l("What changed (for the history)"), validators=[Length(max=200)])

    @classmethod
    def for_editing(cls, base, token: str) -> "RubricForm":
        """Filled from the version the editor starts from (the draft, else the published one)."""
        form = cls(formdata=None)
        form.title.data, form.pass_percent.data = base.title, base.pass_percent
        form.source.data = to_yaml(base.structure)
        form.lock_version.data = token
        return form

    def draft(self) -> dict:
        """What `rubrics.save_from_editor` takes from the posted editor."""
        return {
            "token": str(self.lock_version.data or ""),
            "title": self.title.data,
            "pass_percent": self.pass_percent.data,
            "source": self.source.data,
        }


class NewRubricForm(PortalForm):
    slug = CleanStringField(
        _l("Short name for links"),
        validators=[
            InputRequired(),
            Length(max=80),
            Regexp(
                r"^[a-z0-9][a-z0-9-]*$", message=_l("Use lowercase letters, digits and hyphens.")
            ),
        ],
    )
    title = CleanStringField(_l("Title"), validators=[InputRequired(), Length(max=200), NoMarkup()])

    def validate_slug(self, field):
        if find_rubric(field.data) is not None:
            raise ValidationError(_l("Another rubric already uses this short name."))


class CalibrationForm(PortalForm):
    title = CleanStringField(_l("Title"), validators=[InputRequired(), Length(max=200), NoMarkup()])
    rubric_version_id = SelectField(_l("Rubric"), coerce=int, validators=[InputRequired()])
    interactions = SelectMultipleField(
        _l("Interactions to score"), coerce=int, validators=[InputRequired()], **CHECKBOXES
    )
    reviewers = SelectMultipleField(
        _l("Reviewers"), coerce=int, validators=[InputRequired()], **CHECKBOXES
    )
    benchmark_id = SelectField(_l("Benchmark reviewer (expert)"), coerce=int, default=0)

    def __init__(self, *args, versions=(), interactions=(), reviewers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.versions = {v.id: v for v in versions}
        self.rubric_version_id.choices = [(v.id, v.title) for v in versions]
        self.offered = {i.id: i for i in interactions}
        self.interactions.choices = [
            (i.id, f"#{i.id} · {i.agent.name} · {i.customer_ref or i.channel}")
            for i in interactions
        ]
        self.reviewers.choices = [(u.id, u.name) for u in reviewers]
        self.benchmark_id.choices = [(0, "—")] + [(u.id, u.name) for u in reviewers]

    def validate_reviewers(self, field):
        if len(set(field.data or ()) | ({self.benchmark_id.data} - {0, None})) < 2:
            raise ValidationError(_l("A calibration needs at least two reviewers."))

    def session(self) -> dict:
        """What `calibration.create_session` takes from the form."""
        return {
            "title": self.title.data,
            "version": self.versions[self.rubric_version_id.data],
            "interactions": [self.offered[i] for i in self.interactions.data],
            "reviewer_ids": self.reviewers.data,
            "benchmark_id": self.benchmark_id.data or None,
        }


class CoachingForm(PortalForm):
    body = CleanTextAreaField(_l("What to work on"), validators=[InputRequired(), Length(max=5000)])
    criteria = SelectMultipleField(_l("Criteria concerned"), **CHECKBOXES)
    refreshers = SelectMultipleField(_l("Refresher to assign"), **CHECKBOXES)
    due_in_days = IntegerField(
        _l("Due in (days)"), default=7, validators=[InputRequired(), NumberRange(1, 90)]
    )


def small_number(raw) -> int | None:
    """A scale value typed or chosen in a form; anything odd is no value."""
    raw = (raw or "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 4 else None


class _TextWithin:
    """A text no longer than `limit`, refused with what was typed kept (never cut)."""

    def __init__(self, limit: int, what):
        self.limit, self.what = limit, what

    def __call__(self, form, field):
        problem = too_long(field.data, self.limit, self.what)
        if problem:
            raise ValidationError(problem)


def _value_choices(criterion: dict) -> list[tuple[str, str]]:
    """A value on the criterion's scale as a form sends it ("" none, "na" N/A)."""
    values = [("", "—"), *((str(v), str(v)) for v in scale_values(criterion["scale"]))]
    return values + ([("na", "N/A")] if criterion.get("na_allowed") else [])


def _value_of(raw: str) -> tuple[int | None, bool]:
    return (None, True) if raw == "na" else (small_number(raw), False)


class DisputeForm(PortalForm):
    """An agent's dispute of a submitted review: the criteria disagreed with
    (`criteria`), and per criterion why (`reason-<key>`) and, optionally, what it
    should be (`proposed-<key>`). Built per rubric by `for_review`."""

    criteria = SelectMultipleField(
        validators=[InputRequired(_l("Choose at least one criterion you disagree with."))]
    )

    @classmethod
    def for_review(cls, review, **kwargs) -> "DisputeForm":
        rubric = criteria_of(review.rubric_version.structure)
        fields = {}
        for key, criterion in rubric.items():
            why = _l("The reason for “%(c)s”", c=criterion["title"])
            fields[f"reason-{key}"] = CleanTextAreaField(
                validators=[_TextWithin(TEXT_LIMITS["reason"], why)]
            )
            fields[f"proposed-{key}"] = SelectField(choices=_value_choices(criterion), default="")
        form = type("DisputeForm", (cls,), fields)(**kwargs)
        form.rubric = rubric
        form.criteria.choices = [(key, c["title"]) for key, c in rubric.items()]
        return form

    def validate_criteria(self, field):
        unexplained = [
            self.rubric[key]["title"]
            for key in field.data or ()
            if key in self.rubric and not (self[f"reason-{key}"].data or "").strip()
        ]
        if unexplained:
            raise ValidationError(_l("Say why for “%(c)s”.", c=", ".join(unexplained)))

    def items(self) -> list[DisputedCriterion]:
        chosen = []
        for key in self.criteria.data:
            value, na = _value_of(self[f"proposed-{key}"].data or "")
            reason = self[f"reason-{key}"].data or ""
            chosen.append(DisputedCriterion(key, reason, proposed_value=value, proposed_na=na))
        return chosen


class DecisionForm(PortalForm):
    """A decision on a dispute: accept or reject each disputed criterion
    (`decision-<item id>`), optionally with another value than the agent proposed
    (`value-<item id>`), and a note for the agent. Built per dispute by `for_dispute`."""

    note = CleanTextAreaField(validators=[_TextWithin(TEXT_LIMITS["reason"], _l("The note"))])

    @classmethod
    def for_dispute(cls, dispute, review, **kwargs) -> "DecisionForm":
        rubric = criteria_of(review.rubric_version.structure)
        required = InputRequired(_l("Decide every disputed criterion."))
        fields = {}
        for item in dispute.items:
            fields[f"decision-{item.id}"] = RadioField(
                choices=[("accept", _l("Accept")), ("reject", _l("Reject"))],
                validators=[required],
            )
            fields[f"value-{item.id}"] = SelectField(
                choices=_value_choices(rubric[item.criterion_key]), default=""
            )
        form = type("DecisionForm", (cls,), fields)(**kwargs)
        form.dispute = dispute
        return form

    def decisions(self) -> dict[int, Decision]:
        decided = {}
        for item in self.dispute.items:
            value, na = _value_of(self[f"value-{item.id}"].data or "")
            accept = self[f"decision-{item.id}"].data == "accept"
            decided[item.id] = Decision(accept=accept, value=value, na=na)
        return decided


def coaching_form_for(review, **kwargs) -> CoachingForm:
    """The coaching form of a review: its criteria, and as refreshers its step, the
    call scripts and the quizzes; unposted, the two weakest criteria are ticked."""
    form = CoachingForm(**kwargs)
    criteria = criteria_of(review.rubric_version.structure)
    form.criteria.choices = [(k, c["title"]) for k, c in criteria.items()]
    choices = []
    kinds = item_kinds()
    step_id = review.interaction.step_id
    if step_id and "playbook_step" in kinds:
        titles = dict(kinds["playbook_step"].choices())
        choices.append((f"playbook_step:{step_id}", titles.get(step_id, "?")))
    for code, label in (("call_script", _l("Call script")), ("quiz", _l("Quiz"))):
        if code in kinds:
            choices.extend(
                (f"{code}:{ref}", f"{label}: {title}") for ref, title in kinds[code].choices()
            )
    form.refreshers.choices = choices
    if kwargs.get("formdata", True) is None:
        weakest = sorted(
            (s for s in review.scores if s.percent is not None), key=lambda s: s.percent
        )
        form.criteria.data = [s.criterion_key for s in weakest[:2] if s.percent < 1]
    return form


def refreshers_of(form: CoachingForm) -> list[tuple[str, int]]:
    """("call_script", 12) pairs from the ticked `kind:id` choices (validated by choice)."""
    return [
        (kind, int(ref)) for kind, _sep, ref in (c.partition(":") for c in form.refreshers.data)
    ]
