"""Browser fixtures: a live server on a fresh copy of the demo database, and Playwright pages in Debian's Chromium.

Every test gets its own seeded database, so journeys never see each other's changes. The demo data is seeded once
per session (with a fast password hash) and copied for each test.
"""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect
from werkzeug.serving import make_server

from app import create_app
from blueprints.core.demo import DEMO_PASSWORD
from extensions import db
from tests.conftest import base_config

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(__file__).parent / "screenshots"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium_path():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail("Chromium is required in CI: apt-get install chromium fonts-noto-cjk")
        pytest.skip("browser tests need Debian's chromium (apt-get install chromium fonts-noto-cjk)")
    return CHROMIUM


class LiveServer:
    """The app served by Werkzeug in a thread on a free port."""

    def __init__(self, application):
        self.app = application
        self._server = make_server("127.0.0.1", 0, application, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._thread.join(timeout=5)


@pytest.fixture
def live_server(tmp_path, demo_template):
    """A fresh demo database served on a free port; `live_server.url`, `live_server.app`."""
    shutil.copy(demo_template, tmp_path / "test.sqlite3")
    # The badge polls every 2 s here, so journeys can watch it change in place without waiting a minute.
    application = create_app({**base_config(tmp_path), "NOTIFICATION_POLL_SECONDS": 2})
    server = LiveServer(application).start()
    yield server
    server.stop()
    with application.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import expect

    # CI machines are shared and slow at times: give htmx swaps and page loads room before calling it a failure.
    expect.set_options(timeout=15000)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


# Every page of a journey: until the document has loaded and htmx is set up (window.htmx defined), nothing on it takes
# a pointer event, so Playwright's click, check and hover wait (they retry while another element would get the click)
# instead of landing on a plain form that htmx has not yet taken over. One guard for every navigation of every
# journey: no journey needs its own wait after following a link.
HTMX_READY_GUARD = """
(() => {
  const css = 'html:not([data-journey-ready]) body, html:not([data-journey-ready]) body * '
            + '{ pointer-events: none !important; }';
  // A constructed sheet: the app's CSP (style-src 'self') refuses an injected <style>, not the CSSOM.
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(css);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  const ready = () => {
    const wantsHtmx = document.querySelector('script[src*="htmx"]') !== null;
    if (wantsHtmx && typeof window.htmx === 'undefined') { setTimeout(ready, 20); return; }
    document.documentElement.setAttribute('data-journey-ready', '');
  };
  window.addEventListener('load', ready);
})();
"""


@pytest.fixture
def new_page(browser, live_server):
    """Factory for pages in separate browser contexts (one per user): new_page() -> Page."""
    contexts = []

    def make(java_script_enabled: bool = True):
        context = browser.new_context(base_url=live_server.url, locale="zh-CN",
                                      viewport={"width": 1366, "height": 900},
                                      java_script_enabled=java_script_enabled)
        context.set_default_timeout(20000)
        if java_script_enabled:  # without JavaScript no htmx comes to wait for (the guard would wait for ever)
            context.add_init_script(HTMX_READY_GUARD)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


def login(page, employee_no: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the real form and wait for My space."""
    page.goto("/auth/login")
    page.fill("input[name=employee_no]", employee_no)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]")
    page.wait_for_url("**/")


def logout(page) -> None:
    page.click("nav form[action$='/auth/logout'] button")
    page.wait_for_url("**/auth/login")


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under tests/browser/screenshots/ (ignored by git) for a human to look at."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def pick(page, field_id: str, text: str, value=None, javascript: bool = True) -> None:
    """Choose in a type-ahead picker (core.pickers). With JavaScript: type `text` and click the match (the one whose
    value is `value` when given, else the first that shows `text`). Without: type the exact name; the form takes
    an exact unique name when it is sent."""
    box = page.locator(f"#{field_id}")
    if not javascript:
        box.fill(text)
        return
    type_into_picker(page, box, text)
    results = page.locator(f"#{field_id}-results")
    option = (results.locator(f'[role=option][data-pick-value="{value}"]') if value is not None
              else results.locator("[role=option]", has_text=text).first)
    option.click()


def type_into_picker(page, box, text: str) -> None:
    """Clear a type-ahead box, type `text` and wait until the server has answered for exactly that text.

    Keys typed before htmx has bound the box are lost and ask nothing, so when no answer comes the box is
    cleared and typed again once (CI saw this on a freshly loaded form)."""
    page.wait_for_load_state("load")

    def answers_this_text(response) -> bool:
        query = parse_qs(urlparse(response.url).query)
        return any(values == [text] for key, values in query.items() if key == "q" or key.endswith("-q"))

    for attempt in range(2):
        box.fill("")
        try:
            with page.expect_response(answers_this_text, timeout=5000):
                box.press_sequentially(text)
            return
        except PlaywrightTimeoutError:
            if attempt:
                raise


def fill_suggestion_title(page, title: str) -> None:
    """Fill a suggestion form's title and wait until the duplicate hint for it has been swapped in.

    The hint opens above the buttons and pushes them down; a click that lands while it opens can press on one
    spot and release on another, which is no click at all (CI saw a submit that never left the form)."""
    page.wait_for_load_state("load")

    def answers_this_title(response) -> bool:
        return (urlparse(response.url).path.endswith("/suggestions/similar")
                and parse_qs(urlparse(response.url).query).get("title") == [title])

    with page.expect_response(answers_this_title):
        page.fill("#title", title)
    busy = page.locator("#similar.htmx-request, #similar.htmx-swapping, #similar.htmx-settling")
    expect(busy).to_have_count(0)


def name_of(app, model, row_id) -> str:
    """A row's name, for typing it into a picker."""
    with app.app_context():
        return db.session.get(model, row_id).name
