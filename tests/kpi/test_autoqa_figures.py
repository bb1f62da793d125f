"""The automatic QA's figures on the KPI pages: calls auto-checked and their mean
auto-QA score, beside the reviewers' figures and never mixed with them, on the
agent's sheet, the team table and the HR workbook; kept by the rollups as calls
are analysed or moved, and a reload shows them at once."""

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from autoqa.models import CallAnalysis
from portal.core.models import local_today, utcnow
from portal.core.roles import Role
from portal.kpi import rollups
from portal.kpi.models import AutoQaDay


@pytest.fixture
def people(make):
    team = make.team("Nhóm Tư vấn")
    return {
        "agent": make.user(Role.AGENT, team=team, name="Trần Văn Minh"),
        "other": make.user(Role.AGENT, team=team, name="Lê Thị Hoa"),
        "lead": make.user(Role.SUPERVISOR, leads=[team]),
    }


def _scores(db, agent):
    db.session.expire_all()
    return [
        a.auto_score
        for a in db.session.query(CallAnalysis).filter(CallAnalysis.auto_score.is_not(None))
        if a.interaction.agent_id == agent.id
    ]


def _measure(page: str, code: str) -> str:
    start = page.index(f'data-measure="{code}">') + len(f'data-measure="{code}">')
    return page[start : page.index("<", start)]


def test_the_sheet_shows_auto_qa_apart_and_a_reload_follows_new_calls(db, make, people, login_as):
    agent, lead = people["agent"], people["lead"]
    make.demo_call(agent, "hai-kenh-tu-van-ro-rang", by=lead)
    make.demo_call(agent, "hai-kenh-khong-nen-noi", by=lead)
    scores = _scores(db, agent)
    assert len(scores) == 2 and scores[0] != scores[1]
    me = login_as(agent)
    url = f"/kpi/agents/{agent.id}"
    first = me.get(url)
    page = first.get_data(as_text=True)
    assert "Kiểm tra tự động, mọi cuộc gọi đã phân tích" in page
    assert _measure(page, "auto_qa_calls") == "2"
    mean = sum(scores) / 2
    assert _measure(page, "auto_qa_score") == f"{mean:.1f}%"
    assert _measure(page, "review_count") == "0"  # no person reviewed them: not mixed in
    assert _measure(page, "auto_qa_share") == "100.0%"
    make.interaction(agent, recording=None)  # a call with neither recording nor words
    assert _measure(me.get(url).get_data(as_text=True), "auto_qa_share") == "66.7%"
    # A third call analysed: the same reload gets the new figures, not a 304.
    make.demo_call(agent, "hai-kenh-thieu-loi-chao", by=lead)
    again = me.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200
    assert _measure(again.get_data(as_text=True), "auto_qa_calls") == "3"
    assert _measure(again.get_data(as_text=True), "auto_qa_share") == "75.0%"


def test_a_call_moved_to_another_agent_or_day_moves_its_figure(db, make, people):
    agent, other = people["agent"], people["other"]
    call = make.demo_call(agent, "hai-kenh-tu-van-ro-rang")
    today = local_today()
    assert db.session.get(AutoQaDay, (agent.id, today)).calls == 1
    call.agent_id = other.id
    db.session.commit()
    assert db.session.get(AutoQaDay, (agent.id, today)) is None
    assert db.session.get(AutoQaDay, (other.id, today)).score_sum == 100.0
    call.occurred_at = utcnow() - timedelta(days=3)
    db.session.commit()
    assert db.session.get(AutoQaDay, (other.id, today)) is None
    kept = {(r.agent_id, r.day, r.calls, r.score_sum) for r in db.session.query(AutoQaDay)}
    rollups.rebuild()  # the rebuild from the raw rows agrees with what was kept
    assert {(r.agent_id, r.day, r.calls, r.score_sum) for r in db.session.query(AutoQaDay)} == kept


def test_the_team_table_and_the_hr_workbook_show_auto_qa_beside_reviews(db, make, people, login_as):
    make.demo_call(people["agent"], "hai-kenh-tu-van-ro-rang")
    make.demo_call(people["other"], "hai-kenh-thieu-loi-chao")
    hr = login_as("hr")
    table = hr.get("/kpi/team").get_data(as_text=True)
    assert "Điểm kiểm tra tự động" in table and "Cuộc gọi được kiểm tra tự động" in table
    assert "100.0%" in table and "0.0%" in table
    started = hr.post("/kpi/export", {"period": "month", "ref": local_today().isoformat()})
    book = load_workbook(io.BytesIO(hr.get(started.location + "/download").data))
    summary = book["Tóm tắt"]
    header = [c.value for c in summary[1]]
    column = header.index("Điểm kiểm tra tự động")
    assert header.index("Điểm chấm") != column  # its own column, apart from reviews
    rows = {r[0].value: r for r in summary.iter_rows(min_row=2)}
    assert rows["Trần Văn Minh"][column].value == 1.0
    assert rows["Lê Thị Hoa"][column].value == 0.0
    assert rows["Lê Thị Hoa"][header.index("Cuộc gọi được kiểm tra tự động")].value == 1
