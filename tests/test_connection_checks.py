"""Connections are pinged before use only after being idle (portal/core/
connection_checks.py); a dead idle one is replaced before a request sees it."""

import pytest
from sqlalchemy import create_engine, text

from portal.core import connection_checks


@pytest.fixture
def engine(app):
    """An engine on the suite's database, watched as the app's engines are."""
    made = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], pool_size=1, max_overflow=0)
    connection_checks._watch(made, idle=10)
    pings = []
    real = made.dialect.do_ping
    made.dialect.do_ping = lambda connection: pings.append(1) or real(connection)
    yield made, pings
    made.dispose()


def _handed_back_long_ago(made) -> None:
    with made.connect() as conn:
        record = conn.connection._connection_record
    record.info["handed_back"] -= 60  # as if idle for a minute


def test_a_connection_used_moments_ago_is_not_pinged_and_an_idle_one_is(engine):
    made, pings = engine
    for _ in range(5):
        with made.connect() as conn:
            assert conn.execute(text("SELECT 1")).scalar() == 1
    assert len(pings) == 1  # the new connection's first checkout only
    _handed_back_long_ago(made)
    with made.connect() as conn:
        conn.execute(text("SELECT 1"))
    assert len(pings) == 2  # this checkout, after a minute idle


def test_a_connection_that_died_while_idle_is_replaced_unseen(engine, app):
    made, pings = engine
    if made.dialect.name != "postgresql":
        pytest.skip("an SQLite file has no server to lose")
    with made.connect() as conn:
        first = conn.execute(text("SELECT pg_backend_pid()")).scalar()
    _handed_back_long_ago(made)
    killer = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with killer.begin() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first}).scalar()
    killer.dispose()
    with made.connect() as conn:  # no error: the dead one failed its ping
        second = conn.execute(text("SELECT pg_backend_pid()")).scalar()
    assert second != first


def test_the_app_pings_at_every_checkout_when_told_to(app):
    assert app.config["DB_PING_IDLE_SECONDS"] == 10
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is False
    every = {"DB_PING_IDLE_SECONDS": 0}
    options: dict = {}
    connection_checks.configure(
        type("App", (), {"config": {**every, "SQLALCHEMY_ENGINE_OPTIONS": options}})()
    )
    assert options == {"pool_pre_ping": True}
