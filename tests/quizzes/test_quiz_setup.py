"""Setting quizzes up: draws refused at save time, stale settings, hidden quizzes, slot order."""

from portal.core.roles import Role
from quizzes.models import Quiz, QuizSlot

SETTINGS = {
    "title": "Kiểm tra quy trình trước bán",
    "shuffle_questions": "y",
    "time_limit_minutes": "15",
    "delay_minutes": "0",
    "grading_method": "highest",
    "pass_percent": "80",
    "review_after": ["answers", "correctness", "marks", "feedback", "right_answers"],
    "review_later": ["marks"],
    "hidden": "y",
}


def _quiz(author, **changes):
    response = author.post("/quizzes/new", {**SETTINGS, **changes})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return response.location


def test_a_new_quiz_is_hidden_from_learners_until_shown(login_as, db):
    author = login_as("supervisor")
    _quiz(author)
    quiz = db.session.query(Quiz).one()
    assert quiz.hidden and quiz.time_limit_minutes == 15
    learner = login_as("new_hire")
    assert "Kiểm tra quy trình" not in learner.get("/quizzes/").get_data(as_text=True)
    assert learner.get(f"/quizzes/{quiz.id}").status_code == 404
    assert learner.post(f"/quizzes/{quiz.id}/start").status_code == 404
    assert "Kiểm tra quy trình" in author.get("/quizzes/").get_data(as_text=True)


def test_a_draw_larger_than_its_category_is_refused_when_saved(
    login_as, write_question, category, db
):
    for n in range(3):
        write_question("[x] Đúng\n[ ] Sai", kind="true_false", key=f"q{n}")
    author = login_as("admin")
    _quiz(author)
    quiz = db.session.query(Quiz).one()
    too_many = author.post(
        f"/quizzes/{quiz.id}/slots", {"kind": "draw", "category_id": category.id, "count": "4"}
    )
    assert too_many.status_code == 422
    assert "chỉ còn 3 câu" in too_many.get_data(as_text=True)
    assert db.session.query(QuizSlot).count() == 0
    fits = author.post(
        f"/quizzes/{quiz.id}/slots", {"kind": "draw", "category_id": category.id, "count": "2"}
    )
    assert fits.status_code == 303
    # A fixed question from the same category leaves one question to draw from...
    assert (
        author.post(f"/quizzes/{quiz.id}/slots", {"kind": "question", "key": "q0"}).status_code
        == 303
    )
    # ...so a second draw of two no longer fits.
    again = author.post(
        f"/quizzes/{quiz.id}/slots", {"kind": "draw", "category_id": category.id, "count": "1"}
    )
    assert again.status_code == 422
    unknown = author.post(f"/quizzes/{quiz.id}/slots", {"kind": "question", "key": "khong-co"})
    assert unknown.status_code == 422
    assert db.session.query(QuizSlot).count() == 2


def test_slots_move_and_go(login_as, write_question, db):
    for n in range(3):
        write_question("[x] Đúng\n[ ] Sai", kind="true_false", key=f"q{n}")
    author = login_as("supervisor")
    _quiz(author)
    quiz = db.session.query(Quiz).one()
    for n in range(3):
        author.post(f"/quizzes/{quiz.id}/slots", {"kind": "question", "key": f"q{n}"})
    slots = sorted(quiz.slots, key=lambda s: s.position)
    author.post(f"/quizzes/{quiz.id}/slots/{slots[2].id}", {"action": "up"})
    author.post(f"/quizzes/{quiz.id}/slots/{slots[0].id}", {"action": "remove"})
    db.session.expire_all()
    order = [s.question_id for s in sorted(quiz.slots, key=lambda s: s.position)]
    assert order == [slots[2].question_id, slots[1].question_id]


def test_a_stale_settings_tab_cannot_overwrite_newer_settings(login_as, db):
    author = login_as("supervisor")
    _quiz(author)
    quiz = db.session.query(Quiz).one()
    first = author.post(
        f"/quizzes/{quiz.id}/edit", {**SETTINGS, "pass_percent": "70", "revision": "1"}
    )
    assert first.status_code == 303
    stale = author.post(
        f"/quizzes/{quiz.id}/edit", {**SETTINGS, "pass_percent": "90", "revision": "1"}
    )
    assert stale.status_code == 409
    assert 'value="90"' in stale.get_data(as_text=True)  # what they typed is still there
    db.session.expire_all()
    assert db.session.get(Quiz, quiz.id).pass_percent == 70


def test_bad_settings_are_explained(login_as, db):
    author = login_as("supervisor")
    response = author.post(
        "/quizzes/new",
        {
            **SETTINGS,
            "open_at": "2026-12-01T09:00",
            "close_at": "2026-11-30T09:00",
            "review_during": ["right_answers"],
            "pass_percent": "120",
            "title": "<b>x</b>",
        },
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Vui lòng bỏ các ký tự" in text  # the title
    assert 'aria-invalid="true"' in text and "120" in text  # the pass mark, kept as typed
    assert db.session.query(Quiz).count() == 0
    closes = author.post(
        "/quizzes/new", {**SETTINGS, "open_at": "2026-12-01T09:00", "close_at": "2026-11-30T09:00"}
    )
    assert closes.status_code == 422 and "phải đóng sau khi mở" in closes.get_data(as_text=True)


def test_open_and_close_times_are_typed_in_vietnam_time(login_as, db):
    author = login_as("supervisor")
    _quiz(author, open_at="2026-12-01T09:00", close_at="2026-12-01T17:30")
    quiz = db.session.query(Quiz).one()
    assert quiz.open_at.hour == 2 and quiz.close_at.hour == 10  # UTC+7
    page = author.get(f"/quizzes/{quiz.id}/edit").get_data(as_text=True)
    assert 'value="2026-12-01T09:00"' in page


def test_learners_cannot_set_quizzes_up(login_as, make):
    for role in (Role.NEW_HIRE, Role.AGENT, Role.HR):
        assert login_as(make.user(role)).post("/quizzes/new", SETTINGS).status_code == 403
