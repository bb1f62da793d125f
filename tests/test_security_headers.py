"""Security headers on every kind of response; HSTS only behind HTTPS."""

import pytest

from portal.core.roles import Role
from reviews.models import Interaction
from tests.reviews.conftest import call, team  # noqa: F401  (fixtures)

EXPECTED = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def assert_secured(response):
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (name, response.status_code)
    assert "Strict-Transport-Security" not in response.headers


def test_a_page_a_fragment_and_json(login_as, content):
    agent = login_as(Role.AGENT)
    page = agent.get("/playbooks/search?q=khieu+nai")
    assert page.status_code == 200 and "<html" in page.get_data(as_text=True)
    assert_secured(page)
    fragment = agent.get("/playbooks/search?q=khieu+nai", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.get_data(as_text=True)
    assert_secured(fragment)
    health = agent.get("/healthz")
    assert health.is_json
    assert_secured(health)


def test_static_files_errors_and_redirects(client):
    static = client.get("/static/js/portal.js")
    assert static.status_code == 200
    assert_secured(static)
    missing = client.get("/no-such-page")
    assert missing.status_code == 404
    assert_secured(missing)
    redirect = client.get("/")
    assert redirect.status_code == 302 and "/login" in redirect.location
    assert_secured(redirect)


@pytest.mark.usefixtures("call")
def test_recordings_by_range_and_downloads(login_as, db):
    admin = login_as(Role.ADMIN)
    interaction = db.session.query(Interaction).one()
    url = f"/reviews/interactions/{interaction.id}/recording"
    part = admin.get(url, headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and len(part.data) == 100
    assert_secured(part)
    download = admin.get("/onboarding/matrix.csv")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert_secured(download)


def test_hsts_only_when_cookies_are_secure(app, client, monkeypatch):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    for response in (client.get("/login"), client.get("/static/css/portal.css")):
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
        assert response.headers["X-Frame-Options"] == "DENY"


def test_htmx_does_not_inject_its_inline_indicator_styles(client):
    # The policy forbids inline <style>; htmx's config must keep it from adding one,
    # and the indicator rules it would have added live in the portal's stylesheet.
    page = client.get("/login").get_data(as_text=True)
    assert '"includeIndicatorStyles":false' in page
    css = client.get("/static/css/portal.css").get_data(as_text=True)
    assert ".htmx-indicator {" in css and ".htmx-request .htmx-indicator" in css
