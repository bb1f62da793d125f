"""The roster check and import as background jobs: the pages poll, the import writes
everything or nothing, a preview made stale by the database is refused, only the
admin who started a job sees it, and what an abandoned upload left is deleted."""

from datetime import date, timedelta

import pytest

from portal.accounts import roster_jobs
from portal.accounts.models import Team, User
from portal.core import jobs
from portal.core.jobs import Job
from portal.core.models import utcnow
from portal.core.roles import Role
from portal.core.signals import person_joined
from portal.core.storage import storage
from portal.onboarding.models import OnboardingAssignment, OnboardingModule
from tests.accounts.test_roster import confirm, upload, workbook
from tests.conftest import csrf_token

ROWS = (
    ("Lê Văn Tâm", "tam@example.vn", "nhân viên mới", "Nhóm Tư vấn", "2026-11-02"),
    ("Phan Thị Mai", "mai@example.vn", "agent", "Nhóm Tư vấn", "15/10/2026"),
)


@pytest.fixture(autouse=True)
def no_uploads_left(app):
    """The storage folder lives for the whole session: start each test without the
    uploads earlier tests left."""
    for key in list(storage().keys("uploads/roster")):
        storage().delete(key)


def stored_uploads() -> set[str]:
    return set(storage().keys("uploads/roster"))


def _job(token: str) -> Job:
    return jobs.db.session.query(Job).filter_by(token=token).one()


@pytest.fixture
def held(monkeypatch):
    """Jobs are recorded but not run, as when the worker has not got to them yet;
    `held.run(url)` then runs the job a page's URL names, as the worker would."""

    class Held:
        def run(self, url: str) -> None:
            jobs.run(_job(url.rsplit("/", 1)[-1]).id)

    monkeypatch.setattr(jobs, "run_job", lambda job_id: None)
    return Held()


ENGLISH = {
    "switch": "en",
    "import": "Import 2 people",
    "done": "2 accounts created, 0 updated.",
    "new_teams": "New teams:",
    "shown": "until this result is deleted a day after the import",
    "unknown_role": "Unknown role “overlord”",
}
VIETNAMESE = {
    "switch": "vi",
    "import": "Nhập 2 người",
    "done": "Đã tạo 2 tài khoản, cập nhật 0 tài khoản.",
    "new_teams": "Nhóm mới:",
    "shown": "cho đến khi kết quả này bị xoá một ngày sau lần nhập",
    "unknown_role": "Vai trò “overlord” không có",
}


@pytest.mark.parametrize("words", [VIETNAMESE, ENGLISH], ids=["vi", "en"])
def test_upload_check_import_end_to_end(words, login_as, db, make):
    db.session.add(OnboardingModule(title="Nhập môn", auto_assign=True, due_days=7))
    db.session.commit()
    admin = login_as("admin")
    assert admin.post("/language", {"locale": words["switch"]}).status_code == 303
    # A row problem is worded in the language of the admin who started the check.
    refused = admin.get(
        upload(admin, workbook(("A", "a@example.vn", "overlord", "N", ""))).location
    )
    assert refused.status_code == 422 and words["unknown_role"] in refused.get_data(as_text=True)

    before = stored_uploads()
    started = upload(admin, workbook(*ROWS))
    assert started.status_code == 303 and len(stored_uploads() - before) == 1
    preview = admin.get(started.location)
    assert preview.status_code == 200
    assert words["import"] in preview.get_data(as_text=True)
    assert db.session.query(User).filter_by(email="tam@example.vn").count() == 0

    page = confirm(admin, started.location)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and words["done"] in text and words["shown"] in text
    assert words["new_teams"] in text and "Nhóm Tư vấn" in text
    assert text.count("<code>") == 2
    tam = db.session.query(User).filter_by(email="tam@example.vn").one()
    assert tam.role == Role.NEW_HIRE and tam.hire_date == date(2026, 11, 2)
    assert tam.team.name == "Nhóm Tư vấn"
    # After the commit: the new hire got the module every new hire gets, and the
    # upload was deleted.
    assert db.session.query(OnboardingAssignment).filter_by(user_id=tam.id).count() == 1
    assert stored_uploads() == before


