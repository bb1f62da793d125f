"""A rubric criterion's automatic rules: how a check's result maps to a suggested
value, which rule wins, and what an admin is told when a rule is wrong."""

import pytest

from reviews import auto_checks
from reviews.auto_checks import Evidence, Figure, check_rules, normalize, rule_value, suggest
from reviews.rubrics import parse_yaml, to_yaml


def _criterion(auto, scale="1-5", key="k"):
    return {"key": key, "title": "T", "scale": scale, "auto": normalize(auto)}


def test_a_yes_no_check_maps_found_and_missing():
    rule = normalize({"check": "greeting", "found": 3, "missing": 1})[0]
    assert rule_value(rule, Figure(True)) == 3
    assert rule_value(rule, Figure(False)) == 1
    assert rule_value(rule, None) is None  # the call could not answer: no suggestion


@pytest.mark.parametrize(
    ("figure", "expected"),
    [(0, None), (1, 2), (1.5, 2), (2, 1), (7, 1)],
)
def test_at_least_takes_the_highest_threshold_reached(figure, expected):
    rule = normalize({"check": "dead_air_10s", "at_least": {2: 1, 1: 2}})[0]
    assert rule_value(rule, Figure(figure)) == expected


@pytest.mark.parametrize(
    ("figure", "expected"),
    [(10, 1), (40, 1), (40.1, 3), (70, 3), (71, 5), (100, 5)],
)
def test_up_to_takes_the_lowest_threshold_not_passed_and_otherwise_the_rest(figure, expected):
    rule = normalize({"check": "script_coverage", "up_to": {70: 3, 40: 1}, "otherwise": 5})[0]
    assert rule_value(rule, Figure(figure)) == expected


def test_the_worst_signal_wins_and_brings_its_evidence():
    criterion = _criterion(
        [
            {"check": "hold_announced", "found": 3, "missing": 1},
            {"check": "dead_air_10s", "at_least": {2: 1, 1: 2}},
        ],
        scale="1-3",
    )
    figures = {
        "hold_announced": Figure(True, (Evidence(40.0, "Anh chờ em một chút nhé"),)),
        "dead_air_10s": Figure(1, (Evidence(95.5),)),
    }
    found = suggest(criterion, figures)
    assert found.value == 2
    assert found.reasons == [{"check": "dead_air_10s", "figure": 1, "at": 95.5, "words": ""}]
    # Both rules at the same value: both reasons are shown.
    figures["hold_announced"] = Figure(False, (Evidence(120.0),))
    figures["dead_air_10s"] = Figure(3, (Evidence(10.0), Evidence(50.0)))
    found = suggest(criterion, figures)
    assert found.value == 1 and [r["at"] for r in found.reasons] == [120.0, 10.0, 50.0]
    assert suggest(criterion, {}) is None


def test_rules_an_admin_gets_wrong_are_named():
    assert check_rules(_criterion({"check": "greeting", "found": 5, "missing": 1})) == []
    problems = [
        check_rules(_criterion({"check": "smiles", "found": 1})),
        check_rules(_criterion({"check": "greeting", "found": 9}, scale="1-3")),
        check_rules(_criterion({"check": "greeting"})),
        check_rules(_criterion({"check": "dead_air_10s", "at_least": {1: 2}, "up_to": {0: 5}})),
        check_rules(_criterion({"check": "dead_air_10s", "otherwise": 2})),
    ]
    assert all(len(p) == 1 for p in problems), problems
    assert "smiles" in problems[0][0] and "thang điểm" in problems[1][0]


def test_the_editor_round_trips_the_rules_and_refuses_unreadable_ones(app):
    source = """
sections:
  - key: s
    title: S
    criteria:
      - key: mo-dau
        title: Mở đầu
        scale: "1-3"
        auto:
          check: opening
          at_least: {3: 3, 2: 2}
          otherwise: 1
"""
    structure, problems = parse_yaml(source)
    assert problems == []
    again, problems = parse_yaml(to_yaml(structure))  # stored pairs read back the same
    assert problems == [] and again == structure
    _broken, problems = parse_yaml(source.replace("otherwise: 1", "otherwise: một"))
    assert problems  # a word where a value belongs: refused with a message, not a crash


def test_the_auto_score_counts_only_the_criteria_with_a_suggestion():
    structure = {
        "sections": [
            {
                "key": "a",
                "weight": 1,
                "criteria": [{"key": "x", "scale": "1-5"}, {"key": "y", "scale": "1-5"}],
            },
            {"key": "b", "weight": 3, "criteria": [{"key": "z", "scale": "1-3"}]},
        ]
    }
    suggested = {"x": auto_checks.Suggestion(5), "z": auto_checks.Suggestion(2)}
    result = auto_checks.auto_score(structure, suggested, 80)
    # Section a: x alone, 100 %; section b: 50 %; weighted 1:3 → 62.5 %.
    assert result.percent == 62.5 and result.passed is False
    assert result.complete
