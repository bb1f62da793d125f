"""Recordings: checked by content, stored by generated names, served by range
to the people allowed to see the interaction; batches (background jobs) keep their
good rows, list the rest with why, and leave none of their uploads behind."""

import io

from openpyxl import Workbook

from portal.core.roles import Role
from portal.core.storage import storage
from reviews.models import Interaction
from tests.reviews.conftest import SAMPLES

WAV = (SAMPLES / "goi-cut-lun-hung.wav").read_bytes()


def _send(session, manifest: bytes, files: dict[str, bytes], name="manifest.csv"):
    data = {"manifest": (io.BytesIO(manifest), name)}
    data["recordings"] = [(io.BytesIO(body), file_name) for file_name, body in files.items()]
    return session.post("/reviews/interactions/import", data, content_type="multipart/form-data")


def _batch(session, manifest: bytes, files: dict[str, bytes], name="manifest.csv"):
    """Send a batch and open the page it leads to (in tests the job runs within the
    request that starts it); a batch refused at once answers the form itself."""
    posted = _send(session, manifest, files, name)
    if posted.status_code != 303:
        return posted
    assert "/reviews/interactions/import/" in posted.location
    return session.get(posted.location)


def _csv(*rows):
    header = "file_name,agent_email,occurred_at,channel,customer_ref\n"
    return (header + "\n".join(",".join(r) for r in rows)).encode()


