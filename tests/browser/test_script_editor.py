"""A supervisor adds blocks in the script editor without saving in between."""

import pytest

from portal.core.roles import Role
from scripts_library.models import ScriptDraft
from scripts_library.pack import load_scripts_pack
from scripts_library.search import find_published
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD
from tests.scripts_library.conftest import EMAIL

pytestmark = pytest.mark.browser


def test_supervisor_adds_blocks_and_saves_a_draft(
    live_server, page, content, make, script_pack, db
):
    load_scripts_pack(script_pack(EMAIL))
    writer = make.user(Role.SUPERVISOR)
    log_in(page, live_server, writer, PASSWORD)

    page.goto(f"{live_server}/scripts/cam-on-sau-dich-vu/edit")
    rows = page.locator("#block-rows fieldset")
    before = rows.count()
    for text in ("Dòng thêm một.", "Dòng thêm hai."):
        page.get_by_role("button", name="+ Thêm khối").click()
        rows.last.locator("textarea").first.fill(text)
    assert rows.count() == before + 2
    page.get_by_role("button", name="Lưu bản nháp").click()
    page.locator(".flash-success").wait_for()

    script = find_published("cam-on-sau-dich-vu")
    draft = db.session.get(ScriptDraft, script.id)
    db.session.refresh(draft)
    assert [b["text"] for b in draft.blocks][-2:] == ["Dòng thêm một.", "Dòng thêm hai."]
