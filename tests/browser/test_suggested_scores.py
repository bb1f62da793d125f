"""A supervisor scores a call the automatic checks have heard: one suggestion is
accepted with a click, another with the A key, the rest all at once; each lands in
the autosaved draft, and the reviewer can still pick another value."""

import pytest
from playwright.sync_api import expect

from reviews import reviewing
from reviews.models import CriterionScore
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD
from tests.reviews.conftest import team  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


def test_accept_suggestions_by_click_key_and_all_at_once(live_server, page, make, team, db):  # noqa: F811
    call = make.demo_call(team["agent"], "hai-kenh-khong-nen-noi", by=team["lead"])
    review = reviewing.assign(call, make.rubric(), team["lead"].id, by=team["lead"])
    db.session.commit()
    log_in(page, live_server, team["lead"], PASSWORD)
    page.goto(f"{live_server}/reviews/{review.id}")

    opening = page.get_by_role("radiogroup", name="Chào hỏi, xưng tên")
    opening.get_by_role("button", name="Nhận").click()
    expect(opening.get_by_label("3")).to_be_checked()
    expect(page.locator(".save-state")).to_contain_text("Đã lưu lúc")

    curt = page.get_by_role("radiogroup", name="Xử lý tình huống khó")
    curt.get_by_label("4").focus()
    page.keyboard.press("a")
    expect(curt.get_by_label("1", exact=True)).to_be_checked()
    curt.get_by_label("2", exact=True).check()  # the reviewer disagrees: their value stands

    page.get_by_role("button", name="Nhận mọi gợi ý ở tiêu chí chưa chấm").click()
    closing = page.get_by_role("radiogroup", name="Tóm tắt kết quả")
    expect(closing.get_by_label("2", exact=True)).to_be_checked()
    expect(curt.get_by_label("2", exact=True)).to_be_checked()  # answered: left alone
    page.wait_for_function(
        "() => (document.querySelector('.save-state') || {}).textContent?.includes('Đã lưu')"
    )

    def stored():
        db.session.expire_all()
        rows = db.session.query(CriterionScore).filter_by(review_id=review.id)
        return {r.criterion_key: r.value for r in rows}

    for _ in range(50):
        if stored().get("ket-thuc-buoc-tiep") == 2:
            break
        page.wait_for_timeout(100)
    assert {k: v for k, v in stored().items() if v is not None} == {
        "chao-hoi-xac-minh": 3,
        "xu-ly-tinh-huong": 2,
        "ket-thuc-buoc-tiep": 2,
    }
