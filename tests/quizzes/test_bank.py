"""The built-in question bank and its checks."""

from collections import Counter

import pytest
import yaml

from quizzes import services as svc
from quizzes.models import Question, QuestionCategory, QuestionVersion


@pytest.mark.parametrize(
    "question, problem",
    [
        (
            {
                "type": "single",
                "prompt": "?",
                "points": 1,
                "data": {"choices": [{"correct": True}, {"correct": True}]},
            },
            "đúng một đáp án",
        ),
        (
            {
                "type": "multiple",
                "prompt": "?",
                "points": 1,
                "data": {"choices": [{"correct": True}, {"correct": True}, {"correct": True}]},
            },
            "lựa chọn sai",
        ),
        (
            {"type": "ordering", "prompt": "?", "points": 1, "data": {"items": ["a", "a", "b"]}},
            "khác nhau",
        ),
        (
            {
                "type": "matching",
                "prompt": "?",
                "points": 1,
                "data": {
                    "pairs": [
                        {"left": "a", "right": "x"},
                        {"left": "b", "right": "x"},
                        {"left": "c", "right": "y"},
                    ]
                },
            },
            "không trùng",
        ),
        (
            {"type": "short_answer", "prompt": "?", "points": 1, "data": {"answers": [" "]}},
            "đáp án được chấp nhận",
        ),
        ({"type": "essay", "prompt": "?", "points": 3, "data": {}}, "người chấm"),
        (
            {"type": "single", "prompt": "", "points": 0, "data": {"choices": []}},
            "chưa có nội dung",
        ),
        ({"type": "poll", "prompt": "?", "points": 1, "data": {}}, "“poll”"),
    ],
)
def test_broken_questions_are_reported(app, question, problem):
    with app.test_request_context():  # the default language, Vietnamese
        problems = " ".join(svc.check_question(question))
    assert problem in problems


def test_a_sound_question_has_no_problems(app):
    question = {
        "type": "true_false",
        "prompt": "Có nên gọi khách lúc 22 giờ?",
        "points": 1,
        "data": {"choices": [{"text": "Đúng", "correct": False}, {"text": "Sai", "correct": True}]},
    }
    with app.test_request_context():
        assert svc.check_question(question) == []


def test_the_built_in_bank_loads_and_covers_the_course(content, db, app):
    folder = __import__("pathlib").Path(app.config["CONTENT_DIR"]) / "quizzes"
    if not (folder / "categories.yml").exists():
        pytest.skip("no built-in bank yet")
    counts = svc.load_question_bank()
    assert counts["created"] >= 60
    versions = db.session.query(QuestionVersion).all()
    types = Counter(v.type for v in versions)
    assert all(
        types[t] >= 3
        for t in (
            "single",
            "multiple",
            "true_false",
            "ordering",
            "matching",
            "short_answer",
            "essay",
        )
    )
    codes = {c.code for c in db.session.query(QuestionCategory)}
    from portal.playbooks.services import process_steps

    assert {s.slug for s in process_steps()} <= codes
    assert {q.step_id for q in db.session.query(Question) if q.step_id} == {
        s.id for s in process_steps()
    }
    # Loading again changes nothing.
    assert svc.load_question_bank()["created"] == 0
    assert db.session.query(QuestionVersion).count() == len(versions)


def test_a_broken_bank_is_refused_whole(content, db, tmp_path):
    folder = tmp_path / "quizzes"
    (folder / "questions").mkdir(parents=True)
    (folder / "categories.yml").write_text(
        yaml.safe_dump([{"code": "chi-so", "vi": "Chỉ số", "parent": None}])
    )
    good = {
        "key": "nps-1",
        "category": "chi-so",
        "type": "short_answer",
        "prompt": "NPS?",
        "answers": ["45"],
    }
    bad = {
        "key": "nps-2",
        "category": "khong-co",
        "type": "short_answer",
        "prompt": "?",
        "answers": ["1"],
    }
    (folder / "questions" / "01.yml").write_text(yaml.safe_dump([good, bad], allow_unicode=True))
    with pytest.raises(ValueError, match="khong-co"):
        svc.load_question_bank(folder)
    assert db.session.query(Question).count() == 0
    (folder / "questions" / "01.yml").write_text(yaml.safe_dump([good], allow_unicode=True))
    assert svc.load_question_bank(folder)["created"] == 1
    # Editing the pack gives a new version; the first stays as it was shown.
    (folder / "questions" / "01.yml").write_text(
        yaml.safe_dump([{**good, "prompt": "NPS là bao nhiêu?"}], allow_unicode=True)
    )
    assert svc.load_question_bank(folder)["updated"] == 1
    prompts = [
        v.prompt for v in db.session.query(QuestionVersion).order_by(QuestionVersion.version)
    ]
    assert prompts == ["NPS?", "NPS là bao nhiêu?"]