def test_a_batch_keeps_its_good_rows_and_says_why_others_were_refused(login_as, team, app, db):
    kept_before = set(storage().keys("recordings"))
    lead = login_as(team["lead"])
    email = team["agent"].email
    response = _batch(
        lead,
        _csv(
            ["tot.wav", email, "2026-11-20 09:30", "phone", "KH-1"],
            ["gia.mp3", email, "2026-11-20 10:00", "phone", "KH-2"],  # text named .mp3
            ["rong.wav", email, "2026-11-20 10:30", "phone", "KH-3"],  # empty
            ["../../etc/passwd.wav", email, "2026-11-20 11:00", "phone", "KH-4"],
            ["thieu.wav", email, "2026-11-20 11:30", "phone", "KH-5"],  # not uploaded
            ["tot.wav", "ai@khong.co", "ngày mai", "fax", "KH-6"],
        ),
        {
            "tot.wav": WAV,
            "gia.mp3": b"ID3 this is not audio at all " * 10,
            "rong.wav": b"",
            "passwd.wav": WAV,
            "thua.wav": WAV,  # no row names it
        },
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 200, text[:800]
    saved = db.session.query(Interaction).order_by(Interaction.id).all()
    assert [i.customer_ref for i in saved] == ["KH-1", "KH-4"]
    for reason in (
        "Dòng 3",
        "Dòng 4",
        "Dòng 6",
        "Dòng 7",
        "thua.wav",
        "Tệp rỗng",
        "không phải bản ghi âm",
    ):
        assert reason in text, reason
    # Stored under generated names in the recordings area, never the client's.
    for interaction in saved:
        assert interaction.recording_file.endswith(".wav") and "/" not in interaction.recording_file
        assert storage().exists(f"recordings/{interaction.recording_file}")
    assert saved[1].original_name == "passwd.wav"
    assert saved[0].occurred_at.hour == 2  # 09:30 in Vietnam is 02:30 UTC
    # The page links what it created; the batch's uploads are gone.
    for interaction in saved:
        assert f'href="/reviews/interactions/{interaction.id}"' in text
    assert list(storage().keys("uploads/batches")) == []
    assert set(storage().keys("recordings")) - kept_before == {
        f"recordings/{i.recording_file}" for i in saved
    }


def test_an_excel_manifest_works_too_and_a_bad_manifest_writes_nothing(login_as, team, db):
    book = Workbook()
    book.active.append(["file_name", "agent_email", "occurred_at", "channel", "customer_ref"])
    book.active.append(["a.wav", team["agent"].email, "2026-11-21 08:00", "phone", "KH-9"])
    buffer = io.BytesIO()
    book.save(buffer)
    lead = login_as(team["lead"])
    ok = _batch(lead, buffer.getvalue(), {"a.wav": WAV}, name="danh-sach.xlsx")
    assert ok.status_code == 200 and db.session.query(Interaction).count() == 1
    wrong = _batch(lead, b"ten,email\nx,y\n", {"b.wav": WAV})
    assert wrong.status_code == 422 and db.session.query(Interaction).count() == 1
    assert "Dòng đầu tiên phải" in wrong.get_data(as_text=True)
    binary = _send(lead, b"\xff\xfe\x00garbage", {"b.wav": WAV})  # refused at once
    assert binary.status_code == 422 and "UTF-8" in binary.get_data(as_text=True)
    assert list(storage().keys("uploads/batches")) == []


def test_one_upload_refuses_wrong_content_and_oversized_files(login_as, team, app, db):
    lead = login_as(team["lead"])
    form = {
        "agent_id": team["agent"].id,
        "channel": "phone",
        "occurred_at": "2026-11-21T08:00",
        "step_id": "0",
    }

    def upload(body, name):
        return lead.post(
            "/reviews/interactions/new",
            {**form, "recording": (io.BytesIO(body), name)},
            content_type="multipart/form-data",
        )

    assert upload(b"<script>alert(1)</script>", "goi.wav").status_code == 422
    app.config["RECORDING_MAX_MB"] = 0  # every real file is now too large
    try:
        too_big = upload(WAV, "goi.wav")
    finally:
        app.config["RECORDING_MAX_MB"] = 50
    assert too_big.status_code == 422 and "lớn hơn" in too_big.get_data(as_text=True)
    assert db.session.query(Interaction).count() == 0
    assert upload(WAV, "goi.wav").status_code == 303
    assert db.session.query(Interaction).one().duration_seconds == 10


def test_recordings_are_served_by_range_to_allowed_people_only(login_as, call, team, make):
    url = f"/reviews/interactions/{call.id}/recording"
    agent = login_as(team["agent"])
    whole = agent.get(url)
    assert whole.status_code == 200 and whole.mimetype == "audio/wav"
    assert whole.headers["Accept-Ranges"] == "bytes" and len(whole.data) == len(WAV)
    part = agent.get(url, headers={"Range": "bytes=1000-1999"})
    assert part.status_code == 206 and part.data == WAV[1000:2000]
    assert login_as(team["lead"]).get(url).status_code == 200
    assert login_as(make.user(Role.ADMIN)).get(url).status_code == 200
    other_team = make.team()
    assert login_as(make.user(Role.SUPERVISOR, leads=[other_team])).get(url).status_code == 404
    assert login_as(make.user(Role.AGENT, team=team["team"])).get(url).status_code == 404
    assert login_as(make.user(Role.HR)).get(url).status_code == 404


def test_a_supervisor_cannot_upload_for_another_teams_agent(login_as, team, make, db):
    stranger = make.user(Role.AGENT, team=make.team())
    lead = login_as(team["lead"])
    response = _batch(
        lead, _csv(["a.wav", stranger.email, "2026-11-20 09:30", "phone", "KH-1"]), {"a.wav": WAV}
    )
    assert "Không có nhân viên" in response.get_data(as_text=True)
    assert db.session.query(Interaction).count() == 0


def test_two_rows_cannot_share_one_file(login_as, team, db):
    lead = login_as(team["lead"])
    email = team["agent"].email
    response = _batch(
        lead,
        _csv(
            ["a.wav", email, "2026-11-20 09:30", "phone", "KH-1"],
            ["a.wav", email, "2026-11-20 10:30", "phone", "KH-2"],
        ),
        {"a.wav": WAV},
    )
    assert "Dòng 3" in response.get_data(as_text=True)
    assert db.session.query(Interaction).count() == 1
