"""A live server in a thread and Debian's Chromium driven by Playwright."""

import contextlib
import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture(scope="session")
def browser():
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("PORTAL_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            # Without these Chromium keeps trying to reach Google's hosts.
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


# Runs in every document before its own scripts (Playwright injects it outside the
# page's policy) and hands each violation to Python, with the document it hit.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.reportViolation(
    e.documentURI,
    `${e.effectiveDirective} blocked ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`
  );
});
"""


@pytest.fixture
def page_problems():
    """What Chromium complained about on the test's pages: CSP violations (the
    `securitypolicyviolation` event and the console's report) and uncaught page
    errors, each as "url: what". The page fixture fails the test on any; a test
    that provokes one on purpose clears the list once it has checked it."""
    return []


@pytest.fixture
def page(browser, page_problems):
    context = browser.new_context(locale="vi-VN")
    context.expose_function(
        "reportViolation", lambda url, text: page_problems.append(f"{url}: {text}")
    )
    context.add_init_script(REPORT_VIOLATIONS)

    def console(message):
        if "Content Security Policy" in message.text:
            where = message.page.url if message.page else "(worker)"
            page_problems.append(f"{where}: console: {message.text}")

    def page_error(error):
        page_problems.append(f"{error.page.url if error.page else '?'}: page error: {error.error}")

    # On the context, so a page the test opens besides this one is watched too.
    context.on("console", console)
    context.on("weberror", page_error)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    if not page.is_closed():
        with contextlib.suppress(Exception):  # a crashed page has nothing more to report
            settle(page)
    context.close()
    if page_problems:
        pytest.fail(
            f"{len(page_problems)} Content-Security-Policy violation(s) or page error(s):\n"
            + "\n".join(f"  {problem}" for problem in page_problems),
            pytrace=False,
        )


def settle(page) -> None:
    """Let queued violation events reach Python (before the next navigation, and
    before the page fixture checks what was reported)."""
    page.evaluate("() => new Promise((done) => setTimeout(done, 50))")


def log_in(page, base_url: str, user, password: str) -> None:
    """Log in through the form, as a person would, and wait to leave the login page."""
    page.goto(f"{base_url}/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(lambda url: "/login" not in url)
