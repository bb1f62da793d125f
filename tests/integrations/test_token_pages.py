"""Admins manage integration tokens: created with scopes, shown once, revoked;
others are refused. Operators create them with `flask portal create-token` too."""

import re

from portal.core.roles import Role
from portal.integrations.models import IntegrationToken


def _secret(html: str) -> str:
    return re.search(r'<code id="token-secret">([^<]+)</code>', html).group(1)


def test_an_admin_creates_a_token_sees_it_once_and_it_works(login_as, db, client):
    admin = login_as(Role.ADMIN)
    assert admin.get("/admin/integrations/new").status_code == 200
    created = admin.post(
        "/admin/integrations/new",
        {"name": "Tổng đài Stringee", "scopes": ["interactions:write", "reviews:read"]},
    )
    assert created.status_code == 201 and created.headers["Cache-Control"] == "no-store"
    secret = _secret(created.get_data(as_text=True))

    listing = admin.get("/admin/integrations/").get_data(as_text=True)
    assert "Tổng đài Stringee" in listing and "reviews:read" in listing
    assert secret not in listing and secret[:8] in listing  # only its start, to recognise it
    row = db.session.query(IntegrationToken).one()
    assert row.scopes == ["interactions:write", "reviews:read"]
    assert row.created_by_id == admin.user.id

    answer = client.get("/api/v1/reviews", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 200


def test_a_token_needs_a_name_and_a_scope(login_as, db):
    admin = login_as(Role.ADMIN)
    refused = admin.post("/admin/integrations/new", {"name": "", "scopes": []})
    assert refused.status_code == 422
    assert db.session.query(IntegrationToken).count() == 0
    odd = admin.post("/admin/integrations/new", {"name": "X", "scopes": ["everything"]})
    assert odd.status_code == 422


def test_revoking_stops_the_token(login_as, db, client):
    admin = login_as(Role.ADMIN)
    created = admin.post("/admin/integrations/new", {"name": "CRM", "scopes": ["reviews:read"]})
    secret = _secret(created.get_data(as_text=True))
    token = db.session.query(IntegrationToken).one()
    assert admin.post(f"/admin/integrations/{token.id}/revoke").status_code == 303
    db.session.expire_all()
    assert token.revoked_at is not None
    page = admin.get("/admin/integrations/").get_data(as_text=True)
    assert f"/admin/integrations/{token.id}/revoke" not in page  # nothing left to revoke
    answer = client.get("/api/v1/reviews", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 401


def test_only_admins_manage_tokens(login_as, db):
    for role in (Role.HR, Role.SUPERVISOR, Role.AGENT):
        person = login_as(role)
        assert person.get("/admin/integrations/").status_code == 403
        assert person.post("/admin/integrations/new", {"name": "X"}).status_code == 403


def test_the_cli_prints_the_token_once(runner, db, client):
    result = runner.invoke(
        args=["portal", "create-token", "BI", "--scope", "reviews:read"], catch_exceptions=False
    )
    assert result.exit_code == 0
    secret = result.output.splitlines()[1]
    assert db.session.query(IntegrationToken).one().scopes == ["reviews:read"]
    answer = client.get("/api/v1/reviews", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 200
    bad = runner.invoke(args=["portal", "create-token", "BI", "--scope", "admin"])
    assert bad.exit_code != 0
