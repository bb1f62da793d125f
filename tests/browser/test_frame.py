"""The app frame as a person sees it: one line of job groups on a laptop, a Menu
button on a phone, the current page marked, no role's items for another role, and
no page wider than a phone's screen."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.accounts.models import User
from portal.demo import setup_demo
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser
SHOTS = "/tmp/portal-shots"


@pytest.fixture
def people(db, tmp_path):
    passwords = {login["email"]: login["password"] for login in setup_demo(str(tmp_path))}
    found = {u.email: u for u in db.session.scalars(select(User))}
    return {email: (found[email], password) for email, password in passwords.items()}


def _as(page, live_server, people, email):
    page.context.clear_cookies()
    user, password = people[email]
    log_in(page, live_server, user, password)


def test_a_laptop_shows_the_groups_on_one_line(live_server, page, people):
    page.set_viewport_size({"width": 1366, "height": 768})
    _as(page, live_server, people, "admin@demo.local")
    nav = page.locator(".site-nav")
    assert nav.bounding_box()["height"] <= 72  # one line, even with every group
    groups = page.locator(".nav-groups > li > details > summary")
    assert groups.all_inner_texts() == ["Học", "Làm việc", "Chấm điểm", "Báo cáo", "Quản trị"]
    page.screenshot(path=f"{SHOTS}/frame-admin-1366.png")
    page.get_by_text("Báo cáo", exact=True).click()
    page.get_by_role("link", name="KPI", exact=True).click()
    page.wait_for_url("**/kpi/**")
    expect(page.locator("summary.nav-current")).to_have_text("Báo cáo")
    expect(page.locator('a[aria-current="page"]')).to_have_text("KPI")


def test_each_role_sees_its_own_groups(live_server, page, people):
    page.set_viewport_size({"width": 1366, "height": 768})
    _as(page, live_server, people, "nhanvien@demo.local")
    agent = page.locator(".nav-groups > li > details > summary").all_inner_texts()
    assert agent == ["Học", "Làm việc", "Báo cáo"]  # nothing to review or administer
    assert page.locator(".nav-groups").get_by_text("Phiếu chấm của tôi").count() == 1
    _as(page, live_server, people, "hr@demo.local")
    hr = page.locator(".nav-groups > li > details > summary").all_inner_texts()
    assert (
        "Quản trị" in hr
        and page.locator(".nav-groups").get_by_text("Phiếu chấm của tôi").count() == 0
    )


def test_a_phone_folds_the_menu_and_never_scrolls_sideways(live_server, page, people):
    page.set_viewport_size({"width": 390, "height": 844})
    _as(page, live_server, people, "giamsat@demo.local")
    header = page.locator(".site-header")
    page.screenshot(path=f"{SHOTS}/frame-supervisor-390.png")
    assert header.bounding_box()["height"] <= 130  # brand, Menu and the person: folded
    toggle = page.get_by_role("button", name="Trình đơn")
    expect(page.locator(".nav-groups")).to_be_hidden()
    page.screenshot(path=f"{SHOTS}/frame-supervisor-390.png")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    page.get_by_text("Chấm điểm", exact=True).click()
    page.screenshot(path=f"{SHOTS}/frame-supervisor-390-open.png")
    page.get_by_role("link", name="Hàng chờ chấm").click()
    page.wait_for_url("**/reviews/")
    for path in ("/", "/reviews/", "/kpi/team", "/scripts/", "/quizzes/", "/playbooks/"):
        page.goto(f"{live_server}{path}")
        wide = page.evaluate("() => document.documentElement.scrollWidth")
        assert wide <= 390, f"{path} is {wide} px wide on a 390 px phone"
