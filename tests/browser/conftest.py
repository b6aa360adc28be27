"""Browser harness: headless Chromium (the system one) driven by Playwright's sync API against
pytest-django's live server.

Fixtures: `browser` (one per session), `page` (a fresh context per test, so no cookies leak
between tests), `page_problems` (JavaScript errors and HTTP errors the page met), `login` (signs
in through the login form). A failing test leaves a screenshot in /tmp/browser-<test name>.png.
"""

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

# Playwright's sync API runs an event loop in the test thread; Django would otherwise refuse
# ORM calls from the test ("You cannot call this from an async context").
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, Response, expect, sync_playwright

HERE = Path(__file__).resolve().parent
# Playwright cannot download its own browsers here: use the distribution's Chromium.
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The hook sees the whole session's items: mark only the ones in this folder.
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    # Keep each phase's report on the item so the `page` fixture knows whether the test failed.
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (set CHROMIUM_PATH)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page_problems() -> list[str]:
    """JavaScript errors and HTTP error responses seen by `page`, for tests to assert on."""
    return []


@pytest.fixture
def page(
    request: pytest.FixtureRequest, browser: Browser, live_server, page_problems: list[str]
) -> Iterator[Page]:
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="en-US"
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()

    def record_http_error(response: Response) -> None:
        if response.status >= 400:
            page_problems.append(f"HTTP {response.status}: {response.url}")

    page.on("pageerror", lambda error: page_problems.append(f"JavaScript error: {error}"))
    page.on("response", record_http_error)
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        page.screenshot(path=f"/tmp/browser-{name}.png", full_page=True)
    context.close()


@pytest.fixture
def login(page: Page, live_server) -> Callable[[str, str], Page]:
    """`login(username, password)`: signs in through the form and waits for the staff shell."""

    def sign_in(username: str, password: str) -> Page:
        page.goto(reverse("login"))
        form = page.get_by_test_id("login-form")
        form.locator('input[name="username"]').fill(username)
        form.locator('input[name="password"]').fill(password)
        form.get_by_test_id("login-submit").click()
        expect(page.get_by_test_id("user-menu")).to_be_visible()
        return page

    return sign_in
