"""Headless Debian Chromium (``/usr/bin/chromium``) driven by Playwright against the real local stack.

No ``playwright install``: the browser is the system's, which ``.ci/run`` installs. A missing browser
fails the tests; they never skip. One stack and one browser per test process; a fresh context (cookies,
locale, viewport) per test. Screenshots go to ``build/screenshots/`` (test artefacts, not committed).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.stack import REPO, Stack, running_stack

CHROMIUM = Path(os.environ.get("DUO_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SCREENSHOTS = REPO / "build" / "screenshots"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="session")
def stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Stack:
    return running_stack(request, tmp_path_factory)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install -y chromium` (.ci/run does it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def open_context(browser: Any) -> Iterator[Any]:
    """``open_context(locale="fr-BE", viewport=PHONE, javascript=True)``: a fresh context, closed after the test."""
    contexts: list[Any] = []

    def make(locale: str = "en-GB", viewport: dict[str, int] | None = None, javascript: bool = True) -> Any:
        context = browser.new_context(locale=locale, viewport=viewport or DESKTOP, java_script_enabled=javascript)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
