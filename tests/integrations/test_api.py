"""The /api/v1 API as another system uses it: bearer tokens and their scopes,
idempotent interactions by (source, external id), recordings, reviews read back,
JSON errors and the OpenAPI document."""

import io
import wave

import pytest

from portal.core.roles import Role
from portal.core.storage import storage
from portal.integrations import tokens
from portal.integrations.models import SCOPES, ApiCall, IntegrationToken
from reviews.models import Interaction, InteractionChange
from tests.reviews.conftest import SAMPLES

WAV = (SAMPLES / "goi-cut-lun-hung.wav").read_bytes()
MB = 1024 * 1024
URL = "/api/v1/interactions/pbx/call-1001"


def bearer(secret):
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def agent(make):
    return make.user(Role.AGENT, team=make.team(), email="lan.nguyen@example.vn")


@pytest.fixture
def token(db):
    """A token with every scope: (the secret, its row)."""
    issued = tokens.issue("Tổng đài", SCOPES)
    return issued.secret


def body(**changes):
    call = {
        "agent_email": "Lan.Nguyen@example.vn",
        "channel": "phone",
        "occurred_at": "2026-11-20T09:30:00+07:00",
        "duration_seconds": 184,
        "direction": "inbound",
        "customer_ref": "KH-0042",
        "transcript": "Dạ em chào anh.",
    }
    call.update(changes)
    return {k: v for k, v in call.items() if v is not ...}


def test_the_same_interaction_sent_three_times_is_one_and_a_change_updates_it(
    client, db, agent, token
):
    statuses = [client.put(URL, json=body(), headers=bearer(token)).status_code for _ in range(3)]
    assert statuses == [201, 200, 200]
    assert db.session.query(Interaction).count() == 1

    changed = client.put(URL, json=body(duration_seconds=200), headers=bearer(token))
    assert changed.status_code == 200
    assert changed.json["duration_seconds"] == 200
    db.session.expire_all()
    (call,) = db.session.query(Interaction).all()
    assert (call.source, call.external_id, call.direction) == ("pbx", "call-1001", "inbound")
    assert call.duration_seconds == 200 and call.agent_id == agent.id
    assert call.occurred_at.isoformat() == "2026-11-20T02:30:00+00:00"  # stored in UTC

    other = client.put("/api/v1/interactions/crm/call-1001", json=body(), headers=bearer(token))
    assert other.status_code == 201  # another system's id of the same value is another call


def test_an_update_keeps_what_it_changed_and_who_sent_it(client, db, agent, token):
    client.put(URL, json=body(), headers=bearer(token))
    for _ in range(2):  # sent again unchanged: no history line
        client.put(URL, json=body(), headers=bearer(token))
    client.put(URL, json=body(duration_seconds=200, queue="Bán hàng"), headers=bearer(token))
    (change,) = db.session.query(InteractionChange).all()
    assert change.by == "Tổng đài"
    assert change.changes == {"duration_seconds": [184, 200], "queue": ["", "Bán hàng"]}


def test_the_agent_may_be_named_by_the_sending_systems_id(client, db, make, agent, token):
    agent.external_agent_id = "ext-2041"
    db.session.commit()
    call = body(agent_email=..., agent_external_id="ext-2041", queue="CSKH sau bán")
    answer = client.put(URL, json=call, headers=bearer(token))
    assert answer.status_code == 201 and answer.json["agent_email"] == agent.email
    assert answer.json["queue"] == "CSKH sau bán"

    unknown = client.put(
        "/api/v1/interactions/pbx/call-2",
        json={**call, "agent_external_id": "nope"},
        headers=bearer(token),
    )
    assert unknown.status_code == 422
    assert unknown.json["errors"]["json"] == {
        "agent_external_id": ["No active agent has this external id."]
    }
    neither = client.put(
        "/api/v1/interactions/pbx/call-3", json=body(agent_email=...), headers=bearer(token)
    )
    assert neither.status_code == 422 and "agent_email" in neither.json["errors"]["json"]
    assert db.session.query(Interaction).count() == 1


