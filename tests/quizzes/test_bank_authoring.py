"""Writing questions by hand: the answers text, versions, stale tabs, bad and hostile input."""

import pytest

from portal.core.roles import Role
from quizzes import bank
from quizzes.models import Question, QuestionVersion
from quizzes.services import QUESTION_HISTORY, check_question

SAMPLES = {
    "single": "[ ] 40 | Chưa đúng: đó là % khách khen.\n[x] 45 | Đúng: 60% − 15%.\n[ ] 60",
    "multiple": "[x] Điện thoại\n[x] Email\n[ ] Fax | Công ty không dùng fax.",
    "true_false": "[x] Đúng\n[ ] Sai",
    "ordering": "Tìm hiểu nhu cầu\nTư vấn\nBáo giá",
    "matching": "Khách VIP => Doanh thu cao\nKhách mới => Lần đầu mua\nKhách cũ => Đã từng mua",
    "short_answer": "45\n45%",
    "essay": "Nêu lời xin lỗi, nguyên nhân và hướng khắc phục.",
}


@pytest.mark.parametrize("kind", SAMPLES)
def test_the_answers_text_reads_back_exactly_as_written(kind):
    data, problems = bank.parse_answers(kind, SAMPLES[kind])
    assert problems == []
    assert bank.format_answers(kind, data) == SAMPLES[kind]
    content = {"type": kind, "prompt": "?", "points": 1, "data": data}
    assert check_question(content) == []


def test_choice_lines_without_a_mark_are_explained():
    data, problems = bank.parse_answers("single", "[x] 45\n- 40")
    assert len(problems) == 1 and "- 40" in problems[0]


def test_a_new_question_gets_a_key_and_version_1(write_question, db):
    question = write_question(SAMPLES["single"], prompt="Tính NPS khi 60% khen, 15% chê?")
    assert question.key == "tinh-nps-khi-60-khen-15-che"
    assert question.current_version == 1
    again = write_question(SAMPLES["single"], prompt="Tính NPS khi 60% khen, 15% chê?")
    assert again.key == "tinh-nps-khi-60-khen-15-che-2"


def test_editing_makes_a_new_version_and_keeps_the_old_one(write_question, make, db):
    author = make.user(Role.SUPERVISOR)
    question = write_question(SAMPLES["single"])
    given = bank.QuestionInput(
        key=question.key,
        category_id=question.category_id,
        type="single",
        prompt="Câu hỏi?",
        points=1,
        answers="[x] 40\n[ ] 45\n[ ] 60",
    )
    assert bank.update_question(question, given, author=author, seen_revision=1)
    versions = QUESTION_HISTORY.versions(question.id)
    assert [v.version for v in versions] == [2, 1]
    assert versions[0].author_id == author.id
    assert versions[1].data["choices"][1]["correct"] is True  # the old key is kept
    # Saving the same content again changes nothing.
    assert not bank.update_question(question, given, author=author, seen_revision=2)


def test_a_stale_tab_cannot_overwrite_a_newer_version(write_question):
    question = write_question(SAMPLES["single"])
    given = bank.QuestionInput(
        key=question.key,
        category_id=question.category_id,
        type="single",
        prompt="Mới?",
        points=1,
        answers=SAMPLES["single"],
    )
    bank.update_question(question, given, author=None, seen_revision=1)
    with pytest.raises(bank.StaleQuestion):
        bank.update_question(question, given, author=None, seen_revision=1)


def test_the_editor_refuses_bad_questions_with_reasons_and_writes_nothing(login_as, category, db):
    author = login_as("supervisor")
    response = author.post(
        "/quizzes/bank/new",
        {
            "category_id": category.id,
            "type": "single",
            "prompt": "Câu hỏi?",
            "points": "1",
            "answers": "[x] A\n[x] B",  # two right answers for a single-choice question
            "step_id": "0",
        },
    )
    assert response.status_code == 422
    assert "đúng một đáp án đúng" in response.get_data(as_text=True)
    assert db.session.query(Question).count() == 0


