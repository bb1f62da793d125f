"""Results: review options per moment, grades per method in SQL, item analysis,
who sees whose results, and bounded queries."""

import statistics
from datetime import UTC, datetime, timedelta

import pytest

from portal.core.models import utcnow
from portal.core.roles import Role
from quizzes import attempts as svc
from quizzes import results
from quizzes.models import FINISHED, IN_PROGRESS, Quiz, QuizAttempt, QuizSlot

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@pytest.fixture
def two_questions(write_question, db):
    """Two true/false questions of one point each; the right answer is choice 0."""
    first = write_question(
        "[x] Đúng | Chính xác.\n[ ] Sai",
        kind="true_false",
        key="mot",
        prompt="NPS tính bằng % khen trừ % chê?",
    )
    second = write_question(
        "[x] Đúng\n[ ] Sai", kind="true_false", key="hai", prompt="CSAT là tỉ lệ câu trả lời 4–5?"
    )
    quiz = Quiz(title="Chỉ số", shuffle_questions=False, shuffle_answers=False, pass_percent=50)
    quiz.slots.append(QuizSlot(position=0, question_id=first.id))
    quiz.slots.append(QuizSlot(position=1, question_id=second.id))
    db.session.add(quiz)
    db.session.commit()
    return quiz


def _take(quiz, person, picks, now=T0):
    attempt = svc.start(quiz, person.id, now=now)
    for position, pick in enumerate(picks):
        svc.save_answer(attempt, position, pick, sequence=1, now=now)
    return svc.submit(attempt, now=now + timedelta(minutes=1))


def test_what_a_person_sees_follows_the_review_options(two_questions, make, db):
    quiz = two_questions
    quiz.review = {
        "during": ["marks"],
        "after": ["answers", "correctness", "marks", "feedback", "right_answers"],
        "later": ["marks"],
        "closed": ["answers"],
    }
    db.session.commit()
    attempt = _take(quiz, make.user(Role.NEW_HIRE), [0, 1])
    assert results.review_moment(quiz, attempt, T0 + timedelta(minutes=5)) == "after"
    assert results.review_allowed(quiz, attempt, T0 + timedelta(hours=1)) == {"marks"}
    quiz.close_at = T0 + timedelta(days=1)
    assert results.review_allowed(quiz, attempt, T0 + timedelta(days=2)) == {"answers"}
    running = svc.start(quiz, make.user(Role.NEW_HIRE).id, now=T0)
    assert results.review_allowed(quiz, running, T0) == {"marks"}


def test_the_result_page_shows_only_what_is_allowed_now(two_questions, login_as, make, db):
    quiz = two_questions
    quiz.review = {
        "after": ["answers", "correctness", "marks", "feedback", "right_answers"],
        "later": ["marks"],
        "closed": ["answers", "right_answers"],
    }
    db.session.commit()
    hire = login_as("new_hire")
    attempt = _take(quiz, hire.user, [0, 1], now=utcnow())
    url = f"/quizzes/attempts/{attempt.id}/result"
    right_after = hire.get(url).get_data(as_text=True)
    assert "Đáp án đúng:" in right_after and "Chính xác." in right_after
    assert "1 / 2" in right_after

    attempt.submitted_at = utcnow() - timedelta(hours=1)  # later, quiz still open
    db.session.commit()
    later = hire.get(url).get_data(as_text=True)
    assert "Đáp án đúng:" not in later and "Chính xác." not in later and "1 / 2" in later

    quiz.close_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    closed = hire.get(url).get_data(as_text=True)
    assert "Đáp án đúng:" in closed and "1 / 2" not in closed and "Chính xác." not in closed


def test_supervisors_see_every_detail_of_their_teams_attempts_only(
    two_questions, login_as, make, db
):
    quiz = two_questions
    quiz.review = {"after": [], "later": [], "closed": []}
    db.session.commit()
    team, other = make.team(), make.team()
    hire = make.user(Role.NEW_HIRE, team=team)
    attempt = _take(quiz, hire, [0, 0], now=utcnow())
    url = f"/quizzes/attempts/{attempt.id}/result"
    assert "Đáp án đúng:" not in login_as(hire).get(url).get_data(as_text=True)
    lead = login_as(make.user(Role.SUPERVISOR, leads=[team]))
    assert "Đáp án đúng:" in lead.get(url).get_data(as_text=True)
    assert login_as(make.user(Role.SUPERVISOR, leads=[other])).get(url).status_code == 404
    assert login_as(make.user(Role.AGENT, team=team)).get(url).status_code == 404
    page = lead.get(f"/quizzes/{quiz.id}/results").get_data(as_text=True)
    assert hire.name in page
    outsider_page = login_as(make.user(Role.SUPERVISOR, leads=[other])).get(
        f"/quizzes/{quiz.id}/results"
    )
    assert hire.name not in outsider_page.get_data(as_text=True)


