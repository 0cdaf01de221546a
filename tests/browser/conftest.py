"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

One Chromium per session, one fresh context (cookies, viewport) per test. Every page a test opens is
watched for Content Security Policy violations and script errors; a test that caused any fails at
teardown, so the strict CSP is checked on every page the suite walks through, not only in one test.

Without /usr/bin/chromium the tests are skipped, unless CI is set: then a missing browser is a failure.
"""

import os
import re
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 5_000


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        message = f"Chromium is missing at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(f"{message}: browser tests cannot run on CI without it.", pytrace=False)
        pytest.skip(f"{message}: browser tests skipped. With CI set this is a failure.")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop running in the test thread while the browser is up;
    # Django takes that for async code and refuses ORM calls (factories, database assertions, the flush
    # between transactional tests, and any test that runs later in the session). The calls really are
    # synchronous, so allow them while Playwright runs, and restore the setting afterwards.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS
            )
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class PageProblems(list):
    """What went wrong in the browser while a test ran: CSP violations, script errors, failed requests."""

    CSP = re.compile(r"Content Security Policy|Refused to (apply|execute|load|connect|frame)", re.I)

    def watch(self, page):
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.append(f"script error: {error}"))
        page.on("response", self._response)

    def _console(self, message):
        if self.CSP.search(message.text):
            self.append(f"CSP violation: {message.text}")
        elif message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.append(f"console error: {message.text}")

    def _response(self, response):
        # Pages that answer 4xx on purpose are checked by the tests; a broken asset never is on purpose.
        if response.status >= 400 and response.request.resource_type in {
            "stylesheet",
            "script",
            "image",
            "font",
        }:
            self.append(f"{response.status} for {response.url}")

    @property
    def csp_violations(self):
        return [problem for problem in self if problem.startswith("CSP violation")]


@pytest.fixture
def page_problems():
    return PageProblems()


def _new_page(browser, live_server, page_problems, viewport):
    context = browser.new_context(viewport=viewport, base_url=live_server.url)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page_problems.watch(page)
    return context, page


@pytest.fixture
def page(browser, live_server, page_problems):
    """A desktop-sized tab (1280 px) on the live server; relative URLs work in goto()."""
    context, page = _new_page(browser, live_server, page_problems, DESKTOP)
    yield page
    context.close()
    assert not page_problems, "the browser reported problems:\n" + "\n".join(page_problems)


@pytest.fixture
def phone_page(browser, live_server, page_problems):
    """A phone-sized tab (390 px wide, touch)."""
    context = browser.new_context(
        viewport=PHONE, base_url=live_server.url, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page_problems.watch(page)
    yield page
    context.close()
    assert not page_problems, "the browser reported problems:\n" + "\n".join(page_problems)


@pytest.fixture
def sign_in(live_server):
    """sign_in(page, user): through the real sign-in form, as a person would."""
    from playwright.sync_api import expect

    from tests.factories import PASSWORD

    def _sign_in(page, user, password=PASSWORD):
        page.goto("/accounts/login/")
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password", exact=True).fill(password)
        page.get_by_role("button", name="Sign in", exact=True).click()
        expect(page).to_have_url(f"{live_server.url}/")
        return page

    return _sign_in
