"""PUT /api/v1/interactions/{source}/{external_id}/transcript as a phone system uses
it: timed turns as JSON or WebVTT, replacing earlier ones, refused per field."""

import pytest

from portal.core.roles import Role
from portal.integrations import tokens
from portal.integrations.models import SCOPES
from reviews.models import Interaction, TranscriptSegment

CALL = "/api/v1/interactions/pbx/call-7"
URL = CALL + "/transcript"

VTT = """WEBVTT

1
00:00:00.000 --> 00:00:03.200
<v Agent>Dạ em chào anh, em là Lan.</v>

2
00:00:03.500 --> 00:01:05.250
<v Khách>Chào em, số của anh là 0912 345 678.

NOTE a comment the phone system left

3
00:01:06.000 --> 00:01:08.000
<v Nhân viên>Dạ em ghi nhận &amp; gọi lại ạ.
"""


def bearer(secret):
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def token(db):
    return tokens.issue("Tổng đài", SCOPES).secret


@pytest.fixture
def call(client, make, token):
    make.user(Role.AGENT, team=make.team(), email="lan@example.vn")
    body = {
        "agent_email": "lan@example.vn",
        "channel": "phone",
        "occurred_at": "2026-11-20T09:30:00+07:00",
        "duration_seconds": 120,
        "direction": "inbound",
    }
    assert client.put(CALL, json=body, headers=bearer(token)).status_code == 201
    return CALL


def turns(*rows):
    return {"segments": [{"speaker": s, "start": a, "end": b, "text": t} for s, a, b, t in rows]}


def stored(db):
    db.session.expire_all()
    return [
        (s.position, s.speaker, s.start_seconds, s.end_seconds, s.text)
        for s in db.session.query(TranscriptSegment).order_by(TranscriptSegment.position)
    ]


def test_json_turns_are_stored_in_order_with_their_plain_text(client, db, call, token):
    answer = client.put(
        URL,
        json=turns(("agent", 0, 3.2, "Dạ em chào anh."), ("customer", 3.5, 7, "Chào em.")),
        headers=bearer(token),
    )
    assert answer.status_code == 200, answer.json
    assert answer.json["segments"] == 2
    assert stored(db) == [
        (0, "agent", 0.0, 3.2, "Dạ em chào anh."),
        (1, "customer", 3.5, 7.0, "Chào em."),
    ]
    plain = db.session.query(Interaction).one().transcript
    assert plain == "Nhân viên: Dạ em chào anh.\nKhách: Chào em."


def test_webvtt_cues_with_voice_tags_become_turns_and_are_masked(client, db, call, token):
    answer = client.put(
        URL, data=VTT.encode(), headers={**bearer(token), "Content-Type": "text/vtt"}
    )
    assert answer.status_code == 200, answer.json
    rows = stored(db)
    assert [(r[1], r[2], r[3]) for r in rows] == [
        ("agent", 0.0, 3.2),
        ("customer", 3.5, 65.25),
        ("agent", 66.0, 68.0),
    ]
    assert rows[0][4] == "Dạ em chào anh, em là Lan."  # the </v> tag is gone
    assert rows[2][4] == "Dạ em ghi nhận & gọi lại ạ."  # WebVTT's escapes read back
    assert "0912 345 678" not in rows[1][4] and rows[1][4].startswith("Chào em, số của anh là")
    assert "0912 345 678" not in db.session.query(Interaction).one().transcript


def test_sending_again_replaces_the_earlier_turns(client, db, call, token):
    client.put(
        URL, json=turns(("agent", 0, 1, "một"), ("customer", 1, 2, "hai")), headers=bearer(token)
    )
    client.put(URL, json=turns(("customer", 0, 5, "mới")), headers=bearer(token))
    assert stored(db) == [(0, "customer", 0.0, 5.0, "mới")]
    assert db.session.query(Interaction).one().transcript == "Khách: mới"


@pytest.mark.parametrize(
    "segment, field",
    [
        ({"speaker": "bot", "start": 0, "end": 1, "text": "x"}, "speaker"),
        ({"speaker": "agent", "start": 3, "end": 1, "text": "x"}, "end"),
        ({"speaker": "agent", "start": -1, "end": 1, "text": "x"}, "start"),
        ({"speaker": "agent", "start": 0, "end": 1, "text": "x" * 2001}, "text"),
        ({"speaker": "agent", "start": 0, "end": 125.5, "text": "x"}, "end"),  # past 120 s + 5
        ({"speaker": "agent", "start": "soon", "end": 1, "text": "x"}, "start"),
        ({"speaker": "agent", "end": 1, "text": "x"}, "start"),
    ],
)
def test_a_bad_turn_is_422_for_its_field_and_keeps_the_earlier_ones(
    client, db, call, token, segment, field
):
    client.put(URL, json=turns(("agent", 0, 1, "cũ")), headers=bearer(token))
    good = {"speaker": "customer", "start": 0, "end": 1, "text": "ok"}
    answer = client.put(URL, json={"segments": [good, segment]}, headers=bearer(token))
    assert answer.status_code == 422
    assert field in answer.json["errors"]["json"]["segments"]["1"]
    assert stored(db) == [(0, "agent", 0.0, 1.0, "cũ")]  # nothing partial


