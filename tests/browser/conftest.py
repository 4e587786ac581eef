"""Browser journeys: the suite's app served on a free port, driven through Debian's Chromium.

The live server runs the session `app` (so the same database, mail folder and uploads the
factories and the `mailbox` fixture use; the per-test reset of tests/conftest.py applies to it
too) in a thread. Playwright drives /usr/bin/chromium, never a browser of its own download.
Tests marked `browser` are skipped, with the reason, when that Chromium or Playwright is missing.
"""

import importlib.util
import os
import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _missing() -> str | None:
    if not os.access(CHROMIUM, os.X_OK):
        return f"needs Debian's Chromium at {CHROMIUM} (make browser-deps installs it)"
    if importlib.util.find_spec("playwright") is None:
        return "needs the playwright package (pip install -e '.[dev]')"
    return None


def pytest_collection_modifyitems(config, items):
    reason = _missing()
    if reason is None:
        return
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=reason))


class LiveServer:
    def __init__(self, app):
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="live-server", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(app):
    """The suite's app, serving real HTTP on 127.0.0.1 at a free port: `live_server.url`."""
    server = LiveServer(app)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
    )
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context (no cookies) per test, its pages opening on the live server."""
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def sign_in_with_code(page, user) -> None:
    """Sign a factory-made coordinator or administrator in: password, then the authenticator's
    code."""
    from tests import factories

    page.goto("/account/login")
    page.fill("#email", user.email)
    page.fill("#password", factories.PASSWORD)
    page.locator("main form button[type=submit]").click()  # in any language
    page.fill("#code", factories.totp_code(user))
    page.locator("main form button[type=submit]").first.click()
