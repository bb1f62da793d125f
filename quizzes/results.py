"""What people may see of their attempts, results per quiz and per person,
and item analysis to find bad questions. Aggregates are computed in SQL."""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Float, and_, case, cast, func, select
from sqlalchemy.orm import aliased

from portal.accounts.directory import people_by_id
from portal.accounts.models import Team, User
from portal.core.extensions import db
from quizzes.models import (
    FINISHED,
    IN_PROGRESS,
    AttemptAnswer,
    Question,
    QuestionVersion,
    Quiz,
    QuizAttempt,
)
from quizzes.services import with_current_versions

# --- review options ----------------------------------------------------------------------

REVIEW_TIMES = ("during", "after", "later", "closed")
REVIEW_ITEMS = ("answers", "correctness", "marks", "feedback", "right_answers")
# While the attempt runs only the points each question is worth may be shown:
# correctness or feedback during an autosaved attempt would let people fish
# for the key by changing answers until they turn green.
ALLOWED_DURING = ("marks",)
DEFAULT_REVIEW = {
    "during": ["marks"],
    "after": list(REVIEW_ITEMS),
    "later": ["answers", "correctness", "marks", "feedback"],
    "closed": list(REVIEW_ITEMS),
}
RIGHT_AFTER = timedelta(minutes=10)


def review_settings(quiz: Quiz) -> dict[str, list[str]]:
    return quiz.review or DEFAULT_REVIEW


def review_moment(quiz: Quiz, attempt: QuizAttempt, now: datetime) -> str:
    if attempt.state == IN_PROGRESS:
        return "during"
    if quiz.close_at and now >= quiz.close_at:
        return "closed"
    ended = attempt.submitted_at or attempt.finished_at or attempt.deadline or attempt.started_at
    return "after" if now - ended <= RIGHT_AFTER else "later"


def review_allowed(quiz: Quiz, attempt: QuizAttempt, now: datetime) -> frozenset[str]:
    """What the person who took the attempt may see of it right now."""
    moment = review_moment(quiz, attempt, now)
    return frozenset(review_settings(quiz).get(moment, ()))


EVERYTHING = frozenset(REVIEW_ITEMS)  # supervisors, HR and admins reviewing an attempt


# --- grades per person and quiz ----------------------------------------------------------


@dataclass
class Grade:
    quiz_id: int
    user_id: int
    attempts: int
    highest: float | None
    average: float | None
    first: float | None
    last: float | None
    last_activity: datetime | None
    last_finished: datetime | None = None

    def by(self, method: str) -> float | None:
        return getattr(self, method if method in ("average", "first", "last") else "highest")


def _percent(attempt):
    return 100.0 * cast(attempt.marks, Float) / func.nullif(attempt.max_marks, 0)


def grades(*conditions) -> list[Grade]:
    """Every (quiz, person) pair matching the conditions on QuizAttempt, in four queries' worth
    of SQL (one statement): attempt count, and the grade by each method."""
    finished = QuizAttempt.state == FINISHED
    totals = (
        select(
            QuizAttempt.quiz_id,
            QuizAttempt.user_id,
            func.count().label("attempts"),
            func.max(case((finished, _percent(QuizAttempt)))).label("highest"),
            func.avg(case((finished, _percent(QuizAttempt)))).label("average"),
            func.min(case((finished, QuizAttempt.number))).label("first_number"),
            func.max(case((finished, QuizAttempt.number))).label("last_number"),
            func.max(func.coalesce(QuizAttempt.submitted_at, QuizAttempt.started_at)).label(
                "last_activity"
            ),
            func.max(
                case((finished, func.coalesce(QuizAttempt.finished_at, QuizAttempt.submitted_at)))
            ).label("last_finished"),
        )
        .where(*conditions)
        .group_by(QuizAttempt.quiz_id, QuizAttempt.user_id)
        .subquery()
    )
    first, last = aliased(QuizAttempt), aliased(QuizAttempt)

    def same(alias, number):
        return and_(
            alias.quiz_id == totals.c.quiz_id,
            alias.user_id == totals.c.user_id,
            alias.number == number,
        )

    rows = db.session.execute(
        select(totals, _percent(first).label("first"), _percent(last).label("last"))
        .outerjoin(first, same(first, totals.c.first_number))
        .outerjoin(last, same(last, totals.c.last_number))
    )
    return [
        Grade(
            r.quiz_id,
            r.user_id,
            r.attempts,
            r.highest,
            r.average,
            r.first,
            r.last,
            r.last_activity,
            r.last_finished,
        )
        for r in rows
    ]


# --- item analysis -----------------------------------------------------------------------


