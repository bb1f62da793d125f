"""What a person sees of quizzes: the quizzes open to them with their own attempts,
and one attempt with every question it shows."""

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from portal.core.extensions import db
from quizzes.models import AttemptAnswer, Quiz, QuizAttempt


def quizzes_for(*, authors_view: bool) -> list[Quiz]:
    """Every quiz by title; quizzes hidden while being set up only in an author's view."""
    query = select(Quiz).order_by(Quiz.title)
    if not authors_view:
        query = query.where(Quiz.hidden.is_(False))
    return list(db.session.scalars(query))


def own_attempts(user_id: int, quizzes: list[Quiz]) -> dict[int, list[QuizAttempt]]:
    """The person's attempts at each of these quizzes, in order (one query)."""
    mine = {quiz.id: [] for quiz in quizzes}
    for attempt in db.session.scalars(
        select(QuizAttempt)
        .where(QuizAttempt.user_id == user_id, QuizAttempt.quiz_id.in_(mine))
        .order_by(QuizAttempt.number)
    ):
        mine[attempt.quiz_id].append(attempt)
    return mine


# Built once and run with bound values: reusing a statement skips rebuilding its
# expression tree and cache key (see reviews/notifications.py).
_ANSWERS = (
    select(AttemptAnswer)
    .where(AttemptAnswer.attempt_id == bindparam("attempt"))
    .order_by(AttemptAnswer.position)
    # The version shown joined (one per answer); a regraded key, rarer, by another.
    .options(joinedload(AttemptAnswer.version), selectinload(AttemptAnswer.key_version))
    .execution_options(populate_existing=True)
)


def load_questions(attempt: QuizAttempt) -> None:
    """Every answer with the version it shows, in one statement whatever the quiz's
    size (and one more for regraded keys, when any); set as the
    attempt's loaded answers without selecting the attempt again."""
    answers = db.session.scalars(_ANSWERS, {"attempt": attempt.id}).all()
    set_committed_value(attempt, "answers", list(answers))
