"""Marking each question type, with worked examples."""

import pytest

from quizzes.grading import grade, normalize_answer

FIVE_STEPS = {"items": ["Thu thập", "Phân nhóm", "Giới thiệu", "Tư vấn và chốt", "Bàn giao"]}


def choices(*correct):
    return {
        "choices": [{"text": str(i), "correct": c, "feedback": ""} for i, c in enumerate(correct)]
    }


def test_single_choice_and_true_false():
    data = choices(False, True, False)
    assert grade("single", data, 1) == 1.0
    assert grade("single", data, 0) == 0.0
    assert grade("true_false", choices(True, False), 0) == 1.0
    # Nothing chosen, out of range, or not an index: no marks, no crash.
    for response in (None, 7, -1, "1", True):
        assert grade("single", data, response) == 0.0


@pytest.mark.parametrize(
    "picked, expected",
    [
        ([0, 1], 1.0),  # both right ones
        ([0], 0.5),  # one of two right
        ([0, 1, 2], 1 - 1 / 3),  # both right, one of three wrong: 1 - 1/3
        ([0, 2], 0.5 - 1 / 3),  # 1/2 - 1/3
        ([2, 3], 0.0),  # only wrong picks: never below zero
        ([0, 1, 2, 3, 4], 0.0),  # ticking everything: 1 - 1 = 0
        ([], 0.0),
    ],
)
def test_multiple_choice_partial_credit(picked, expected):
    data = choices(True, True, False, False, False)
    assert grade("multiple", data, picked) == pytest.approx(expected)


def test_ordering_counts_items_in_their_right_place():
    assert grade("ordering", FIVE_STEPS, [0, 1, 2, 3, 4]) == 1.0
    assert grade("ordering", FIVE_STEPS, [1, 0, 2, 3, 4]) == pytest.approx(3 / 5)  # two swapped
    assert grade("ordering", FIVE_STEPS, [4, 3, 2, 1, 0]) == pytest.approx(1 / 5)  # only the middle
    assert grade("ordering", FIVE_STEPS, [0, 1]) == pytest.approx(2 / 5)  # unfinished


def test_matching_counts_right_pairs():
    data = {
        "pairs": [
            {"left": "NPS", "right": "giới thiệu"},
            {"left": "CSAT", "right": "hài lòng"},
            {"left": "FRT", "right": "phản hồi đầu"},
        ]
    }
    assert grade("matching", data, {"0": 0, "1": 1, "2": 2}) == 1.0
    assert grade("matching", data, {"0": 1, "1": 0, "2": 2}) == pytest.approx(1 / 3)
    assert grade("matching", data, {}) == 0.0


def test_short_answers_ignore_case_spacing_and_optionally_diacritics():
    nps = {"answers": ["45"], "diacritics_optional": True}
    assert grade("short_answer", nps, " 45 ") == 1.0
    assert grade("short_answer", nps, "45.") == 1.0
    assert grade("short_answer", nps, "-45") == 0.0
    term = {"answers": ["Chăm sóc khách hàng"], "diacritics_optional": True}
    assert grade("short_answer", term, "cham  soc KHACH hang") == 1.0
    strict = {"answers": ["Chăm sóc khách hàng"], "diacritics_optional": False}
    assert grade("short_answer", strict, "cham soc khach hang") == 0.0
    # Decomposed (NFD) input counts as the same text.
    import unicodedata

    assert grade("short_answer", strict, unicodedata.normalize("NFD", "chăm sóc khách hàng")) == 1.0
    assert grade("short_answer", term, "") == 0.0
    assert normalize_answer("  “Đúng!” ", diacritics_optional=True) == "dung"


def test_essays_wait_for_a_person():
    assert grade("essay", {"rubric": "..."}, "Một câu trả lời dài") is None
