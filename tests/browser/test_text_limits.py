"""A long summary pasted into a review is neither cut by the browser nor saved: the
live count says how much is over, the autosave is refused, and the text stays."""

import pytest
from playwright.sync_api import expect

from reviews import reviewing
from reviews.models import Review
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD
from tests.reviews.conftest import call, call_rubric, team  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


def test_a_long_summary_is_counted_kept_and_refused(live_server, page, call, call_rubric, team, db):  # noqa: F811
    review = reviewing.assign(call, call_rubric, team["lead"].id, by=team["lead"])
    db.session.commit()
    violations = []
    page.on(
        "console", lambda m: violations.append(m.text) if "Content Security" in m.text else None
    )
    log_in(page, live_server, team["lead"], PASSWORD)
    page.goto(f"{live_server}/reviews/{review.id}")

    summary = page.locator("textarea[name=summary]")
    count = summary.locator("xpath=following-sibling::small[contains(@class,'char-count')]")
    expect(count).to_have_text("0/5000 ký tự")
    text = "Nhân viên chào khách rõ ràng. " * 170  # 5,100 characters, pasted at once
    summary.fill(text)
    assert summary.evaluate("el => el.value.length") == len(text)  # nothing cut
    expect(count).to_have_text(
        "Thừa 100 ký tự (giới hạn là 5000): hãy rút gọn, nếu không sẽ không lưu được."
    )
    expect(page.locator("#score-panel")).to_contain_text("giới hạn là 5000")
    db.session.expire_all()
    assert not db.session.get(Review, review.id).summary
    summary.fill("Ngắn gọn.")
    expect(count).to_have_text("9/5000 ký tự")
    expect(page.locator("#score-panel .save-state")).to_be_visible()
    assert violations == []
