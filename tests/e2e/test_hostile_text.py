"""The hostile-text fixture in a real browser, on every page: no live link to the outside, no
outside image, no LaTeX, no styled HTML from uploaded text, the literal characters on screen,
and no request to any host but this machine (schools run the dashboard on networks that block
or log outside traffic).

One server on a store holding tests/hostile_text.py's school; the Upload page also reads the
hostile workbook, so the health check's notice echoes a hostile column header.
"""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from analysis import ingest
from analysis.store import Store
from analysis.text import WORD_JOINER
from tests import hostile_text as hostile
from tests.e2e.helpers import ARTIFACTS, open_path, screenshot, start_server, stop_server, wait_for_app
from tests.e2e.test_journey import upload_files

pytestmark = pytest.mark.browser

LOCAL_HOSTS = {"127.0.0.1", "localhost"}
# page path -> the hostile texts its own words (not its tables, which draw on a canvas) show.
PAGES = {
    "": [],
    f"school?urn={hostile.NEW_URN}": ["school", "local authority"],
    "deployments": ["leader", "focus", "school"],
    "present": ["school"],
    "upload": ["column header"],
    "settings": [],
    "people": [],
}


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    url = f"sqlite:///{folder / 'impact.sqlite'}"
    store = Store(url)
    store.set_meta("sample_state", "declined")
    upload = ingest.read_files([("hostile.xlsx", hostile.hostile_workbook())])
    assert upload.ok, upload.problems
    store.import_upload(upload, "Ann Admin")
    store.engine.dispose()
    process, base = start_server(url, folder / "streamlit.log")
    yield base
    stop_server(process)


def screen_text(page) -> str:
    """Everything a reader can see, as they would copy it (word joiners are invisible)."""
    return page.locator('[data-testid="stApp"]').inner_text().replace(WORD_JOINER, "")


def check_no_markup(page, where: str) -> None:
    assert page.locator('a[href*="evil.example"]').count() == 0, f"{where}: a live outside link"
    assert page.locator('[src*="evil.example"], [href^="mailto:"]').count() == 0, where
    assert page.locator(".katex").count() == 0, f"{where}: LaTeX was rendered"
    # Uploaded HTML and Markdown never become elements: no bold 'bold', no italic 'Leadership',
    # no heading 'Heading', no red 'alert' (a :red[...] directive), not even inside a chart.
    styled = page.evaluate("""() => [...document.querySelectorAll(
        'b, strong, i, em, h1, h2, h3, h4, h5, h6, span[class*="red"], tspan[style*="bold"],'
        + 'tspan[style*="italic"]')].map(e => e.textContent.trim())""")
    for word in ("bold", "Leadership", "Heading", "alert", "column", "em"):
        assert word not in styled, f"{where}: {word!r} is styled by uploaded markup: {styled}"


def test_every_page_shows_uploaded_text_as_text_and_asks_no_outside_host(browser, hostile_server):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(30_000)
    page = context.new_page()
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url)
            if urlparse(r.url).scheme in ("http", "https", "ws", "wss")
            and urlparse(r.url).hostname not in LOCAL_HOSTS else None)
    try:
        for path, shown in PAGES.items():
            where = path or "overview"
            open_path(page, hostile_server, path)
            if path == "upload":
                upload_files(page, ("hostile.xlsx", hostile.hostile_workbook()))
                expect(page.get_by_role("heading", name="Health check")).to_be_visible()
            texts = [screen_text(page)]
            tabs = page.get_by_role("tab")
            for i in range(tabs.count()):  # every tab, as a reader would open it
                tabs.nth(i).click()
                wait_for_app(page)
                page.wait_for_timeout(400)
                texts.append(screen_text(page))
                check_no_markup(page, f"{where}, tab {i + 1}")
            check_no_markup(page, where)
            seen = "\n".join(texts)
            for name in shown:
                assert hostile.TEXTS[name] in seen, f"{where}: the {name} is not shown literally: {seen}"
            assert "\\" not in seen.replace("C calc", ""), f"{where}: an escape shows: {seen}"
            if path.startswith("school"):
                # The charts draw uploaded HTML as characters: the inspection area's tags show.
                chart_text = " ".join(page.locator(".js-plotly-plot text").all_text_contents())
                assert "<i>Leadership</i>" in chart_text, chart_text
                screenshot(page, "hostile-school")
            if path == "deployments":
                screenshot(page, "hostile-deployments")
        # The selectbox shows the name as typed (options are plain text, not Markdown).
        open_path(page, hostile_server, f"school?urn={hostile.NEW_URN}")
        expect(page.locator('[data-testid="stSelectbox"] input').first).to_have_value(
            f"{hostile.SCHOOL} ({hostile.NEW_URN})")
        for size, name in (({"width": 1280, "height": 720}, "1280"), ({"width": 390, "height": 844},
                                                                        "390")):
            page.set_viewport_size(size)
            page.wait_for_timeout(800)
            page.screenshot(path=ARTIFACTS / f"hostile-school-{name}.png")
    finally:
        context.close()
    assert not outside, f"requests left the machine: {sorted(set(outside))}"
