"""Recording retention per channel: the dry run counts what a purge deletes; a purge
deletes the files and keeps the interaction, its transcript, reviews and scores;
recordings newer than the cutoff and channels without a rule are untouched; a
second run deletes nothing; admins set the rules (bad days refused with 422), start
a purge and read what every run deleted; the daily run is a job."""

from datetime import datetime, timedelta

import pytest

from portal.core.jobs import Job
from portal.core.models import utcnow
from portal.core.roles import Role
from portal.core.storage import StorageError, storage
from reviews import retention, scheduled_retention, timed_transcripts
from reviews.models import (
    CriterionScore,
    Interaction,
    Review,
    TranscriptSegment,
)
from reviews.recordings import key_of
from reviews.retention_models import RetentionPurge, RetentionRule

PAGE = "/reviews/retention"
PURGE = "/reviews/retention/purge"
TURNS = [
    {"speaker": "agent", "start": 0.0, "end": 3.2, "text": "Dạ em chào anh."},
    {"speaker": "customer", "start": 4.0, "end": 7.0, "text": "Số anh là 0912 345 678."},
]


def _aged(make, agent, days: float, channel: str = "phone", **kw) -> Interaction:
    """An interaction with a recording, `days` old."""
    interaction = make.interaction(agent, channel=channel, **kw)
    interaction.occurred_at = utcnow() - timedelta(days=days)
    make.db.session.commit()
    return interaction


def _stored(interaction) -> bool:
    return storage().exists(key_of(interaction.recording_file))


@pytest.fixture
def calls(make, team, db):
    """Phone calls 40 and 10 days old, an email 40 days old, a chat 400 days old."""
    agent = team["agent"]
    return {
        "old_phone": _aged(make, agent, 40),
        "new_phone": _aged(make, agent, 10),
        "old_email": _aged(make, agent, 40, channel="email"),
        "chat": _aged(make, agent, 400, channel="live_chat"),
    }


def test_the_dry_run_counts_what_the_purge_then_deletes(calls, db):
    retention.save_rules({"phone": 30, "email": 30}, by_id=None)
    now = utcnow()
    plans = {p.channel: p for p in retention.preview(now)}
    files = {name: c.recording_file for name, c in calls.items()}
    assert (plans["phone"].days, plans["phone"].recordings) == (30, 1)
    assert plans["phone"].bytes == calls["old_phone"].recording_bytes > 0
    assert plans["phone"].cutoff == now - timedelta(days=30)
    assert (plans["email"].recordings, plans["email"].bytes) == (
        1,
        calls["old_email"].recording_bytes,
    )
    assert (plans["live_chat"].days, plans["live_chat"].recordings) == (None, 0)

    runs = {r.channel: r for r in retention.purge(None, now)}
    assert {c: (r.recordings, r.bytes) for c, r in runs.items()} == {
        c: (plans[c].recordings, plans[c].bytes) for c in ("phone", "email")
    }
    db.session.expire_all()
    gone = {n for n, c in calls.items() if c.recording_file is None}
    assert gone == {"old_phone", "old_email"}
    assert not storage().exists(key_of(files["old_phone"]))
    assert not storage().exists(key_of(files["old_email"]))
    # Newer than the cutoff, and a channel without a rule however old: untouched.
    for name in ("new_phone", "chat"):
        assert calls[name].recording_file == files[name] and _stored(calls[name])
        assert calls[name].recording_purged_at is None
    assert calls["old_phone"].recording_format is None
    assert calls["old_phone"].recording_bytes is None
    assert calls["old_phone"].recording_purged_at == now
    assert all(p.recordings == 0 for p in retention.preview(now))


def test_the_purge_keeps_the_transcript_segments_review_and_scores(team, call, submitted, make, db):
    timed_transcripts.replace(call, TURNS)
    call.occurred_at = utcnow() - timedelta(days=100)
    db.session.commit()
    transcript, score = call.transcript, submitted.score
    turns = [
        s.text
        for s in db.session.query(TranscriptSegment)
        .filter_by(interaction_id=call.id)
        .order_by(TranscriptSegment.position)
    ]
    assert len(turns) == 2
    criteria = db.session.query(CriterionScore).filter_by(review_id=submitted.id).count()
    assert "0912 345 678" not in transcript and criteria > 0

    retention.save_rules({"phone": 90}, by_id=None)
    retention.purge(None)
    db.session.expire_all()
    assert call.recording_file is None and call.recording_purged_at is not None
    assert call.transcript == transcript
    segments = db.session.query(TranscriptSegment).filter_by(interaction_id=call.id)
    assert [s.text for s in segments.order_by(TranscriptSegment.position)] == turns
    review = db.session.get(Review, submitted.id)
    assert (review.state, review.score) == ("submitted", score)
    assert db.session.query(CriterionScore).filter_by(review_id=submitted.id).count() == criteria


