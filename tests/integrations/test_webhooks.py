"""Signed "recording ready" webhooks as a phone system sends them, and the queued
fetch of the recording from a small HTTP server on loopback standing in for the
phone system: allowed hosts only, size and time limits, retries with back-off."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from portal.core import jobs
from portal.core.extensions import limiter
from portal.core.queue import huey
from portal.core.roles import Role
from portal.integrations import fetching, signatures, tokens
from portal.integrations.models import OUTCOMES_WRITE, SCOPES, ApiCall, WebhookEvent
from reviews.models import Interaction
from tests.reviews.conftest import SAMPLES

WAV = (SAMPLES / "goi-cut-lun-hung.wav").read_bytes()


class PhoneSystem(BaseHTTPRequestHandler):
    """Serves recordings the way a PBX's recording store does, plus its bad days."""

    hits: list[str] = []
    failures_left = 0

    def do_GET(self):  # noqa: N802 (the standard library's name)
        PhoneSystem.hits.append(self.path)
        if self.path == "/rec/flaky.wav" and PhoneSystem.failures_left > 0:
            PhoneSystem.failures_left -= 1
            return self._send(503, b"busy")
        if self.path == "/rec/slow.wav":
            self.send_response(200)
            self.send_header("Content-Type", "audio/wav")
            self.end_headers()
            time.sleep(1.5)  # longer than the read timeout the test sets
            return None
        if self.path == "/rec/elsewhere":
            self.send_response(302)
            self.send_header("Location", f"http://localhost:{self.server.server_port}/rec/a.wav")
            self.end_headers()
            return None
        bodies = {
            "/rec/a.wav": WAV,
            "/rec/flaky.wav": WAV,
            "/rec/text.wav": b"<script>alert(1)</script> not audio at all" * 10,
            "/rec/big.wav": WAV * 40,
        }
        if self.path not in bodies:
            return self._send(404, b"no such recording")
        return self._send(200, bodies[self.path], chunked=self.path == "/rec/big.wav")

    def _send(self, status, body, chunked=False):
        self.send_response(status)
        self.send_header("Content-Type", "audio/wav")
        if chunked:  # no Content-Length: the limit must hold while reading
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for start in range(0, len(body), 65536):
                piece = body[start : start + 65536]
                self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
            return
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def phone_system():
    server = ThreadingHTTPServer(("127.0.0.1", 0), PhoneSystem)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(autouse=True)
def fresh(phone_system):
    PhoneSystem.hits, PhoneSystem.failures_left = [], 0
    limiter.reset()
    huey.storage.flush_schedule()
    yield


@pytest.fixture
def agent(make):
    return make.user(Role.AGENT, team=make.team(), email="lan.nguyen@example.vn")


@pytest.fixture
def sender(db, phone_system):
    issued = tokens.issue("Tổng đài Stringee", SCOPES)
    tokens.set_allowed_hosts(issued.token, [phone_system])
    return issued.token


def event(phone_system, path="/rec/a.wav", **changes):
    body = {
        "id": "evt-0001",
        "type": "recording.ready",
        "source": "pbx",
        "external_id": "call-77",
        "recording_url": f"http://{phone_system}{path}",
        "interaction": {
            "agent_email": "lan.nguyen@example.vn",
            "channel": "phone",
            "occurred_at": "2026-11-20T09:30:00+07:00",
            "direction": "inbound",
            "queue": "Sau bán",
        },
    }
    body.update(changes)
    return body


def post(client, token, body, *, secret=None, at=None, raw=None, url=None):
    data = raw if raw is not None else json.dumps(body).encode()
    signature = signatures.sign(secret or token.signing_secret, data, at)
    return client.post(
        url or f"/api/v1/webhooks/{token.id}/recording-ready",
        data=data,
        content_type="application/json",
        headers={signatures.HEADER: signature},
    )


def only_job():
    (job,) = jobs.Job.query.filter_by(kind=fetching.KIND).all()
    return job


def test_a_signed_event_creates_the_call_and_its_recording_is_fetched(
    client, db, agent, sender, phone_system
):
    answer = post(client, sender, event(phone_system))
    assert answer.status_code == 202 and answer.json["status"] == "accepted"
    call = db.session.get(Interaction, answer.json["interaction_id"])
    assert (call.source, call.external_id, call.queue) == ("pbx", "call-77", "Sau bán")
    assert call.recording_format == "wav" and call.recording_bytes == len(WAV)
    assert only_job().state == "done"
    assert PhoneSystem.hits == ["/rec/a.wav"]
    logged = db.session.query(ApiCall).one()
    assert (logged.token_name, logged.status) == ("Tổng đài Stringee", 202)