def test_a_turn_may_run_a_little_past_the_recording(client, db, call, token):
    answer = client.put(URL, json=turns(("agent", 100, 124.9, "x")), headers=bearer(token))
    assert answer.status_code == 200


def test_more_than_5000_turns_is_422(client, db, call, token):
    many = turns(*[("agent", i / 100, i / 100, "a") for i in range(5001)])
    answer = client.put(URL, json=many, headers=bearer(token))
    assert answer.status_code == 422 and "segments" in answer.json["errors"]["json"]
    assert stored(db) == []


def test_an_unknown_voice_in_webvtt_is_422_with_the_cue(client, db, call, token):
    bad = VTT.replace("<v Khách>", "<v Robot>")
    answer = client.put(
        URL, data=bad.encode(), headers={**bearer(token), "Content-Type": "text/vtt"}
    )
    assert answer.status_code == 422
    assert "speaker" in answer.json["errors"]["vtt"]["segments"]["1"]


def test_a_body_that_is_not_webvtt_is_422(client, db, call, token):
    answer = client.put(URL, data=b"hello", headers={**bearer(token), "Content-Type": "text/vtt"})
    assert answer.status_code == 422 and "body" in answer.json["errors"]["vtt"]


def test_a_body_that_is_not_json_is_400(client, db, call, token):
    answer = client.put(
        URL, data=b"{", headers={**bearer(token), "Content-Type": "application/json"}
    )
    assert answer.status_code == 400 and answer.is_json


def test_an_unknown_interaction_is_404(client, db, token):
    answer = client.put(
        "/api/v1/interactions/pbx/nope/transcript", json=turns(), headers=bearer(token)
    )
    assert answer.status_code == 404 and answer.json["code"] == 404


def test_a_huge_body_is_413(client, db, call, token):
    huge = b"WEBVTT\n\n" + b"x" * (5 * 1024 * 1024)
    answer = client.put(URL, data=huge, headers={**bearer(token), "Content-Type": "text/vtt"})
    assert answer.status_code == 413 and answer.json["code"] == 413


@pytest.mark.parametrize("scope", SCOPES)
def test_the_transcript_needs_interactions_write(client, db, call, scope):
    secret = tokens.issue("Một quyền", [scope]).secret
    answer = client.put(URL, json=turns(("agent", 0, 1, "x")), headers=bearer(secret))
    if scope == "interactions:write":
        assert answer.status_code == 200
    else:
        assert answer.status_code == 403 and "interactions:write" in answer.json["message"]


def test_no_token_is_401(client, db, call):
    assert client.put(URL, json=turns(("agent", 0, 1, "x"))).status_code == 401
    assert client.put(URL, json=turns(), headers=bearer("made-up")).status_code == 401


def test_the_openapi_document_lists_the_transcript_path(client, db):
    spec = client.get("/api/v1/openapi.json").json
    put = spec["paths"]["/api/v1/interactions/{source}/{external_id}/transcript"]["put"]
    assert {"application/json", "text/vtt"} <= set(put["requestBody"]["content"])
    assert "200" in put["responses"]


def test_sending_the_call_again_without_a_transcript_keeps_the_timed_one(client, db, call, token):
    client.put(URL, json=turns(("agent", 0, 3, "Dạ em chào anh.")), headers=bearer(token))
    again = {
        "agent_email": "lan@example.vn",
        "channel": "phone",
        "occurred_at": "2026-11-20T09:30:00+07:00",
        "duration_seconds": 125,  # the phone system corrected the length
        "direction": "inbound",
    }
    assert client.put(CALL, json=again, headers=bearer(token)).status_code == 200
    db.session.expire_all()
    kept = db.session.query(Interaction).one()
    assert kept.duration_seconds == 125 and kept.transcript == "Nhân viên: Dạ em chào anh."
    # Sent with a transcript, the plain text is what was sent (masked).
    client.put(CALL, json={**again, "transcript": "Gọi 0912 345 678"}, headers=bearer(token))
    db.session.expire_all()
    assert "0912" not in db.session.query(Interaction).one().transcript
