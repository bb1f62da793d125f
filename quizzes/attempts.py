"""Attempts that never lose an answer: start or resume, autosave with a
sequence check, a timer enforced on the server, submit, grading.

Times are passed in (`now`) so the rules can be tested to the second.
"""

import random
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.core.extensions import db
from portal.core.signals import content_completed
from quizzes import drawing, grading
from quizzes.answer_keys import latest_keys, shape
from quizzes.models import (
    ABANDONED,
    FINISHED,
    IN_PROGRESS,
    SUBMITTED,
    AttemptAnswer,
    Question,
    QuestionVersion,
    Quiz,
    QuizAttempt,
)
from quizzes.services import current_version

GRACE = timedelta(minutes=2)  # network hiccups at the deadline do not cost answers


# How long typed answers and markers' comments may be (refused beyond, never cut).
TEXT_LIMITS = {"short_answer": 500, "essay": 20_000, "comment": 2000}


class AttemptRefused(Exception):
    """Why a person cannot start, save or submit now (a message key and values)."""

    def __init__(self, reason: str, **values):
        super().__init__(reason)
        self.reason, self.values = reason, values


class StaleSave(Exception):
    """A newer answer to this question is already saved (another tab, a retry)."""

    def __init__(self, saved_sequence: int):
        super().__init__(saved_sequence)
        self.saved_sequence = saved_sequence


def attempts_of(quiz: Quiz, user_id: int) -> list[QuizAttempt]:
    return list(
        db.session.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.quiz_id == quiz.id, QuizAttempt.user_id == user_id)
            .order_by(QuizAttempt.number)
        )
    )


def start(
    quiz: Quiz, user_id: int, *, now: datetime, rng: random.Random | None = None
) -> QuizAttempt:
    """Resume the open attempt, or start a new one if the quiz's rules allow."""
    previous = attempts_of(quiz, user_id)
    for attempt in previous:
        if attempt.state == IN_PROGRESS:
            settle(attempt, now=now)
            if attempt.state == IN_PROGRESS:
                return attempt
    if quiz.open_at and now < quiz.open_at:
        raise AttemptRefused("not_open", at=quiz.open_at)
    if quiz.close_at and now >= quiz.close_at:
        raise AttemptRefused("closed")
    if quiz.attempts_allowed is not None and len(previous) >= quiz.attempts_allowed:
        raise AttemptRefused("no_attempts_left", allowed=quiz.attempts_allowed)
    if previous and quiz.delay_minutes:
        last_end = max(a.submitted_at or a.started_at for a in previous)
        ready = last_end + timedelta(minutes=quiz.delay_minutes)
        if now < ready:
            raise AttemptRefused("wait", until=ready)
    seen = set(
        db.session.scalars(
            select(QuestionVersion.question_id)
            .join(AttemptAnswer, AttemptAnswer.question_version_id == QuestionVersion.id)
            .join(QuizAttempt, QuizAttempt.id == AttemptAnswer.attempt_id)
            .where(QuizAttempt.user_id == user_id)
        )
    )
    question_ids = drawing.draw(quiz, seen=seen, rng=rng)
    deadline = now + timedelta(minutes=quiz.time_limit_minutes) if quiz.time_limit_minutes else None
    if quiz.close_at and (deadline is None or deadline > quiz.close_at):
        deadline = quiz.close_at
    attempt = QuizAttempt(
        quiz_id=quiz.id,
        user_id=user_id,
        number=len(previous) + 1,
        max_marks=0,
        started_at=now,
        deadline=deadline,
    )
    questions = {
        q.id: q for q in db.session.scalars(select(Question).where(Question.id.in_(question_ids)))
    }
    for position, question_id in enumerate(question_ids):
        version = current_version(questions[question_id])
        attempt.answers.append(AttemptAnswer(position=position, question_version_id=version.id))
        attempt.max_marks += version.points
    db.session.add(attempt)
    db.session.commit()
    return attempt


def is_overdue(attempt: QuizAttempt, now: datetime) -> bool:
    """Past the time limit but within the grace period: saving and submitting still work."""
    return attempt.deadline is not None and attempt.deadline < now <= attempt.deadline + GRACE


def _too_late(attempt: QuizAttempt, now: datetime) -> bool:
    return attempt.deadline is not None and now > attempt.deadline + GRACE


