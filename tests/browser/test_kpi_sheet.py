"""HR opens an agent's KPI sheet, switches the period, and downloads the workbook."""

import pytest
from playwright.sync_api import expect

from portal.core.models import local_today
from portal.core.roles import Role
from portal.kpi.models import OutcomeRecord
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_open_a_sheet_switch_period_and_download(live_server, page, make, db):
    team = make.team("Nhóm Tư vấn")
    agent = make.user(Role.AGENT, team=team, name="Nguyễn Thị Lan")
    db.session.add(
        OutcomeRecord(record_key="b1", agent_id=agent.id, occurred_on=local_today(), csat=5, nps=10)
    )
    db.session.commit()
    hr = make.user(Role.HR)
    log_in(page, live_server, hr, PASSWORD)
    page.goto(f"{live_server}/kpi/team")
    page.get_by_role("link", name="Nguyễn Thị Lan").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Nguyễn Thị Lan")
    expect(page.locator('[data-measure="csat"]')).to_have_text("100.0%")
    page.wait_for_function("() => document.getElementById('kpi-trend').dataset.drawn === '1'")

    page.get_by_label("Kỳ", exact=True).select_option("quarter")
    page.get_by_role("button", name="Xem").click()
    quarter = (local_today().month - 1) // 3 + 1
    expect(page.locator("hgroup p")).to_contain_text(f"Q{quarter}/")

    page.goto(f"{live_server}/kpi/team")
    page.get_by_role("button", name="Bảng điểm Excel").click()
    link = page.get_by_role("button", name="Tải tệp Excel")
    expect(link).to_be_visible()
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.endswith(".xlsx")
    assert download.value.path().stat().st_size > 5000
