"""The rubric as the scoring form draws it: each criterion's choices with their
labels and guidance, worked out once per rubric version and language.

The review page is a supervisor's busiest page, and walking the rubric's JSON in
the template (a dictionary lookup per attribute, a filter per choice) was most of
its rendering. A version's structure never changes under the same lock version,
so what the form needs of it is kept per process, keyed by both."""

from dataclasses import dataclass

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from reviews.rubrics import scale_values

SCALE_LABELS = {
    "yes_no": {0: _l("No"), 1: _l("Yes")},
}
_KEPT = 256  # versions × languages a process keeps; far more than are in use


@dataclass(frozen=True)
class Choice:
    value: str  # as the form sends it: "1".."5", "0"/"1", "na"
    label: str
    guidance: str


@dataclass(frozen=True)
class FormCriterion:
    key: str
    title: str
    critical: str | None
    choices: tuple[Choice, ...]  # N/A last, when allowed
    guidance: tuple[tuple[str, str], ...]  # (level's label, words)


@dataclass(frozen=True)
class FormSection:
    title: str
    weight: float
    criteria: tuple[FormCriterion, ...]


_forms: dict[tuple, tuple[FormSection, ...]] = {}


def level_label(scale: str, level: int) -> str:
    labels = SCALE_LABELS.get(scale)
    return str(labels[level]) if labels else str(level)


def scoring_form(version) -> tuple[FormSection, ...]:
    key = (version.id, version.lock_version, str(get_locale()))
    form = _forms.get(key)
    if form is None:
        if len(_forms) >= _KEPT:
            _forms.clear()
        form = _forms[key] = tuple(_section(s) for s in version.structure["sections"])
    return form


def _section(section: dict) -> FormSection:
    return FormSection(
        title=section["title"],
        weight=section["weight"],
        criteria=tuple(_criterion(c) for c in section["criteria"]),
    )


def _criterion(criterion: dict) -> FormCriterion:
    scale, guidance = criterion["scale"], criterion.get("guidance") or {}
    choices = [
        Choice(str(v), level_label(scale, v), guidance.get(str(v), "")) for v in scale_values(scale)
    ]
    if criterion.get("na_allowed"):
        choices.append(Choice("na", _("N/A"), ""))
    return FormCriterion(
        key=criterion["key"],
        title=criterion["title"],
        critical=criterion.get("critical"),
        choices=tuple(choices),
        guidance=tuple(
            (level_label(scale, int(level)), words) for level, words in guidance.items()
        ),
    )
