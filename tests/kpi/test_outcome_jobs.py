"""The outcome import as a background job: the request refuses what it can at once
and keeps the file, the job's page polls and then says what was imported or why
nothing was; the upload never outlives the job, and a failure writes nothing."""

import io
from datetime import timedelta

import pytest
from sqlalchemy import event, insert

from portal.core.jobs import Job
from portal.core.models import utcnow
from portal.core.roles import Role
from portal.core.storage import storage
from portal.kpi import outcomes
from portal.kpi.models import OutcomeImport, OutcomeRecord

HEADER = "agent_email,date,record_id,nps,csat\n"
GOOD = (
    HEADER
    + "lan@demo.local,2026-11-10,CRM-1,10,5\n"
    + "lan@demo.local,2026-11-11,CRM-2,3,2\n"
    + "lan@demo.local,2026-11-12,,9,4\n"
).encode()


def _post(session, body: bytes, name="crm.csv"):
    return session.post(
        "/kpi/outcomes/import",
        {"file": (io.BytesIO(body), name)},
        content_type="multipart/form-data",
    )


def _uploads() -> list[str]:
    return list(storage().keys("uploads/outcomes"))


@pytest.fixture(autouse=True)
def _no_waiting_uploads(app):
    """Files are kept for the whole session: each test starts with none waiting."""
    for key in _uploads():
        storage().delete(key)


def test_the_import_runs_as_a_job_and_its_upload_is_deleted(login_as, make, db):
    make.user(Role.AGENT, email="lan@demo.local")
    hr = login_as("hr")
    posted = _post(hr, GOOD, name="xuất CRM.csv")
    assert posted.status_code == 303
    page = hr.get(posted.location)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "3 bản ghi mới, 0 bản ghi đã có" in text and "xuất CRM.csv" in text
    assert 'hx-trigger="every 1s"' not in text  # finished: no more polling
    job = db.session.query(Job).one()
    assert job.kind == "outcome_import" and job.state == "done"
    assert job.params["file"].startswith("uploads/outcomes/") and job.params["file"].endswith(
        ".csv"
    )
    assert _uploads() == []
    assert db.session.query(OutcomeRecord).count() == 3
    assert db.session.query(OutcomeImport).one().file_name == "xuất CRM.csv"


def test_an_excel_export_is_stored_as_xlsx_while_it_waits(login_as, make, db, monkeypatch):
    from openpyxl import Workbook

    from portal.kpi import outcome_jobs

    make.user(Role.AGENT, email="lan@demo.local")
    book = Workbook()
    book.active.append(["agent_email", "date", "nps"])
    book.active.append(["lan@demo.local", "2026-11-10", 8])
    buffer = io.BytesIO()
    book.save(buffer)
    seen = []
    real = outcome_jobs.outcomes.read_outcomes

    def spy(stream):
        seen.extend(_uploads())
        return real(stream)

    monkeypatch.setattr(outcome_jobs.outcomes, "read_outcomes", spy)
    hr = login_as("hr")
    page = hr.get(_post(hr, buffer.getvalue(), name="crm.xlsx").location)
    assert "1 bản ghi mới" in page.get_data(as_text=True)
    assert len(seen) == 1 and seen[0].startswith("uploads/outcomes/")
    assert seen[0].endswith(".xlsx") and len(seen[0].split("/")[-1]) == 32 + len(".xlsx")
    assert _uploads() == []


def test_a_file_with_wrong_rows_or_header_writes_nothing_and_answers_422(login_as, make, db):
    make.user(Role.AGENT, email="lan@demo.local")
    hr = login_as("hr")
    header = hr.get(_post(hr, b"email,ngay\nlan@demo.local,2026-11-10\n").location)
    assert header.status_code == 422
    assert "Dòng đầu tiên phải" in header.get_data(as_text=True)
    rows = hr.get(_post(hr, GOOD + b"lan@demo.local,2026-11-13,,12,5\n").location)
    text = rows.get_data(as_text=True)
    assert rows.status_code == 422 and "<td>5</td>" in text and "từ 0 đến 10" in text
    assert "Chưa có gì được nhập: hãy sửa tệp" in text
    assert db.session.query(OutcomeRecord).count() == 0
    assert db.session.query(OutcomeImport).count() == 0
    assert _uploads() == []


def test_what_cannot_be_read_is_refused_at_once_and_never_stored(login_as, db):
    hr = login_as("hr")
    for body in (b"\xff\xfe\x00 not text", b"", b"PK\x03\x04 not a zip"):
        refused = _post(hr, body)
        assert refused.status_code == 422, body
        assert "<form" in refused.get_data(as_text=True)
    assert _uploads() == [] and db.session.query(Job).count() == 0


def test_someone_elses_import_is_not_found(login_as, make, db):
    make.user(Role.AGENT, email="lan@demo.local")
    hr = login_as("hr")
    url = _post(hr, GOOD).location
    assert hr.get(url).status_code == 200
    assert login_as(make.user(Role.HR)).get(url).status_code == 404
    assert login_as("admin").get(url).status_code == 404
    assert login_as(make.user(Role.SUPERVISOR)).get(url).status_code == 403


