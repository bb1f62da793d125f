"""Every main page of every role under the strict Content-Security-Policy:
Chromium reports no violation and no script error on any of them (the page
fixture of tests/browser/conftest.py fails a test on any)."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.accounts.models import User
from portal.demo import setup_demo
from portal.playbooks.services import find_playbook
from quizzes.models import Question, Quiz
from reviews import calibration, rubrics
from reviews.models import Review, Rubric
from scripts_library.models import CallScript
from tests.browser.conftest import log_in, settle

pytestmark = pytest.mark.browser

CHART_DRAWN = "() => document.getElementById('kpi-trend')?.dataset.drawn === '1'"


@pytest.fixture
def demo(db, tmp_path):
    """The demo team and content (every page has something to show), a calibration
    session, and the URLs of one of each thing."""
    passwords = {login["email"]: login["password"] for login in setup_demo(str(tmp_path))}
    people = {u.email: u for u in db.session.scalars(select(User))}
    lead = people["giamsat2@demo.local"]
    submitted = db.session.scalars(select(Review).where(Review.state == "submitted")).first()
    pending = db.session.scalars(
        select(Review).where(Review.state == "assigned", Review.reviewer_id == lead.id)
    ).first()
    version = rubrics.published(
        db.session.scalars(select(Rubric).where(Rubric.slug == "goi-dien")).one()
    )
    session = calibration.create_session(
        "Hiệu chuẩn tuần này",
        version,
        [submitted.interaction],
        [lead.id, people["giamsat@demo.local"].id],
        benchmark_id=people["admin@demo.local"].id,
        by=people["admin@demo.local"],
    )
    book = find_playbook("truoc-ban-hang")
    step = f"/playbooks/{book.slug}/{book.steps[0].slug}"
    script = (
        "/scripts/" + db.session.scalars(select(CallScript.slug).order_by(CallScript.id)).first()
    )
    quiz = db.session.scalars(select(Quiz.id)).first()
    question = db.session.scalars(select(Question.id)).first()
    reader = [
        "/",
        "/playbooks/",
        f"/playbooks/{book.slug}",
        step,
        "/onboarding/",
        "/scripts/",
        script,
        f"{script}/fill",
        f"{script}/run",
        "/quizzes/",
        f"/quizzes/{quiz}",
        "/reviews/",
        "/kpi/",
    ]
    sheet = f"/kpi/agents/{submitted.agent_id}"
    overseer = [
        *reader,
        f"/reviews/{submitted.id}",
        "/reviews/rubrics",
        "/reviews/rubrics/goi-dien",
        sheet,
        "/kpi/team",
        "/kpi/targets",
        "/onboarding/matrix",
    ]
    leader = [
        *overseer,
        "/quizzes/bank",
        f"/quizzes/bank/{question}",
        f"/quizzes/bank/{question}/edit",
        f"/quizzes/{quiz}/edit",
        "/quizzes/grading",
        f"/reviews/{pending.id}",  # the reviewer's own draft: player and rubric
        "/reviews/interactions",
        f"/reviews/interactions/{submitted.interaction_id}",
        "/reviews/calibration",
        f"/reviews/calibration/{session.id}",
        "/reviews/calibration/new",
        "/reviews/sample",
        f"{script}/edit",
    ]
    pages = {
        "moi@demo.local": reader,
        # The agent whose call was reviewed: their review, their call, their sheet.
        "nhanvien2@demo.local": [
            *reader,
            f"/reviews/{submitted.id}",
            f"/reviews/interactions/{submitted.interaction_id}",
            sheet,
        ],
        "giamsat2@demo.local": leader,
        "hr@demo.local": [*overseer, "/admin/users", "/admin/teams", "/kpi/outcomes/import"],
        "admin@demo.local": [
            *leader,
            "/admin/users",
            "/admin/teams",
            "/admin/roster",
            "/onboarding/modules",
            "/reviews/rubrics/goi-dien/edit",
            "/kpi/outcomes/import",
        ],
    }
    return {"people": people, "passwords": passwords, "pages": pages, "step": step}


@pytest.mark.parametrize(
    "email",
    [
        "moi@demo.local",
        "nhanvien2@demo.local",
        "giamsat2@demo.local",
        "hr@demo.local",
        "admin@demo.local",
    ],
)
def test_every_main_page_of_a_role_keeps_to_the_policy(live_server, page, demo, email):
    log_in(page, live_server, demo["people"][email], demo["passwords"][email])
    for path in demo["pages"][email]:
        response = page.goto(live_server + path)
        assert response.ok, f"{email} {path}: {response.status}"
        if path.startswith("/kpi/agents/") or page.locator("#kpi-trend").count():
            # Chart.js sizes its canvas through CSSOM, which the policy allows.
            page.wait_for_function(CHART_DRAWN)
        settle(page)


def test_htmx_swaps_keep_to_the_policy(live_server, page, demo):
    """Boosted navigation (its scripts run again), live search, a quiz attempt,
    and the Markdown preview with an aligned table (no style attributes)."""
    agent = "nhanvien2@demo.local"
    log_in(page, live_server, demo["people"][agent], demo["passwords"][agent])
    page.get_by_text("Báo cáo", exact=True).click()  # the menu's Report group
    page.get_by_role("link", name="KPI", exact=True).click()
    page.wait_for_function(CHART_DRAWN)
    page.goto(f"{live_server}/scripts/")
    page.get_by_role("searchbox").fill("khieu nai")
    expect(page.locator("#script-results")).to_contain_text("khiếu nại")
    page.wait_for_url(lambda url: "q=khieu" in url)  # the swap came from the search
    page.goto(f"{live_server}/quizzes/")
    page.locator("form[action$='/start'] button").first.click()
    expect(page.locator(".timer")).to_be_visible()
    settle(page)

    page.context.clear_cookies()
    admin = "admin@demo.local"
    log_in(page, live_server, demo["people"][admin], demo["passwords"][admin])
    page.goto(f"{live_server}{demo['step']}/edit")
    page.locator("textarea[name=body_md]").fill("| Kênh | Phút |\n| :-- | --: |\n| Gọi | 5 |")
    expect(page.locator("#preview th.align-right")).to_have_text("Phút")


def test_a_violation_is_noticed(live_server, page, page_problems):
    # The watch itself: an inline style attribute, refused by the policy, is reported
    # with the page it happened on.
    page.goto(f"{live_server}/login")
    page.evaluate(
        "() => document.body.insertAdjacentHTML('beforeend', '<p style=\"color:red\">x</p>')"
    )
    settle(page)
    assert any(p.startswith(f"{live_server}/login") and "style-src" in p for p in page_problems), (
        page_problems
    )
    page_problems.clear()  # provoked on purpose: not a failure of this test


def test_an_uncaught_page_error_is_noticed(live_server, page, page_problems):
    page.goto(f"{live_server}/login")
    page.evaluate("() => { setTimeout(() => { throw new Error('hỏng rồi'); }, 0); }")
    settle(page)
    assert any("page error" in p and "hỏng rồi" in p for p in page_problems), page_problems
    page_problems.clear()


def test_htmx_runs_no_code_from_an_injected_attribute(live_server, page):
    # An hx-on attribute slipped into a page (say, through content) is never
    # evaluated: htmx refuses before the policy has to (no violation either).
    page.goto(f"{live_server}/login")
    refused = page.evaluate(
        """() => new Promise((done) => {
            document.body.addEventListener("htmx:evalDisallowedError", () => done(true));
            document.body.insertAdjacentHTML(
                "beforeend", '<button id="bait" hx-on:click="window.pwned = 1">x</button>'
            );
            htmx.process(document.getElementById("bait"));
            document.getElementById("bait").click();
            setTimeout(() => done(false), 500);
        })"""
    )
    assert refused
    assert page.evaluate("() => window.pwned") is None