def test_a_delivery_sent_again_is_answered_without_fetching_twice(
    client, db, agent, sender, phone_system
):
    first = post(client, sender, event(phone_system))
    again = post(client, sender, event(phone_system))
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json == {"status": "duplicate", "interaction_id": first.json["interaction_id"]}
    assert PhoneSystem.hits == ["/rec/a.wav"]
    assert db.session.query(WebhookEvent).count() == 1


def test_an_event_for_a_known_call_needs_no_interaction(client, db, agent, sender, phone_system):
    post(client, sender, event(phone_system, id="evt-1"))
    answer = post(client, sender, event(phone_system, id="evt-2", interaction=None))
    assert answer.status_code == 202
    unknown = post(
        client, sender, event(phone_system, id="evt-3", external_id="nope", interaction=None)
    )
    assert unknown.status_code == 422 and "external_id" in unknown.json["errors"]["json"]


@pytest.mark.parametrize(
    "how",
    ["no header", "wrong key", "body changed", "six minutes old", "six minutes ahead", "revoked"],
)
def test_unsigned_badly_signed_or_replayed_events_are_401_and_write_nothing(
    client, db, agent, sender, phone_system, how
):
    body = event(phone_system)
    data = json.dumps(body).encode()
    headers = {signatures.HEADER: signatures.sign(sender.signing_secret, data)}
    if how == "no header":
        headers = {}
    elif how == "wrong key":
        headers = {signatures.HEADER: signatures.sign("whsec_guess", data)}
    elif how == "body changed":
        data = data.replace(b"call-77", b"call-78")
    elif how == "six minutes old":
        headers = {
            signatures.HEADER: signatures.sign(sender.signing_secret, data, int(time.time()) - 360)
        }
    elif how == "six minutes ahead":
        headers = {
            signatures.HEADER: signatures.sign(sender.signing_secret, data, int(time.time()) + 360)
        }
    elif how == "revoked":
        tokens.revoke(sender)
    answer = client.post(
        f"/api/v1/webhooks/{sender.id}/recording-ready",
        data=data,
        content_type="application/json",
        headers=headers,
    )
    assert answer.status_code == 401 and answer.is_json
    assert db.session.query(Interaction).count() == 0
    assert db.session.query(WebhookEvent).count() == 0
    assert PhoneSystem.hits == []


def test_an_unknown_sender_or_one_without_the_scope_is_refused(client, db, agent, phone_system):
    crm = tokens.issue("CRM", [OUTCOMES_WRITE]).token
    tokens.set_allowed_hosts(crm, [phone_system])
    assert post(client, crm, event(phone_system)).status_code == 403
    missing = post(client, crm, event(phone_system), url="/api/v1/webhooks/999999/recording-ready")
    assert missing.status_code == 401
    assert db.session.query(Interaction).count() == 0


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1/rec/a.wav",  # an intranet address nobody allowed
        "http://127.0.0.1:1/rec/a.wav",  # the allowed host on another port
        "file:///etc/passwd",
        "ftp://{host}/rec/a.wav",
    ],
)
def test_a_recording_url_outside_the_allowed_hosts_is_422(
    client, db, agent, sender, phone_system, url
):
    answer = post(client, sender, event(phone_system, recording_url=url.format(host=phone_system)))
    assert answer.status_code == 422 and "recording_url" in answer.json["errors"]["json"]
    assert db.session.query(Interaction).count() == 0
    assert db.session.query(jobs.Job).count() == 0


@pytest.mark.parametrize(
    ("raw", "status"),
    [(b"{not json", 400), (b"[1, 2]", 422), (b'{"id": "x"}', 422), (b"x" * (65 * 1024), 413)],
)
def test_bad_bodies_get_the_right_status(client, db, agent, sender, raw, status):
    answer = post(client, sender, None, raw=raw)
    assert answer.status_code == status and answer.is_json
    assert db.session.query(Interaction).count() == 0


def test_a_fetched_file_that_is_not_audio_fails_the_job_and_attaches_nothing(
    client, db, agent, sender, phone_system
):
    answer = post(client, sender, event(phone_system, path="/rec/text.wav"))
    assert answer.status_code == 202  # the event is fine; its file is not
    job = only_job()
    assert job.state == "failed" and "không phải bản ghi âm" in job.error
    assert db.session.get(Interaction, answer.json["interaction_id"]).recording_file is None


def test_a_busy_phone_system_is_retried_with_growing_pauses(
    client, db, agent, sender, phone_system
):
    PhoneSystem.failures_left = 2
    post(client, sender, event(phone_system, path="/rec/flaky.wav"))
    job = only_job()
    assert (job.state, job.attempts) == ("queued", 1) and "503" in job.error
    pauses = []
    for _ in range(2):
        (waiting,) = huey.scheduled()
        pauses.append(round((waiting.eta - huey._get_timestamp()).total_seconds() / 10) * 10)
        huey.storage.flush_schedule()
        jobs.run(job.id)  # what the worker does when the pause is over
        db.session.refresh(job)
    assert pauses == [30, 120]
    assert (job.state, job.attempts, job.error) == ("done", 3, "")
    assert PhoneSystem.hits == ["/rec/flaky.wav"] * 3