def test_a_failure_midway_writes_nothing_and_says_so(login_as, make, db, monkeypatch):
    make.user(Role.AGENT, email="lan@demo.local")
    real = outcomes.import_outcomes

    def add_then_break(parsed, **kw):
        real(parsed, **kw)  # the records are added (not committed)...
        raise RuntimeError("the disk is full")  # ...then the handler breaks

    monkeypatch.setattr(outcomes, "import_outcomes", add_then_break)
    hr = login_as("hr")
    page = hr.get(_post(hr, GOOD).location)
    text = page.get_data(as_text=True)
    assert "Việc nhập chưa xong và không có gì được ghi" in text
    assert "báo quản trị viên" in text  # the runner's sentence: what to do next
    assert db.session.query(Job).one().state == "failed"
    assert db.session.query(OutcomeRecord).count() == 0
    assert db.session.query(OutcomeImport).count() == 0
    assert _uploads() == []


def test_records_imported_by_someone_else_meanwhile_answer_409(login_as, make, db):
    agent = make.user(Role.AGENT, email="lan@demo.local")

    def someone_else_first(session, flush_context, instances):
        # Between this import's look at the keys it would add and its insert (the
        # import's own row is flushed in between).
        if fired or not any(isinstance(o, OutcomeImport) for o in session.new):
            return
        fired.append(True)
        with db.engine.begin() as other:
            other.execute(
                insert(OutcomeRecord).values(
                    record_key="id:CRM-2", agent_id=agent.id, occurred_on=utcnow().date()
                )
            )

    fired = []
    event.listen(db.session, "before_flush", someone_else_first)
    hr = login_as("hr")
    try:
        page = hr.get(_post(hr, GOOD).location)
    finally:
        event.remove(db.session, "before_flush", someone_else_first)
    assert page.status_code == 409
    assert "Có người vừa nhập cùng các bản ghi này" in page.get_data(as_text=True)
    assert db.session.query(OutcomeRecord).count() == 1  # only the other import's
    assert db.session.query(OutcomeImport).count() == 0
    assert _uploads() == []
    again = hr.get(_post(hr, GOOD).location)
    assert "2 bản ghi mới, 1 bản ghi đã có" in again.get_data(as_text=True)


def _waiting(hr_user, *, token="b" * 32, state="running", heartbeat=None, key=None) -> Job:
    """An import as a worker left it (running, or as the sweep settled it)."""
    return Job(
        token=token,
        kind="outcome_import",
        requested_by_id=hr_user.id,
        state=state,
        attempts=1,
        params={"file": key or "uploads/outcomes/" + "c" * 32 + ".csv", "file_name": "crm.csv"},
        heartbeat_at=heartbeat or utcnow(),
    )


def test_the_page_polls_while_the_import_runs(login_as, db):
    hr = login_as("hr")
    db.session.add(_waiting(hr.user))
    db.session.commit()
    url = "/kpi/outcomes/import/" + "b" * 32
    whole = hr.get(url)
    assert whole.status_code == 200 and "<h1>" in whole.get_data(as_text=True)
    fragment = hr.get(url, headers={"HX-Request": "true"})
    text = fragment.get_data(as_text=True)
    assert 'hx-trigger="every 1s"' in text and "<h1>" not in text
    assert "Đang kiểm tra" in text


def test_a_third_import_at_once_is_refused_with_the_reason(login_as, db):
    hr = login_as("hr")
    for n in range(2):
        db.session.add(
            Job(
                token=str(n) * 32,
                kind="outcome_import",
                requested_by_id=hr.user.id,
                state="running",
                heartbeat_at=utcnow(),
                params={"file": f"uploads/outcomes/{n}.csv", "file_name": "x.csv"},
            )
        )
    db.session.commit()
    refused = _post(hr, GOOD)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 429
    assert "Bạn đang có 2 việc loại này đang chạy" in text and "<form" in text
    assert _uploads() == [] and db.session.query(Job).count() == 2


def test_an_import_whose_worker_died_runs_again_and_adds_each_record_once(login_as, make, db):
    make.user(Role.AGENT, email="lan@demo.local")
    hr = login_as("hr")
    key = "uploads/outcomes/" + "d" * 32 + ".csv"
    storage().save(key, GOOD)
    db.session.add(_waiting(hr.user, heartbeat=utcnow() - timedelta(hours=1), key=key))
    db.session.commit()
    job = db.session.query(Job).one()
    page = hr.get(f"/kpi/outcomes/import/{job.token}")  # the poll notices the silence
    assert "3 bản ghi mới" in page.get_data(as_text=True)
    db.session.refresh(job)
    assert job.state == "done" and job.attempts == 2
    assert db.session.query(OutcomeRecord).count() == 3 and _uploads() == []


def test_an_expired_import_leaves_no_upload_behind(app, login_as, db):
    from portal.core import jobs

    hr = login_as("hr")
    key = "uploads/outcomes/" + "e" * 32 + ".csv"
    storage().save(key, GOOD)
    job = _waiting(hr.user, state="failed", key=key)  # e.g. failed when a worker stalled
    job.finished_at = utcnow() - timedelta(days=2)
    db.session.add(job)
    db.session.commit()
    assert jobs.expire() == 1
    assert _uploads() == []
    page = hr.get(f"/kpi/outcomes/import/{job.token}")
    assert page.status_code == 200 and "không còn được giữ" in page.get_data(as_text=True)
