"""A new hire answers, closes the page, comes back: every answer is still there."""

import pytest
from playwright.sync_api import expect

from portal.core.roles import Role
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD
from tests.quizzes.test_attempts import quiz  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


def test_answers_survive_closing_the_page(live_server, browser, quiz, make):  # noqa: F811
    hire = make.user(Role.NEW_HIRE)
    context = browser.new_context(locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    log_in(page, live_server, hire, PASSWORD)

    page.goto(f"{live_server}/quizzes/")
    page.get_by_role("button", name="Bắt đầu").click()
    page.wait_for_url("**/quizzes/attempts/*")
    # A countdown of the time left (the quiz allows 10 minutes).
    expect(page.locator(".timer")).to_contain_text("Còn lại 9:")
    page.locator("#q0").get_by_label("45").check()
    expect(page.locator("#q0 .save-state")).to_contain_text("Đã lưu lúc")
    page.locator("#q2 textarea").fill("Lắng nghe, xin lỗi, tìm nguyên nhân.")
    expect(page.locator("#q2 .save-state")).to_contain_text("Đã lưu lúc")
    attempt_url = page.url
    context.close()  # the browser is closed without handing in

    again = browser.new_context(locale="vi-VN")
    page = again.new_page()
    log_in(page, live_server, hire, PASSWORD)
    page.goto(attempt_url)
    expect(page.locator("#q0").get_by_label("45")).to_be_checked()
    expect(page.locator("#q2 textarea")).to_have_value("Lắng nghe, xin lỗi, tìm nguyên nhân.")
    again.close()


def test_the_countdown_stays_in_view_and_is_announced_near_the_end(
    live_server,
    page,
    quiz,  # noqa: F811  (the fixture)
    make,
    db,
):
    quiz.time_limit_minutes = 4  # already under five minutes when it starts
    db.session.commit()
    hire = make.user(Role.NEW_HIRE)
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server, hire, PASSWORD)
    page.goto(f"{live_server}/quizzes/")
    page.get_by_role("button", name="Bắt đầu").click()
    page.wait_for_url("**/quizzes/attempts/*")
    expect(page.get_by_role("status").filter(has_text="Còn 5 phút.")).to_have_count(1)
    page.locator("#q2 textarea").scroll_into_view_if_needed()
    page.mouse.wheel(0, 2000)
    clock = page.locator(".quiz-clock").bounding_box()
    assert clock is not None and 0 <= clock["y"] < 60  # pinned to the top while scrolling
    expect(page.locator(".timer")).to_contain_text("Còn lại 3:")
