"""A supervisor listens to a call, comments at a moment of it, jumps back there
from the comment, scores the rubric while the score moves, and submits."""

import pytest
from playwright.sync_api import expect

from reviews import reviewing
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD
from tests.reviews.conftest import call, call_rubric, team  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


def test_review_a_recorded_call(live_server, page, call, call_rubric, team, db):  # noqa: F811
    review = reviewing.assign(call, call_rubric, team["lead"].id, by=team["lead"])
    db.session.commit()
    log_in(page, live_server, team["lead"], PASSWORD)
    page.goto(f"{live_server}/reviews/{review.id}")

    player = page.locator("#player")
    # Functions, not expression strings: Playwright runs a string through eval,
    # which the portal's Content-Security-Policy forbids.
    page.wait_for_function("() => document.getElementById('player').readyState >= 1")
    player.evaluate("audio => audio.play()")
    page.wait_for_function("() => document.getElementById('player').currentTime > 0.3")
    player.evaluate("audio => { audio.pause(); audio.currentTime = 5.2; }")

    page.get_by_placeholder("Điều gì xảy ra ở thời điểm này của cuộc gọi?").fill(
        "Từ chối cộc lốc ở đây."
    )
    page.locator("[data-comment-here]").click()
    stamp = page.locator("#comments .timestamp")
    expect(stamp).to_have_text("00:05")
    expect(page.locator("#comments")).to_contain_text("Từ chối cộc lốc ở đây.")

    player.evaluate("audio => audio.currentTime = 0")
    stamp.click()
    page.wait_for_function(
        "() => Math.abs(document.getElementById('player').currentTime - 5.2) < 1"
    )

    score = page.locator("[data-score]")
    page.get_by_role("radiogroup", name="Chào hỏi, xưng tên").get_by_label("3").check()
    expect(score).to_have_text("100.0%")
    page.get_by_role("radiogroup", name="Lắng nghe, không ngắt lời").get_by_label("2").check()
    expect(score).to_have_text("50.0%")  # (100 × 10 + 25 × 20) / 30
    respect = page.get_by_role("radiogroup", name="Tôn trọng khách")
    respect.get_by_label("Không", exact=True).check()
    expect(score).to_have_text("0.0%")
    respect.get_by_label("Có", exact=True).check()

    for group in page.get_by_role("radiogroup").all():
        if not group.locator("input:checked").count():
            group.locator("input[type=radio]:not([value=na])").last.check()
    expect(page.locator(".save-state")).to_contain_text("Đã lưu lúc")
    page.get_by_role("button", name="Nộp phiếu chấm").click()
    expect(page.locator(".flash-success")).to_contain_text("Đã nộp phiếu chấm")
    db.session.refresh(review)
    assert review.state == "submitted" and review.score is not None
    assert review.comments[0].at_seconds == pytest.approx(5.2, abs=0.2)
