"""Database connections checked before use when they have been idle, not every time.

SQLAlchemy's `pool_pre_ping` sends a query at every checkout: on a page of two
statements, one round trip in five (with BEGIN and ROLLBACK), and under load each
one waits for the database's process to be scheduled on the same cores. A
connection handed back milliseconds ago is as alive as anything can be known to
be, so this pings only one idle for longer than DB_PING_IDLE_SECONDS (the pattern
SQLAlchemy documents as custom pessimistic disconnect handling). A connection
that fails its ping is replaced before the request sees it, as with pre_ping; one
that dies within the idle window fails its request, and the pool then drops every
connection older than the failure. 0 keeps SQLAlchemy's ping at every checkout.
"""

import time

from flask import Flask
from sqlalchemy import event, exc


def configure(app: Flask) -> None:
    """Before the engines are made: SQLAlchemy's own ping when asked for every time."""
    options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    options.setdefault("pool_pre_ping", app.config["DB_PING_IDLE_SECONDS"] <= 0)


def watch(app: Flask, db) -> None:
    """After: the ping of idle connections on each engine."""
    idle = app.config["DB_PING_IDLE_SECONDS"]
    if idle <= 0:
        return
    with app.app_context():
        for engine in db.engines.values():
            _watch(engine, idle)


def _watch(engine, idle: float) -> None:
    @event.listens_for(engine, "checkin")
    def _handed_back(_dbapi_connection, record) -> None:
        record.info["handed_back"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_when_idle(dbapi_connection, record, _proxy) -> None:
        handed_back = record.info.get("handed_back")
        if handed_back is not None and time.monotonic() - handed_back < idle:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            if not engine.dialect.is_disconnect(error, dbapi_connection, None):
                raise
            alive = False
        if not alive:
            raise exc.DisconnectionError()  # the pool replaces it and checks out again
