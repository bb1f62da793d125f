"""A supervisor clicks a turn of the timed transcript and the player jumps there."""

import pytest
from playwright.sync_api import expect

from reviews import reviewing, timed_transcripts
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD
from tests.reviews.conftest import call, call_rubric, team  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


def test_clicking_a_turn_seeks_the_player(live_server, page, call, call_rubric, team, db):  # noqa: F811
    timed_transcripts.replace(
        call,
        [
            {"speaker": "agent", "start": 0.0, "end": 2.0, "text": "Dạ em chào anh."},
            {"speaker": "customer", "start": 4.5, "end": 6.0, "text": "Tôi muốn đổi hàng."},
        ],
    )
    review = reviewing.assign(call, call_rubric, team["lead"].id, by=team["lead"])
    db.session.commit()
    log_in(page, live_server, team["lead"], PASSWORD)
    page.goto(f"{live_server}/reviews/{review.id}")
    page.wait_for_function("() => document.getElementById('player').readyState >= 1")

    page.locator(".transcript-turns [data-seek='4.50']").click()
    page.wait_for_function(
        "() => { const a = document.getElementById('player');"
        " return a.currentTime >= 4.4 && a.currentTime < 6 && !a.paused; }"
    )
    speaking = page.locator(".transcript-turns .speaking")
    expect(speaking).to_have_count(1)
    expect(speaking).to_contain_text("Tôi muốn đổi hàng.")
