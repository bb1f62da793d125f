"""Upload limits as the README documents them: one recording up to
PORTAL_RECORDING_MAX_MB (50), a batch up to PORTAL_RECORDING_BATCH_MAX_MB, although
other uploads stop at PORTAL_MAX_UPLOAD_MB (20); the 413 page names the limit that
applied. The bodies are built in memory, nothing large is kept on disk."""

import io
import wave

from reviews.models import Interaction
from tests.reviews.test_recordings import _batch, _csv

MB = 1024 * 1024


def _wav(size: int) -> bytes:
    """A playable WAV of `size` bytes: silence, 8 kHz mono."""
    out = io.BytesIO()
    with wave.open(out, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(8000)
        audio.writeframes(bytes(size - 44))
    return out.getvalue()


def _upload(session, agent, body: bytes):
    return session.post(
        "/reviews/interactions/new",
        {
            "agent_id": str(agent.id),
            "channel": "phone",
            "occurred_at": "2026-11-20T09:30",
            "recording": (io.BytesIO(body), "goi.wav"),
        },
        content_type="multipart/form-data",
    )


def test_a_recording_above_the_app_wide_limit_but_within_its_own_is_accepted(login_as, team, db):
    lead = login_as(team["lead"])
    response = _upload(lead, team["agent"], _wav(21 * MB))
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    assert db.session.query(Interaction).one().recording_file.endswith(".wav")


def test_a_recording_above_its_limit_is_refused_naming_that_limit(login_as, team, db):
    lead = login_as(team["lead"])
    body = bytes(51 * MB)  # the size check comes before any look at the bytes
    response = _upload(lead, team["agent"], body)
    assert response.status_code in (413, 422)
    page = response.get_data(as_text=True)
    assert "50 MB" in page and "20 MB" not in page
    assert db.session.query(Interaction).count() == 0


def test_a_batch_above_the_app_wide_limit_is_accepted_and_its_own_limit_named(
    login_as, team, app, db, monkeypatch
):
    lead = login_as(team["lead"])
    email = team["agent"].email
    manifest = _csv(["lon.wav", email, "2026-11-20 09:30", "phone", "KH-1"])
    accepted = _batch(lead, manifest, {"lon.wav": _wav(21 * MB)})
    assert accepted.status_code == 200, accepted.get_data(as_text=True)[:500]
    assert db.session.query(Interaction).count() == 1
    # A smaller batch limit, so that the test need not send 500 MB.
    monkeypatch.setitem(app.config, "RECORDING_BATCH_MAX_MB", 30)
    refused = _batch(lead, manifest, {"lon.wav": _wav(31 * MB)})
    assert refused.status_code == 413
    assert "30 MB" in refused.get_data(as_text=True)
    assert db.session.query(Interaction).count() == 1


def test_other_uploads_keep_the_app_wide_limit(login_as, db):
    admin = login_as("admin")
    response = admin.post(
        "/admin/roster",
        {"workbook": (io.BytesIO(bytes(21 * MB)), "roster.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert "20 MB" in response.get_data(as_text=True)