def test_every_call_is_logged_with_the_tokens_name_and_marks_it_used(client, db, agent, token):
    client.put(URL, json=body(), headers=bearer(token))
    client.get("/api/v1/reviews", headers=bearer("wrong"))
    calls = db.session.query(ApiCall).order_by(ApiCall.id).all()
    assert [(c.token_name, c.method, c.path, c.status) for c in calls] == [
        ("Tổng đài", "PUT", URL, 201),
        ("", "GET", "/api/v1/reviews", 401),
    ]
    assert db.session.query(IntegrationToken).one().last_used_at is not None


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"agent_email": ...}, "agent_email"),
        ({"agent_email": "nobody@example.vn"}, "agent_email"),
        ({"agent_email": "not an email"}, "agent_email"),
        ({"channel": "fax"}, "channel"),
        ({"occurred_at": "2026-11-20T09:30:00"}, "occurred_at"),  # no offset
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"duration_seconds": "long"}, "duration_seconds"),
        ({"duration_seconds": -1}, "duration_seconds"),
        ({"direction": "sideways"}, "direction"),
        ({"step": "no-such-step"}, "step"),
        ({"occurred_at": "0001-01-01T00:00:00+07:00"}, "occurred_at"),  # before year 1 in UTC
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_input_answers_422_per_field_and_writes_nothing(
    client, db, agent, token, changes, field
):
    answer = client.put(URL, json=body(**changes), headers=bearer(token))
    assert answer.status_code == 422
    assert answer.is_json and answer.json["code"] == 422
    assert field in answer.json["errors"]["json"]
    assert db.session.query(Interaction).count() == 0


def test_a_body_that_is_not_json_is_refused_as_json(client, db, agent, token):
    answer = client.put(URL, data="agent=lan", content_type="text/plain", headers=bearer(token))
    assert answer.status_code == 422 and "agent_email" in answer.json["errors"]["json"]
    broken = client.put(URL, data="{bad", content_type="application/json", headers=bearer(token))
    assert broken.status_code == 400 and broken.json["errors"] == {"json": ["Invalid JSON body."]}
    listed = client.put(URL, json=[1, 2], headers=bearer(token))
    assert listed.status_code == 422 and listed.json["errors"]["json"]["_schema"]
    assert db.session.query(Interaction).count() == 0


def test_a_step_is_named_by_its_slug(client, db, make, agent, token):
    step = make.step()
    answer = client.put(URL, json=body(step=step.slug), headers=bearer(token))
    assert answer.status_code == 201
    assert db.session.query(Interaction).one().step_id == step.id


# --- recordings ----------------------------------------------------------------------------


def test_a_recording_is_attached_and_replaced(client, db, agent, token):
    client.put(URL, json=body(), headers=bearer(token))
    first = client.put(
        URL + "/recording", data=WAV, content_type="audio/wav", headers=bearer(token)
    )
    assert first.status_code == 200 and first.json["recording_format"] == "wav"
    earlier = db.session.query(Interaction).one().recording_file
    again = client.put(
        URL + "/recording",
        data={"file": (io.BytesIO(WAV), "goi.wav")},
        content_type="multipart/form-data",
        headers=bearer(token),
    )
    assert again.status_code == 200
    db.session.expire_all()
    call = db.session.query(Interaction).one()
    assert call.recording_file != earlier and call.original_name == "goi.wav"
    assert storage().open(f"recordings/{call.recording_file}").read() == WAV
    # The replaced recording is deleted, not left where no retention purge finds it.
    assert not storage().exists(f"recordings/{earlier}")


def test_a_recording_for_an_unknown_interaction_is_404(client, db, token):
    answer = client.put("/api/v1/interactions/pbx/none/recording", data=WAV, headers=bearer(token))
    assert answer.status_code == 404 and answer.json["code"] == 404


def test_a_file_that_is_not_audio_is_422(client, db, agent, token):
    client.put(URL, json=body(), headers=bearer(token))
    answer = client.put(URL + "/recording", data=b"%PDF-1.7 " * 100, headers=bearer(token))
    assert answer.status_code == 422 and "file" in answer.json["errors"]
    assert db.session.query(Interaction).one().recording_file is None


