"""POST /api/v1/outcomes as a CRM uses it: batches checked like the Excel import's
rows, all or nothing, idempotent by record key; bounded in size; and every token
held to its own rate limit."""

import io
import json

import pytest

from portal.core.extensions import limiter
from portal.core.roles import Role
from portal.integrations import tokens
from portal.integrations.models import INTERACTIONS_WRITE, OUTCOMES_WRITE, REVIEWS_READ, SCOPES
from portal.kpi.models import OutcomeRecord

URL = "/api/v1/outcomes"


def bearer(secret):
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture(autouse=True)
def fresh_counts():
    limiter.reset()  # rate-limit counts from other tests' calls do not carry over
    yield
    limiter.reset()


@pytest.fixture
def agent(make):
    return make.user(Role.AGENT, team=make.team(), email="lan.nguyen@example.vn")


@pytest.fixture
def token(db):
    return tokens.issue("CRM", [OUTCOMES_WRITE]).secret


def record(**changes):
    values = {
        "agent_email": "Lan.Nguyen@example.vn",
        "date": "2026-11-20",
        "nps": 9,
        "csat": 5,
        "first_response_seconds": 40,
        "handling_seconds": 300,
        "complaint": False,
        "recontact_7d": True,
        "returned": None,
    }
    values.update(changes)
    return {k: v for k, v in values.items() if v is not ...}


def batch(*records):
    return {"records": list(records)}


def stored(db):
    db.session.expire_all()
    return db.session.query(OutcomeRecord).order_by(OutcomeRecord.id).all()


def test_a_valid_batch_is_added_and_sending_it_again_adds_nothing(client, db, agent, token):
    body = batch(record(record_id="crm-1"), record(nps=3, csat=2), record(nps=3, csat=2))
    first = client.post(URL, json=body, headers=bearer(token))
    assert first.status_code == 200
    assert first.json == {"added": 3, "already_there": 0}
    rows = stored(db)
    assert [(r.agent_id, r.nps, r.csat, r.recontact, r.returned) for r in rows] == [
        (agent.id, 9, 5, True, None),
        (agent.id, 3, 2, True, None),
        (agent.id, 3, 2, True, None),  # two identical records without an id are two records
    ]
    assert rows[0].occurred_on.isoformat() == "2026-11-20"
    assert rows[0].record_key == "id:crm-1"

    again = client.post(URL, json=body, headers=bearer(token))
    assert again.status_code == 200
    assert again.json == {"added": 0, "already_there": 3}
    assert len(stored(db)) == 3

    more = client.post(
        URL, json=batch(record(record_id="crm-2"), record(record_id="crm-1")), headers=bearer(token)
    )
    assert more.json == {"added": 1, "already_there": 1}


def test_one_bad_record_among_good_ones_writes_nothing(client, db, agent, token):
    body = batch(record(record_id="a"), record(record_id="b", nps=11), record(record_id="c"))
    refused = client.post(URL, json=body, headers=bearer(token))
    assert refused.status_code == 422
    problems = refused.json["errors"]["json"]["records"]
    assert list(problems) == ["1"] and list(problems["1"]) == ["nps"]
    assert "10" in problems["1"]["nps"][0]  # the range the import allows, 0 to 10
    assert stored(db) == []


def test_an_unknown_agent_a_bad_date_and_a_repeated_id_are_named(client, db, agent, token):
    body = batch(
        record(record_id="x"),
        record(agent_email="ghost@example.vn", date="20/13/2026"),
        record(record_id="x"),
    )
    refused = client.post(URL, json=body, headers=bearer(token))
    assert refused.status_code == 422
    problems = refused.json["errors"]["json"]["records"]
    assert set(problems) == {"1", "2"}
    assert set(problems["1"]) == {"agent_email", "date"}
    assert "ghost@example.vn" in problems["1"]["agent_email"][0]
    assert list(problems["2"]) == ["record_id"]
    assert stored(db) == []


