"""Autosave reads its numbers through the bounded helper: odd ones are refused, never a 500."""

from quizzes.models import QuizAttempt
from tests.quizzes.test_attempts import quiz  # noqa: F401  (fixture)

HUGE = "9" * 20


def _start(login_as, quiz, db):  # noqa: F811
    hire = login_as("new_hire")
    assert hire.post(f"/quizzes/{quiz.id}/start").status_code == 303
    return hire, db.session.query(QuizAttempt).one()


def test_an_autosave_with_a_huge_sequence_is_refused_and_keeps_the_answer(quiz, login_as, db):  # noqa: F811
    hire, attempt = _start(login_as, quiz, db)
    url = f"/quizzes/attempts/{attempt.id}/answers/0"
    assert hire.post(url, {"choice": "1", "sequence": "1"}, htmx=True).status_code == 200
    refused = hire.post(url, {"choice": "0", "sequence": HUGE}, htmx=True)
    assert refused.status_code == 422
    assert "Tải lại trang" in refused.get_data(as_text=True)
    # The saved answer is untouched and the next ordinary save still works.
    db.session.expire_all()
    answer = next(a for a in db.session.get(QuizAttempt, attempt.id).answers if a.position == 0)
    assert answer.response == 1 and answer.sequence == 1
    assert hire.post(url, {"choice": "0", "sequence": "2"}, htmx=True).status_code == 200


def test_odd_choice_numbers_are_refused_not_crashed(quiz, login_as, db):  # noqa: F811
    hire, attempt = _start(login_as, quiz, db)
    single = f"/quizzes/attempts/{attempt.id}/answers/0"
    ordering = f"/quizzes/attempts/{attempt.id}/answers/1"
    for url, data in (
        (single, {"choice": HUGE}),
        (single, {"choice": "²"}),
        (ordering, {"place-0": HUGE, "place-1": "1", "place-2": "2", "place-3": "3"}),
    ):
        response = hire.post(url, {**data, "sequence": "5"}, htmx=True)
        assert response.status_code == 422, data
    db.session.expire_all()
    assert all(a.sequence == 0 for a in db.session.get(QuizAttempt, attempt.id).answers)
