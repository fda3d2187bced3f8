"""A real server and a real headless Chromium for the browser journeys.

One server per test module (module-scoped, on a free port, with its own empty SQLite store so
the app loads the sample on first start), one browser per session. Debian's chromium is used:
test machines cannot download Playwright's own browsers.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.e2e.helpers import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, start_server, stop_server


def pytest_collection_modifyitems(items):
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM} (CI installs Debian's chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@dataclass
class Server:
    base: str  # http://127.0.0.1:PORT
    database_url: str  # the store behind it, for tests that check what was (not) stored


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Server:
    """A dashboard on a fresh, empty store (so it starts with the sample), on a free port."""
    folder = tmp_path_factory.mktemp("server")
    url = f"sqlite:///{folder / 'impact.sqlite'}"
    process, base = start_server(url, folder / "streamlit.log")
    yield Server(base, url)
    stop_server(process)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def page(browser):
    """One tab for the module: the journey's steps follow one another like a person's would."""
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    context.set_default_timeout(30_000)
    page = context.new_page()
    yield page
    context.close()
