"""In a real browser: secret figures planted in the store never reach a governor-facing page.

The store holds the sample trust plus two test schools (tests/disclosure_fixtures.py): one whose
planted figures rest on 3 pupils (a small baseline, a small latest figure, a small milestone, a
small disadvantaged group, a small figure after support ended), one where they were uploaded
with no cohort at all. The School page (every tab), Presentation mode (every target) and the
Overview are scanned, page text and every plotly chart's data and layout, for the secrets.
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from analysis import ingest
from analysis.store import Store
from app_pages.sample import SAMPLE_USER, SAMPLE_WORKBOOK
from tests import disclosure_fixtures as F
from tests.e2e.helpers import open_path, screenshot, start_server, stop_server, wait_for_app

pytestmark = pytest.mark.browser

SCHOOLS = {"990901": ("Small Cohort Primary", 3, "S3-"), "990902": ("Unknown Cohort Primary",
                                                                     None, "SN-")}
# The planted secrets as a page could write them: full precision, or to one decimal place.
SECRETS = [61.37, 47.93, 52.64, 58.71, 33.81, 36.19, 23.46]
WRITTEN = sorted({f"{v:g}" for v in SECRETS} | {f"{round(v, 1):.1f}" for v in SECRETS})

CHART_DATA = """() => [...document.querySelectorAll('.js-plotly-plot')].map(
    e => JSON.stringify({data: e.data, layout: e.layout}))"""


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("planted")
    url = f"sqlite:///{folder / 'impact.sqlite'}"
    store = Store(url)
    store.import_upload(ingest.read_paths([SAMPLE_WORKBOOK]), SAMPLE_USER)
    store.set_meta("sample_state", "loaded")
    for urn, (name, cohort, prefix) in SCHOOLS.items():
        upload = ingest.read_files([(f"{urn}.xlsx", F.workbook(cohort, urn=urn, school=name,
                                                                prefix=prefix))])
        assert upload.ok, upload.problems.to_string()
        store.import_upload(upload, "tester")
    store.engine.dispose()
    process, base = start_server(url, folder / "streamlit.log")
    yield base
    stop_server(process)


def _scan(page, where: str) -> str:
    """The visible text and every chart's data: no secret in either."""
    page.wait_for_timeout(500)
    text = page.inner_text("body")
    charts = page.evaluate(CHART_DATA)
    numbers: list[float] = []
    strings: list[str] = [text]
    for spec in charts:
        _walk(json.loads(spec), numbers, strings)
    blob = " ".join(strings)
    leaks = [w for w in WRITTEN if re.search(rf"(?<![\d.]){re.escape(w)}(?!\d)", blob)]
    leaks += [f"number {n}" for n in numbers if any(abs(n - v) < 1e-6 for v in SECRETS)]
    assert not leaks, f"{where} shows secret figures: {leaks}"
    return text


def _walk(thing, numbers, strings):
    if isinstance(thing, dict):
        for value in thing.values():
            _walk(value, numbers, strings)
    elif isinstance(thing, list):
        for value in thing:
            _walk(value, numbers, strings)
    elif isinstance(thing, bool) or thing is None:
        return
    elif isinstance(thing, int | float):
        numbers.append(float(thing))
    else:
        strings.append(str(thing))


def test_no_planted_secret_reaches_the_school_page_presentation_mode_or_overview(page, planted):
    for urn, (name, _, _) in SCHOOLS.items():
        open_path(page, planted, f"school?urn={urn}")
        expect(page.get_by_role("heading", level=1)).to_contain_text(name)
        page.wait_for_selector(".js-plotly-plot")
        text = _scan(page, f"{name}: Targets tab")
        assert "fewer than 5 pupils" in text
        for tab in ("Support received", "Subgroups", "Inspection journey"):
            page.get_by_role("tab", name=tab).click()
            wait_for_app(page)
            _scan(page, f"{name}: {tab} tab")
        page.get_by_role("tab", name="Targets").click()
        screenshot(page, f"disclosure-school-{urn}")

        open_path(page, planted, "present")
        school = page.get_by_role("combobox", name="School")
        school.click()
        school.fill(name[:12])
        school.press("Enter")
        wait_for_app(page)
        expect(page.get_by_text(f"Target 1 of {len(F.PLANTED)}", exact=True)).to_be_visible()
        titles = set()
        for number in range(1, len(F.PLANTED) + 1):
            expect(page.get_by_text(f"Target {number} of {len(F.PLANTED)}", exact=True)
                   ).to_be_visible()
            page.wait_for_selector(".js-plotly-plot")
            _scan(page, f"{name}: presentation target {number}")
            titles.add(page.get_by_role("heading", level=1).inner_text())
            page.get_by_role("button", name="Next ▶").click()
            wait_for_app(page)
        assert len(titles) == len(F.PLANTED)  # every target was shown

    open_path(page, planted, "")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Impact across")
    page.wait_for_selector(".js-plotly-plot")
    text = _scan(page, "the Overview")
    assert all(name in text for name, _, _ in SCHOOLS.values())
