"""The scoring rules with worked examples (the README's "Scoring" section)."""

import pytest

from reviews.agreement import alpha as alpha_interval
from reviews.scoring import Given, check_structure, criterion_percent, score

RUBRIC = {
    "sections": [
        {
            "key": "A",
            "weight": 50,
            "criteria": [
                {"key": "a1", "scale": "1-5"},
                {"key": "a2", "scale": "yes_no", "na_allowed": True},
                {"key": "a3", "scale": "0-10", "critical": "section"},
            ],
        },
        {
            "key": "B",
            "weight": 30,
            "criteria": [
                {"key": "b1", "scale": "1-3", "na_allowed": True},
                {"key": "b2", "scale": "1-5", "na_allowed": True},
            ],
        },
        {
            "key": "C",
            "weight": 20,
            "criteria": [{"key": "c1", "scale": "yes_no", "critical": "all"}],
        },
    ]
}
ALL_GOOD = {
    "a1": Given(4),  # (4 − 1) / (5 − 1) = 0.75
    "a2": Given(1),  # 1
    "a3": Given(8),  # 0.8
    "b1": Given(2),  # 0.5
    "b2": Given(5),  # 1
    "c1": Given(1),  # 1
}


def test_criterion_percent_is_the_position_on_its_scale():
    assert criterion_percent("1-5", 3) == 0.5
    assert criterion_percent("0-10", 7) == pytest.approx(0.7)
    assert criterion_percent("1-3", 1) == 0
    assert criterion_percent("yes_no", 1) == 1


def test_worked_example_every_criterion_scored():
    result = score(RUBRIC, ALL_GOOD, pass_percent=80)
    # A = (0.75 + 1 + 0.8) / 3 = 85 %; B = (0.5 + 1) / 2 = 75 %; C = 100 %
    assert result.sections == pytest.approx({"A": 85.0, "B": 75.0, "C": 100.0})
    # (85 × 50 + 75 × 30 + 100 × 20) / 100 = 85
    assert result.percent == pytest.approx(85.0)
    assert result.passed is True and result.critical is None and result.complete


def test_na_criteria_leave_the_sum_and_an_all_na_section_gives_its_weight_away():
    given = {**ALL_GOOD, "a2": Given(na=True), "b1": Given(na=True), "b2": Given(na=True)}
    result = score(RUBRIC, given, pass_percent=80)
    # A = (0.75 + 0.8) / 2 = 77.5 %; B is left out; C = 100 %
    assert result.sections["A"] == pytest.approx(77.5)
    assert result.sections["B"] is None
    # (77.5 × 50 + 100 × 20) / 70 = 83.93
    assert result.percent == pytest.approx(5875 / 70)
    assert result.criteria["a2"] is None


def test_na_is_refused_where_the_rubric_does_not_allow_it():
    result = score(RUBRIC, {**ALL_GOOD, "a1": Given(na=True)}, pass_percent=80)
    assert "a1" in result.missing and not result.complete


def test_a_critical_criterion_at_its_minimum_fails_its_section():
    result = score(RUBRIC, {**ALL_GOOD, "a3": Given(0)}, pass_percent=80)
    # A = 0; (0 × 50 + 75 × 30 + 100 × 20) / 100 = 42.5
    assert result.sections["A"] == 0 and result.failed_sections == ["A"]
    assert result.percent == pytest.approx(42.5)
    assert result.critical == "section" and result.passed is False


def test_fail_all_takes_precedence_over_fail_section():
    result = score(RUBRIC, {**ALL_GOOD, "a3": Given(0), "c1": Given(0)}, pass_percent=80)
    assert result.percent == 0 and result.passed is False and result.critical == "all"


def test_fail_section_takes_precedence_over_na():
    rubric = {
        "sections": [
            {
                "key": "X",
                "weight": 1,
                "criteria": [
                    {"key": "x1", "scale": "yes_no", "critical": "section"},
                    {"key": "x2", "scale": "1-5", "na_allowed": True},
                ],
            },
            {"key": "Y", "weight": 1, "criteria": [{"key": "y1", "scale": "1-5"}]},
        ]
    }
    result = score(rubric, {"x1": Given(0), "x2": Given(na=True), "y1": Given(5)}, 80)
    # X counts as 0 (not left out): (0 + 100) / 2 = 50, not 100.
    assert result.sections["X"] == 0 and result.percent == pytest.approx(50)


