"""The review inboxes' statements are answered from indexes that fit their filters
and sort: the database's own plan (EXPLAIN) for each statement the inbox runs names
the index, on SQLite and on PostgreSQL (sequential scans priced out, so the answer
does not depend on how few rows a test has)."""

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from portal.core.extensions import db as _db
from portal.core.roles import Role
from reviews.inbox import inbox_of


@contextmanager
def statements_run():
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    event.listen(_db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(_db.engine, "before_cursor_execute", record)


def plan(statement: str, parameters) -> str:
    connection = _db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        rows = connection.exec_driver_sql("EXPLAIN " + statement, parameters).all()
        return "\n".join(r[0] for r in rows)
    rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
    return "\n".join(str(r[-1]) for r in rows)


def the(statements, *fragments):
    (found,) = [(sql, params) for sql, params in statements if all(f in sql for f in fragments)]
    return found


@pytest.fixture
def people(make):
    team = make.team()
    supervisor = make.user(Role.SUPERVISOR, team=team)
    team.leads.append(supervisor)
    agent = make.user(Role.AGENT, team=team)
    call = make.interaction(agent, recording=None)
    make.review(call, supervisor, state="submitted")
    make.review(make.interaction(agent, recording=None), supervisor, state="assigned")
    return supervisor, agent


def test_an_agents_reviews_come_from_the_agent_and_date_index(db, people):
    _supervisor, agent = people
    with statements_run() as seen:
        inbox_of(agent)
    sql, params = the(seen, "FROM reviews", "reviews.agent_id =", "ORDER BY reviews.submitted_at")
    assert "ix_reviews_agent_submitted" in plan(sql, params)


def test_a_reviewers_queue_and_disputes_come_from_their_indexes(db, people):
    supervisor, _agent = people
    with statements_run() as seen:
        inbox_of(supervisor)
    queue = the(seen, "FROM reviews", "reviews.reviewer_id =", "ORDER BY reviews.created_at")
    assert "ix_reviews_reviewer_state_created" in plan(*queue)
    disputes = the(seen, "FROM disputes", "disputes.state =")
    assert "ix_disputes_state_raised" in plan(*disputes)
