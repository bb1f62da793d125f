"""Regrading after a key is fixed: the dry run writes nothing, apply keeps who, when and the old marks."""

from datetime import UTC, datetime, timedelta

import pytest

from portal.core.roles import Role
from quizzes import attempts as svc
from quizzes import bank, regrade
from quizzes.models import Quiz, QuizAttempt, QuizSlot, RegradeChange

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
WRONG_KEY = "[x] 40\n[ ] 45\n[ ] 60"  # the author ticked the wrong answer
FIXED_KEY = "[ ] 40\n[x] 45\n[ ] 60"


@pytest.fixture
def setting(write_question, make, db):
    """A quiz of two questions, the first with a wrong key; three people took it."""
    nps = write_question(WRONG_KEY, key="nps", points=2)
    other = write_question("[x] Đúng\n[ ] Sai", kind="true_false", key="tf")
    quiz = Quiz(title="NPS", shuffle_questions=False, pass_percent=60)
    quiz.slots.append(QuizSlot(position=0, question_id=nps.id))
    quiz.slots.append(QuizSlot(position=1, question_id=other.id))
    db.session.add(quiz)
    db.session.commit()
    people = {}
    for name, nps_pick in (("lan", 1), ("minh", 0), ("hoa", 2)):
        person = make.user(Role.NEW_HIRE, name=name)
        attempt = svc.start(quiz, person.id, now=T0)
        svc.save_answer(attempt, 0, nps_pick, sequence=1, now=T0)
        svc.save_answer(attempt, 1, 0, sequence=1, now=T0)
        svc.submit(attempt, now=T0 + timedelta(minutes=1))
        people[name] = (person, attempt)
    return quiz, nps, people


def _fix_key(question, author=None):
    given = bank.QuestionInput(
        key=question.key,
        category_id=question.category_id,
        type="single",
        prompt="Câu hỏi?",
        points=2,
        answers=FIXED_KEY,
    )
    bank.update_question(question, given, author=author, seen_revision=question.revision)


def test_the_dry_run_lists_whose_marks_change_and_writes_nothing(setting, db):
    quiz, nps, people = setting
    lan, minh = people["lan"][1], people["minh"][1]
    assert (lan.marks, minh.marks) == (1.0, 3.0)  # 45 was right, yet marked wrong
    _fix_key(nps)
    plan = regrade.plan(nps)
    changed = {c.attempt.id: (c.old_marks, c.new_marks) for c in plan.changes}
    assert changed == {lan.id: (1.0, 3.0), minh.id: (3.0, 1.0)}
    assert plan.unchanged == 1 and plan.incompatible == 0
    db.session.expire_all()
    assert db.session.get(QuizAttempt, lan.id).marks == 1.0  # nothing written
    assert db.session.query(RegradeChange).count() == 0


def test_applying_keeps_who_when_and_the_old_marks(setting, make, db):
    quiz, nps, people = setting
    _fix_key(nps)
    admin = make.user(Role.ADMIN)
    key = regrade.plan(nps).key
    done = regrade.apply(nps, key_version_id=key.id, by=admin, now=T0 + timedelta(days=1))
    db.session.expire_all()
    lan = db.session.get(QuizAttempt, people["lan"][1].id)
    assert lan.marks == 3.0 and lan.percent == 100
    assert svc.passed(quiz, [lan])
    history = regrade.history(nps)
    assert history[0].by_id == admin.id and history[0].at == T0 + timedelta(days=1)
    assert {(c.old_marks, c.new_marks) for c in done.changes} == {(1.0, 3.0), (3.0, 1.0)}
    # The attempt still shows the version it was shown; the key used is recorded.
    answer = lan.answers[0]
    assert answer.version.version == 1 and answer.key_version.version == 2
    # Running it again changes nothing more.
    assert regrade.plan(nps).changes == []


