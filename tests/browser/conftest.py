"""Browser tests: real Chromium (Playwright, sync API) against pytest-django's live server.

Fixtures (stable names, use them from any tests/browser/test_*.py):

- ``browser``     one Chromium for all of tests/browser (package scope; the Debian
                  /usr/bin/chromium, CHROMIUM=... overrides).
- ``context``     a fresh browser context per test, desktop viewport 1280x800, zh-CN locale.
- ``page``        a page in ``context`` (1280x800).
- ``phone_page``  a page in its own phone context: 390x844, is_mobile, has_touch.
- ``live_url``    base URL of the running app, e.g. ``http://localhost:41234`` (no trailing
                  slash); needs ``transactional_db``, which it requests itself.
- ``login``       ``login(page, username, password)``: logs in through the form and fails
                  clearly if it stays on the login page (= ``tests.browser.helpers.login``).
- ``demo``        ``jifen.org.demo.build_demo()`` data (password ``jifen.org.demo.DEMO_PASSWORD``,
                  logins admin / JF0002 manager / JF0003 training admin / JF0007 learner).
- ``org``         (root conftest) an ``OrgBuilder``; passwords are ``factories.PASSWORD``.

Every test here should say ``pytestmark = pytest.mark.browser``; the marker is also added
automatically to anything collected under tests/browser (so ``-m "not browser"`` skips them all).
Password hashing is switched to MD5 for speed. DJANGO_ALLOW_ASYNC_UNSAFE is set while Playwright
runs (see ``playwright_instance``). When a test fails, a full-page screenshot of
every open page is saved under ``test-results/browser/`` (gitignored).
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

from jifen.org.demo import build_demo
from tests.browser import helpers

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
RESULTS_DIR = Path(__file__).resolve().parents[2] / "test-results" / "browser"
DEFAULT_TIMEOUT_MS = 10_000
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"


def pytest_collection_modifyitems(config, items):
    """Every test under tests/browser is a browser test, even one that forgot the marker."""
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(item.path).resolve().parents and not item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so fixtures can tell that the test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def _failed(request) -> bool:
    return any(getattr(getattr(request.node, f"rep_{when}", None), "failed", False) for when in ("setup", "call"))


def _screenshot_on_failure(request, pages, label: str) -> None:
    if not _failed(request):
        return
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid.rsplit("/", 1)[-1])[:150]
    for index, page in enumerate(pages):
        if page.is_closed():
            continue
        target = RESULTS_DIR / f"{stem}-{label}{index or ''}.png"
        try:
            page.screenshot(path=str(target), full_page=True)
            (target.with_suffix(".html")).write_text(page.content(), encoding="utf-8")
        except Exception as exc:  # a broken page must not hide the test's own failure
            print(f"could not save a screenshot of {page.url}: {exc}")
        else:
            print(f"screenshot saved: {target} ({page.url})")


@pytest.fixture(scope="package")
def playwright_instance():
    """Playwright for the tests of this folder, with Django's async-safety check off meanwhile.

    Playwright's sync API marks an event loop as running in the test thread between its calls,
    so Django would refuse ORM calls from tests ("You cannot call this from an async context"):
    DJANGO_ALLOW_ASYNC_UNSAFE is the standard workaround. It is set only while Playwright runs,
    and Playwright is package-scoped (started once for tests/browser, stopped after its last
    test), so other tests run without both: pytest-django runs non-database tests last, and
    one of them runs ``jifen check --deploy``, which rejects that variable.
    """
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    try:
        with sync_playwright() as playwright:
            yield playwright
    finally:
        if previous is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = previous


@pytest.fixture(scope="package")
def browser(playwright_instance):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM} (install the Debian package or set CHROMIUM=)")
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def live_url(live_server, transactional_db) -> str:
    """The live server's base URL, without a trailing slash."""
    return live_server.url.rstrip("/")


def _close_quietly(context) -> None:
    """Close a context without a last request reaching the server: pages send one as they are hidden
    (a lesson's final heartbeat), and the live server's database is being reset after the test."""
    with contextlib.suppress(PlaywrightError):  # a context already gone: closing anyway
        context.route("**/*", lambda route: route.abort())
    context.close()
    # A request sent just before (a heartbeat on its timer) may still be on the live server, holding
    # SQLite while the test's database is reset: give it the moment it needs on a busy machine.
    time.sleep(0.5)


def _new_context(browser, **options):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", device_scale_factor=1, **options)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    context.set_default_navigation_timeout(DEFAULT_TIMEOUT_MS)
    return context


@pytest.fixture
def context(browser, request):
    context = _new_context(browser, viewport={"width": 1280, "height": 800})
    yield context
    _screenshot_on_failure(request, context.pages, "desktop")
    _close_quietly(context)


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture
def phone_page(browser, request):
    context = _new_context(browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    yield page
    _screenshot_on_failure(request, context.pages, "phone")
    _close_quietly(context)


@pytest.fixture
def login(live_url):
    """``login(page, username, password)``: log in through the form on the live server."""

    def _login(page, username: str, password: str) -> None:
        helpers.login(page, username, password, base_url=live_url)

    return _login


@pytest.fixture
def demo(transactional_db):
    """The demo organisation (``jifen.org.demo``): returns the list of demo logins."""
    return build_demo()