def test_a_second_run_deletes_nothing_and_records_nothing(calls, db):
    retention.save_rules({"phone": 30}, by_id=None)
    first = retention.purge(None)
    assert [(r.channel, r.recordings) for r in first] == [("phone", 1)]
    assert retention.purge(None) == []
    purges = db.session.query(RetentionPurge).all()
    assert [(p.channel, p.recordings, p.interaction_ids) for p in purges] == [
        ("phone", 1, [calls["old_phone"].id])
    ]
    assert purges[0].by_id is None and purges[0].days == 30


def test_a_backlog_is_deleted_in_batches_into_one_record(make, team, db, monkeypatch):
    monkeypatch.setattr(retention, "BATCH", 2)
    old = [_aged(make, team["agent"], 60) for _ in range(5)]
    size = sum(c.recording_bytes for c in old)
    retention.save_rules({"phone": 30}, by_id=None)
    beats = []
    runs = retention.purge(None, beat=beats.append)
    assert beats == [2, 4, 5]  # a heartbeat (and a commit) per batch
    assert [r.recordings for r in runs] == [5]
    record = db.session.query(RetentionPurge).one()
    assert sorted(record.interaction_ids) == sorted(c.id for c in old)
    assert record.bytes == size


def test_a_file_that_cannot_be_deleted_is_logged_not_fatal(calls, db, monkeypatch, caplog):
    def refuse(key):
        raise StorageError("the bucket is read-only")

    monkeypatch.setattr(storage(), "delete", refuse)
    retention.save_rules({"phone": 30}, by_id=None)
    runs = retention.purge(None)
    assert [r.recordings for r in runs] == [1]
    db.session.expire_all()
    assert calls["old_phone"].recording_file is None
    assert "could not be deleted" in caplog.text


def test_rules_are_set_changed_and_cleared(team, db):
    retention.save_rules({"phone": 30, "email": 7}, by_id=team["lead"].id)
    retention.save_rules({"phone": 60, "email": None}, by_id=None)
    rules = {r.channel: (r.days, r.updated_by_id) for r in db.session.query(RetentionRule)}
    assert rules == {"phone": (60, None)}
    for bad in (0, -1, 3651, "30", True, 1.5):
        with pytest.raises(ValueError):
            retention.save_rules({"phone": bad}, by_id=None)
    with pytest.raises(ValueError):
        retention.save_rules({"fax": 30}, by_id=None)


def test_the_preview_is_two_queries_whatever_the_number_of_recordings(
    make, team, db, count_queries
):
    for channel in ("phone", "email", "live_chat", "social"):
        _aged(make, team["agent"], 50, channel=channel)
        _aged(make, team["agent"], 50, channel=channel)
    retention.save_rules(dict.fromkeys(("phone", "email", "live_chat", "social"), 30), by_id=None)
    db.session.expire_all()
    with count_queries() as statements:
        plans = retention.preview()
    assert [p.recordings for p in plans] == [2, 2, 2, 2]
    assert len(statements) == 2  # the rules, then one grouped count


# --- the page ------------------------------------------------------------------------


@pytest.fixture
def admin(login_as):
    session = login_as(Role.ADMIN)
    with session.client.session_transaction() as flask_session:
        flask_session["locale"] = "en"
    return session


def _form(**days):
    return dict.fromkeys(("phone", "email", "live_chat", "social"), "") | days


