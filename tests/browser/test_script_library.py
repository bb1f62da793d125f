"""An agent searches without diacritics, opens a script, fills in the customer's name."""

import pytest
from playwright.sync_api import expect

from portal.core.roles import Role
from scripts_library.pack import load_scripts_pack
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD
from tests.scripts_library.conftest import COMPLAINT, EMAIL

pytestmark = pytest.mark.browser


def test_agent_finds_a_script_and_fills_in_the_customer(
    live_server, page, content, make, script_pack
):
    load_scripts_pack(script_pack(COMPLAINT, EMAIL))
    agent = make.user(Role.AGENT, team=make.team())

    log_in(page, live_server, agent, PASSWORD)

    page.goto(f"{live_server}/scripts/")
    page.get_by_role("searchbox").fill("xu ly khieu nai")
    result = page.locator("#script-results").get_by_role(
        "link", name="Xử lý khiếu nại: xin lỗi và khắc phục"
    )
    # Results update as you type: only the complaint script is left.
    expect(page.locator("#script-results li")).to_have_count(1)
    result.click()

    page.wait_for_url("**/scripts/xin-loi-khieu-nai")
    # The boosted navigation swaps the page in; typing before htmx has processed the
    # new form would send nothing (a busy CI machine showed it).
    page.wait_for_load_state("networkidle")
    first_block = page.locator("#block-mo-dau")
    assert "anh/chị" in first_block.inner_text()
    page.get_by_label("Tên khách hàng").fill("chị Hoa")
    page.locator("#block-mo-dau .filled", has_text="chị Hoa").wait_for()
    assert first_block.inner_text().endswith("Dạ em chào chị Hoa, em rất tiếc về sự việc.")
