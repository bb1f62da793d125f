"""Attempts: start and resume, autosave with sequence checks, the server-side timer, grading."""

from datetime import UTC, datetime, timedelta

import pytest

from portal.core.roles import Role
from quizzes import attempts as svc
from quizzes.models import Question, QuestionCategory, QuestionVersion, Quiz, QuizSlot

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@pytest.fixture
def quiz(db):
    """Three fixed questions: single choice (1 point), ordering (2), essay (3)."""
    category = QuestionCategory(code="chi-so", name_vi="Chỉ số")
    db.session.add(category)
    db.session.flush()
    specs = [
        (
            "single",
            1,
            {"choices": [{"text": "40", "correct": False}, {"text": "45", "correct": True}]},
        ),
        ("ordering", 2, {"items": ["a", "b", "c", "d"]}),
        ("essay", 3, {"rubric": "Nêu nguyên nhân và cách khắc phục."}),
    ]
    quiz = Quiz(
        title="NPS",
        shuffle_questions=False,
        time_limit_minutes=10,
        attempts_allowed=2,
        delay_minutes=30,
        grading_method="highest",
        pass_percent=50,
    )
    for position, (kind, points, data) in enumerate(specs):
        question = Question(key=f"q{position}", category_id=category.id, current_version=1)
        db.session.add(question)
        db.session.flush()
        db.session.add(
            QuestionVersion(
                question_id=question.id, version=1, type=kind, prompt="?", points=points, data=data
            )
        )
        quiz.slots.append(QuizSlot(position=position, question_id=question.id))
    db.session.add(quiz)
    db.session.commit()
    return quiz


@pytest.fixture
def person(make):
    return make.user(Role.NEW_HIRE)


def test_closing_the_browser_and_coming_back_resumes_with_every_answer(quiz, person):
    attempt = svc.start(quiz, person.id, now=T0)
    svc.save_answer(attempt, 0, 1, sequence=1, now=T0 + timedelta(minutes=1))
    svc.save_answer(attempt, 1, [1, 0, 2, 3], sequence=1, now=T0 + timedelta(minutes=2))
    again = svc.start(quiz, person.id, now=T0 + timedelta(minutes=5))
    assert again.id == attempt.id
    assert [a.response for a in again.answers] == [1, [1, 0, 2, 3], None]
    assert again.deadline == T0 + timedelta(minutes=10)


def test_a_stale_tab_cannot_overwrite_a_newer_answer(quiz, person):
    attempt = svc.start(quiz, person.id, now=T0)
    svc.save_answer(attempt, 0, 1, sequence=5, now=T0 + timedelta(seconds=30))
    with pytest.raises(svc.StaleSave) as stale:
        svc.save_answer(attempt, 0, 0, sequence=4, now=T0 + timedelta(seconds=31))
    assert stale.value.saved_sequence == 5
    assert attempt.answers[0].response == 1


def test_the_timer_is_enforced_on_the_server_with_a_grace_period(quiz, person):
    attempt = svc.start(quiz, person.id, now=T0)
    svc.save_answer(attempt, 0, 1, sequence=1, now=T0 + timedelta(minutes=9))
    # Overdue but within grace: the save still counts.
    assert svc.is_overdue(attempt, T0 + timedelta(minutes=11))
    svc.save_answer(attempt, 1, [0, 1, 2, 3], sequence=1, now=T0 + timedelta(minutes=11))
    # Beyond grace: refused, and what was saved is graded.
    with pytest.raises(svc.AttemptRefused) as refused:
        svc.submit(attempt, now=T0 + timedelta(minutes=13))
    assert refused.value.reason == "time_up"
    assert attempt.state == "abandoned"
    assert attempt.marks == 1 + 2  # the single choice and the full ordering; the essay was empty
    with pytest.raises(svc.AttemptRefused):
        svc.save_answer(attempt, 2, "muộn", sequence=1, now=T0 + timedelta(minutes=14))


def test_submit_grades_and_the_essay_makes_the_grade_final(quiz, person, make):
    attempt = svc.start(quiz, person.id, now=T0)
    svc.save_answer(attempt, 0, 0, sequence=1, now=T0)  # wrong
    svc.save_answer(attempt, 1, [1, 0, 2, 3], sequence=1, now=T0)  # half the positions
    svc.save_answer(attempt, 2, "Tìm nguyên nhân rồi xin lỗi.", sequence=1, now=T0)
    svc.submit(attempt, now=T0 + timedelta(minutes=5))
    assert attempt.state == "submitted" and attempt.marks == 1.0  # 0 + 2 × 1/2, essay pending
    supervisor = make.user(Role.SUPERVISOR)
    svc.grade_essay(
        attempt.answers[2],
        fraction=2 / 3,
        comment="Thiếu bước khắc phục.",
        grader_id=supervisor.id,
        now=T0 + timedelta(hours=1),
    )
    assert attempt.state == "finished"
    assert attempt.marks == pytest.approx(3.0) and attempt.percent == pytest.approx(50.0)
    assert svc.passed(quiz, [attempt])


def test_attempt_limits_delay_and_grading_methods(quiz, person):
    first = svc.start(quiz, person.id, now=T0)
    svc.save_answer(first, 0, 1, sequence=1, now=T0)
    svc.save_answer(first, 2, "", sequence=1, now=T0)
    svc.submit(first, now=T0 + timedelta(minutes=1))
    with pytest.raises(svc.AttemptRefused) as wait:
        svc.start(quiz, person.id, now=T0 + timedelta(minutes=10))
    assert wait.value.reason == "wait"
    second = svc.start(quiz, person.id, now=T0 + timedelta(minutes=40))
    svc.save_answer(second, 1, [0, 1, 2, 3], sequence=1, now=T0 + timedelta(minutes=41))
    svc.save_answer(second, 0, 1, sequence=1, now=T0 + timedelta(minutes=41))
    svc.submit(second, now=T0 + timedelta(minutes=42))
    assert first.state == second.state == "finished"
    assert first.percent == pytest.approx(100 / 6) and second.percent == pytest.approx(50.0)
    with pytest.raises(svc.AttemptRefused) as spent:
        svc.start(quiz, person.id, now=T0 + timedelta(hours=5))
    assert spent.value.reason == "no_attempts_left"
    results = {}
    for method in ("highest", "average", "first", "last"):
        quiz.grading_method = method
        results[method] = svc.quiz_grade(quiz, [first, second])
    assert results == pytest.approx(
        {"highest": 50.0, "average": (100 / 6 + 50) / 2, "first": 100 / 6, "last": 50.0}
    )


def test_open_and_close_dates(quiz, person, make, db):
    quiz.open_at, quiz.close_at = T0 + timedelta(days=1), T0 + timedelta(days=2)
    db.session.commit()
    with pytest.raises(svc.AttemptRefused) as early:
        svc.start(quiz, person.id, now=T0)
    assert early.value.reason == "not_open"
    late_start = svc.start(quiz, person.id, now=quiz.close_at - timedelta(minutes=3))
    assert late_start.deadline == quiz.close_at  # the close date caps the time limit
    someone_else = make.user(Role.AGENT)
    with pytest.raises(svc.AttemptRefused) as closed:
        svc.start(quiz, someone_else.id, now=quiz.close_at + timedelta(minutes=1))
    assert closed.value.reason == "closed"
