"""Headless Chromium (Debian's /usr/bin/chromium) driving the portal on a live server.

Test modules here carry ``pytestmark = pytest.mark.browser``; ``pytest -m "not browser"``
leaves them out.
Screenshots land in ``test-artifacts/screenshots/<test>.png`` (not versioned).
"""

import os
import re
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PASSWORD = "Portal-demo-2026"



@pytest.fixture(scope="session")
def live_server(request):
    """pytest-django's live server, on the loopback interface and a free port.

    Django's LiveServerThread wraps the site in a media-file handler built from
    MEDIA_URL, which this project leaves unset (files are never public). A URL
    with a host makes that handler step aside for every request, so nothing
    under MEDIA_ROOT is ever served by it.
    """
    from django.test.utils import override_settings
    from pytest_django.live_server_helper import LiveServer

    addr = (request.config.getvalue("liveserver")
            or os.environ.get("DJANGO_LIVE_TEST_SERVER_ADDRESS") or "127.0.0.1")
    with override_settings(MEDIA_URL="http://media.invalid/"):
        server = LiveServer(addr)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(
            f"BROWSER TESTS SKIPPED: no Chromium at {CHROMIUM}. "
            "Install Debian's `chromium` package (never `playwright install`) "
            "or point CHROMIUM_PATH at a Chromium binary."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def browser_settings(settings):
    # Plain http on the loopback: cookies must not require TLS. The hasher is
    # the fast one settings.TESTING already selects; said again here because a
    # browser login round trip pays for it every time.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.LANGUAGE_COOKIE_SECURE = False
    settings.SECURE_SSL_REDIRECT = False
    settings.SECURE_HSTS_SECONDS = 0
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.LANGUAGE_CODE = "en"
    return settings


@pytest.fixture
def demo_live(transactional_db, live_server, browser_settings):
    """The demo data set, small, in the database the live server reads."""
    from tests.conftest import demo_data

    return demo_data()


@pytest.fixture
def open_page(browser, live_server, request):
    """``open_page(**context_options)``: a page in a fresh browser context (own cookies).

    Each page is screenshotted when the test ends, as ``<test>.png`` for the first
    and ``<test>-<n>.png`` for the others, and must not have logged a console error
    (a script error or a Content-Security-Policy refusal).
    """
    opened = []

    def _open(**options):
        options.setdefault("viewport", {"width": 1280, "height": 860})
        options.setdefault("locale", "en-GB")
        context = browser.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(8000)
        tab = context.new_page()
        errors = []
        tab.on("pageerror", lambda exc: errors.append(str(exc)))
        tab.on("console", lambda msg: _console(errors, msg))
        tab.on("response", lambda response: _response(errors, response))
        opened.append((context, tab, errors))
        return tab

    yield _open
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems = []
    for index, (context, tab, errors) in enumerate(opened):
        suffix = f"-{index + 1}" if index else ""
        try:
            tab.screenshot(path=str(SCREENSHOTS / f"{_safe(request.node.name)}{suffix}.png"),
                           full_page=True)
        finally:
            context.close()
        problems.extend(errors)
    assert not problems, f"browser console errors: {problems}"


@pytest.fixture
def page(open_page):
    return open_page()


@pytest.fixture
def shot(request):
    """``shot(page, "step")`` saves ``<test>-<step>.png`` of the page as it is now."""

    def _shot(tab, step):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{_safe(request.node.name)}-{_safe(step)}.png"
        tab.screenshot(path=str(path), full_page=True)
        return path

    return _shot


@pytest.fixture
def sign_in():
    """``sign_in(page, email)`` goes through the real login form and follows the redirect."""

    def _sign_in(page, email, password=PASSWORD):
        page.goto("/accounts/login/")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        return page

    return _sign_in


def _console(errors, message):
    # Failed loads are reported with their URL by _response.
    if message.type == "error" and not message.text.startswith("Failed to load resource"):
        errors.append(message.text)


def _response(errors, response):
    # Chromium asks for /favicon.ico on its own, whatever the page declares.
    if response.status >= 500 or (
        response.status == 404 and not response.url.endswith("/favicon.ico")
        and response.request.resource_type != "document"
    ):
        errors.append(f"{response.status} {response.url}")


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)[:120]
