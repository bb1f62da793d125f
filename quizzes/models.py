"""The question bank: nested categories, questions and their immutable versions."""

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.extensions import db
from portal.core.models import UTCDateTime, VersionStamp, utcnow

QUESTION_TYPES = (
    "single",
    "multiple",
    "true_false",
    "ordering",
    "matching",
    "short_answer",
    "essay",
)


class QuestionCategory(db.Model):
    __tablename__ = "question_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(80), unique=True)
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("question_categories.id"))

    parent: Mapped["QuestionCategory | None"] = relationship(remote_side=[id])


class Question(db.Model):
    """A question's identity; what it says lives in its versions.

    An attempt will point at the QuestionVersion it showed, so editing a
    question (a new version) never changes an answer already given.
    """

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("question_categories.id"), index=True)
    step_id: Mapped[int | None] = mapped_column(ForeignKey("playbook_steps.id"))
    # A soft link: the script library is another feature, joined by its slug only.
    script_slug: Mapped[str | None] = mapped_column(String(120))
    tags: Mapped[list] = mapped_column(JSON, default=list)
    # Bumped by every save in the editor (text or labels): the stale-tab check,
    # and the sign that a person has touched the question (the pack keeps off).
    revision: Mapped[int] = mapped_column(Integer, default=1)
    current_version: Mapped[int] = mapped_column(Integer, default=0)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    category: Mapped[QuestionCategory] = relationship()


class QuestionVersion(VersionStamp, db.Model):
    __tablename__ = "question_versions"
    __table_args__ = (UniqueConstraint("question_id", "version", name="uq_question_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(20))
    prompt: Mapped[str] = mapped_column(Text)
    points: Mapped[int] = mapped_column(Integer, default=1)
    # choices / items / pairs / answers + diacritics_optional / rubric, by type
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    general_feedback: Mapped[str] = mapped_column(Text, default="")
    # The prompt folded for search (SQLite's lower() ignores Vietnamese capitals).
    search_key: Mapped[str] = mapped_column(Text, default="")

    question: Mapped[Question] = relationship()


GRADING_METHODS = ("highest", "average", "first", "last")


class Quiz(db.Model):
    __tablename__ = "quizzes"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    shuffle_questions: Mapped[bool] = mapped_column(Boolean, default=True)
    shuffle_answers: Mapped[bool] = mapped_column(Boolean, default=True)
    time_limit_minutes: Mapped[int | None] = mapped_column(Integer)
    open_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    close_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts_allowed: Mapped[int | None] = mapped_column(Integer)  # None: unlimited
    delay_minutes: Mapped[int] = mapped_column(Integer, default=0)
    grading_method: Mapped[str] = mapped_column(String(10), default="highest")
    pass_percent: Mapped[int] = mapped_column(Integer, default=80)
    # What a person may see and when: {"during"|"after"|"later"|"closed": [..]}
    review: Mapped[dict] = mapped_column(JSON, default=dict)
    # Hidden quizzes are being set up: only authors see and try them.
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    # Bumped by every save of the settings, so a stale tab cannot overwrite newer ones.
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    slots: Mapped[list["QuizSlot"]] = relationship(
        back_populates="quiz", order_by="QuizSlot.position", cascade="all, delete-orphan"
    )


class QuizSlot(db.Model):
    """One place in a quiz: a fixed question, or a random draw of `count` from a category."""

    __tablename__ = "quiz_slots"

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("question_categories.id"))
    include_subcategories: Mapped[bool] = mapped_column(Boolean, default=True)
    count: Mapped[int] = mapped_column(Integer, default=1)

    quiz: Mapped[Quiz] = relationship(back_populates="slots")
    category: Mapped[QuestionCategory | None] = relationship()


IN_PROGRESS, SUBMITTED, FINISHED, ABANDONED = "in_progress", "submitted", "finished", "abandoned"


class QuizAttempt(db.Model):
    __tablename__ = "quiz_attempts"
    __table_args__ = (UniqueConstraint("quiz_id", "user_id", "number", name="uq_attempt_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20), default=IN_PROGRESS)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    marks: Mapped[float | None] = mapped_column(db.Float)
    max_marks: Mapped[float] = mapped_column(db.Float, default=0)

    answers: Mapped[list["AttemptAnswer"]] = relationship(
        order_by="AttemptAnswer.position", cascade="all, delete-orphan"
    )
    # Loaded with the attempt where a page needs both (quizzes/routes.py _own_attempt);
    # code that has only the id still asks the session, which then has it.
    quiz: Mapped[Quiz] = relationship(viewonly=True)

    @property
    def percent(self) -> float | None:
        return (
            None if self.marks is None or not self.max_marks else 100 * self.marks / self.max_marks
        )


class AttemptAnswer(db.Model):
    """One question of an attempt, bound to the version that was shown."""

    __tablename__ = "attempt_answers"
    __table_args__ = (UniqueConstraint("attempt_id", "position", name="uq_attempt_position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("quiz_attempts.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id"))
    response: Mapped[dict | list | str | int | None] = mapped_column(JSON)
    # The browser numbers its saves; an older number never overwrites a newer answer.
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fraction: Mapped[float | None] = mapped_column(db.Float)
    comment: Mapped[str] = mapped_column(Text, default="")
    graded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # After a regrade: the version whose key marked this answer (None: the one shown).
    key_version_id: Mapped[int | None] = mapped_column(ForeignKey("question_versions.id"))

    version: Mapped[QuestionVersion] = relationship(foreign_keys=[question_version_id])
    key_version: Mapped[QuestionVersion | None] = relationship(foreign_keys=[key_version_id])


class Regrade(db.Model):
    """One applied regrade of a question: who ran it, when, with which key."""

    __tablename__ = "quiz_regrades"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    key_version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id"))
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    by = relationship("User")
    key_version: Mapped[QuestionVersion] = relationship()
    changes: Mapped[list["RegradeChange"]] = relationship(cascade="all, delete-orphan")


class RegradeChange(db.Model):
    """An answer whose mark a regrade changed, with the old and new marks kept."""

    __tablename__ = "quiz_regrade_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    regrade_id: Mapped[int] = mapped_column(
        ForeignKey("quiz_regrades.id", ondelete="CASCADE"), index=True
    )
    answer_id: Mapped[int] = mapped_column(ForeignKey("attempt_answers.id"), index=True)
    old_fraction: Mapped[float | None] = mapped_column(db.Float)
    new_fraction: Mapped[float] = mapped_column(db.Float)
    old_marks: Mapped[float | None] = mapped_column(db.Float)
    new_marks: Mapped[float] = mapped_column(db.Float)