def test_a_critical_criterion_above_its_minimum_does_not_fail():
    result = score(RUBRIC, {**ALL_GOOD, "a3": Given(1)}, pass_percent=80)
    assert result.critical is None and result.sections["A"] == pytest.approx(
        100 * (0.75 + 1 + 0.1) / 3
    )


def test_criterion_weights_and_the_pass_mark_boundary():
    rubric = {
        "sections": [
            {
                "key": "S",
                "weight": 1,
                "criteria": [
                    {"key": "heavy", "scale": "1-5", "weight": 3},
                    {"key": "light", "scale": "yes_no", "weight": 1},
                ],
            }
        ]
    }
    # (0.5 × 3 + 1 × 1) / 4 = 62.5 %
    result = score(rubric, {"heavy": Given(3), "light": Given(1)}, pass_percent=62.5)
    assert result.percent == pytest.approx(62.5) and result.passed is True


def test_the_live_score_counts_only_what_is_set_so_far():
    result = score(RUBRIC, {"a1": Given(5)}, pass_percent=80)
    assert result.percent == 100 and len(result.missing) == 5 and not result.complete
    assert score(RUBRIC, {}, pass_percent=80).percent is None


def test_rubric_structures_are_checked():
    assert check_structure(RUBRIC) == []
    broken = {
        "sections": [
            {
                "key": "S",
                "weight": 0,
                "criteria": [
                    {"key": "k", "scale": "1_7"},
                    {"key": "k", "scale": "1-5", "critical": "maybe"},
                ],
            }
        ]
    }
    # A zero weight, an unknown scale, a key used twice, an unknown critical effect.
    assert len(check_structure(broken)) == 4


# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the
# worked example of four observers and twelve units with missing values.
RELIABILITY_DATA = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]


def test_krippendorffs_alpha_matches_the_published_interval_value():
    assert alpha_interval(RELIABILITY_DATA) == pytest.approx(0.849, abs=0.0005)


def test_alpha_matches_the_published_nominal_and_ordinal_values():
    # Krippendorff (2011), "Computing Krippendorff's alpha-reliability", the same data.
    assert alpha_interval(RELIABILITY_DATA, "nominal") == pytest.approx(0.743, abs=0.0005)
    assert alpha_interval(RELIABILITY_DATA, "ordinal") == pytest.approx(0.815, abs=0.0005)


def test_alpha_is_undefined_without_disagreement_or_pairs():
    assert alpha_interval([[80.0, 80.0], [80.0, 80.0]]) is None
    assert alpha_interval([[50.0, None], [None, 70.0]]) is None
    assert alpha_interval([[50.0, 70.0]]) is None


def test_a_score_exactly_on_the_pass_mark_passes():
    rubric = {
        "sections": [
            {"key": "A", "weight": 50, "criteria": [{"key": "a", "scale": "1-5"}]},
            {
                "key": "B",
                "weight": 50,
                "criteria": [{"key": "b1", "scale": "0-10"}, {"key": "b2", "scale": "0-10"}],
            },
        ]
    }
    # A = 75, B = 65: (75 + 65) / 2 = 70 on paper, 69.99999999999999 in floating point.
    result = score(rubric, {"a": Given(4), "b1": Given(6), "b2": Given(7)}, pass_percent=70)
    assert result.percent == 70 and result.passed is True


def test_weights_and_keys_are_checked():
    bad = {
        "sections": [
            {
                "key": "S",
                "weight": 1,
                "criteria": [
                    {"key": "k", "scale": "1-5", "weight": "abc"},
                    {"key": "x" * 61, "scale": "1-5", "weight": -1},
                ],
            },
            {"key": "S", "weight": 1, "criteria": [{"key": "z", "scale": "1-5"}]},
        ]
    }
    problems = check_structure(bad)
    # Two bad weights, a key too long, a section key used twice.
    assert len(problems) == 4 and any("x" * 61 in p for p in problems)
