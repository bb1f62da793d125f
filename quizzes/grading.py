"""Marking one answer to one question version, on the server only.

Every function returns the fraction of the question's points earned, from
0 to 1, or None for an essay (a supervisor marks it by hand). Responses are
in terms of the original order of choices/items, whatever order they were
shown in (shuffling is a matter of display).
"""

import re
import unicodedata

from portal.core.text import fold

_EDGE_PUNCTUATION = re.compile(r"^[\s.,;:!?\"'“”‘’()]+|[\s.,;:!?\"'“”‘’()]+$")


def grade(question_type: str, data: dict, response) -> float | None:
    marker = _MARKERS[question_type]
    if response is None and question_type != "essay":
        return 0.0
    return marker(data, response)


def _single(data, response) -> float:
    choices = data["choices"]
    return 1.0 if _valid_index(response, choices) and choices[response]["correct"] else 0.0


def _multiple(data, response) -> float:
    """Each right pick earns 1/(number right); each wrong pick costs
    1/(number wrong); the total never goes below zero (nor above one)."""
    choices = data["choices"]
    picked = {i for i in (response or []) if _valid_index(i, choices)}
    right = [i for i, c in enumerate(choices) if c["correct"]]
    wrong = [i for i, c in enumerate(choices) if not c["correct"]]
    score = len(picked & set(right)) / len(right)
    if wrong:
        score -= len(picked & set(wrong)) / len(wrong)
    return min(1.0, max(0.0, score))


def _ordering(data, response) -> float:
    """Share of positions holding the right item (items are stored in the right order)."""
    count = len(data["items"])
    placed = list(response or [])[:count]
    return sum(1 for position, item in enumerate(placed) if item == position) / count


def _matching(data, response) -> float:
    """Share of left-hand entries matched to their own right-hand entry."""
    count = len(data["pairs"])
    chosen = {str(k): v for k, v in (response or {}).items()}
    return sum(1 for i in range(count) if chosen.get(str(i)) == i) / count


def normalize_answer(text: str, *, diacritics_optional: bool) -> str:
    """Case, spacing, outer punctuation and (if allowed) diacritics do not count."""
    text = unicodedata.normalize("NFC", str(text or "")).lower()
    text = _EDGE_PUNCTUATION.sub("", " ".join(text.split()))
    return fold(text) if diacritics_optional else text


def _short_answer(data, response) -> float:
    optional = bool(data.get("diacritics_optional"))
    given = normalize_answer(response, diacritics_optional=optional)
    accepted = {normalize_answer(a, diacritics_optional=optional) for a in data["answers"]}
    return 1.0 if given and given in accepted else 0.0


def _essay(data, response) -> None:
    return None


def _valid_index(value, sequence) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(sequence)


_MARKERS = {
    "single": _single,
    "true_false": _single,
    "multiple": _multiple,
    "ordering": _ordering,
    "matching": _matching,
    "short_answer": _short_answer,
    "essay": _essay,
}
