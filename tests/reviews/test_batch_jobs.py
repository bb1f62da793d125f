"""A batch of recordings as a background job: the request keeps the manifest and the
files under generated names, the job's page polls and then lists what was created
and refused; a failure or a dead worker leaves no half-made interaction, no copy of
a recording, and none of the batch's uploads."""

from datetime import timedelta

import pytest

from portal.core import jobs
from portal.core.jobs import Job
from portal.core.models import utcnow
from portal.core.roles import Role
from portal.core.storage import storage
from reviews import batch_jobs, recordings
from reviews.models import Interaction
from tests.reviews.test_recordings import WAV, _batch, _csv, _send
from tests.test_hostile_workbooks import _bomb


@pytest.fixture(autouse=True)
def _no_waiting_uploads(app):
    """Files are kept for the whole session: each test starts with no batch waiting."""
    for key in list(storage().keys("uploads/batches")):
        storage().delete(key)


def _uploads() -> list[str]:
    return list(storage().keys("uploads/batches"))


def _two_rows(email: str) -> bytes:
    return _csv(
        ["a.wav", email, "2026-11-20 09:30", "phone", "KH-1"],
        ["b.wav", email, "2026-11-20 10:30", "phone", "KH-2"],
    )


def test_the_files_wait_under_generated_names_and_are_deleted_after(
    login_as, team, db, monkeypatch
):
    waiting = []
    real = recordings.check_audio

    def spy(stream, **kw):
        waiting.extend(_uploads())
        return real(stream, **kw)

    monkeypatch.setattr(recordings, "check_audio", spy)
    lead = login_as(team["lead"])
    page = _batch(lead, _two_rows(team["agent"].email), {"a.wav": WAV, "b.wav": WAV})
    assert page.status_code == 200 and "Đã lưu 2 tương tác" in page.get_data(as_text=True)
    folder = waiting[0].rsplit("/", 1)[0]
    assert set(waiting[:3]) == {f"{folder}/manifest.csv", f"{folder}/f0001", f"{folder}/f0002"}
    assert folder.startswith("uploads/batches/") and len(folder.split("/")[-1]) == 32
    job = db.session.query(Job).one()
    assert job.kind == "recording_batch" and job.state == "done"
    assert job.params["files"] == {"f0001": "a.wav", "f0002": "b.wav"}
    assert _uploads() == []


def test_someone_elses_batch_is_not_found(login_as, team, make, db):
    lead = login_as(team["lead"])
    posted = _send(lead, _two_rows(team["agent"].email), {"a.wav": WAV, "b.wav": WAV})
    assert lead.get(posted.location).status_code == 200
    other = make.user(Role.SUPERVISOR, leads=[team["team"]])
    assert login_as(other).get(posted.location).status_code == 404
    assert login_as("admin").get(posted.location).status_code == 404
    assert login_as(team["agent"]).get(posted.location).status_code == 403


def test_a_failure_midway_saves_nothing_and_leaves_no_file(login_as, team, db, monkeypatch):
    kept_before = set(storage().keys("recordings"))
    real = recordings.create_interaction
    made = []

    def second_one_breaks(*args, **kw):
        made.append(real(*args, **kw))  # the first interaction is added...
        if len(made) == 2:
            raise RuntimeError("the database connection broke")  # ...then the job breaks

    monkeypatch.setattr(recordings, "create_interaction", second_one_breaks)
    lead = login_as(team["lead"])
    page = _batch(lead, _two_rows(team["agent"].email), {"a.wav": WAV, "b.wav": WAV})
    text = page.get_data(as_text=True)
    assert "Đợt tải lên chưa xong và chưa lưu tương tác nào" in text
    assert "báo quản trị viên" in text and "Tải lại đợt này lên" in text
    assert db.session.query(Job).one().state == "failed"
    assert db.session.query(Interaction).count() == 0
    assert set(storage().keys("recordings")) == kept_before  # no recording without its row
    assert _uploads() == []


