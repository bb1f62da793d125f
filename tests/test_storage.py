"""Stored files behave the same on both backends: a local folder and an S3-protocol
bucket (moto's server, started here on loopback as production would run MinIO).
The player's Range requests, the HR workbook download and a recording uploaded
through the page work on S3 as they do on disk."""

import hashlib
import io
import socket

import pytest
from werkzeug.exceptions import RequestedRangeNotSatisfiable

from portal.core.models import local_today
from portal.core.roles import Role
from portal.core.storage import LocalStorage, S3Storage, StorageError, seekable
from tests.reviews.conftest import SAMPLES

WAV = (SAMPLES / "goi-cut-lun-hung.wav").read_bytes()
BUCKET = "portal-test"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint():
    """An S3-protocol server on loopback for the whole run, with test credentials."""
    server_module = pytest.importorskip("moto.server")
    mp = pytest.MonkeyPatch()
    for name, value in (
        ("AWS_ACCESS_KEY_ID", "portal-test"),
        ("AWS_SECRET_ACCESS_KEY", "portal-test-secret"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
    ):
        mp.setenv(name, value)
    port = _free_port()
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    S3Storage(BUCKET, endpoint=endpoint).client.create_bucket(Bucket=BUCKET)
    yield endpoint
    server.stop()
    mp.undo()


@pytest.fixture(params=["local", "s3"])
def backend(request, tmp_path):
    if request.param == "local":
        return LocalStorage(tmp_path)
    endpoint = request.getfixturevalue("s3_endpoint")
    # A prefix of its own per test: objects of one test never meet another's.
    return S3Storage(BUCKET, prefix=f"t-{tmp_path.name}", endpoint=endpoint)


@pytest.fixture
def on_s3(app, s3_endpoint, tmp_path):
    """The app's storage switched to the bucket for one test."""
    before = app.extensions["portal_storage"]
    app.extensions["portal_storage"] = S3Storage(
        BUCKET, prefix=f"app-{tmp_path.name}", endpoint=s3_endpoint
    )
    yield app.extensions["portal_storage"]
    app.extensions["portal_storage"] = before


def test_save_open_list_delete_on_both_backends(backend):
    assert backend.save("recordings/a1.wav", WAV) == len(WAV)
    workbook = b"PK\x03\x04 workbook"
    assert backend.save("exports/b2.xlsx", io.BytesIO(workbook)) == len(workbook)
    assert backend.exists("recordings/a1.wav") and not backend.exists("recordings/none.wav")
    with backend.open("recordings/a1.wav") as stored:
        assert hashlib.sha256(stored.read()).digest() == hashlib.sha256(WAV).digest()
    assert list(backend.keys("recordings")) == ["recordings/a1.wav"]
    assert list(backend.keys("uploads")) == []
    backend.delete("recordings/a1.wav")
    backend.delete("recordings/a1.wav")  # deleting twice is not an error
    assert not backend.exists("recordings/a1.wav")
    with pytest.raises(StorageError):
        backend.open("recordings/a1.wav")


@pytest.mark.parametrize(
    "key",
    [
        "../secret_key",
        "instance/secret_key",
        "recordings/../../etc/passwd",
        "/abs.wav",
        "recordings/",
        "RÉC/a.wav",
    ],
)
def test_keys_that_could_leave_the_area_are_refused(backend, key):
    with pytest.raises(ValueError):
        backend.save(key, b"x")


def test_serving_answers_ranges_on_both_backends(app, backend):
    backend.save("recordings/c3.wav", WAV)
    with app.test_request_context(headers={"Range": "bytes=1000-1999"}):
        part = backend.serve("recordings/c3.wav", "audio/wav")
        part.direct_passthrough = False
        assert part.status_code == 206 and part.get_data() == WAV[1000:2000]
        assert part.headers["Content-Range"] == f"bytes 1000-1999/{len(WAV)}"
    with app.test_request_context():
        whole = backend.serve("recordings/c3.wav", "audio/wav", download_name="goi.wav")
        whole.direct_passthrough = False
        assert whole.status_code == 200 and whole.get_data() == WAV
        assert whole.headers["Accept-Ranges"] == "bytes"
        assert "attachment" in whole.headers["Content-Disposition"]
    past_the_end = {"Range": f"bytes={len(WAV) + 10}-"}
    with (
        app.test_request_context(headers=past_the_end),
        pytest.raises(
            RequestedRangeNotSatisfiable  # a 416 answer
        ),
    ):
        backend.serve("recordings/c3.wav", "audio/wav")


def test_a_seekable_copy_lets_a_workbook_be_read_from_either_backend(app, backend):
    app.extensions["portal_storage"], before = backend, app.extensions["portal_storage"]
    try:
        backend.save("uploads/roster/" + "a" * 32 + ".xlsx", b"0123456789")
        with seekable("uploads/roster/" + "a" * 32 + ".xlsx") as copy:
            copy.seek(5)
            assert copy.read() == b"56789"
    finally:
        app.extensions["portal_storage"] = before


def test_the_player_seeks_in_a_recording_kept_in_the_bucket(on_s3, login_as, make, db):
    team = make.team()
    lead = make.user(Role.SUPERVISOR, leads=[team])
    agent = make.user(Role.AGENT, team=team)
    call = make.interaction(agent, by=lead)
    assert on_s3.exists(f"recordings/{call.recording_file}")
    url = f"/reviews/interactions/{call.id}/recording"
    listener = login_as(agent)
    part = listener.get(url, headers={"Range": "bytes=1000-1999"})
    assert part.status_code == 206 and part.data == WAV[1000:2000]
    assert part.headers["Cache-Control"] == "private, no-store"
    assert listener.get(url).data == WAV
    # The bucket answers nobody the interaction is hidden from.
    assert login_as(make.user(Role.AGENT, team=team)).get(url).status_code == 404


def test_an_hr_workbook_is_stored_in_the_bucket_and_downloaded(on_s3, login_as, make, db):
    make.user(Role.AGENT, team=make.team())
    hr = login_as("hr")
    started = hr.post("/kpi/export", {"period": "month", "ref": local_today().isoformat()})
    token = started.location.rsplit("/", 1)[-1]
    assert list(on_s3.keys("exports")) == [f"exports/{token}.xlsx"]
    download = hr.get(f"/kpi/exports/{token}/download")
    assert download.status_code == 200 and download.data[:2] == b"PK"
    assert "bang-diem-" in download.headers["Content-Disposition"]