def test_a_password_shown_logs_the_person_in(login_as, db, app):
    admin = login_as("admin")
    page = confirm(admin, upload(admin, workbook(*ROWS)).location).get_data(as_text=True)
    email = "tam@example.vn"
    row = page[page.index(email) :]
    password = row.split("<code>")[1].split("</code>")[0]
    client = app.test_client()
    token = csrf_token(client)
    answer = client.post("/login", data={"email": email, "password": password, "csrf_token": token})
    assert answer.status_code == 303 and "/login" not in answer.location


def test_the_pages_poll_until_their_job_is_done(held, login_as, db):
    admin = login_as("admin")
    check_url = upload(admin, workbook(*ROWS)).location
    waiting = admin.get(check_url)
    assert waiting.status_code == 200 and "Đang kiểm tra từng dòng" in waiting.get_data(
        as_text=True
    )
    poll = admin.get(check_url, headers={"HX-Request": "true"})
    fragment = poll.get_data(as_text=True)
    assert 'hx-trigger="every 1s"' in fragment and "<html" not in fragment
    held.run(check_url)
    # The poll that sees the check finish sends the browser to the whole preview.
    finished = admin.get(check_url, headers={"HX-Request": "true"})
    assert finished.headers["HX-Redirect"].endswith(check_url)
    assert "Nhập 2 người" in admin.get(check_url).get_data(as_text=True)

    import_url = admin.post(check_url).location
    assert db.session.query(User).filter_by(email="tam@example.vn").count() == 0
    queued = admin.get(import_url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "0 trên 2 tài khoản mới" in queued and 'hx-trigger="every 1s"' in queued
    held.run(import_url)
    done = admin.get(import_url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "hx-trigger" not in done and done.count("<code>") == 2


def test_a_preview_made_stale_by_the_database_imports_nothing(login_as, db, make):
    admin = login_as("admin")
    check_url = upload(admin, workbook(*ROWS)).location
    assert admin.get(check_url).status_code == 200
    # Meanwhile someone makes Mai an admin by hand: the import may not demote her.
    make.user(Role.ADMIN, email="mai@example.vn", name="Mai")
    page = confirm(admin, check_url)
    text = page.get_data(as_text=True)
    assert "Danh sách chưa được nhập" in text and "dòng 3" in text
    assert "Kiểm tra lại tệp" in text
    assert db.session.query(User).filter_by(email="tam@example.vn").count() == 0
    assert db.session.query(Team).count() == 0
    assert db.session.query(User).filter_by(email="mai@example.vn").one().role == Role.ADMIN
    # Checking again shows the new preview, with the problem on its row.
    import_job = _job(page.request.path.rsplit("/", 1)[-1])
    again = admin.post(f"/admin/roster/{import_job.params['check']}/check-again")
    assert again.status_code == 303
    fresh = admin.get(again.location)
    assert fresh.status_code == 422 and "tài khoản quản trị" in fresh.get_data(as_text=True)
    assert len(stored_uploads()) == 1  # the file moved to the new check, not copied


@pytest.fixture
def joined():
    """The emails person_joined is sent for, while the test runs."""
    sent = []

    def record(sender, user, **_):
        sent.append(user.email)

    person_joined.connect(record)
    yield sent
    person_joined.disconnect(record)


def test_new_hires_are_announced_once_their_accounts_are_committed(joined, login_as, db):
    admin = login_as("admin")
    confirm(admin, upload(admin, workbook(*ROWS)).location)
    assert joined == ["tam@example.vn"]  # the new hire; Mai is an agent


def test_an_import_that_fails_midway_leaves_no_account(joined, monkeypatch, login_as, db):
    written = roster_jobs.write_roster

    def write_then_die(preview, passwords):
        written(preview, passwords)  # every account flushed, none committed
        raise RuntimeError("the worker lost its database connection")

    monkeypatch.setattr(roster_jobs, "write_roster", write_then_die)
    admin = login_as("admin")
    check_url = upload(admin, workbook(*ROWS)).location
    page = confirm(admin, check_url).get_data(as_text=True)
    assert "Danh sách chưa được nhập" in page and "Kiểm tra lại tệp" in page
    db.session.expire_all()
    assert (
        db.session.query(User).filter(User.email.in_(["tam@example.vn", "mai@example.vn"])).count()
        == 0
    )
    assert db.session.query(Team).count() == 0
    assert joined == []  # nobody was told of a new hire who does not exist
    assert len(stored_uploads()) == 1  # kept, to check again


def test_a_reload_after_importing_is_harmless(login_as, db):
    admin = login_as("admin")
    check_url = upload(admin, workbook(*ROWS)).location
    first = confirm(admin, check_url)
    assert first.status_code == 200
    # The preview's URL now leads to the import's page; confirming again imports nothing.
    reload = admin.get(check_url)
    assert reload.status_code == 303 and reload.location == first.request.path
    assert admin.post(check_url).location == first.request.path
    assert db.session.query(Job).filter_by(kind="roster_import").count() == 1
    assert db.session.query(User).filter(User.email.like("%@example.vn")).count() == 3


def test_another_admins_roster_jobs_are_not_found(login_as, db):
    mine, theirs = login_as("admin"), login_as("admin")
    check_url = upload(mine, workbook(*ROWS)).location
    token = check_url.rsplit("/", 1)[-1]
    assert theirs.get(check_url).status_code == 404
    assert theirs.post(check_url).status_code == 404
    assert theirs.post(f"{check_url}/check-again").status_code == 404
    import_url = confirm(mine, check_url).request.path
    assert theirs.get(import_url).status_code == 404
    assert "<code>" not in theirs.get(import_url).get_data(as_text=True)
    assert db.session.query(Job).filter_by(token=token).one().state == "done"


def test_an_abandoned_upload_is_deleted_when_its_check_expires(login_as, db):
    admin = login_as("admin")
    check_url = upload(admin, workbook(*ROWS)).location
    assert admin.get(check_url).status_code == 200 and len(stored_uploads()) == 1
    assert jobs.expire(utcnow() + timedelta(hours=23)) == 0  # still waiting a day
    assert len(stored_uploads()) == 1
    assert jobs.expire(utcnow() + timedelta(days=1, minutes=1)) == 1
    assert stored_uploads() == set()
    gone = admin.get(check_url)
    assert gone.status_code == 303 and gone.location.endswith("/admin/roster")
    assert "không còn chờ xử lý" in admin.get(gone.location).get_data(as_text=True)
    assert db.session.query(User).filter_by(email="tam@example.vn").count() == 0


def test_the_one_time_passwords_go_when_the_result_expires(login_as, db):
    admin = login_as("admin")
    import_url = confirm(admin, upload(admin, workbook(*ROWS)).location).request.path
    jobs.expire(utcnow() + timedelta(days=1, minutes=1))
    page = admin.get(import_url).get_data(as_text=True)
    assert "<code>" not in page and "đã bị xoá một ngày sau lần nhập" in page
    assert _job(import_url.rsplit("/", 1)[-1]).result == {}


def test_an_unreadable_upload_is_refused_by_its_check_and_deleted(login_as, db):
    admin = login_as("admin")
    started = upload(admin, workbook(("A", "a@example.vn"), header=["Name", "Email"]))
    assert started.status_code == 303
    page = admin.get(started.location)
    assert page.status_code == 422 and "role" in page.get_data(as_text=True).lower()
    assert stored_uploads() == set()


def test_an_import_whose_worker_died_runs_again_and_writes_once(held, login_as, db, monkeypatch):
    admin = login_as("admin")
    check_url = upload(admin, workbook(*ROWS)).location
    held.run(check_url)
    import_url = admin.post(check_url).location
    job = _job(import_url.rsplit("/", 1)[-1])
    long_ago = utcnow() - timedelta(hours=1)
    job.state, job.attempts, job.heartbeat_at = "running", 1, long_ago
    db.session.commit()
    monkeypatch.undo()  # the worker is back
    assert jobs.settle_stalled() == 1
    db.session.expire_all()
    assert _job(job.token).state == "done" and _job(job.token).attempts == 2
    assert (
        db.session.query(User).filter(User.email.in_(["tam@example.vn", "mai@example.vn"])).count()
        == 2
    )


def test_a_failure_after_the_commit_does_not_undo_or_fail_the_import(monkeypatch, login_as, db):
    def broken(sender, user, **_):
        raise RuntimeError("onboarding is down")

    person_joined.connect(broken, weak=False)
    try:
        admin = login_as("admin")
        page = confirm(admin, upload(admin, workbook(*ROWS)).location)
    finally:
        person_joined.disconnect(broken)
    # The accounts are in, so the page says so and shows their passwords.
    assert "Đã tạo 2 tài khoản" in page.get_data(as_text=True)
    assert db.session.query(User).filter_by(email="tam@example.vn").count() == 1