def test_a_phone_system_that_stays_down_fails_after_the_last_attempt(
    client, db, agent, sender, phone_system
):
    PhoneSystem.failures_left = 99
    post(client, sender, event(phone_system, path="/rec/flaky.wav"))
    job = only_job()
    for _ in range(len(fetching.BACKOFF_SECONDS)):
        jobs.run(job.id)
    db.session.refresh(job)
    assert (job.state, job.attempts) == ("failed", 4) and "503" in job.error


def test_size_and_time_limits_hold_while_reading(
    app, client, db, agent, sender, phone_system, monkeypatch
):
    monkeypatch.setitem(app.config, "RECORDING_MAX_MB", 1)  # big.wav is ~1.8 MB, sent chunked
    post(client, sender, event(phone_system, path="/rec/big.wav"))
    big = only_job()
    assert big.state == "failed" and "1 MB" in big.error

    monkeypatch.setitem(app.config, "FETCH_TIMEOUT_SECONDS", 0.5)
    post(client, sender, event(phone_system, id="evt-slow", path="/rec/slow.wav"))
    slow = jobs.Job.query.filter(jobs.Job.id != big.id).one()
    assert slow.state == "queued" and slow.attempts == 1  # a timeout is tried again later


def test_a_redirect_to_a_host_not_allowed_is_not_followed(client, db, agent, sender, phone_system):
    post(client, sender, event(phone_system, path="/rec/elsewhere"))
    job = only_job()
    assert job.state == "failed" and "không nằm trong danh sách được phép" in job.error
    assert PhoneSystem.hits == ["/rec/elsewhere"]  # localhost:<port>/rec/a.wav never asked


def test_a_missing_recording_fails_at_once(client, db, agent, sender, phone_system):
    post(client, sender, event(phone_system, path="/rec/gone.wav"))
    job = only_job()
    assert (job.state, job.attempts) == ("failed", 1) and "404" in job.error


def test_hosts_are_written_in_one_form(db):
    assert fetching.normal_host("PBX.Example.VN") == "pbx.example.vn"
    assert fetching.normal_host("10.0.0.5:8443") == "10.0.0.5:8443"
    assert fetching.normal_host("tổngđài.vn") == "xn--tngi-2na70a925p.vn"  # as `idna` spells it
    assert fetching.allowed("https://tổngđài.vn/a.wav", [fetching.normal_host("Tổngđài.vn")])
    for bad in ["http://pbx.vn", "pbx.vn/rec", "user@pbx.vn", "pbx.vn:99999", "<script>", ""]:
        assert fetching.normal_host(bad) is None
    assert fetching.allowed("https://pbx.example.vn/a.wav", ["pbx.example.vn"])
    assert not fetching.allowed("https://pbx.example.vn:8443/a.wav", ["pbx.example.vn"])
    assert not fetching.allowed("https://pbx.example.vn.evil.com/a.wav", ["pbx.example.vn"])


def test_an_admin_sets_the_allowed_hosts_and_bad_entries_are_422(login_as, make, db, sender):
    admin = login_as(make.user(Role.ADMIN))
    url = f"/admin/integrations/{sender.id}/webhooks"
    page = admin.get(url)
    assert page.status_code == 200
    assert f"/api/v1/webhooks/{sender.id}/recording-ready" in page.text
    assert sender.signing_secret not in page.text  # the key is shown only when made

    refused = admin.post(url, {"hosts": "pbx.example.vn\nhttp://evil/<script>\nuser@x.vn"})
    assert refused.status_code == 422
    assert "http://evil/&lt;script&gt;" in refused.text and "<script>" not in refused.text
    db.session.refresh(sender)
    assert sender.allowed_hosts != ["pbx.example.vn"]

    saved = admin.post(url, {"hosts": "PBX.example.vn\n\n 10.0.0.5:8443 \npbx.example.vn"})
    assert saved.status_code in (302, 303)
    db.session.refresh(sender)
    assert sender.allowed_hosts == ["10.0.0.5:8443", "pbx.example.vn"]


def test_a_new_webhook_key_is_shown_once_and_the_old_one_stops_working(
    client, login_as, make, db, agent, sender, phone_system
):
    old = sender.signing_secret
    admin = login_as(make.user(Role.ADMIN))
    made = admin.post(f"/admin/integrations/{sender.id}/signing-key")
    assert made.status_code == 201 and made.headers["Cache-Control"] == "no-store"
    db.session.refresh(sender)
    assert sender.signing_secret != old and sender.signing_secret in made.text
    assert post(client, sender, event(phone_system), secret=old).status_code == 401
    assert post(client, sender, event(phone_system)).status_code == 202
