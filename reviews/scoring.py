"""How a review is scored; the README's "Scoring" section says the same in words.

- criterion % = (value − scale min) / (scale max − scale min);
- criterion points = criterion % × criterion weight (weight 1 unless set),
  its maximum = its weight;
- section % = Σ criterion points / Σ criterion maxima over the criteria not
  marked N/A; a section whose criteria are all N/A is left out and its weight
  shared among the others;
- review % = Σ (section % × section weight) / Σ weights of the sections counted;
- a critical criterion scored at its scale's minimum fails its section
  (section % = 0) or the whole review (review % = 0, outcome fail), as the
  rubric says. Fail-all wins over fail-section, which wins over N/A: a section
  failed by a critical criterion counts as 0 even if everything else in it
  is N/A;
- outcome: pass when review % ≥ the rubric's pass mark.

Pure functions: no database, so the rules are tested with worked examples.
(Only the rubric check speaks to people, through Flask-Babel.)
"""

import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

SCALES = {"yes_no": (0, 1), "1-3": (1, 3), "1-5": (1, 5), "0-10": (0, 10)}
FAIL_SECTION, FAIL_ALL = "section", "all"


@dataclass(frozen=True)
class Given:
    """What the reviewer set for one criterion: a value on its scale, or N/A."""

    value: int | None = None
    na: bool = False


@dataclass
class Result:
    percent: float | None  # review %, 0..100; None when nothing counts yet
    passed: bool | None
    critical: str | None  # None, "section" or "all"
    sections: dict[str, float | None] = field(default_factory=dict)  # None: left out
    criteria: dict[str, float | None] = field(default_factory=dict)  # 0..1, None: N/A
    missing: list[str] = field(default_factory=list)  # criteria neither scored nor N/A
    failed_sections: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.missing


def criterion_percent(scale: str, value: int) -> float:
    low, high = SCALES[scale]
    return (value - low) / (high - low)


def valid_value(criterion: dict, given: Given) -> bool:
    if given.na:
        return bool(criterion.get("na_allowed"))
    if given.value is None:
        return True
    low, high = SCALES[criterion["scale"]]
    return low <= given.value <= high


def score(structure: dict, given: dict[str, Given], pass_percent: float) -> Result:
    """Score what is given so far; criteria not yet answered are listed in `missing`
    and left out of the sums (the live score while a reviewer works)."""
    result = Result(percent=None, passed=None, critical=None)
    weighted, weights = 0.0, 0.0
    for section in structure.get("sections", []):
        points, maximum, section_failed, unanswered = 0.0, 0.0, False, False
        for criterion in section["criteria"]:
            key = criterion["key"]
            answer = given.get(key, Given())
            if answer.na and criterion.get("na_allowed"):
                result.criteria[key] = None
                continue
            if answer.value is None:
                result.missing.append(key)
                unanswered = True
                continue
            share = criterion_percent(criterion["scale"], answer.value)
            result.criteria[key] = share
            weight = float(criterion.get("weight", 1))
            points += share * weight
            maximum += weight
            if criterion.get("critical") and answer.value == SCALES[criterion["scale"]][0]:
                if criterion["critical"] == FAIL_ALL:
                    result.critical = FAIL_ALL
                else:
                    section_failed = True
        if section_failed:
            result.sections[section["key"]] = 0.0
            result.failed_sections.append(section["key"])
            if result.critical is None:
                result.critical = FAIL_SECTION
        elif maximum:
            result.sections[section["key"]] = 100 * points / maximum
        elif unanswered:
            continue  # not scored yet: no figure, and no weight taken
        else:
            result.sections[section["key"]] = None  # all N/A: left out, weight shared
            continue
        weighted += result.sections[section["key"]] * float(section.get("weight", 1))
        weights += float(section.get("weight", 1))
    if result.critical == FAIL_ALL:
        result.percent, result.passed = 0.0, False
    elif weights:
        # Rounded so a score that is exactly the pass mark on paper (70) is not
        # 69.99999999999999 in floating point and a fail.
        result.percent = round(weighted / weights, 6)
        result.passed = result.percent >= pass_percent
    return result


_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,59}$")


def _positive(weight) -> bool:
    return isinstance(weight, int | float) and not isinstance(weight, bool) and 0 < weight <= 1000


def check_structure(structure: dict) -> list[str]:
    """Problems that make a rubric unusable, in words an admin understands."""
    problems = []
    sections = structure.get("sections") or []
    if not sections:
        problems.append(str(_l("A rubric needs at least one section.")))
    keys, section_keys = set(), set()
    for section in sections:
        title = section.get("title", "?")
        if not section.get("criteria"):
            problems.append(str(_l("Section “%(s)s” has no criteria.", s=title)))
        if not _positive(section.get("weight", 1)):
            problems.append(str(_l("Section “%(s)s” needs a weight above 0.", s=title)))
        if not _KEY.match(str(section.get("key") or "")) or section.get("key") in section_keys:
            problems.append(
                str(
                    _l(
                        "Section key “%(k)s” is missing, used twice or too long.",
                        k=section.get("key"),
                    )
                )
            )
        section_keys.add(section.get("key"))
        for criterion in section.get("criteria") or []:
            key = criterion.get("key")
            if not _KEY.match(str(key or "")) or key in keys:
                problems.append(
                    str(_l("Criterion key “%(k)s” is missing, used twice or too long.", k=key))
                )
            keys.add(key)
            if not _positive(criterion.get("weight", 1)):
                problems.append(str(_l("Criterion “%(k)s” needs a weight above 0.", k=key)))
            if criterion.get("scale") not in SCALES:
                problems.append(
                    str(_l("Criterion “%(k)s”: the scale must be yes_no, 1-3, 1-5 or 0-10.", k=key))
                )
            if criterion.get("critical") not in (None, FAIL_SECTION, FAIL_ALL):
                problems.append(
                    str(_l("Criterion “%(k)s”: critical must be “section” or “all”.", k=key))
                )
    return problems
