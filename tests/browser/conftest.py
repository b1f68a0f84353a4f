"""Browser tests: the app on a real server in a thread, driven by Debian's chromium via Playwright.

Without /usr/bin/chromium or the playwright package these tests skip, unless IVR_REQUIRE_BROWSER=1
(CI sets it): then they fail loudly, so a broken CI image cannot pass by skipping them.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.review.conftest import app, quick_hashes  # noqa: F401  (fixtures)

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
DOCS = ROOT / "docs" / "screenshots"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def missing_browser() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install -y chromium)"
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is missing (pip install playwright)"
    return None


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """A headless chromium, or a skip, or (with IVR_REQUIRE_BROWSER=1) a loud failure."""
    why = missing_browser()
    if why is not None:
        if os.environ.get("IVR_REQUIRE_BROWSER") == "1":
            pytest.fail(f"IVR_REQUIRE_BROWSER=1 but {why}", pytrace=False)
        pytest.skip(why)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def live_url(app: Flask) -> Iterator[str]:  # noqa: F811
    """The app served over real HTTP on a free local port, in a thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()


class Screens:
    """Saves a screenshot of each page; the key ones are copied to docs/ for the guide.

    Call references are random, so the pictures differ on every run: docs/ gets a copy only
    when it has none, or when IVR_UPDATE_SCREENSHOTS=1.
    """

    KEY: ClassVar[set[str]] = {
        "login",
        "dashboard",
        "calls",
        "call",
        "call-revealed",
        "script",
        "audit",
    }

    def __init__(self, page: Any, size: str) -> None:
        self.page = page
        self.size = size
        ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def shot(self, name: str) -> Path:
        """A full-page picture; docs/ keeps the desktop ones, and the phone ones as NAME-phone."""
        if self.size != "desktop":
            name = f"{name}-{self.size}"
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        # Refreshed on request, so an ordinary run leaves the committed pictures alone.
        refresh = os.environ.get("IVR_UPDATE_SCREENSHOTS") == "1"
        if name.removesuffix("-phone") in self.KEY and (refresh or not (DOCS / path.name).exists()):
            DOCS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, DOCS / path.name)
        return path


# A council laptop and a phone: every page must work, and pass axe-core, at both.
SIZES = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
AXE = Path(__file__).with_name("axe.min.js")


@pytest.fixture(params=sorted(SIZES))
def size(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def page(chromium: Any, live_url: str, size: str) -> Iterator[Any]:
    """A fresh browser tab on the live app; console errors (a CSP refusal, say) fail the test."""
    context = chromium.new_context(
        base_url=live_url, viewport=SIZES[size], accept_downloads=True, is_mobile=size == "phone"
    )
    tab = context.new_page()
    errors: list[str] = []
    tab.on("console", lambda message: _note(errors, message))
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.errors = errors
    yield tab
    context.close()
    assert errors == [], f"the browser reported errors: {errors}"


def _note(errors: list[str], message: Any) -> None:
    """Keep console errors, except the favicon chromium fetches for Flask's plain error pages."""
    url = message.location.get("url", "")
    if message.type == "error" and not url.endswith("/favicon.ico"):
        errors.append(f"{message.text} ({url})")


@pytest.fixture
def screens(page: Any, size: str) -> Screens:
    return Screens(page, size)


def accessibility_violations(page: Any) -> list[str]:
    """axe-core's violations on the page as it is now (WCAG 2.2 A and AA, and best practice).

    axe is evaluated through the browser's debugging protocol, so the page's CSP, which allows
    no inline script, need not be loosened for the test.
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => v.id + ': ' + v.help + ' at ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
    )
    return list(found)


def wider_than_screen(page: Any) -> int:
    """By how many pixels the page is wider than the window (0 when it fits)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))
