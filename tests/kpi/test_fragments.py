"""The figures of the KPI pages are rendered once and kept (portal/core/fragments.py):
another viewer, or a reload without validators, gets them without recomputing;
any change to what they are made of shows at once; Redis shares them between app
nodes, and a Redis that does not answer costs speed, never the page."""

import re

import pytest

from portal import create_app
from portal.core.roles import Role
from tests.conftest import Session
from tests.kpi.test_measures import DAY, _records

SHEET = "/kpi/agents/{}?period=month&ref=" + DAY.isoformat()
TEAM = "/kpi/team?period=month&ref=" + DAY.isoformat()
REDIS = "redis://127.0.0.1:6379/12"


def _nps(page: str) -> str:
    return re.search(r'data-measure="nps">([^<]*)<', page).group(1)


def _statements(count_queries, session, url):
    with count_queries() as statements:
        page = session.get(url)
    assert page.status_code == 200
    return page.get_data(as_text=True), len(statements)


def test_a_second_viewer_gets_the_sheet_without_recomputing_and_with_their_own_token(
    login_as, make, db, count_queries
):
    team = make.team()
    agent = make.user(Role.AGENT, team=team)
    _records(db, agent, nps=[10, 9, 3])
    me, lead = login_as(agent), login_as(make.user(Role.SUPERVISOR, leads=[team]))
    first, computed = _statements(count_queries, me, SHEET.format(agent.id))
    again, kept = _statements(count_queries, lead, SHEET.format(agent.id))
    assert _nps(first) == _nps(again) == "+33"
    assert kept < computed / 2
    # The page around the figures is theirs: the CSRF token signs their own session's.
    assert _raw_token(again) == _raw_token(lead.token) != _raw_token(me.token)


def _raw_token(text: str) -> str:
    """The session's token inside a signed one (itsdangerous: payload.time.signature)."""
    found = re.search(r'"X-CSRFToken": "([^"]+)"', text)
    return (found.group(1) if found else text).split(".")[0]


def test_a_change_shows_at_once_without_any_validator(login_as, make, db):
    agent = make.user(Role.AGENT, team=make.team())
    me = login_as(agent)
    _records(db, agent, nps=[10])
    assert _nps(me.get(SHEET.format(agent.id)).get_data(as_text=True)) == "+100"
    _records(db, agent, csat=[5], nps=[0])  # another import of the same day
    assert _nps(me.get(SHEET.format(agent.id)).get_data(as_text=True)) == "+0"


def test_the_team_table_is_kept_per_scope(login_as, make, db, count_queries):
    north, south = make.team("Nhóm Bắc"), make.team("Nhóm Nam")
    for team in (north, south):
        for _ in range(3):
            make.user(Role.AGENT, team=team)
    hr, other_hr = login_as("hr"), login_as("hr")
    lead = login_as(make.user(Role.SUPERVISOR, leads=[north]))
    everyone, computed = _statements(count_queries, hr, TEAM)
    same, kept = _statements(count_queries, other_hr, TEAM)
    assert kept < computed and everyone.count("Nhóm Nam</td>") == 3
    own = lead.get(TEAM).get_data(as_text=True)
    assert own.count("Nhóm Bắc</td>") == 3 and "Nhóm Nam</td>" not in own


def _redis_or_skip():
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=1).flushdb()
    except redis.exceptions.ConnectionError as error:
        pytest.skip(f"no Redis at {REDIS}: {error}")


def _node(app, url):
    return create_app(
        {**{k: app.config[k] for k in _SHARED}, "CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": url}
    )


_SHARED = (
    "TESTING",
    "SQLALCHEMY_DATABASE_URI",
    "STORAGE_DIR",
    "QUEUE_IMMEDIATE",
    "PASSWORD_HASH_METHOD",
    "SECRET_KEY",
    "LOGIN_RATE_LIMIT",
)


def test_two_nodes_share_the_figures_through_redis_and_see_a_change_at_once(
    app, make, db, count_queries
):
    _redis_or_skip()
    agent = make.user(Role.AGENT, team=make.team())
    _records(db, agent, nps=[10, 0])
    a, b = _node(app, REDIS), _node(app, REDIS)
    on_a, on_b = Session(a.test_client(), agent), Session(b.test_client(), agent)
    url = SHEET.format(agent.id)
    assert _nps(on_a.get(url).get_data(as_text=True)) == "+0"
    statements = []
    from sqlalchemy import event

    with b.app_context():
        from portal.core.extensions import db as node_db

        event.listen(node_db.engine, "before_cursor_execute", lambda *x: statements.append(1))
    assert _nps(on_b.get(url).get_data(as_text=True)) == "+0"
    shared = len(statements)
    _records(db, agent, csat=[4], nps=[10])
    statements.clear()
    assert _nps(on_b.get(url).get_data(as_text=True)) == "+33"
    assert shared < len(statements)  # B had A's figures; after the change it computed
    assert _nps(on_a.get(url).get_data(as_text=True)) == "+33"


def test_a_cache_that_does_not_answer_costs_speed_not_the_page(app, make, db):
    agent = make.user(Role.AGENT, team=make.team())
    _records(db, agent, nps=[9])
    node = _node(app, "redis://127.0.0.1:9/0")  # nothing listens there
    page = Session(node.test_client(), agent).get(SHEET.format(agent.id))
    assert page.status_code == 200 and _nps(page.get_data(as_text=True)) == "+100"


def test_after_one_agents_change_the_team_table_recomputes_that_agent_alone(
    app, login_as, make, db
):
    from sqlalchemy import event

    team = make.team()
    agents = [make.user(Role.AGENT, team=team) for _ in range(4)]
    for n, agent in enumerate(agents):
        _records(db, agent, nps=[10 - n])
    hr = login_as("hr")
    hr.get(TEAM)
    changed = agents[2]
    _records(db, changed, csat=[5], nps=[0])
    asked = []

    def record(conn, cursor, statement, parameters, *rest):
        if "rollup_outcome_days" in statement:
            asked.append(parameters)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        page = hr.get(TEAM).get_data(as_text=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert asked, "the changed agent's values were not computed"
    ids = {a.id for a in agents}
    for parameters in asked:
        values = parameters.values() if isinstance(parameters, dict) else parameters
        assert {v for v in values if type(v) is int and v in ids} == {changed.id}
    assert "+100" in page and "+0" in page  # the others as they were, the change shown


def test_the_team_table_pages_a_large_scope_sorted_across_pages(login_as, make, db):
    team = make.team()
    for n in range(130):
        agent = make.user(Role.AGENT, team=team, name=f"Nhân viên {n:03d}")
        _records(db, agent, csat=[5] * (n % 7 + 1) + [1])
    hr = login_as("hr")
    sort = TEAM + "&sort=csat&dir=desc"
    first = hr.get(sort).get_data(as_text=True)
    second = hr.get(sort + "&page=2").get_data(as_text=True)
    assert first.count('href="/kpi/agents/') == 100 and second.count('href="/kpi/agents/') == 30
    assert "130 người" in first and "đang hiện 101–130" in second
    assert 'href="/kpi/team?' in first and "page=2" in first  # the pager
    assert "85.7%" in first and "50.0%" not in first and "50.0%" in second