def _wav(size: int) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(8000)
        audio.writeframes(bytes(size - 44))
    return out.getvalue()


def test_a_recording_over_the_limit_is_413(app, client, db, agent, token, monkeypatch):
    monkeypatch.setitem(app.config, "RECORDING_MAX_MB", 1)
    client.put(URL, json=body(), headers=bearer(token))
    raw = client.put(URL + "/recording", data=_wav(MB + 10), headers=bearer(token))
    assert raw.status_code == 413 and raw.json["code"] == 413
    form = client.put(
        URL + "/recording",
        data={"file": (io.BytesIO(_wav(3 * MB)), "goi.wav")},
        content_type="multipart/form-data",
        headers=bearer(token),
    )
    assert form.status_code == 413 and form.is_json
    assert (
        client.put(URL + "/recording", data=_wav(MB - 10), headers=bearer(token)).status_code == 200
    )


# --- reviews ----------------------------------------------------------------------------


def test_submitted_reviews_are_read_with_scores_filtered_and_paginated(client, db, make, token):
    team, other = make.team(), make.team()
    lead = make.user(Role.SUPERVISOR, leads=[team, other])
    mine, theirs = make.user(team=team), make.user(team=other)
    done = [make.review(make.interaction(mine), lead) for _ in range(3)]
    make.review(make.interaction(theirs), lead)
    make.review(make.interaction(mine), lead, state="in_progress")  # not submitted: not shown

    answer = client.get(f"/api/v1/reviews?team={team.id}&per_page=2", headers=bearer(token))
    assert answer.status_code == 200
    assert answer.json["total"] == 3 and len(answer.json["items"]) == 2
    item = answer.json["items"][0]
    assert item["id"] == done[0].id and item["agent_email"] == mine.email
    assert item["score"] == done[0].score and item["passed"] == done[0].passed
    assert item["sections"] and "percent" in item["sections"][0]
    page2 = client.get(f"/api/v1/reviews?team={team.id}&per_page=2&page=2", headers=bearer(token))
    assert [i["id"] for i in page2.json["items"]] == [done[2].id]

    assert client.get("/api/v1/reviews", headers=bearer(token)).json["total"] == 4
    future = client.get("/api/v1/reviews?from=2099-01-01", headers=bearer(token))
    assert future.json["total"] == 0
    past = client.get("/api/v1/reviews?to=2000-01-01", headers=bearer(token))
    assert past.json["total"] == 0


@pytest.mark.parametrize(
    "query, field",
    [
        ("per_page=1000", "per_page"),
        ("page=0", "page"),
        ("from=soon", "from"),
        ("team=x", "team"),
        ("from=0001-01-01", "from"),  # before year 1 in UTC: was a server error
        ("to=9999-12-31", "to"),
    ],
)
def test_bad_review_queries_are_422(client, db, token, query, field):
    answer = client.get(f"/api/v1/reviews?{query}", headers=bearer(token))
    assert answer.status_code == 422 and field in answer.json["errors"]["query"]


# --- tokens and scopes -----------------------------------------------------------------

ENDPOINTS = [
    ("PUT", URL, "interactions:write"),
    ("PUT", URL + "/recording", "interactions:write"),
    ("GET", "/api/v1/reviews", "reviews:read"),
]


@pytest.mark.parametrize("method, url, needed", ENDPOINTS)
@pytest.mark.parametrize("scope", SCOPES)
def test_every_endpoint_needs_its_scope(client, db, agent, method, url, needed, scope):
    secret = tokens.issue("Một quyền", [scope]).secret
    answer = client.open(url, method=method, json=body(), headers=bearer(secret))
    if scope == needed:
        assert answer.status_code not in (401, 403)
    else:
        assert answer.status_code == 403
        assert answer.json["code"] == 403 and needed in answer.json["message"]


