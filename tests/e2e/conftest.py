"""Browser tests: Playwright for Python drives Debian's Chromium against pytest-django's live server."""

import os
import shutil
from pathlib import Path

import pytest
from django.db import connections

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = Path(os.environ.get("E2E_SCREENSHOTS", Path(__file__).resolve().parents[2] / "bench" / "out" / "screens"))

# Playwright's sync API runs an event loop in this thread; Django's ORM calls in test code are still
# synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser(live_server):
    """Chromium, closed before the live server stops: its keep-alive connections would otherwise be closed by
    the server's request threads after the server has stopped sharing the test database connection."""
    if not Path(CHROMIUM).exists() or (shutil.which("chromium") is None and not Path(CHROMIUM).exists()):
        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {CHROMIUM}; CI must run the browser tests")
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
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
        # Inside sync_playwright() an event loop is running in this thread, so Django's thread-critical
        # `connections` (asgiref Local) hands out other DatabaseWrappers than outside it, kept in a context
        # variable; once the block ends they are unreachable, and their sessions stayed open to the end of the
        # run ("database is being accessed by other users" when the test database was dropped, #14). Close them
        # here, while they are still reachable.
        connections.close_all()


CSP_VIOLATIONS: list[str] = []


def watch_csp(page):
    """Record console messages of refused scripts, styles, images or frames: the CSP (config/settings/base.py)
    must let every page of ours and of Wagtail's admin work, so any of these fails the test (see
    ``_no_csp_violations``). Pages made by ``page`` / ``phone`` are watched already; call this for others."""

    def on_console(message):
        text = message.text
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            CSP_VIOLATIONS.append(f"{page.url}: {text}")

    page.on("console", on_console)
    return page


@pytest.fixture(autouse=True)
def _no_csp_violations():
    CSP_VIOLATIONS.clear()
    yield
    violations = list(CSP_VIOLATIONS)
    CSP_VIOLATIONS.clear()
    assert not violations, "Content-Security-Policy violations:\n" + "\n".join(violations)


@pytest.fixture
def page(browser, live_server):
    """A desktop-sized page; ``page.goto_path("/x/")`` opens a path of the live server."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto_path = lambda path: page.goto(live_server.url + path)
    watch_csp(page)
    yield page
    context.close()


@pytest.fixture
def phone(browser, live_server):
    """A phone-sized page (360 × 740), as a village doctor sees it."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="zh-CN", is_mobile=True, has_touch=True, device_scale_factor=2
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto_path = lambda path: page.goto(live_server.url + path)
    watch_csp(page)
    yield page
    context.close()


def login(page, username, password):
    page.goto_path("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def screenshot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.fixture(autouse=True)
def _migration_data(transactional_db):
    """Live-server tests flush the database after each test; restore what data migrations created
    (the service catalogue) before each one."""
    from tests.reference import ensure_service_catalogue

    ensure_service_catalogue()
