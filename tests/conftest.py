"""Shared fixtures: the app on SQLite (default) or PostgreSQL, clients, people.

Set PORTAL_TEST_DATABASE_URL to run the suite on PostgreSQL, e.g.
postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

import os
import re

import pytest
from flask import g, request_started
from flask_migrate import upgrade
from hypothesis import settings
from sqlalchemy import text

from portal import create_app
from portal.accounts.models import User
from portal.core import fragments
from portal.core.extensions import db as _db
from portal.core.roles import Role
from tests.factories import PASSWORD, Factory

# Property tests (the rollups, Schemathesis) draw the same examples on every run, so
# a red CI is a change's doing and reproduces; HYPOTHESIS_PROFILE=explore draws new
# ones each run, to look for what the fixed draw misses.
settings.register_profile("repeatable", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|"X-CSRFToken": "([^"]+)"')


def _reset_database(url: str) -> None:
    """Start from an empty database so the migrations are what builds the schema."""
    if url.startswith("postgresql"):
        from sqlalchemy import create_engine

        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()


def _fresh_globals(sender, **extra):
    for name in list(vars(g)):
        g.pop(name)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    root = tmp_path_factory.mktemp("portal")
    url = os.environ.get("PORTAL_TEST_DATABASE_URL") or f"sqlite:///{root / 'test.db'}"
    _reset_database(url)
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "STORAGE_DIR": str(root / "files"),
            # Jobs run in the request that enqueues them (tests/test_queue.py runs a
            # real worker against Redis).
            "QUEUE_IMMEDIATE": True,
            # Fast hashing in tests only; production uses scrypt.
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "SECRET_KEY": "test-only",
            # The suite logs in hundreds of times from 127.0.0.1;
            # tests/accounts/test_login_throttle.py sets a low limit itself.
            "LOGIN_RATE_LIMIT": "100000 per minute",
        }
    )
    with app.app_context():
        upgrade()
    # Tests keep an app context open (see `db`), and Flask reuses it for test
    # requests; without this, `g` (logged-in user, CSRF token) would leak
    # from one request, and one client, to the next.
    request_started.connect(_fresh_globals, app)
    yield app
    with app.app_context():
        _db.engine.dispose()


@pytest.fixture(autouse=True)
def db(app):
    """Every test starts with empty tables."""
    with app.app_context():
        yield _db
        _db.session.remove()
        fragments.forget_all()  # the next test's counters start again from nothing
        tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
        with _db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    conn.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def content(db):
    """The built-in content pack, loaded."""
    from portal.playbooks.services import load_content_pack

    load_content_pack()


def csrf_token(client, url: str = "/login") -> str:
    page = client.get(url, follow_redirects=True).get_data(as_text=True)
    match = CSRF_RE.search(page)
    assert match, f"no CSRF token on {url}"
    return match.group(1) or match.group(2)


@pytest.fixture
def make(db):
    return Factory(db)


class Session:
    """A logged-in test client that knows its CSRF token."""

    def __init__(self, client, user):
        self.client, self.user = client, user
        self.token = csrf_token(client)
        response = client.post(
            "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": self.token}
        )
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        self.token = csrf_token(client, "/")

    def get(self, url, **kw):
        return self.client.get(url, **kw)

    def post(self, url, data=None, htmx=False, **kw):
        data = dict(data or {})
        headers = dict(kw.pop("headers", {}))
        if htmx:
            headers["HX-Request"] = "true"
            headers["X-CSRFToken"] = self.token
        else:
            data.setdefault("csrf_token", self.token)
        return self.client.post(url, data=data, headers=headers, **kw)


@pytest.fixture
def login_as(app, make):
    """login_as(role) or login_as(user): a logged-in client session."""

    def login(who, **kw):
        user = who if isinstance(who, User) else make.user(Role(who), **kw)
        return Session(app.test_client(), user)

    return login


@pytest.fixture
def count_queries(app):
    """Context manager counting SQL statements run inside it."""
    from contextlib import contextmanager

    from sqlalchemy import event

    @contextmanager
    def counter():
        statements = []

        def record(conn, cursor, statement, *args):
            statements.append(statement)

        engine = _db.engine
        event.listen(engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", record)

    return counter


@pytest.fixture
def script_pack(tmp_path):
    """write(*scripts) -> a folder of script YAML files, as the content pack has."""
    import yaml

    folder = tmp_path / "scripts"
    folder.mkdir()

    def write(*scripts):
        for index, script in enumerate(scripts, start=1):
            (folder / f"{index:02d}-{script['slug']}.yml").write_text(
                yaml.safe_dump(script, allow_unicode=True), encoding="utf-8"
            )
        return folder

    return write
