"""Random draws: exactly N, unseen first, refused at save time when too big."""

import random

import pytest

from quizzes import drawing
from quizzes.models import Question, QuestionCategory, QuestionVersion, Quiz, QuizSlot


@pytest.fixture
def bank(db):
    """A parent category with two children: 3 + 4 questions, plus one archived."""
    parent = QuestionCategory(code="ky-nang", name_vi="Kỹ năng")
    db.session.add(parent)
    db.session.flush()
    left = QuestionCategory(code="giao-tiep", name_vi="Giao tiếp", parent_id=parent.id)
    right = QuestionCategory(code="lang-nghe", name_vi="Lắng nghe", parent_id=parent.id)
    db.session.add_all([left, right])
    db.session.flush()
    ids = {"giao-tiep": [], "lang-nghe": []}
    for category, count in ((left, 3), (right, 4)):
        for i in range(count):
            question = Question(
                key=f"{category.code}-{i}", category_id=category.id, current_version=1
            )
            db.session.add(question)
            db.session.flush()
            db.session.add(
                QuestionVersion(
                    question_id=question.id,
                    version=1,
                    type="essay",
                    prompt="?",
                    data={"rubric": "x"},
                )
            )
            ids[category.code].append(question.id)
    archived = Question(key="cu", category_id=left.id, current_version=1, archived=True)
    db.session.add(archived)
    db.session.commit()
    return {"parent": parent, "left": left, "right": right, "ids": ids}


def _quiz(db, *slots, shuffle=False):
    quiz = Quiz(title="Kiểm tra", shuffle_questions=shuffle)
    for position, slot in enumerate(slots):
        quiz.slots.append(QuizSlot(position=position, **slot))
    db.session.add(quiz)
    db.session.commit()
    return quiz


def test_a_draw_gives_exactly_n_without_repeats(bank, db):
    quiz = _quiz(db, {"category_id": bank["parent"].id, "count": 5})
    for seed in range(20):
        chosen = drawing.draw(quiz, seen=set(), rng=random.Random(seed))
        assert len(chosen) == 5 and len(set(chosen)) == 5


def test_unseen_questions_come_first(bank, db):
    quiz = _quiz(db, {"category_id": bank["left"].id, "count": 2})
    seen = set(bank["ids"]["giao-tiep"][:1])
    for seed in range(20):
        assert not set(drawing.draw(quiz, seen=seen, rng=random.Random(seed))) & seen
    # When everything was seen, the draw still gives its full count.
    assert len(drawing.draw(quiz, seen=set(bank["ids"]["giao-tiep"]))) == 2


def test_fixed_questions_are_not_drawn_again_and_keep_their_place(bank, db):
    fixed = bank["ids"]["giao-tiep"][0]
    quiz = _quiz(db, {"question_id": fixed}, {"category_id": bank["left"].id, "count": 2})
    for seed in range(10):
        chosen = drawing.draw(quiz, seen=set(), rng=random.Random(seed))
        assert chosen[0] == fixed and fixed not in chosen[1:] and len(chosen) == 3


def test_draws_larger_than_the_category_are_refused(app, bank, db):
    too_big = _quiz(
        db, {"category_id": bank["left"].id, "count": 4, "include_subcategories": False}
    )
    with app.test_request_context():
        problems = drawing.check_draws(too_big)
    assert problems and "3" in problems[0] and "4" in problems[0]  # archived questions do not count
    with pytest.raises(ValueError):
        drawing.draw(too_big, seen=set())
    # Two draws from overlapping categories share the same questions.
    overlap = _quiz(
        db,
        {"category_id": bank["parent"].id, "count": 5},
        {"category_id": bank["left"].id, "count": 3},
    )
    with app.test_request_context():
        assert drawing.check_draws(overlap)
    fits = _quiz(
        db,
        {"category_id": bank["right"].id, "count": 4},
        {"category_id": bank["left"].id, "count": 3},
    )
    with app.test_request_context():
        assert drawing.check_draws(fits) == []