def test_wrong_types_missing_fields_and_unknown_fields_are_422(client, db, agent, token):
    body = batch(
        record(nps="nine"),
        record(complaint="perhaps"),
        record(agent_email=...),
        record(colour="blue"),
    )
    refused = client.post(URL, json=body, headers=bearer(token))
    assert refused.status_code == 422
    problems = refused.json["errors"]["json"]["records"]
    assert set(problems["0"]) == {"nps"}
    assert set(problems["1"]) == {"complaint"}
    assert set(problems["2"]) == {"agent_email"}
    assert set(problems["3"]) == {"colour"}
    assert client.post(URL, json={"records": "all"}, headers=bearer(token)).status_code == 422
    assert client.post(URL, json={"records": []}, headers=bearer(token)).status_code == 422
    assert stored(db) == []


def test_a_batch_may_hold_5000_records_not_more(client, db, agent, token):
    many = [record(record_id=f"r{i}") for i in range(5001)]
    refused = client.post(URL, json=batch(*many), headers=bearer(token))
    assert refused.status_code == 422 and "records" in refused.json["errors"]["json"]
    accepted = client.post(URL, json=batch(*many[:5000]), headers=bearer(token))
    assert accepted.status_code == 200 and accepted.json["added"] == 5000


def test_a_body_over_the_size_limit_is_413_json(client, db, agent, token):
    huge = b'{"records": [' + b" " * (5 * 1024 * 1024) + b"]}"
    refused = client.post(URL, data=huge, content_type="application/json", headers=bearer(token))
    assert refused.status_code == 413
    assert refused.is_json and "MB" in refused.json["message"]
    # Sent in chunks, with no length announced: stopped while it is read.
    chunked = client.post(
        URL,
        input_stream=io.BytesIO(huge),
        content_type="application/json",
        headers={**bearer(token), "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},  # as gunicorn marks chunked bodies
    )
    assert chunked.status_code == 413 and chunked.is_json, chunked.json
    assert stored(db) == []
    small = client.post(
        URL,
        input_stream=io.BytesIO(json.dumps(batch(record())).encode()),
        content_type="application/json",
        headers={**bearer(token), "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert small.status_code == 200 and small.json["added"] == 1


def test_every_scope_but_outcomes_write_is_refused(client, db, agent):
    body = batch(record())
    assert client.post(URL, json=body).status_code == 401
    assert client.post(URL, json=body, headers=bearer("not-a-token")).status_code == 401
    for scopes in ([INTERACTIONS_WRITE], [REVIEWS_READ], [INTERACTIONS_WRITE, REVIEWS_READ]):
        secret = tokens.issue("Other", scopes).secret
        refused = client.post(URL, json=body, headers=bearer(secret))
        assert refused.status_code == 403 and OUTCOMES_WRITE in refused.json["message"]
    revoked = tokens.issue("Old", SCOPES)
    tokens.revoke(revoked.token)
    assert client.post(URL, json=body, headers=bearer(revoked.secret)).status_code == 401
    assert stored(db) == []
    allowed = tokens.issue("All", SCOPES).secret
    assert client.post(URL, json=body, headers=bearer(allowed)).status_code == 200


def test_it_is_in_the_openapi_document(client, db):
    spec = client.get("/api/v1/openapi.json").json
    operation = spec["paths"]["/api/v1/outcomes"]["post"]
    assert "requestBody" in operation and "200" in operation["responses"]
    assert "OutcomeIn" in spec["components"]["schemas"]


def test_each_token_has_its_own_rate_limit(app, client, db, agent, monkeypatch):
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "3 per minute")
    busy = tokens.issue("Busy", [REVIEWS_READ]).secret
    calm = tokens.issue("Calm", [REVIEWS_READ]).secret
    statuses = [client.get("/api/v1/reviews", headers=bearer(busy)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    held = client.get("/api/v1/reviews", headers=bearer(busy))
    assert held.status_code == 429 and held.is_json
    assert 0 < int(held.headers["Retry-After"]) <= 60
    assert "try again" in held.json["message"]
    # Another token from the same address is not held back by the first.
    assert client.get("/api/v1/reviews", headers=bearer(calm)).status_code == 200
    # Calls without a valid token are refused as such, never counted against one.
    assert client.get("/api/v1/reviews", headers=bearer("wrong")).status_code == 401
