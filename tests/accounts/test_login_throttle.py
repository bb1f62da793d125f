"""Login throttled per client address, on top of the per-account lock."""

import pytest

from portal import create_app
from portal.core.extensions import db as _db
from portal.core.extensions import limiter
from tests.conftest import PASSWORD, csrf_token

LIMIT = 3


@pytest.fixture
def low_limit(app, monkeypatch):
    """A limit of LIMIT failed posts a minute, counted from zero."""
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", f"{LIMIT} per minute")
    limiter.reset()
    yield
    limiter.reset()


def _login(client, email, password, **kw):
    token = csrf_token(client)
    return client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token}, **kw
    )


def test_one_address_guessing_across_accounts_gets_429_in_vietnamese(app, low_limit, make):
    # Each guess targets another account, so no account's own lock ever bites.
    people = [make.user() for _ in range(LIMIT + 1)]
    client = app.test_client()
    for person in people[:LIMIT]:
        assert _login(client, person.email, "wrong").status_code == 422
    response = _login(client, people[LIMIT].email, PASSWORD)  # even the right password
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "Máy này đã đăng nhập sai quá nhiều lần" in page
    assert 'name="email"' in page  # the login form is still there, with its message
    assert client.get("/").status_code == 302  # and nobody was logged in

    # Another address is not held back by this one.
    other = app.test_client()
    response = _login(
        other, people[LIMIT].email, PASSWORD, environ_base={"REMOTE_ADDR": "10.9.8.7"}
    )
    assert response.status_code == 303


def test_the_message_follows_the_persons_language(app, low_limit, make):
    person = make.user()
    client = app.test_client()
    token = csrf_token(client)
    client.post("/language", data={"locale": "en", "csrf_token": token, "next": "/login"})
    for _ in range(LIMIT):
        _login(client, "nobody@example.vn", "wrong")
    page = _login(client, person.email, PASSWORD).get_data(as_text=True)
    assert "Too many failed logins from this computer" in page


def test_successful_logins_do_not_count(app, low_limit, make):
    # A training room behind one address logs in at the start of a shift.
    for _ in range(LIMIT + 2):
        person = make.user()
        assert _login(app.test_client(), person.email, PASSWORD).status_code == 303


def test_the_login_page_itself_is_never_limited(app, low_limit):
    client = app.test_client()
    for _ in range(LIMIT):
        _login(client, "nobody@example.vn", "wrong")
    assert client.get("/login").status_code == 200


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_client(app, low_limit, make):
    proxied = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "PASSWORD_HASH_METHOD": app.config["PASSWORD_HASH_METHOD"],
            "SECRET_KEY": "test-only",
            "LOGIN_RATE_LIMIT": f"{LIMIT} per minute",
            "TRUSTED_PROXIES": 1,
        }
    )
    person = make.user()
    try:
        client = proxied.test_client()
        for _ in range(LIMIT):
            _login(client, "nobody@example.vn", "wrong", headers={"X-Forwarded-For": "10.0.0.1"})
        held = _login(client, person.email, PASSWORD, headers={"X-Forwarded-For": "10.0.0.1"})
        assert held.status_code == 429
        # Same proxy, another person behind it: not held back.
        fresh = proxied.test_client()
        response = _login(fresh, person.email, PASSWORD, headers={"X-Forwarded-For": "10.0.0.2"})
        assert response.status_code == 303
    finally:
        with proxied.app_context():
            _db.engine.dispose()
