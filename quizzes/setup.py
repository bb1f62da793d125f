"""Setting a quiz up: its settings (with a stale-tab check) and its slots
(fixed questions and random draws, refused when a draw asks for more than
its category holds)."""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.core.extensions import db
from quizzes.drawing import check_draws
from quizzes.models import GRADING_METHODS, Question, QuestionVersion, Quiz, QuizSlot
from quizzes.results import ALLOWED_DURING, REVIEW_ITEMS, REVIEW_TIMES
from quizzes.services import with_current_versions


class InvalidQuiz(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


class StaleQuiz(Exception):
    """The settings were saved from another tab since this one was opened."""


@dataclass
class QuizSettings:
    title: str
    description: str = ""
    shuffle_questions: bool = True
    shuffle_answers: bool = True
    time_limit_minutes: int | None = None
    open_at: datetime | None = None
    close_at: datetime | None = None
    attempts_allowed: int | None = None
    delay_minutes: int = 0
    grading_method: str = "highest"
    pass_percent: int = 80
    review: dict | None = None
    hidden: bool = True

    def problems(self) -> list[str]:
        found = []
        if self.open_at and self.close_at and self.close_at <= self.open_at:
            found.append(str(_l("The quiz must close after it opens.")))
        if self.grading_method not in GRADING_METHODS:
            found.append(str(_l("Choose how attempts are graded.")))
        for moment, items in (self.review or {}).items():
            allowed = ALLOWED_DURING if moment == "during" else REVIEW_ITEMS
            if moment not in REVIEW_TIMES or set(items) - set(allowed):
                found.append(
                    str(_l("During an attempt only the points of each question can be shown."))
                )
        return found


def create_quiz(settings: QuizSettings) -> Quiz:
    problems = settings.problems()
    if problems:
        raise InvalidQuiz(problems)
    quiz = Quiz(revision=1, **vars(settings))
    db.session.add(quiz)
    db.session.commit()
    return quiz


def save_settings(quiz: Quiz, settings: QuizSettings, *, seen_revision: int) -> None:
    problems = settings.problems()
    if problems:
        raise InvalidQuiz(problems)
    # Compare and bump in one UPDATE so two tabs saving at once cannot both win.
    updated = db.session.execute(
        db.update(Quiz)
        .where(Quiz.id == quiz.id, Quiz.revision == seen_revision)
        .values(revision=Quiz.revision + 1, **vars(settings))
    )
    if updated.rowcount != 1:
        db.session.rollback()
        raise StaleQuiz()
    db.session.commit()
    db.session.refresh(quiz)


def _append(quiz: Quiz, slot: QuizSlot) -> None:
    slot.position = max((s.position for s in quiz.slots), default=-1) + 1
    quiz.slots.append(slot)
    db.session.flush()
    problems = check_draws(quiz)
    if problems:
        db.session.rollback()
        raise InvalidQuiz(problems)
    db.session.commit()


def add_question(quiz: Quiz, question_id: int) -> None:
    question = db.session.get(Question, question_id)
    if question is None or question.archived or not question.current_version:
        raise InvalidQuiz([str(_l("Choose a question from the bank."))])
    if any(s.question_id == question_id for s in quiz.slots):
        raise InvalidQuiz([str(_l("This question is already in the quiz."))])
    _append(quiz, QuizSlot(question_id=question_id, count=1))


def add_draw(quiz: Quiz, category_id: int, count: int, *, include_subcategories: bool) -> None:
    _append(
        quiz,
        QuizSlot(category_id=category_id, count=count, include_subcategories=include_subcategories),
    )


def remove_slot(quiz: Quiz, slot_id: int) -> None:
    slot = next((s for s in quiz.slots if s.id == slot_id), None)
    if slot is not None:
        quiz.slots.remove(slot)
        db.session.commit()


def move_slot(quiz: Quiz, slot_id: int, step: int) -> None:
    """Swap a slot with its neighbour above (step -1) or below (step +1)."""
    slots = sorted(quiz.slots, key=lambda s: s.position)
    index = next((i for i, s in enumerate(slots) if s.id == slot_id), None)
    if index is None or not 0 <= index + step < len(slots):
        return
    slots[index], slots[index + step] = slots[index + step], slots[index]
    for position, slot in enumerate(slots):
        slot.position = position
    db.session.commit()


def slot_labels(quiz: Quiz) -> dict[int, str]:
    """Prompt of each fixed question (current version), for the slot list."""

    ids = [s.question_id for s in quiz.slots if s.question_id]
    return dict(
        db.session.execute(
            with_current_versions(select(Question.id, QuestionVersion.prompt)).where(
                Question.id.in_(ids)
            )
        ).all()
    )
