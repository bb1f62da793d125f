"""A reload of a KPI page with nothing changed answers 304 after two small
statements; any change to what its figures are made of, by anyone, gives the new
page at once."""

from portal.core.models import local_today
from portal.core.roles import Role
from tests.kpi.test_sheets_and_export import HEADER, _upload


def _again(session, url, first, **headers):
    return session.get(url, headers={"If-None-Match": first.headers["ETag"], **headers})


def test_a_reload_of_an_unchanged_sheet_is_304_and_cheap(login_as, make, db, count_queries):
    agent = make.user(Role.AGENT, team=make.team())
    me = login_as(agent)
    url = f"/kpi/agents/{agent.id}"
    first = me.get(url)
    assert first.status_code == 200 and first.headers["ETag"]
    assert first.headers["Cache-Control"] == "private, no-cache"
    with count_queries() as statements:
        again = _again(me, url, first)
    assert again.status_code == 304 and again.get_data() == b""
    # The person's row (with their badge) and the counters: not the page.
    assert len(statements) == 2 and "kpi_versions" in statements[1]


def test_a_review_of_the_agent_changes_the_sheet_at_once(login_as, make, db):
    team = make.team()
    agent = make.user(Role.AGENT, team=team)
    supervisor = make.user(Role.SUPERVISOR, leads=[team])
    me = login_as(agent)
    url = f"/kpi/agents/{agent.id}"
    first = me.get(url)
    make.review(make.interaction(agent, recording=None), supervisor, state="submitted")
    after = _again(me, url, first)
    assert after.status_code == 200 and after.headers["ETag"] != first.headers["ETag"]
    assert _again(me, url, after).status_code == 304


def test_an_outcome_import_and_a_new_target_change_the_tables(login_as, make, db):
    team = make.team()
    agent = make.user(Role.AGENT, team=team, email="lan@example.vn")
    hr = login_as("hr")
    first = hr.get("/kpi/team")
    assert _again(hr, "/kpi/team", first).status_code == 304
    day = local_today().isoformat()
    _upload(hr, (HEADER + f"lan@example.vn,{day},r1,10,5,30,300,no,no,no\n").encode())
    imported = _again(hr, "/kpi/team", first)
    assert imported.status_code == 200 and "100" in imported.get_data(as_text=True)
    saved = hr.post("/kpi/targets", {"csat": "95"})
    assert saved.status_code == 303
    hr.get(saved.location)  # its "saved" message shown: pending messages never get a 304
    assert _again(hr, "/kpi/team", imported).status_code == 200
    assert agent.id  # the agent whose row changed


def test_a_page_with_a_message_to_show_is_never_304(login_as, make, db):
    hr = login_as("hr")
    first = hr.get("/kpi/team")
    with hr.client.session_transaction() as session:
        session["_flashes"] = [("success", "Đã lưu.")]
    shown = _again(hr, "/kpi/team", first)
    assert shown.status_code == 200 and "Đã lưu." in shown.get_data(as_text=True)


def test_the_tag_is_the_viewers_own_and_per_fragment(login_as, make, db):
    team = make.team()
    agent = make.user(Role.AGENT, team=team)
    lead = login_as(make.user(Role.SUPERVISOR, leads=[team]))
    url = f"/kpi/agents/{agent.id}"
    page = lead.get(url)
    fragment = lead.get(url, headers={"HX-Request": "true"})
    assert page.headers["ETag"] != fragment.headers["ETag"]
    assert _again(lead, url, page, **{"HX-Request": "true"}).status_code == 200
    other = login_as(make.user(Role.SUPERVISOR, leads=[team]))
    assert _again(other, url, page).status_code == 200  # another person's copy is not theirs
