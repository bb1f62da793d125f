"""Logging in and out, throttling, safe redirects, sessions ended by a password change."""

import pytest

from portal.core.roles import Role
from tests.conftest import PASSWORD, csrf_token


def _login(client, email, password, next_url=None):
    token = csrf_token(client)
    url = "/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"email": email, "password": password, "csrf_token": token})


def test_login_then_logout(client, make):
    user = make.user(Role.AGENT, name="Nguyễn Văn A")
    response = _login(client, user.email.upper(), PASSWORD)
    assert response.status_code == 303
    assert "Nguyễn Văn A" in client.get("/").get_data(as_text=True)
    token = csrf_token(client, "/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    assert client.get("/").status_code == 302


def test_wrong_password_is_refused_with_a_message(client, make):
    user = make.user()
    response = _login(client, user.email, "not the password")
    assert response.status_code == 422
    assert "Email hoặc mật khẩu không đúng" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_login_is_throttled_after_repeated_failures(app, client, make):
    user = make.user()
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        assert _login(client, user.email, "wrong").status_code == 422
    assert _login(client, user.email, "wrong").status_code == 429
    # Even the right password is refused while the account is locked.
    assert _login(client, user.email, PASSWORD).status_code == 429


def test_deactivated_people_cannot_log_in(client, make, db):
    user = make.user()
    user.active = False
    db.session.commit()
    assert _login(client, user.email, PASSWORD).status_code == 422


@pytest.mark.parametrize(
    "next_url, landing",
    [
        ("/playbooks/", "/playbooks/"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_next_redirect_stays_on_the_site(client, make, next_url, landing):
    user = make.user()
    response = _login(client, user.email, PASSWORD, next_url)
    assert response.status_code == 303
    assert response.headers["Location"] == landing


def test_password_change_ends_other_sessions(app, make, login_as):
    user = make.user()
    laptop, phone = login_as(user), login_as(user)
    response = laptop.post(
        "/account/password",
        {
            "current_password": PASSWORD,
            "new_password": "a much newer passphrase",
            "confirm": "a much newer passphrase",
        },
    )
    assert response.status_code == 303
    assert laptop.get("/account/password").status_code == 200  # this session stays
    assert phone.get("/account/password").status_code == 302  # the other one is logged out


def test_password_change_validates(login_as):
    session = login_as("agent")
    response = session.post(
        "/account/password",
        {"current_password": "wrong", "new_password": "short", "confirm": "other"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in page


def test_post_without_csrf_token_is_refused(make, login_as):
    session = login_as("agent")
    response = session.client.post("/account/password", data={"current_password": PASSWORD})
    assert response.status_code == 400
    htmx = session.client.post("/onboarding/items/1/complete", headers={"HX-Request": "true"})
    assert htmx.status_code == 400


def test_ui_speaks_vietnamese_by_default_and_english_on_request(client, make):
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="vi"' in page and "Đăng nhập" in page
    token = csrf_token(client)
    client.post("/language", data={"locale": "en", "csrf_token": token, "next": "/login"})
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="en"' in page and "Log in" in page


def test_an_expired_session_sends_htmx_requests_to_the_login_page(app, make):
    client = app.test_client()
    token = csrf_token(client)
    response = client.post(
        "/onboarding/items/1/complete",
        headers={
            "HX-Request": "true",
            "X-CSRFToken": token,
            "HX-Current-URL": "http://x/playbooks/?onboarding_item=1",
        },
    )
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login?next=")
    assert "playbooks" in response.headers["HX-Redirect"]
    assert "<form" not in response.get_data(as_text=True)


def test_attempts_beyond_the_limit_never_reach_the_password_check(app, client, make, db):
    # As if LOGIN_MAX_FAILURES guesses were still in flight: the next attempt
    # claims a slot beyond the limit and is refused, even with the right password.
    user = make.user()
    user.failed_logins = app.config["LOGIN_MAX_FAILURES"]
    db.session.commit()
    assert _login(client, user.email, PASSWORD).status_code == 429
    # Once the lock is over (here: the counter reset), the right password works.
    user.failed_logins = 0
    db.session.commit()
    assert _login(client, user.email, PASSWORD).status_code == 303


def test_a_first_visit_lands_on_the_login_page_without_a_scolding(client):
    first = client.get("/")
    assert first.status_code == 302 and first.headers["Location"] == "/login"
    page = client.get("/login").get_data(as_text=True)
    assert "Vui lòng đăng nhập để xem trang này." not in page
    # A page behind the login still says why, and comes back after it, without a stray "?".
    deep = client.get("/kpi/")
    assert deep.headers["Location"] == "/login?next=/kpi/"
    assert "Vui lòng đăng nhập để xem trang này." in client.get("/login").get_data(as_text=True)