def test_a_crafted_or_oversized_manifest_is_refused_at_once_and_nothing_stored(
    login_as, team, app, db, monkeypatch
):
    lead = login_as(team["lead"])
    bomb = _send(lead, _bomb(), {"a.wav": WAV}, name="danh-sach.xlsx")
    assert bomb.status_code == 422 and "giải nén" in bomb.get_data(as_text=True)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024 * 1024)  # a manifest's limit
    big = _send(lead, _two_rows(team["agent"].email) + b"x" * 1024 * 1024, {"a.wav": WAV})
    assert big.status_code == 422 and "lớn hơn 1 MB" in big.get_data(as_text=True)
    assert _uploads() == [] and db.session.query(Job).count() == 0


def test_a_third_batch_at_once_is_refused_with_the_reason(login_as, team, db):
    lead = login_as(team["lead"])
    for n in range(2):
        db.session.add(
            Job(
                token=str(n) * 32,
                kind="recording_batch",
                requested_by_id=lead.user.id,
                state="running",
                heartbeat_at=utcnow(),
                params={"batch": chr(ord("a") + n) * 32, "files": {}},
            )
        )
    db.session.commit()
    refused = _send(lead, _two_rows(team["agent"].email), {"a.wav": WAV, "b.wav": WAV})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 429
    assert "Bạn đang có 2 việc loại này đang chạy" in text and "<form" in text
    assert _uploads() == [] and db.session.query(Interaction).count() == 0


def test_the_page_polls_while_the_batch_runs(login_as, team, db):
    lead = login_as(team["lead"])
    db.session.add(
        Job(
            token="c" * 32,
            kind="recording_batch",
            requested_by_id=lead.user.id,
            state="running",
            done=3,
            total=10,
            heartbeat_at=utcnow(),
            params={"batch": "c" * 32, "files": {}},
        )
    )
    db.session.commit()
    url = "/reviews/interactions/import/" + "c" * 32
    assert "<h1>" in lead.get(url).get_data(as_text=True)
    fragment = lead.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'hx-trigger="every 1s"' in fragment and "<h1>" not in fragment
    assert "3 trên 10 tệp" in fragment


def test_a_batch_whose_worker_died_runs_again_without_copies(login_as, team, db, monkeypatch):
    kept_before = set(storage().keys("recordings"))
    lead = login_as(team["lead"])
    monkeypatch.setattr(jobs, "run_job", lambda job_id: None)  # queued; no worker takes it
    posted = _send(lead, _two_rows(team["agent"].email), {"a.wav": WAV, "b.wav": WAV})
    monkeypatch.undo()
    job = db.session.query(Job).one()
    # The worker copied the first recording (half of it), then died before committing.
    leftover = f"recordings/{batch_jobs._stem(job.params['batch'], 'f0001')}.wav"
    storage().save(leftover, WAV[:1000])
    job.state, job.attempts = "running", 1
    job.heartbeat_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    page = lead.get(posted.location)  # the poll notices the silence; the job runs again
    assert "Đã lưu 2 tương tác" in page.get_data(as_text=True)
    db.session.refresh(job)
    assert job.state == "done" and job.attempts == 2
    saved = db.session.query(Interaction).order_by(Interaction.id).all()
    assert [i.customer_ref for i in saved] == ["KH-1", "KH-2"]
    assert f"recordings/{saved[0].recording_file}" == leftover
    with storage().open(leftover) as stored:
        assert stored.read() == WAV  # overwritten whole, not kept half
    assert set(storage().keys("recordings")) - kept_before == {
        f"recordings/{i.recording_file}" for i in saved
    }
    assert _uploads() == []


def test_a_failed_batch_that_expires_leaves_nothing_behind(login_as, team, db, monkeypatch):
    kept_before = set(storage().keys("recordings"))
    lead = login_as(team["lead"])
    monkeypatch.setattr(jobs, "run_job", lambda job_id: None)
    _send(lead, _two_rows(team["agent"].email), {"a.wav": WAV, "b.wav": WAV})
    job = db.session.query(Job).one()
    storage().save(f"recordings/{batch_jobs._stem(job.params['batch'], 'f0002')}.wav", WAV)
    # Failed by the sweep after its last attempt died (no handler to clean up).
    job.state, job.finished_at = "failed", utcnow() - timedelta(days=30)
    db.session.commit()
    assert jobs.expire() == 1
    assert _uploads() == [] and set(storage().keys("recordings")) == kept_before
