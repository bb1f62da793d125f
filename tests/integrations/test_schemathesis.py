"""The API against its own OpenAPI document, by Schemathesis: generated calls (valid
and not) to every operation, each answer checked to be no server error and to have
a status, content type, headers and body the document lists for that operation.

The calls run in-process against the test app, with a token holding every scope,
on a database seeded with an agent, an interaction and a submitted review so the
generator reaches the answers that carry data, not only the refusals.
"""

import re
import tempfile

import hypothesis.strategies as st
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from portal import create_app
from portal.core.roles import Role
from portal.core.storage import LocalStorage
from portal.integrations import intake, tokens
from portal.integrations.models import SCOPES
from portal.integrations.schemas import InteractionIn

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
AGENT_EMAIL = "lan.nguyen@example.vn"
KEY = {"source": "pbx", "external_id": "call-0042"}


@pytest.fixture
def seeded(app, db, make, monkeypatch, tmp_path):
    """What the generated calls can find, and a token with every scope.

    Recordings the calls attach go to this test's own folder, and the rate limit
    is lifted: a few hundred calls with one token would otherwise end in 429s
    (test_a_throttled_call_is_answered_as_documented checks that answer)."""
    monkeypatch.setitem(app.extensions, "portal_storage", LocalStorage(str(tmp_path)))
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "1000000 per minute")
    team = make.team()
    agent = make.user(Role.AGENT, team=team, email=AGENT_EMAIL)
    lead = make.user(Role.SUPERVISOR, leads=[team])
    make.review(make.interaction(agent), lead)
    call = InteractionIn().load(
        {
            "agent_email": AGENT_EMAIL,
            "channel": "phone",
            "occurred_at": "2026-11-20T09:30:00+07:00",
            "direction": "inbound",
        }
    )
    intake.put_interaction(KEY["source"], KEY["external_id"], call, by="seed")
    return {"Authorization": f"Bearer {tokens.issue('Schemathesis', SCOPES).secret}"}


def _aim(case, aim: str) -> None:
    """Most calls name the seeded agent, and some the seeded interaction, so the
    generator gets past "unknown agent" and 404 to the answers that carry data."""
    if aim == "as generated":
        return
    if aim == "seeded" and case.path_parameters and "external_id" in case.path_parameters:
        case.path_parameters.update(KEY)
    body = case.body if isinstance(case.body, dict) else {}
    records = body.get("records") if isinstance(body.get("records"), list) else [body]
    for record in records:
        if isinstance(record, dict) and "agent_email" in record:
            record["agent_email"] = AGENT_EMAIL
            if isinstance(record.get("date"), str):  # an outcome's
                record["date"] = "2026-11-20"


def _document() -> dict:
    """The OpenAPI document as the app serves it. Read from an app of its own at
    import, since parametrize needs it before the `app` fixture exists (and
    schemathesis.pytest.from_fixture reads Node._nodeid, which pytest 9.2 lacks);
    the calls go to the test app."""
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/document.db",
                "STORAGE_DIR": folder,
                "SECRET_KEY": "test-only",
            }
        )
        return app.test_client().get("/api/v1/openapi.json").get_json()


# The signed webhooks are run too: without the sender's key every generated call is
# refused (401, or 413 for a body over the limit), and those answers must match.
WEBHOOKS = "^/api/v1/webhooks/"
schema = schemathesis.openapi.from_dict(_document())


@settings(
    max_examples=40,
    deadline=None,
    # `seeded` is set up once per operation, not per call, on purpose: the calls
    # build on one another's data, and the `db` fixture empties it afterwards.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
@schema.parametrize()
@schema.given(aim=st.sampled_from(["seeded", "new", "as generated"]))
def test_every_answer_is_what_the_document_says(app, case, aim, seeded):
    _aim(case, aim)
    case.call_and_validate(app=app, headers=seeded, checks=CHECKS)


def test_a_throttled_call_is_answered_as_documented(app, seeded, monkeypatch):
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "1 per minute")
    case = schema["/api/v1/reviews"]["GET"].Case(query={})
    assert case.call(app=app, headers=seeded).status_code == 200
    refused = case.call_and_validate(app=app, headers=seeded, checks=CHECKS)
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"][0]) >= 1


@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token", "Basic c2VjcmV0"])
def test_a_call_without_a_valid_token_is_answered_as_documented(app, seeded, authorization):
    case = schema["/api/v1/outcomes"]["POST"].Case(body={"records": []})
    headers = {"Authorization": authorization} if authorization else {}
    refused = case.call_and_validate(app=app, headers=headers, checks=CHECKS)
    assert refused.status_code == 401
    assert refused.json()["message"].startswith("A valid token is needed")


def _operations(document):
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method != "parameters":
                yield path, method, operation


def test_every_operation_lists_its_refusals_and_no_catch_all():
    document = _document()
    for path, method, operation in _operations(document):
        answers = operation["responses"]
        assert "default" not in answers, (method, path)
        assert {"401", "429"} <= set(answers), (method, path)
        assert answers["429"]["headers"]["Retry-After"]["required"], (method, path)
        for status, answer in answers.items():
            if status.startswith("4"):
                assert answer["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/ErrorOut"
                }, (method, path, status)
    assert set(document["components"]["schemas"]["ErrorOut"]["required"]) == {
        "code",
        "status",
        "message",
    }


def test_the_webhooks_list_their_refusals_and_need_no_bearer_token():
    webhooks = [op for path, _, op in _operations(_document()) if re.match(WEBHOOKS, path)]
    assert webhooks and all({"401", "413", "429", "503"} <= set(op["responses"]) for op in webhooks)
    assert all(op["security"] == [] for op in webhooks)
