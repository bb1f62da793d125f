"""Over-long answers and marking comments are refused with the text kept, never cut."""

from portal.core.roles import Role
from quizzes.models import QuizAttempt
from tests.quizzes.test_attempts import quiz  # noqa: F401  (fixture)


def _essay_attempt(login_as, make, quiz, db, team=None):  # noqa: F811
    hire = login_as(make.user(Role.NEW_HIRE, team=team))
    hire.post(f"/quizzes/{quiz.id}/start")
    return hire, db.session.query(QuizAttempt).filter_by(user_id=hire.user.id).one()


def test_an_over_long_essay_is_refused_on_autosave_and_nothing_is_cut(quiz, login_as, make, db):  # noqa: F811
    hire, attempt = _essay_attempt(login_as, make, quiz, db)
    page = hire.get(f"/quizzes/attempts/{attempt.id}").get_data(as_text=True)
    assert 'name="text" rows="6" maxlength="20000"' in page  # the page counts
    url = f"/quizzes/attempts/{attempt.id}/answers/2"
    short = hire.post(url, {"text": "Bản nháp đầu.", "sequence": "1"}, htmx=True)
    assert short.status_code == 200
    refused = hire.post(url, {"text": "Dài quá. " * 2300, "sequence": "2"}, htmx=True)
    assert refused.status_code == 422 and "20000" in refused.get_data(as_text=True)
    db.session.expire_all()
    essay = next(a for a in db.session.get(QuizAttempt, attempt.id).answers if a.position == 2)
    assert essay.response == "Bản nháp đầu." and essay.sequence == 1


def test_an_over_long_marking_comment_is_refused_and_kept(quiz, login_as, make, db):  # noqa: F811
    team = make.team("A")
    hire, attempt = _essay_attempt(login_as, make, quiz, db, team=team)
    hire.post(
        f"/quizzes/attempts/{attempt.id}/answers/2",
        {"text": "Bài làm.", "sequence": "1"},
        htmx=True,
    )
    hire.post(f"/quizzes/attempts/{attempt.id}/submit")
    supervisor = login_as(make.user(Role.SUPERVISOR, leads=[team]))
    db.session.expire_all()
    essay = next(a for a in db.session.get(QuizAttempt, attempt.id).answers if a.position == 2)
    comment = "Cần nêu rõ nguyên nhân. " * 100  # 2,400 characters
    response = supervisor.post(f"/quizzes/grading/{essay.id}", {"points": "2", "comment": comment})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert comment.strip() in page and "2000" in page and 'value="2"' in page
    db.session.refresh(essay)
    assert essay.fraction is None