@pytest.mark.parametrize("method, url, needed", ENDPOINTS)
def test_no_bad_or_revoked_token_is_401(client, db, agent, method, url, needed):
    issued = tokens.issue("Cũ", SCOPES)
    tokens.revoke(issued.token)
    for headers in ({}, bearer("made-up"), bearer(issued.secret), {"Authorization": "Basic eA=="}):
        answer = client.open(url, method=method, json=body(), headers=headers)
        assert answer.status_code == 401, headers
        assert answer.json["code"] == 401 and answer.headers["WWW-Authenticate"] == "Bearer"
    assert db.session.query(Interaction).count() == 0


def test_a_logged_in_session_is_not_a_token(login_as, db, agent):
    admin = login_as(Role.ADMIN)
    assert admin.get("/api/v1/reviews").status_code == 401
    # No CSRF token needed, and none helps: the API reads only the bearer header.
    answer = admin.client.put(URL, json=body(), headers={"X-CSRFToken": admin.token})
    assert answer.status_code == 401


def test_only_the_hash_is_stored(db):
    issued = tokens.issue("Tổng đài", ["reviews:read"])
    row = db.session.query(IntegrationToken).one()
    assert issued.secret not in (row.token_hash, row.prefix) and len(issued.secret) >= 43
    assert issued.secret.startswith(row.prefix)


# --- the OpenAPI document ----------------------------------------------------------------


def test_the_openapi_document_is_served_and_lists_the_endpoints(client, db):
    answer = client.get("/api/v1/openapi.json")
    assert answer.status_code == 200
    spec = answer.json
    assert spec["openapi"].startswith("3.")
    paths = spec["paths"]
    assert set(paths["/api/v1/interactions/{source}/{external_id}"]) >= {"put"}
    assert "put" in paths["/api/v1/interactions/{source}/{external_id}/recording"]
    assert "get" in paths["/api/v1/reviews"]
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    put = paths["/api/v1/interactions/{source}/{external_id}"]["put"]
    assert {"200", "201", "422"} <= set(put["responses"])


def test_a_transcript_sent_through_the_api_is_masked(client, db, agent, token):
    said = "Số của tôi là 0912 345 678, email lan@example.vn."
    assert client.put(URL, json=body(transcript=said), headers=bearer(token)).status_code == 201
    stored = db.session.query(Interaction).one().transcript
    assert "0912 345 678" not in stored and "lan@example.vn" not in stored
    assert stored.startswith("Số của tôi là ")
    # Sent again unchanged: the masked text compares equal, nothing is updated.
    assert client.put(URL, json=body(transcript=said), headers=bearer(token)).status_code == 200


def test_unknown_paths_and_methods_under_the_api_answer_json(client, db, token):
    missing = client.get("/api/v1/nothing-here", headers=bearer(token))
    assert missing.status_code == 404 and missing.json["code"] == 404
    wrong = client.post("/api/v1/reviews", headers=bearer(token))
    assert wrong.status_code == 405 and wrong.json["code"] == 405
    assert "text/html" in client.get("/no-such-page").content_type  # the portal keeps its pages


def test_the_interaction_page_shows_the_queue_and_what_updates_changed(
    client, login_as, make, db, agent, token
):
    created = client.put(URL, json=body(queue="Hậu mãi"), headers=bearer(token)).json
    client.put(URL, json=body(queue="Hậu mãi", duration_seconds=200), headers=bearer(token))
    page = login_as(make.user(Role.ADMIN)).get(f"/reviews/interactions/{created['id']}")
    assert page.status_code == 200
    assert "Hậu mãi" in page.text and "call-1001" in page.text
    assert "1 lần cập nhật sau từ hệ thống gửi" in page.text and "184 → 200" in page.text


def test_a_call_body_over_two_megabytes_is_413_and_writes_nothing(client, db, agent, token):
    huge = body(transcript="x" * 200_000, customer_ref="y" * (2 * MB))
    answer = client.put(URL, json=huge, headers=bearer(token))
    assert answer.status_code == 413 and answer.is_json
    assert db.session.query(Interaction).count() == 0
    fits = client.put(
        URL, json=body(transcript="Dạ, em chào anh. " * 10_000), headers=bearer(token)
    )
    assert fits.status_code == 201  # a long transcript is well within the limit
