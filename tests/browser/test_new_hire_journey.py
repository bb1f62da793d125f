"""A new hire logs in, opens a playbook step from onboarding, marks it done, sees progress move."""

from datetime import date, timedelta

import pytest

from portal.core.roles import Role
from portal.onboarding import assignment as onboarding
from portal.onboarding.models import ModuleItem, OnboardingModule
from portal.playbooks import services as playbooks
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_new_hire_marks_a_step_done_and_progress_moves(live_server, page, content, make, db):
    steps = playbooks.find_playbook("truoc-ban-hang").steps
    module = OnboardingModule(title="Tuần 1: Trước bán hàng", due_days=7, position=1)
    for index, step in enumerate(steps[:2], start=1):
        module.items.append(ModuleItem(kind=playbooks.ITEM_KIND, ref_id=step.id, position=index))
    db.session.add(module)
    db.session.commit()
    hire = make.user(
        Role.NEW_HIRE,
        team=make.team(),
        name="Võ Ngọc Anh",
        hire_date=date.today() - timedelta(days=1),
    )
    onboarding.assign([hire], [module], by=make.user(Role.ADMIN))

    page.goto(f"{live_server}/login")
    page.get_by_label("Email").fill(hire.email)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()

    page.wait_for_url("**/onboarding/")
    assert page.locator(f"#module-{module.id} header p").inner_text().strip().endswith("0/2")
    page.get_by_role("link", name=steps[0].title).first.click()

    page.wait_for_url("**onboarding_item=*")
    assert page.get_by_role("heading", level=1).inner_text().endswith(steps[0].title)
    bar = page.locator("#onboarding-bar")
    assert bar.locator("progress").get_attribute("value") == "0"
    bar.get_by_role("button", name="Đánh dấu đã xong").click()
    page.locator("#onboarding-bar .badge-done").wait_for()
    assert page.locator("#onboarding-bar progress").get_attribute("value") == "1"

    page.get_by_text("Học", exact=True).click()  # the menu's Learn group
    page.locator(".nav-groups").get_by_role("link", name="Lộ trình hội nhập của tôi").click()
    page.wait_for_url("**/onboarding/")
    assert page.locator(f"#module-{module.id} header p").inner_text().strip().endswith("1/2")
    assert page.locator("main > progress").first.get_attribute("value") == "1"
