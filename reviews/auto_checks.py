"""Suggested scores: a rubric criterion may name automatic checks and how each
check's result maps to a value on its scale; a person decides every score.

In the rubric (YAML), under a criterion:

    auto:
      - check: hold_announced        # a yes/no check
        found: 3
        missing: 1
      - check: dead_air_10s          # a figure: a count, seconds or a percent
        at_least: {2: 1, 1: 2}       # the highest threshold the figure reaches wins
      - check: script_coverage
        up_to: {40: 1, 70: 3}        # the lowest threshold the figure does not pass
        otherwise: 5                 # when no threshold applies (none: no suggestion)

With several rules, the suggestion is the lowest value any of them gives (the
worst signal wins: a suggestion should make a reviewer look, not reassure them),
and its evidence is what the rules giving that value found.

The names are the vocabulary of rubrics, so they are defined here; the automatic
QA (autoqa/figures.py) works out each name's figure for a call and hands it over
through `register_figures`, so reviews does not import it.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l

from reviews.scoring import SCALES, Given, Result, score

FLAG, COUNT, SECONDS, PERCENT = "flag", "count", "seconds", "percent"


@dataclass(frozen=True)
class AutoCheck:
    kind: str
    label: object  # a lazy string


CHECKS = {
    "greeting": AutoCheck(FLAG, _l("Greets the customer in the first seconds")),
    "introduction": AutoCheck(FLAG, _l("Says who they are and where from")),
    "addressing": AutoCheck(FLAG, _l("Addresses the customer (anh/chị, their name)")),
    "opening": AutoCheck(COUNT, _l("Parts of the opening said (greeting, name, addressing)")),
    "closing": AutoCheck(COUNT, _l("Parts of the closing said (thanks, anything else, next step)")),
    "hold_announced": AutoCheck(FLAG, _l("Announces the hold before it")),
    "dont_say": AutoCheck(COUNT, _l("“Don't say” phrases used")),
    "script_coverage": AutoCheck(PERCENT, _l("Script lines said")),
    "dead_air_5s": AutoCheck(COUNT, _l("Silences over 5 s")),
    "dead_air_10s": AutoCheck(COUNT, _l("Silences over 10 s")),
    "longest_silence": AutoCheck(SECONDS, _l("Longest silence")),
    "agent_interruptions": AutoCheck(COUNT, _l("Times the agent talked over the customer")),
    "first_word": AutoCheck(SECONDS, _l("Time to the agent's first word")),
    "response_median": AutoCheck(SECONDS, _l("Agent's median response time")),
}


@dataclass(frozen=True)
class Evidence:
    at: float | None = None  # seconds into the call
    words: str = ""


@dataclass(frozen=True)
class Figure:
    """A check's result for one call: True/False for a flag, a number otherwise."""

    value: bool | float
    evidence: tuple[Evidence, ...] = ()


@dataclass
class Suggestion:
    value: int
    reasons: list[dict] = field(default_factory=list)  # {check, figure, at, words}


def check_label(name: str) -> str:
    known = CHECKS.get(name)
    return str(known.label) if known else name


def check_kind(name: str) -> str | None:
    known = CHECKS.get(name)
    return known.kind if known else None


# --- the rubric's rules -------------------------------------------------------------------


def _pairs(mapping) -> list[list[float]]:
    """{threshold: value} from YAML, or [[threshold, value]] as stored (JSON keeps no
    number keys), as [[threshold, value]]."""
    items = mapping.items() if isinstance(mapping, dict) else mapping
    return [[float(threshold), int(value)] for threshold, value in items]


def normalize(raw) -> list[dict]:
    """A criterion's `auto` from the pack or the editor, as stored in the structure."""
    if not raw:
        return []
    rules = []
    for rule in raw if isinstance(raw, list) else [raw]:
        kept = {"check": str(rule.get("check") or "")}
        for key in ("found", "missing", "otherwise"):
            if rule.get(key) is not None:
                kept[key] = int(rule[key])
        for key in ("at_least", "up_to"):
            if rule.get(key):
                kept[key] = _pairs(rule[key])
        rules.append(kept)
    return rules