def test_grades_by_each_method_are_computed_in_sql(two_questions, make, db):
    quiz = two_questions
    person = make.user(Role.AGENT)
    for number, (marks, state) in enumerate(
        [(0.8, FINISHED), (1.6, FINISHED), (1.2, FINISHED), (None, IN_PROGRESS)], start=1
    ):
        db.session.add(
            QuizAttempt(
                quiz_id=quiz.id,
                user_id=person.id,
                number=number,
                state=state,
                marks=marks,
                max_marks=2,
                started_at=T0,
            )
        )
    db.session.commit()
    (grade,) = results.grades(QuizAttempt.user_id == person.id)
    assert grade.attempts == 4
    expected = {"highest": 80, "average": 60, "first": 40, "last": 60}
    for method, value in expected.items():
        assert grade.by(method) == pytest.approx(value)
        quiz.grading_method = method
        assert svc.quiz_grade(quiz, svc.attempts_of(quiz, person.id)) == pytest.approx(value)


def test_item_analysis_matches_a_hand_computation(two_questions, make, db):
    quiz = two_questions
    # (first, second) right (0) or wrong (1) for five people.
    picks = [(0, 0), (0, 1), (1, 1), (0, 0), (1, 0)]
    for pick in picks:
        _take(quiz, make.user(Role.AGENT), list(pick))
    stats = {s.key: s for s in results.item_analysis(quiz)}
    first = [1 - a for a, _ in picks]
    second = [1 - b for _, b in picks]
    assert stats["mot"].facility == pytest.approx(0.6)
    assert stats["mot"].discrimination == pytest.approx(1 / 6)  # worked out by hand
    assert stats["mot"].discrimination == pytest.approx(statistics.correlation(first, second))
    assert stats["hai"].facility == pytest.approx(0.6)
    assert stats["mot"].verdict == "weak" and stats["mot"].answered == 5


def test_a_question_the_weak_get_right_is_flagged(write_question, make, db):
    questions = [
        write_question("[x] Đúng\n[ ] Sai", kind="true_false", key=f"q{n}") for n in range(3)
    ]
    quiz = Quiz(title="T", shuffle_questions=False, shuffle_answers=False)
    for position, q in enumerate(questions):
        quiz.slots.append(QuizSlot(position=position, question_id=q.id))
    db.session.add(quiz)
    db.session.commit()
    # Strong people get q0 and q1 right but q2 wrong; weak ones the reverse.
    for pick in [(0, 0, 1)] * 3 + [(1, 1, 0)] * 3:
        _take(quiz, make.user(Role.AGENT), list(pick))
    stats = {s.key: s for s in results.item_analysis(quiz)}
    assert stats["q2"].discrimination < 0 and stats["q2"].verdict == "check_key"
    assert next(iter(results.item_analysis(quiz))).key == "q2"  # worst first


def test_results_pages_issue_a_bounded_number_of_queries(
    two_questions, login_as, make, count_queries, db
):
    quiz = two_questions
    team = make.team()
    lead = login_as(make.user(Role.SUPERVISOR, leads=[team]))

    def statements(url):
        with count_queries() as found:
            assert lead.get(url).status_code == 200
        return len(found)

    for _ in range(3):
        _take(quiz, make.user(Role.AGENT, team=team), [0, 1])
    few = [statements(f"/quizzes/{quiz.id}/results"), statements(f"/quizzes/{quiz.id}/analysis")]
    for _ in range(20):
        _take(quiz, make.user(Role.AGENT, team=team), [1, 0])
    many = [statements(f"/quizzes/{quiz.id}/results"), statements(f"/quizzes/{quiz.id}/analysis")]
    assert many == few


def test_the_attempt_and_result_pages_do_not_query_per_question(
    write_question, login_as, count_queries, db
):
    def quiz_of(size, tag):
        quiz = Quiz(title=tag, shuffle_questions=False)
        for n in range(size):
            q = write_question("[x] Đúng\n[ ] Sai", kind="true_false", key=f"{tag}{n}")
            quiz.slots.append(QuizSlot(position=n, question_id=q.id))
        db.session.add(quiz)
        db.session.commit()
        return quiz

    hire = login_as("new_hire")
    counts = []
    for quiz in (quiz_of(2, "a"), quiz_of(12, "b")):
        attempt = svc.start(quiz, hire.user.id, now=utcnow())
        with count_queries() as page:
            assert hire.get(f"/quizzes/attempts/{attempt.id}").status_code == 200
        svc.submit(attempt, now=utcnow())
        with count_queries() as result:
            assert hire.get(f"/quizzes/attempts/{attempt.id}/result").status_code == 200
        counts.append((len(page), len(result)))
    assert counts[0] == counts[1]
