"""Agreement measures: Krippendorff's alpha (the krippendorff package) between
reviewers in calibration, and between the automatic checks and the people, per
criterion, so a team knows how far to trust each suggestion.

Machine and people: every submitted review keeps, beside each final value, what
the checks suggested (reviews/auto_checks.py). Per criterion: how many reviews had
a suggestion, the share whose final value equals it, and alpha with the machine
as one more coder (ordinal on 1–3, 1–5 and 0–10 scales; nominal on yes/no).
"""

import math
from collections import defaultdict
from dataclasses import dataclass

import krippendorff
import numpy as np
from sqlalchemy import select

from portal.core.extensions import db
from reviews.models import SCORED, CriterionScore, Review, RubricVersion
from reviews.rubrics import criteria_of

MACHINE = 0  # the automatic checks, as a coder beside the reviewers' ids


def alpha(matrix: list[list[float | None]], level: str = "interval") -> float | None:
    """Krippendorff's alpha for coders × units, None for a missing value.

    None when it is undefined: fewer than two values in any unit, or no
    variation at all (everyone gave the same value everywhere).
    """
    data = np.array([[np.nan if v is None else v for v in row] for row in matrix], dtype=float)
    pairable = np.sum(np.sum(~np.isnan(data), axis=0) >= 2) if data.size else 0
    values = data[~np.isnan(data)]
    if len(matrix) < 2 or pairable == 0 or len(set(values.tolist())) < 2:
        return None
    try:
        value = krippendorff.alpha(reliability_data=data, level_of_measurement=level)
    except (ValueError, ZeroDivisionError):
        return None
    return None if math.isnan(value) else float(value)


def level_of(criterion: dict) -> str:
    return "nominal" if criterion["scale"] == "yes_no" else "ordinal"


@dataclass
class CheckAgreement:
    key: str
    title: str
    checks: list[str]  # the automatic checks the criterion names
    n: int  # final values that had a suggestion
    equal: float | None  # share of them equal to it, 0..1
    alpha: float | None


def _line(criterion: dict, pairs: list[tuple[int, int]], matrix) -> CheckAgreement:
    return CheckAgreement(
        key=criterion["key"],
        title=criterion["title"],
        checks=[rule["check"] for rule in criterion.get("auto") or []],
        n=len(pairs),
        equal=sum(s == v for s, v in pairs) / len(pairs) if pairs else None,
        alpha=alpha(matrix, level_of(criterion)) if pairs else None,
    )


def of_rubric(version: RubricVersion) -> list[CheckAgreement]:
    """Per automatically checked criterion of this version, over every scored review
    of any version of its rubric (a criterion keeps its key across versions)."""
    criteria = [c for c in criteria_of(version.structure).values() if c.get("auto")]
    if not criteria:
        return []
    pairs: dict[str, list[tuple[int, int]]] = defaultdict(list)
    rows = db.session.execute(
        select(CriterionScore.criterion_key, CriterionScore.suggested_value, CriterionScore.value)
        .join(Review, Review.id == CriterionScore.review_id)
        .join(RubricVersion, RubricVersion.id == Review.rubric_version_id)
        .where(
            RubricVersion.rubric_id == version.rubric_id,
            Review.state.in_(SCORED),
            CriterionScore.suggested_value.is_not(None),
            CriterionScore.value.is_not(None),
            CriterionScore.criterion_key.in_([c["key"] for c in criteria]),
        )
    )
    for key, suggested, value in rows:
        pairs[key].append((suggested, value))
    return [
        _line(
            c, pairs[c["key"]], [[s for s, _v in pairs[c["key"]]], [v for _s, v in pairs[c["key"]]]]
        )
        for c in criteria
    ]


def of_calibration(structure: dict, reviews: list[Review]) -> list[CheckAgreement]:
    """The same on a calibration's reviews: units are its interactions, coders the
    machine and each reviewer (the machine's value: what was suggested on the call)."""
    criteria = [c for c in criteria_of(structure).values() if c.get("auto")]
    scored = [r for r in reviews if r.state in SCORED]
    units = sorted({r.interaction_id for r in scored})
    people = sorted({r.reviewer_id for r in scored})
    lines = []
    for criterion in criteria:
        given: dict[tuple[int, int], int] = {}
        for review in scored:
            row = next((s for s in review.scores if s.criterion_key == criterion["key"]), None)
            if row is None or row.value is None:
                continue
            given[(review.reviewer_id, review.interaction_id)] = row.value
            if row.suggested_value is not None:
                given.setdefault((MACHINE, review.interaction_id), row.suggested_value)
        pairs = [
            (given[(MACHINE, unit)], given[(person, unit)])
            for unit in units
            for person in people
            if (MACHINE, unit) in given and (person, unit) in given
        ]
        matrix = [[given.get((coder, unit)) for unit in units] for coder in [MACHINE, *people]]
        lines.append(_line(criterion, pairs, matrix))
    return lines