def check_rules(criterion: dict) -> list[str]:
    """What is wrong with a criterion's automatic rules, in words an admin reads."""
    problems, key = [], criterion.get("key")
    low, high = SCALES.get(criterion.get("scale"), (None, None))
    for rule in criterion.get("auto") or []:
        known = CHECKS.get(rule["check"])
        if known is None:
            problems.append(
                str(
                    _l(
                        "Criterion “%(k)s”: no automatic check is called “%(c)s”.",
                        k=key,
                        c=rule["check"],
                    )
                )
            )
            continue
        values = [rule.get("found"), rule.get("missing"), rule.get("otherwise")]
        values += [
            v for pairs in (rule.get("at_least"), rule.get("up_to")) for _t, v in pairs or []
        ]
        if low is not None and any(v is not None and not low <= v <= high for v in values):
            problems.append(
                str(_l("Criterion “%(k)s”: a suggested value is off its scale.", k=key))
            )
        if known.kind == FLAG and not ({"found", "missing"} & rule.keys()):
            problems.append(
                str(
                    _l(
                        "Criterion “%(k)s”: say the value when “%(c)s” is found or missing.",
                        k=key,
                        c=rule["check"],
                    )
                )
            )
        if known.kind != FLAG and ("at_least" in rule) == ("up_to" in rule):
            problems.append(
                str(
                    _l(
                        "Criterion “%(k)s”: give “%(c)s” either at_least or up_to thresholds.",
                        k=key,
                        c=rule["check"],
                    )
                )
            )
    return problems


def rule_value(rule: dict, figure: Figure | None) -> int | None:
    if figure is None or figure.value is None:
        return None
    if CHECKS[rule["check"]].kind == FLAG:
        return rule.get("found") if figure.value else rule.get("missing")
    number = float(figure.value)
    if "at_least" in rule:
        reached = [v for t, v in sorted(rule["at_least"], reverse=True) if number >= t]
    else:
        reached = [v for t, v in sorted(rule["up_to"]) if number <= t]
    return reached[0] if reached else rule.get("otherwise")


def suggest(criterion: dict, figures: dict[str, Figure]) -> Suggestion | None:
    given = []
    for rule in criterion.get("auto") or []:
        figure = figures.get(rule["check"])
        value = rule_value(rule, figure)
        if value is not None:
            given.append((value, rule["check"], figure))
    if not given:
        return None
    lowest = min(value for value, _c, _f in given)
    reasons = [
        {"check": check, "figure": figure.value, "at": e.at, "words": e.words}
        for value, check, figure in given
        if value == lowest
        for e in (figure.evidence or (Evidence(),))
    ]
    return Suggestion(lowest, reasons)


def suggestions(structure: dict, figures: dict[str, Figure]) -> dict[str, Suggestion]:
    """Every criterion's suggestion for a call whose checks gave these figures."""
    found = {}
    for section in structure.get("sections", []):
        for criterion in section["criteria"]:
            suggestion = suggest(criterion, figures)
            if suggestion is not None:
                found[criterion["key"]] = suggestion
    return found


def auto_score(structure: dict, suggested: dict[str, Suggestion], pass_percent: float) -> Result:
    """The auto-QA score: the rubric scored on the criteria that have a suggestion
    only, by the same rules as a person's review (sections without one left out)."""
    sections = [
        {**s, "criteria": [c for c in s["criteria"] if c["key"] in suggested]}
        for s in structure.get("sections", [])
    ]
    part = {"sections": [s for s in sections if s["criteria"]]}
    given = {key: Given(s.value) for key, s in suggested.items()}
    return score(part, given, pass_percent)


def is_automatic(structure: dict) -> bool:
    return any(c.get("auto") for s in structure.get("sections", []) for c in s["criteria"])


# --- the figures, from whoever measures the calls ------------------------------------------

FiguresOf = Callable[[object], dict[str, Figure]]


def register_figures(app: Flask, figures_of: FiguresOf) -> None:
    app.extensions["auto_check_figures"] = figures_of


def figures_for(interaction) -> dict[str, Figure]:
    figures_of = current_app.extensions.get("auto_check_figures")
    return figures_of(interaction) if figures_of else {}