def save_answer(
    attempt: QuizAttempt, position: int, response, *, sequence: int, now: datetime
) -> AttemptAnswer:
    """Keep one answer as it is now; refuse older saves and saves after time."""
    if attempt.state != IN_PROGRESS:
        raise AttemptRefused("not_in_progress")
    if _too_late(attempt, now):
        settle(attempt, now=now)
        raise AttemptRefused("time_up")
    # Lock the row (PostgreSQL) so two saves of one question cannot interleave.
    answer = db.session.scalar(
        select(AttemptAnswer)
        .where(AttemptAnswer.attempt_id == attempt.id, AttemptAnswer.position == position)
        .with_for_update()
    )
    if answer is None:
        raise AttemptRefused("no_such_question")
    if sequence <= answer.sequence:
        db.session.rollback()
        raise StaleSave(answer.sequence)
    answer.response, answer.sequence, answer.saved_at = response, sequence, now
    db.session.commit()
    return answer


def submit(attempt: QuizAttempt, *, now: datetime) -> QuizAttempt:
    """Hand in the attempt; beyond the grace period the saved answers are graded instead."""
    if attempt.state != IN_PROGRESS:
        raise AttemptRefused("not_in_progress")
    if _too_late(attempt, now):
        settle(attempt, now=now)
        raise AttemptRefused("time_up")
    attempt.state, attempt.submitted_at = SUBMITTED, now
    _grade(attempt, now=now)
    db.session.commit()
    announce_if_passed(attempt)
    return attempt


def settle(attempt: QuizAttempt, *, now: datetime) -> None:
    """An attempt whose time and grace passed without a submit: abandoned, and
    what was saved before the deadline is graded."""
    if attempt.state == IN_PROGRESS and _too_late(attempt, now):
        attempt.state = ABANDONED
        _grade(attempt, now=now, saved_before=attempt.deadline + GRACE)
        db.session.commit()


def _grade(attempt: QuizAttempt, *, now: datetime, saved_before: datetime | None = None) -> None:
    answers = list(
        db.session.scalars(
            select(AttemptAnswer)
            .where(AttemptAnswer.attempt_id == attempt.id)
            .options(selectinload(AttemptAnswer.version))
        )
    )
    # A key fixed by a regrade while this attempt ran marks it too.
    keys = latest_keys({a.version.question_id for a in answers})
    for answer in answers:
        response = answer.response
        if saved_before and answer.saved_at and answer.saved_at > saved_before:
            response = None
        key = keys.get(answer.version.question_id)
        if key is not None and key.id != answer.version.id and shape(key) == shape(answer.version):
            answer.key_version_id = key.id
        else:
            key = answer.version
        if key.type == "essay":
            answer.fraction = None if response else 0.0
        else:
            answer.fraction = grading.grade(key.type, key.data, response)
    _total(attempt, answers, now=now)


def _total(attempt: QuizAttempt, answers: list[AttemptAnswer], *, now: datetime) -> None:
    pending = [a for a in answers if a.fraction is None]
    attempt.marks = sum(a.fraction * a.version.points for a in answers if a.fraction is not None)
    if not pending and attempt.state == SUBMITTED:
        attempt.state, attempt.finished_at = FINISHED, now
    elif not pending and attempt.state == ABANDONED:
        attempt.finished_at = now


def grade_essay(
    answer: AttemptAnswer, *, fraction: float, comment: str, grader_id: int, now: datetime
) -> None:
    """A supervisor's mark for an essay; the attempt is final once every essay is marked."""
    answer.fraction = min(1.0, max(0.0, fraction))
    answer.comment, answer.graded_by_id = comment, grader_id
    attempt = db.session.get(QuizAttempt, answer.attempt_id)
    _total(attempt, list(attempt.answers), now=now)
    db.session.commit()
    announce_if_passed(attempt)


def announce_if_passed(attempt: QuizAttempt) -> None:
    """A pass ticks the quiz wherever it is an onboarding item (through the signal)."""
    if attempt.state != FINISHED:
        return
    quiz = db.session.get(Quiz, attempt.quiz_id)
    if passed(quiz, attempts_of(quiz, attempt.user_id)):
        content_completed.send(
            current_app._get_current_object(),
            kind="quiz",
            ref_id=quiz.id,
            user_id=attempt.user_id,
            version=1,
        )


def quiz_grade(quiz: Quiz, attempts: list[QuizAttempt]) -> float | None:
    """The person's result for the quiz by its grading method (finished attempts only)."""
    done = [a.percent for a in attempts if a.state == FINISHED and a.percent is not None]
    if not done:
        return None
    method = quiz.grading_method
    if method == "average":
        return sum(done) / len(done)
    if method == "first":
        return done[0]
    if method == "last":
        return done[-1]
    return max(done)


def passed(quiz: Quiz, attempts: list[QuizAttempt]) -> bool:
    result = quiz_grade(quiz, attempts)
    return result is not None and result >= quiz.pass_percent
