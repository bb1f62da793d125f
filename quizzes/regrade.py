"""Regrading after a question's key is fixed: a dry run first, then apply.

Every graded answer given to any earlier version of the question is marked
again with the current version's key. An answer can only be re-marked when
its response still means the same thing: same type and the same number of
choices / items / pairs (the response points at them by position). Others
are listed as "cannot be regraded" and left alone. Points stay those of the
version that was shown, so the attempt's maximum never moves. Hand-marked
essays are never touched.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.core.extensions import db
from quizzes import grading
from quizzes.answer_keys import shape
from quizzes.attempts import GRACE, announce_if_passed
from quizzes.models import (
    ABANDONED,
    IN_PROGRESS,
    AttemptAnswer,
    Question,
    QuestionVersion,
    QuizAttempt,
    Regrade,
    RegradeChange,
)
from quizzes.services import current_version


@dataclass
class MarkChange:
    answer: AttemptAnswer
    attempt: QuizAttempt
    old_fraction: float | None
    new_fraction: float
    old_marks: float | None
    new_marks: float

    @property
    def old_percent(self) -> float | None:
        if self.old_marks is None or not self.attempt.max_marks:
            return None
        return 100 * self.old_marks / self.attempt.max_marks

    @property
    def new_percent(self) -> float | None:
        return 100 * self.new_marks / self.attempt.max_marks if self.attempt.max_marks else None


@dataclass
class RegradePlan:
    key: QuestionVersion
    changes: list[MarkChange]
    same: list[AttemptAnswer]  # re-marked with the key, same marks
    incompatible: int
    running: int  # attempts in progress: marked with this key when handed in

    @property
    def unchanged(self) -> int:
        return len(self.same)


def plan(question: Question) -> RegradePlan:
    """What a regrade would change; writes nothing."""
    key = current_version(question)
    answers = list(
        db.session.scalars(
            select(AttemptAnswer)
            .join(QuestionVersion, QuestionVersion.id == AttemptAnswer.question_version_id)
            .join(QuizAttempt, QuizAttempt.id == AttemptAnswer.attempt_id)
            .where(
                QuestionVersion.question_id == question.id,
                QuizAttempt.state != IN_PROGRESS,
                QuestionVersion.type != "essay",
            )
            .options(selectinload(AttemptAnswer.version))
            .order_by(AttemptAnswer.id)
        )
    )
    attempts = {
        a.id: a
        for a in db.session.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.id.in_({x.attempt_id for x in answers}))
            .options(selectinload(QuizAttempt.answers).selectinload(AttemptAnswer.version))
        )
    }
    changes, same, incompatible = [], [], 0
    for answer in answers:
        if shape(answer.version) != shape(key):
            incompatible += 1
            continue
        attempt = attempts[answer.attempt_id]
        response = answer.response
        late = attempt.deadline and answer.saved_at and answer.saved_at > attempt.deadline + GRACE
        if attempt.state == ABANDONED and late:
            response = None  # as when it was first graded
        new = grading.grade(key.type, key.data, response)
        if answer.fraction is not None and abs(new - answer.fraction) < 1e-9:
            same.append(answer)
            continue
        delta = (new - (answer.fraction or 0.0)) * answer.version.points
        changes.append(
            MarkChange(
                answer=answer,
                attempt=attempt,
                old_fraction=answer.fraction,
                new_fraction=new,
                old_marks=attempt.marks,
                new_marks=(attempt.marks or 0.0) + delta,
            )
        )
    running = db.session.scalar(
        select(db.func.count(db.distinct(QuizAttempt.id)))
        .join(AttemptAnswer, AttemptAnswer.attempt_id == QuizAttempt.id)
        .join(QuestionVersion, QuestionVersion.id == AttemptAnswer.question_version_id)
        .where(QuestionVersion.question_id == question.id, QuizAttempt.state == IN_PROGRESS)
    )
    return RegradePlan(key, changes, same, incompatible, running or 0)


class KeyChanged(Exception):
    """The question was edited again after the dry run: its key is not the one previewed."""


def apply(question: Question, *, key_version_id: int, by, now: datetime) -> Regrade:
    """Apply the plan in one transaction and keep who, when and every old mark.

    Refused when the current key is not the one the dry run showed."""
    current = plan(question)
    if current.key.id != key_version_id:
        raise KeyChanged()
    regrade = Regrade(question_id=question.id, key_version_id=current.key.id, by=by, at=now)
    db.session.add(regrade)
    touched = {}
    for change in current.changes:
        regrade.changes.append(
            RegradeChange(
                answer_id=change.answer.id,
                old_fraction=change.old_fraction,
                new_fraction=change.new_fraction,
                old_marks=change.old_marks,
                new_marks=change.new_marks,
            )
        )
        change.answer.fraction = change.new_fraction
        change.answer.key_version_id = current.key.id
        change.attempt.marks = change.new_marks
        touched[change.attempt.id] = change.attempt
    for answer in current.same:  # their review shows the corrected key too
        answer.key_version_id = current.key.id
    db.session.commit()
    for attempt in touched.values():
        announce_if_passed(attempt)  # a fixed key can turn a fail into a pass
    return regrade


def history(question: Question) -> list[Regrade]:
    return list(
        db.session.scalars(
            select(Regrade)
            .where(Regrade.question_id == question.id)
            .options(selectinload(Regrade.changes), selectinload(Regrade.by))
            .order_by(Regrade.at.desc())
        )
    )