@dataclass
class ItemStats:
    question_id: int
    key: str
    prompt: str
    type: str
    answered: int
    facility: float | None  # mean share of the marks earned, 0..1
    discrimination: float | None  # correlation with the rest of the attempt, -1..1

    @property
    def verdict(self) -> str:
        """A plain reading, after the thresholds item-analysis guides use."""
        if self.answered < 5 or self.facility is None:
            return "too_few"
        if self.discrimination is not None and self.discrimination < 0:
            return "check_key"  # the weaker people do better on it: often a wrong key
        if self.facility > 0.95:
            return "too_easy"
        if self.facility < 0.2:
            return "too_hard"
        if self.discrimination is not None and self.discrimination < 0.2:
            return "weak"
        return "good"


def item_analysis(quiz: Quiz) -> list[ItemStats]:
    """Per question of the quiz, over finished attempts:

    - facility index: the mean fraction of the question's marks earned;
    - discrimination index: Pearson's r between the mark on the question and
      the person's percent on the *rest* of the attempt (so a question does
      not correlate with itself), as Moodle's quiz statistics define it.
    Sums are taken in SQL; only one row per question comes back.
    """
    x = AttemptAnswer.fraction
    rest = (QuizAttempt.marks - AttemptAnswer.fraction * QuestionVersion.points) / func.nullif(
        QuizAttempt.max_marks - QuestionVersion.points, 0
    )
    rows = db.session.execute(
        select(
            QuestionVersion.question_id,
            func.count(x).label("n"),
            func.sum(x).label("sx"),
            func.sum(x * x).label("sxx"),
            func.sum(rest).label("sy"),
            func.sum(rest * rest).label("syy"),
            func.sum(x * rest).label("sxy"),
        )
        .join(QuestionVersion, QuestionVersion.id == AttemptAnswer.question_version_id)
        .join(QuizAttempt, QuizAttempt.id == AttemptAnswer.attempt_id)
        .where(
            QuizAttempt.quiz_id == quiz.id,
            QuizAttempt.state == FINISHED,
            x.is_not(None),
        )
        .group_by(QuestionVersion.question_id)
    ).all()
    texts = {
        q.id: (q.key, v.prompt, v.type)
        for q, v in db.session.execute(
            with_current_versions(select(Question, QuestionVersion)).where(
                Question.id.in_([r.question_id for r in rows])
            )
        )
    }
    stats = []
    for r in rows:
        n = r.n or 0
        facility = (r.sx / n) if n else None
        key, prompt, kind = texts[r.question_id]
        stats.append(
            ItemStats(
                r.question_id,
                key,
                prompt,
                kind,
                n,
                facility,
                _pearson(n, r.sx, r.sxx, r.sy, r.syy, r.sxy),
            )
        )
    return sorted(stats, key=lambda s: (s.discrimination is None, s.discrimination or 0))


def _pearson(n, sx, sxx, sy, syy, sxy) -> float | None:
    if not n or n < 2 or sy is None:
        return None
    var_x = n * sxx - sx * sx
    var_y = n * syy - sy * sy
    if var_x <= 1e-12 or var_y <= 1e-12:
        return None  # everyone scored the same: the question cannot discriminate
    return (n * sxy - sx * sy) / math.sqrt(var_x * var_y)


# --- reports -----------------------------------------------------------------------------


@dataclass
class QuizReport:
    grades: list[Grade]  # by the person's name
    people: dict[int, User]
    teams: dict[int, str]


def quiz_report(quiz: Quiz, people_in_scope) -> QuizReport:
    """Each person's grade in a quiz, for the people `people_in_scope` selects (ids)."""
    found = grades(QuizAttempt.quiz_id == quiz.id, QuizAttempt.user_id.in_(people_in_scope))
    people = people_by_id(g.user_id for g in found)
    teams = dict(db.session.execute(select(Team.id, Team.name)).all())
    return QuizReport(sorted(found, key=lambda g: people[g.user_id].name), people, teams)


@dataclass
class PersonReport:
    grades: list[Grade]  # by quiz title
    quizzes: dict[int, Quiz]
    attempts: list[QuizAttempt]


def person_report(person: User) -> PersonReport:
    """A person's grade in every quiz they took, and each of their attempts."""
    found = grades(QuizAttempt.user_id == person.id)
    quizzes = {
        q.id: q
        for q in db.session.scalars(select(Quiz).where(Quiz.id.in_([g.quiz_id for g in found])))
    }
    attempts = list(
        db.session.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.user_id == person.id)
            .order_by(QuizAttempt.quiz_id, QuizAttempt.number)
        )
    )
    return PersonReport(sorted(found, key=lambda g: quizzes[g.quiz_id].title), quizzes, attempts)
