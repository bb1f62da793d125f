"""Essays waiting for a mark: the queue in a marker's scope (supervisors their
teams, admins everyone), and the marks they give."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.accounts.directory import people_by_id
from portal.accounts.models import User
from portal.accounts.policy import visible_users
from portal.core.extensions import db
from quizzes.models import AttemptAnswer, QuestionVersion, QuizAttempt


def essays_waiting(marker: User):
    """Unmarked essay answers of handed-in attempts by people `marker` oversees, oldest first."""
    people = visible_users(marker).with_only_columns(User.id)
    return (
        select(AttemptAnswer)
        .join(QuizAttempt, QuizAttempt.id == AttemptAnswer.attempt_id)
        .join(QuestionVersion, QuestionVersion.id == AttemptAnswer.question_version_id)
        .where(
            QuestionVersion.type == "essay",
            AttemptAnswer.fraction.is_(None),
            QuizAttempt.state.in_(["submitted", "abandoned"]),
            QuizAttempt.user_id.in_(people),
        )
        .order_by(QuizAttempt.submitted_at)
    )


def waiting_answer(marker: User, answer_id: int) -> AttemptAnswer | None:
    """One essay in the marker's queue; None when it is not theirs to mark (or is marked)."""
    return db.session.scalar(essays_waiting(marker).where(AttemptAnswer.id == answer_id))


@dataclass
class MarkingQueue:
    answers: list[AttemptAnswer]
    attempts: dict[int, QuizAttempt]
    people: dict[int, User]


def marking_queue(marker: User, limit: int = 100) -> MarkingQueue:
    """The first `limit` essays waiting, with their attempts and people (three queries)."""
    answers = list(
        db.session.scalars(
            essays_waiting(marker).options(selectinload(AttemptAnswer.version)).limit(limit)
        )
    )
    attempts = {
        a.id: a
        for a in db.session.scalars(
            select(QuizAttempt).where(QuizAttempt.id.in_([x.attempt_id for x in answers]))
        )
    }
    people = people_by_id(a.user_id for a in attempts.values())
    return MarkingQueue(answers, attempts, people)
