"""Which questions an attempt gets: fixed ones, plus random draws that are
exactly the size asked for and prefer questions the person has not seen."""

import random
from collections import defaultdict

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.core.extensions import db
from quizzes.models import Question, QuestionCategory, Quiz


def category_tree() -> dict[int, list[int]]:
    children: dict[int, list[int]] = defaultdict(list)
    for category_id, parent_id in db.session.execute(
        select(QuestionCategory.id, QuestionCategory.parent_id)
    ):
        if parent_id:
            children[parent_id].append(category_id)
    return children


def _with_descendants(category_id: int, children: dict[int, list[int]]) -> set[int]:
    found, stack = set(), [category_id]
    while stack:
        current = stack.pop()
        if current not in found:
            found.add(current)
            stack.extend(children.get(current, []))
    return found


def pools(quiz: Quiz) -> list[list[int]]:
    """For each random slot, the questions it may draw from (in slot order).

    Questions placed as fixed slots are never drawn again; draws from
    overlapping categories share their pool (checked by `check_draws`).
    """
    children = category_tree()
    fixed = {slot.question_id for slot in quiz.slots if slot.question_id}
    active = db.session.execute(
        select(Question.id, Question.category_id).where(
            Question.archived.is_(False), Question.current_version > 0
        )
    ).all()
    result = []
    for slot in quiz.slots:
        if slot.question_id:
            continue
        categories = (
            _with_descendants(slot.category_id, children)
            if slot.include_subcategories
            else {slot.category_id}
        )
        result.append(sorted(q for q, c in active if c in categories and q not in fixed))
    return result


def check_draws(quiz: Quiz) -> list[str]:
    """Refuse, when the quiz is saved, draws that ask for more than there is."""
    problems, taken = [], set()
    draws = [slot for slot in quiz.slots if not slot.question_id]
    for slot, pool in zip(draws, pools(quiz), strict=True):
        available = [q for q in pool if q not in taken]
        if slot.count < 1:
            problems.append(str(_l("A random draw must ask for at least one question.")))
        elif slot.count > len(available):
            problems.append(
                str(
                    _l(
                        "“%(category)s” has only %(n)d questions left to draw from; this draw asks for %(count)d.",
                        category=slot.category.name_vi if slot.category else "?",
                        n=len(available),
                        count=slot.count,
                    )
                )
            )
        taken.update(available[: slot.count])
    return problems


def draw(quiz: Quiz, *, seen: set[int], rng: random.Random | None = None) -> list[int]:
    """The question ids for a new attempt, in slot order (shuffled if the quiz says so).

    Each draw gives exactly its count: unseen questions first, in random
    order, then seen ones only if there are not enough unseen.
    """
    rng = rng or random.SystemRandom()
    problems = check_draws(quiz)
    if problems:
        raise ValueError("; ".join(problems))
    chosen: list[int] = []
    draw_pools = iter(pools(quiz))
    for slot in quiz.slots:
        if slot.question_id:
            chosen.append(slot.question_id)
            continue
        pool = [q for q in next(draw_pools) if q not in chosen]
        unseen = [q for q in pool if q not in seen]
        again = [q for q in pool if q in seen]
        rng.shuffle(unseen)
        rng.shuffle(again)
        chosen.extend((unseen + again)[: slot.count])
    if quiz.shuffle_questions:
        rng.shuffle(chosen)
    return chosen
