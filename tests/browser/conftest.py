"""A real Chromium (Debian's /usr/bin/chromium, no downloaded browser) driven by Playwright.

On a machine without Chromium these tests skip, unless RECOUNT_BROWSER_TESTS=required (CI sets
it), when they fail: a journey nobody ran is not a journey that works.
"""

import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("RECOUNT_CHROMIUM", "/usr/bin/chromium"))
REQUIRED = os.environ.get("RECOUNT_BROWSER_TESTS") == "required"
# A closed network here: nothing in the background may try to phone home.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.path):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        message = f"Chromium is not at {CHROMIUM} (apt-get install chromium, or set RECOUNT_CHROMIUM)."
        if REQUIRED:
            pytest.fail(message)
        pytest.skip(message)
    # Playwright's sync API runs an event loop in this thread; the test's ORM calls are still synchronous.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server, reference_data):
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()