def test_a_version_with_other_choices_is_not_regraded_automatically(setting, db):
    quiz, nps, people = setting
    given = bank.QuestionInput(
        key="nps",
        category_id=nps.category_id,
        type="single",
        prompt="?",
        points=2,
        answers="[ ] 40\n[x] 45\n[ ] 60\n[ ] 75",
    )
    bank.update_question(nps, given, author=None, seen_revision=1)
    plan = regrade.plan(nps)
    assert plan.changes == [] and plan.incompatible == 3


def test_a_regrade_that_turns_a_fail_into_a_pass_ticks_onboarding(setting, app, db):
    from portal.core.signals import content_completed

    quiz, nps, people = setting
    received = []

    def listener(sender, **kw):
        received.append(kw)

    content_completed.connect(listener)
    try:
        _fix_key(nps)
        key = regrade.plan(nps).key
        regrade.apply(nps, key_version_id=key.id, by=people["lan"][0], now=T0 + timedelta(days=1))
    finally:
        content_completed.disconnect(listener)
    assert {r["user_id"] for r in received} == {people["lan"][0].id}


def test_the_regrade_pages(setting, login_as, db):
    quiz, nps, people = setting
    _fix_key(nps)
    author = login_as("admin")
    dry = author.get(f"/quizzes/bank/{nps.id}/regrade")
    text = dry.get_data(as_text=True)
    assert dry.status_code == 200 and "lan" in text and "minh" in text and "hoa" not in text
    key = regrade.plan(nps).key.id
    applied = author.post(f"/quizzes/bank/{nps.id}/regrade", {"key_version_id": key})
    assert applied.status_code == 303
    page = author.get(f"/quizzes/bank/{nps.id}").get_data(as_text=True)
    assert author.user.name in page


def test_apply_refuses_a_key_other_than_the_one_previewed(setting, make, db):
    quiz, nps, people = setting
    _fix_key(nps)
    previewed = regrade.plan(nps).key.id
    given = bank.QuestionInput(
        key="nps",
        category_id=nps.category_id,
        type="single",
        prompt="Câu hỏi?",
        points=2,
        answers="[ ] 40\n[ ] 45\n[x] 60",
    )
    bank.update_question(nps, given, author=None, seen_revision=nps.revision)
    with pytest.raises(regrade.KeyChanged):
        regrade.apply(nps, key_version_id=previewed, by=make.user(Role.ADMIN), now=T0)
    assert db.session.query(RegradeChange).count() == 0


def test_every_regraded_answer_shows_the_corrected_key(setting, make, db):
    quiz, nps, people = setting
    _fix_key(nps)
    regrade.apply(nps, key_version_id=regrade.plan(nps).key.id, by=make.user(Role.ADMIN), now=T0)
    hoa = db.session.get(QuizAttempt, people["hoa"][1].id)  # wrong under both keys
    assert hoa.answers[0].key_version.version == 2


def test_an_attempt_running_during_a_regrade_is_marked_with_the_fixed_key(setting, make, db):
    quiz, nps, people = setting
    late = make.user(Role.NEW_HIRE)
    attempt = svc.start(quiz, late.id, now=T0)  # shows version 1, the wrong key
    svc.save_answer(attempt, 0, 1, sequence=1, now=T0)
    _fix_key(nps)
    plan = regrade.plan(nps)
    assert plan.running == 1
    regrade.apply(nps, key_version_id=plan.key.id, by=make.user(Role.ADMIN), now=T0)
    svc.save_answer(attempt, 1, 0, sequence=1, now=T0)
    svc.submit(attempt, now=T0 + timedelta(minutes=1))
    assert attempt.marks == 3.0 and attempt.answers[0].key_version.version == 2


def test_supervisors_cannot_regrade(setting, login_as, db):
    quiz, nps, people = setting
    supervisor = login_as("supervisor")
    assert supervisor.get(f"/quizzes/bank/{nps.id}/regrade").status_code == 403
    assert supervisor.post(f"/quizzes/bank/{nps.id}/regrade").status_code == 403