def test_hostile_text_is_shown_as_text(login_as, category, db):
    author = login_as("admin")
    response = author.post(
        "/quizzes/bank/new",
        {
            "category_id": category.id,
            "type": "short_answer",
            "prompt": "<script>alert(1)</script> NPS\u200b là gì?",
            "points": "1",
            "answers": "Net Promoter Score",
            "step_id": "0",
        },
    )
    assert response.status_code == 303
    page = author.get(response.location).get_data(as_text=True)
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page
    assert db.session.query(QuestionVersion).one().prompt == "<script>alert(1)</script> NPS là gì?"


def test_the_editor_answers_409_to_a_stale_tab_and_keeps_the_text(login_as, write_question, db):
    question = write_question(SAMPLES["single"])
    author = login_as("supervisor")
    form = {
        "category_id": question.category_id,
        "type": "single",
        "prompt": "Phiên bản của tab cũ",
        "points": "1",
        "answers": SAMPLES["single"],
        "step_id": "0",
        "revision": "1",
    }
    first = author.post(f"/quizzes/bank/{question.id}/edit", {**form, "prompt": "Tab mới"})
    assert first.status_code == 303
    stale = author.post(f"/quizzes/bank/{question.id}/edit", form)
    assert stale.status_code == 409
    assert "Phiên bản của tab cũ" in stale.get_data(as_text=True)
    assert question.current_version == 2


def test_archived_questions_are_never_drawn_again(write_question, db):
    from quizzes.drawing import pools
    from quizzes.models import Quiz, QuizSlot

    kept = write_question(SAMPLES["true_false"])
    gone = write_question(SAMPLES["true_false"])
    bank.set_archived(gone, True)
    quiz = Quiz(title="T")
    quiz.slots.append(QuizSlot(category_id=kept.category_id, count=1))
    db.session.add(quiz)
    db.session.commit()
    assert pools(quiz) == [[kept.id]]


def test_the_bank_page_filters_and_searches(login_as, write_question):
    write_question(SAMPLES["ordering"], kind="ordering", prompt="Năm bước quy trình trước bán")
    write_question(SAMPLES["single"], prompt="Tính chỉ số NPS")
    author = login_as("supervisor")
    page = author.get("/quizzes/bank?q=nps").get_data(as_text=True)
    assert "Tính chỉ số NPS" in page and "Năm bước quy trình" not in page
    fragment = author.get("/quizzes/bank?type=ordering", headers={"HX-Request": "true"})
    text = fragment.get_data(as_text=True)
    assert "<html" not in text and "Năm bước quy trình" in text and "Tính chỉ số" not in text


def test_search_finds_vietnamese_capitals_with_or_without_diacritics(login_as, write_question):
    write_question(SAMPLES["single"], prompt="Đơn hàng bị trả lại thì làm gì?")
    author = login_as("supervisor")
    for words in ("đơn", "Đơn", "don hang", "ĐƠN"):
        page = author.get("/quizzes/bank", query_string={"q": words}).get_data(as_text=True)
        assert "Đơn hàng bị trả lại" in page, words


def test_a_label_edit_survives_a_content_pack_reload(app, content, make, db):
    from quizzes.models import QuestionCategory
    from quizzes.services import load_question_bank

    load_question_bank()
    question = db.session.query(Question).filter_by(key="kt-thoi-diem-cham-soc").one()
    other = db.session.query(QuestionCategory).filter_by(code="ky-nang").one()
    version = QUESTION_HISTORY.versions(question.id)[0]
    given = bank.QuestionInput(
        key=question.key,
        category_id=other.id,
        type=version.type,
        prompt=version.prompt,
        points=version.points,
        answers=bank.format_answers(version.type, version.data),
        general_feedback=version.general_feedback,
        tags=("đã-chuyển",),
    )
    assert not bank.update_question(question, given, author=make.user(Role.ADMIN), seen_revision=1)
    load_question_bank()
    db.session.expire_all()
    moved = db.session.get(Question, question.id)
    assert moved.category_id == other.id and moved.tags == ["đã-chuyển"]