@pytest.mark.parametrize(
    "bad", ["0", "-1", "abc", "99999", "3651", "1.5", "٣٠", "1_000", "<script>alert(1)</script>"]
)
def test_the_form_refuses_bad_days_and_writes_nothing(admin, db, bad):
    retention.save_rules({"email": 14}, by_id=None)
    response = admin.post(PAGE, _form(phone=bad, email="7"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter a whole number from 1 to 3650." in page
    assert "<script>alert(1)</script>" not in page
    db.session.expire_all()
    assert {r.channel: r.days for r in db.session.query(RetentionRule)} == {"email": 14}


def test_the_form_saves_days_and_blank_keeps_for_ever(admin, db):
    retention.save_rules({"email": 14}, by_id=None)
    response = admin.post(PAGE, _form(phone=" 30 ", social="3650"))
    assert response.status_code == 303
    db.session.expire_all()
    rules = {r.channel: (r.days, r.updated_by_id) for r in db.session.query(RetentionRule)}
    assert rules == {"phone": (30, admin.user.id), "social": (3650, admin.user.id)}
    page = admin.get(PAGE).get_data(as_text=True)
    assert "Retention rules saved." in page
    assert 'value="30"' in page and 'value="3650"' in page
    assert "For ever (no rule)" in page  # email and live chat


def test_the_page_shows_the_dry_run_and_delete_now_writes_the_history(admin, calls, db):
    retention.save_rules({"phone": 30}, by_id=None)
    before = admin.get(PAGE)
    assert before.status_code == 200
    table = before.get_data(as_text=True)
    assert "No recording has been deleted yet." in table
    assert "<td>30 days</td>" in table and "<td>1</td>" in table

    response = admin.post(PURGE)
    assert response.status_code == 303 and response.headers["Location"].endswith(PAGE)
    db.session.expire_all()
    assert calls["old_phone"].recording_file is None
    after = admin.get(PAGE).get_data(as_text=True)
    assert "Recordings deleted: 1." in after
    history = after.split("Deleted so far", 1)[1]
    assert admin.user.name in history and "Phone" in history and "30 days" in history
    purge = db.session.query(RetentionPurge).one()
    assert purge.by_id == admin.user.id


def test_a_scheduled_run_shows_as_the_schedule(admin, calls, db):
    retention.save_rules({"phone": 30}, by_id=None)
    scheduled_retention.scheduled_retention.call_local()
    history = admin.get(PAGE).get_data(as_text=True).split("Deleted so far", 1)[1]
    assert "The schedule" in history


def test_others_cannot_open_the_page_or_delete(login_as, calls, db):
    retention.save_rules({"phone": 30}, by_id=None)
    for role in (Role.SUPERVISOR, Role.HR, Role.AGENT):
        session = login_as(role)
        assert session.get(PAGE).status_code == 403
        assert session.post(PURGE).status_code == 403
        assert session.post(PAGE, _form(phone="1")).status_code == 403
    db.session.expire_all()
    assert calls["old_phone"].recording_file is not None
    assert db.session.query(RetentionRule).one().days == 30


def test_delete_now_needs_the_csrf_token(admin, calls, db):
    retention.save_rules({"phone": 30}, by_id=None)
    response = admin.client.post(PURGE, data={})
    assert response.status_code == 400
    db.session.expire_all()
    assert calls["old_phone"].recording_file is not None


# --- the interaction after a purge -------------------------------------------------


def test_a_purged_recording_says_so_and_its_url_is_not_found(login_as, team, call, submitted, db):
    url = f"/reviews/interactions/{call.id}/recording"
    lead = login_as(team["lead"])
    assert lead.get(url).status_code == 200
    call.occurred_at = utcnow() - timedelta(days=10)
    db.session.commit()
    retention.save_rules({"phone": 5}, by_id=None)
    retention.purge(None, now=datetime(2026, 12, 31, 12, 0, tzinfo=utcnow().tzinfo))

    assert lead.get(url).status_code == 404
    with lead.client.session_transaction() as flask_session:
        flask_session["locale"] = "en"
    notice = "The recording was deleted on Dec 31, 2026 under the retention rule"
    for page_url in (f"/reviews/interactions/{call.id}", f"/reviews/{submitted.id}"):
        page = lead.get(page_url).get_data(as_text=True)
        assert notice in page and "scores and the transcript are kept" in page, page_url
        assert url not in page  # no player pointing at nothing
    agent = login_as(team["agent"]).get(f"/reviews/{submitted.id}").get_data(as_text=True)
    assert "Bản ghi âm đã bị xóa ngày" in agent  # in Vietnamese by default


# --- the job and the command ---------------------------------------------------------


def test_the_daily_run_is_a_job_at_0230_vietnam_time(calls, db):
    when = scheduled_retention.scheduled_retention.task_class()
    assert when.validate_datetime(datetime(2026, 12, 6, 19, 30))
    assert not when.validate_datetime(datetime(2026, 12, 6, 2, 30))
    retention.save_rules({"phone": 30, "email": 30}, by_id=None)
    job = scheduled_retention.start_purge()  # jobs.start → jobs.run, immediately in tests
    job = db.session.get(Job, job.id)
    assert (job.state, job.requested_by_id, job.kind) == ("done", None, "recording_retention")
    assert job.result["recordings"] == 2
    assert {c["channel"] for c in job.result["channels"]} == {"phone", "email"}
    # Again: done, nothing deleted.
    again = db.session.get(Job, scheduled_retention.start_purge().id)
    assert (again.state, again.result["recordings"]) == ("done", 0)


def test_the_command_prints_the_dry_run_then_deletes(runner, calls, db):
    retention.save_rules({"phone": 30}, by_id=None)
    dry = runner.invoke(args=["portal", "purge-recordings", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "phone: 1 recordings" in dry.output and "would be deleted" in dry.output
    assert "email: no rule, kept for ever" in dry.output
    db.session.expire_all()
    assert calls["old_phone"].recording_file is not None and _stored(calls["old_phone"])

    run = runner.invoke(args=["portal", "purge-recordings"])
    assert run.exit_code == 0, run.output
    assert "phone: 1 recordings" in run.output and "1 recordings deleted" in run.output
    again = runner.invoke(args=["portal", "purge-recordings"])
    assert "0 recordings deleted" in again.output
