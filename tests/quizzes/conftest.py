"""A small bank built through the authoring service, as an author would."""

import pytest

from quizzes import bank
from quizzes.models import QuestionCategory


@pytest.fixture
def category(db):
    parent = QuestionCategory(code="ky-nang", name_vi="Kỹ năng")
    db.session.add(parent)
    db.session.flush()
    child = QuestionCategory(code="lang-nghe", name_vi="Lắng nghe", parent_id=parent.id)
    db.session.add(child)
    db.session.commit()
    return child


@pytest.fixture
def write_question(category):
    def write(answers, *, kind="single", key="", points=1, prompt="Câu hỏi?", author=None):
        return bank.create_question(
            bank.QuestionInput(
                key=key,
                category_id=category.id,
                type=kind,
                prompt=prompt,
                points=points,
                answers=answers,
            ),
            author=author,
        )

    return write
