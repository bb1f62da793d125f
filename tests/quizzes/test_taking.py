"""Taking a quiz in the browser's terms: start, autosave (htmx), stale saves, hand in, result."""

import re

from portal.core.roles import Role
from portal.onboarding.assignment import assign
from portal.onboarding.models import ItemProgress
from portal.onboarding.modules import save_module
from quizzes.models import QuizAttempt
from tests.quizzes.test_attempts import quiz  # noqa: F401  (fixture)


def test_start_autosave_and_hand_in(quiz, login_as, db):  # noqa: F811
    hire = login_as("new_hire")
    response = hire.post(f"/quizzes/{quiz.id}/start")
    assert response.status_code == 303
    attempt_url = response.location
    page = hire.get(attempt_url).get_data(as_text=True)
    assert page.count('class="question"') == 3 and "Nộp trước" in page
    attempt = db.session.query(QuizAttempt).one()
    saved = hire.post(
        f"/quizzes/attempts/{attempt.id}/answers/0", {"choice": "1", "sequence": "1"}, htmx=True
    )
    assert saved.status_code == 200 and "<html" not in saved.get_data(as_text=True)
    # The same question saved from an older tab is refused and the newer answer kept.
    stale = hire.post(
        f"/quizzes/attempts/{attempt.id}/answers/0", {"choice": "0", "sequence": "1"}, htmx=True
    )
    assert stale.status_code == 409
    hire.post(
        f"/quizzes/attempts/{attempt.id}/answers/1",
        {"place-0": "0", "place-1": "1", "place-2": "2", "place-3": "3", "sequence": "1"},
        htmx=True,
    )
    hire.post(
        f"/quizzes/attempts/{attempt.id}/answers/2",
        {"text": "Xin lỗi và khắc phục.", "sequence": "1"},
        htmx=True,
    )
    # Coming back shows every saved answer.
    page = hire.get(attempt_url).get_data(as_text=True)
    assert re.search(r'value="1"\s*checked', page) and "Xin lỗi và khắc phục." in page
    done = hire.post(f"/quizzes/attempts/{attempt.id}/submit")
    assert done.status_code == 303
    result = hire.get(done.location).get_data(as_text=True)
    assert "3 / 6" in result
    db.session.refresh(attempt)
    assert attempt.state == "submitted"  # the essay waits for a supervisor


def test_nobody_else_sees_or_changes_an_attempt(quiz, login_as, make, db):  # noqa: F811
    owner = login_as("new_hire")
    owner.post(f"/quizzes/{quiz.id}/start")
    attempt = db.session.query(QuizAttempt).one()
    other = login_as(make.user(Role.AGENT))
    assert other.get(f"/quizzes/attempts/{attempt.id}").status_code == 404
    assert (
        other.post(
            f"/quizzes/attempts/{attempt.id}/answers/0", {"choice": "1", "sequence": "9"}
        ).status_code
        == 404
    )
    assert other.post(f"/quizzes/attempts/{attempt.id}/submit").status_code == 404
    assert other.get(f"/quizzes/attempts/{attempt.id}/result").status_code == 404


def test_supervisors_mark_essays_of_their_teams_only(quiz, login_as, make, db):  # noqa: F811
    team, other_team = make.team("A"), make.team("B")
    hire = login_as(make.user(Role.NEW_HIRE, team=team))
    outsider = login_as(make.user(Role.NEW_HIRE, team=other_team))
    for person in (hire, outsider):
        person.post(f"/quizzes/{quiz.id}/start")
        attempt = db.session.query(QuizAttempt).filter_by(user_id=person.user.id).one()
        person.post(
            f"/quizzes/attempts/{attempt.id}/answers/2",
            {"text": f"Bài của {person.user.name}", "sequence": "1"},
            htmx=True,
        )
        person.post(f"/quizzes/attempts/{attempt.id}/submit")
    supervisor = login_as(make.user(Role.SUPERVISOR, leads=[team]))
    queue = supervisor.get("/quizzes/grading").get_data(as_text=True)
    assert f"Bài của {hire.user.name}" in queue and f"Bài của {outsider.user.name}" not in queue
    mine = db.session.query(QuizAttempt).filter_by(user_id=hire.user.id).one()
    theirs = db.session.query(QuizAttempt).filter_by(user_id=outsider.user.id).one()
    essay = next(a for a in mine.answers if a.version.type == "essay")
    other_essay = next(a for a in theirs.answers if a.version.type == "essay")
    assert supervisor.post(f"/quizzes/grading/{other_essay.id}", {"points": "3"}).status_code == 404
    assert (
        supervisor.post(f"/quizzes/grading/{essay.id}", {"points": "9"}).status_code == 303
    )  # refused, flashed
    db.session.refresh(essay)
    assert essay.fraction is None
    assert (
        supervisor.post(
            f"/quizzes/grading/{essay.id}", {"points": "1.5", "comment": "Thiếu ví dụ."}
        ).status_code
        == 303
    )
    db.session.refresh(mine)
    assert mine.state == "finished" and "Thiếu ví dụ." in hire.get(
        f"/quizzes/attempts/{mine.id}/result"
    ).get_data(as_text=True)
    assert login_as("agent").get("/quizzes/grading").status_code == 403


def test_passing_a_quiz_ticks_it_in_onboarding(app, quiz, login_as, make, db):  # noqa: F811

    quiz.slots = quiz.slots[:2]  # no essay: the grade is final on handing in
    db.session.commit()
    module = save_module(
        None, title="Kiểm tra", description="", due_days=7, requires_previous=False
    )
    admin = login_as("admin")
    assert (
        admin.post(
            f"/onboarding/modules/{module.id}/items", {"content": f"quiz:{quiz.id}"}
        ).status_code
        == 303
    )
    hire = login_as("new_hire")
    assign([hire.user], [module], by=None)
    item = module.items[0]
    opened = hire.get(f"/onboarding/items/{item.id}/open")
    page = hire.get(opened.location).get_data(as_text=True)
    assert quiz.title in page and "Tự động đánh dấu khi bạn hoàn thành" in page
    assert hire.post(f"/onboarding/items/{item.id}/complete", htmx=True).status_code == 422
    hire.post(f"/quizzes/{quiz.id}/start")
    attempt = db.session.query(QuizAttempt).one()
    first, second = attempt.answers
    right_choice = next(i for i, c in enumerate(first.version.data["choices"]) if c["correct"])
    hire.post(
        f"/quizzes/attempts/{attempt.id}/answers/0",
        {"choice": str(right_choice), "sequence": "1"},
        htmx=True,
    )
    hire.post(
        f"/quizzes/attempts/{attempt.id}/answers/1",
        {"place-0": "0", "place-1": "1", "place-2": "2", "place-3": "3", "sequence": "1"},
        htmx=True,
    )
    hire.post(f"/quizzes/attempts/{attempt.id}/submit")
    progress = db.session.query(ItemProgress).filter_by(item_id=item.id, user_id=hire.user.id).one()
    assert progress.completed_at is not None
    assert "1/1" in hire.get("/onboarding/").get_data(as_text=True)
