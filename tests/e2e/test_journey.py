"""The journeys that matter, in a real browser: look at the sample, upload a term's workbook and
find the new school, download a template, and be told clearly what is wrong with a broken file.

The tests share one server and one tab and run in file order, like one person's session: the
sample pages are looked at (and photographed for the README) before anything is uploaded.
"""

from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from analysis.schema import KINDS
from analysis.store import Store
from analysis.text import WORD_JOINER
from tests.e2e.helpers import ROOT, open_path, screenshot, wait_for_app
from tests.e2e.workbooks import NEW_SCHOOL, NEW_URN, new_school_workbook

pytestmark = pytest.mark.browser

SAMPLE_SCHOOLS = pd.read_excel(ROOT / "sample_data" / "riverside_trust.xlsx", sheet_name="schools",
                               dtype=str, engine="openpyxl")
SAMPLE_CLIENTS = SAMPLE_SCHOOLS[SAMPLE_SCHOOLS["role"] == "Client"]
KINGFISHER = "990201"  # the sample school with the most targets, deployments and inspections
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def metric_value(page, label: str):
    """The value of the st.metric whose label is exactly `label`."""
    card = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=label))
    return card.locator('[data-testid="stMetricValue"]')


def no_errors(page) -> None:
    """No exception box and no error alert anywhere on the page."""
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    expect(page.locator('[data-testid="stAlertContentError"]')).to_have_count(0)


def plotly_drawn(page, count: int | None = None):
    """Plotly charts that have drawn their SVG (not just an empty frame)."""
    charts = page.locator('[data-testid="stPlotlyChart"] .main-svg')
    expect(charts.first).to_be_visible()
    return charts


def upload_files(page, *files: tuple[str, bytes]) -> None:
    uploader = page.locator('[data-testid="stFileUploader"] input[type="file"]')
    uploader.set_input_files([{"name": n, "mimeType": XLSX, "buffer": b} for n, b in files])
    wait_for_app(page)


def remove_uploaded_files(page) -> None:
    """Clear the uploader (its delete buttons), as a person does before the next file."""
    delete = page.locator('[data-testid="stFileUploaderDeleteBtn"] button')
    while delete.count():
        delete.first.click()
        wait_for_app(page)


# ---- the sample, as a first-time visitor sees it -------------------------------------------------

def test_overview_shows_the_sample_trust(page, server):
    open_path(page, server.base)
    expect(page.get_by_role("heading", name="Impact across our client schools")).to_be_visible()
    expect(page.locator('[data-testid="stSidebar"]')).to_contain_text("Sample data")
    expect(metric_value(page, "Client schools")).to_have_text(str(len(SAMPLE_CLIENTS)))
    strip = plotly_drawn(page)
    # the status strip names every client school on its axis
    for name in SAMPLE_CLIENTS["school_name"]:
        expect(page.locator('[data-testid="stPlotlyChart"]').first).to_contain_text(name[:20])
    assert strip.count() >= 1
    no_errors(page)
    screenshot(page, "overview", docs=True)


def test_school_page_shows_each_target_with_its_chart(page, server):
    name = SAMPLE_SCHOOLS.set_index("urn").loc[KINGFISHER, "school_name"]
    open_path(page, server.base, f"school?urn={KINGFISHER}")
    expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()
    targets = Store(server.database_url).load().targets
    expected = int((targets["client_urn"] == KINGFISHER).sum())
    expect(page.locator('[data-testid="stPlotlyChart"]:visible')).to_have_count(expected)
    plotly_drawn(page)
    no_errors(page)
    screenshot(page, "school", docs=True)


def test_deployments_page(page, server):
    open_path(page, server.base, "deployments")
    expect(page.get_by_role("heading", name="Deployments", exact=True)).to_be_visible()
    expect(metric_value(page, "Deployments")).to_have_text(
        str(len(Store(server.database_url).load().deployments)))
    expect(page.locator('[data-testid="stDataFrame"]').first).to_be_visible()
    plotly_drawn(page)
    no_errors(page)
    screenshot(page, "deployments", docs=True)


def test_presentation_mode_steps_to_the_next_target(page, server):
    open_path(page, server.base, "present")
    expect(page.locator('[data-testid="stSidebar"]')).to_be_hidden()
    name = SAMPLE_SCHOOLS.set_index("urn").loc[KINGFISHER, "school_name"]
    school = page.get_by_role("combobox", name="School")
    school.click()
    school.fill(name[:10])
    school.press("Enter")
    wait_for_app(page)
    targets = Store(server.database_url).load().targets
    count = int((targets["client_urn"] == KINGFISHER).sum())
    expect(page.get_by_text(f"Target 1 of {count}", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    plotly_drawn(page)
    no_errors(page)
    screenshot(page, "present")
    page.get_by_role("button", name="Next ▶").click()
    wait_for_app(page)
    expect(page.get_by_text(f"Target 2 of {count}", exact=True)).to_be_visible()


def test_settings_page(page, server):
    open_path(page, server.base, "settings")
    expect(page.get_by_role("heading", name="Settings", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Save settings")).to_be_visible()
    expect(page.get_by_role("button", name="Empty the store")).to_be_disabled()
    no_errors(page)
    screenshot(page, "settings")


# ---- upload: a good workbook, a template, a broken file -------------------------------------------

def test_upload_a_new_school_then_find_it(page, server):
    open_path(page, server.base, "upload")
    name = page.get_by_label("Your name (recorded in the upload history)")
    name.fill("Tess Tester")
    name.press("Enter")
    wait_for_app(page)
    upload_files(page, ("test_valley.xlsx", new_school_workbook()))

    expect(page.get_by_text("No problems found.")).to_be_visible()
    expect(page.get_by_role("heading", name="What this upload will change")).to_be_visible()
    expect(page.locator('[data-testid="stDataFrame"]').first).to_be_visible()
    screenshot(page, "upload_preview")
    # The upload page has two checkboxes (this one, and the undo confirmation): pick by label.
    remove_sample = page.get_by_role("checkbox", name="Remove the sample data first", exact=False)
    expect(remove_sample).to_be_checked()
    page.get_by_text("Remove the sample data first", exact=False).click()  # keep the sample
    wait_for_app(page)
    expect(remove_sample).not_to_be_checked()
    page.get_by_role("button", name="Import", exact=True).click()
    wait_for_app(page)
    expect(page.get_by_text("Imported as upload", exact=False)).to_be_visible()
    no_errors(page)
    remove_uploaded_files(page)
    assert NEW_URN in set(Store(server.database_url).load().schools["urn"])

    open_path(page, server.base)
    expect(metric_value(page, "Client schools")).to_have_text(str(len(SAMPLE_CLIENTS) + 1))
    expect(page.locator('[data-testid="stPlotlyChart"]').first).to_contain_text(NEW_SCHOOL)

    open_path(page, server.base, f"school?urn={NEW_URN}")
    expect(page.get_by_role("heading", name=NEW_SCHOOL, exact=True)).to_be_visible()
    expect(page.locator('[data-testid="stPlotlyChart"]:visible')).to_have_count(1)  # its one target
    plotly_drawn(page)
    # the chart has the actuals drawn (plotly puts each trace in a .trace group)
    expect(page.locator('[data-testid="stPlotlyChart"] .scatterlayer .trace').first).to_be_attached()
    no_errors(page)
    screenshot(page, "school_new")


def test_download_the_template_workbook(page, server, tmp_path):
    open_path(page, server.base, "upload")
    page.get_by_text("Blank templates").click()
    button = page.get_by_role("button", name="Template workbook (all sheets)")
    expect(button).to_be_visible()
    with page.expect_download() as download:
        button.click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name == "impact_template.xlsx"
    sheets = set(load_workbook(path, read_only=True).sheetnames)
    assert set(KINDS) - {"measures"} <= sheets | {"school_measures"}, sheets
    assert {"schools", "deployments", "targets", "outcomes", "visits"} <= sheets


def test_a_broken_file_is_explained_and_nothing_is_stored(page, server):
    before = Store(server.database_url).counts()
    open_path(page, server.base, "upload")
    broken = ROOT / "sample_data" / "broken" / "attendance_over_100.xlsx"
    upload_files(page, (broken.name, broken.read_bytes()))

    expect(page.get_by_text("Nothing has been stored", exact=False)).to_be_visible()
    expect(page.get_by_text("3 problem(s) found", exact=False)).to_be_visible()
    # Each problem a sentence that wraps (the whole message on screen), then all as a table.
    sentence = page.locator("li", has_text="104 is above 100")
    expect(sentence).to_be_visible()
    assert sentence.inner_text().replace(WORD_JOINER, "") == (
        "attendance_over_100.xlsx, outcomes, row 4: attendance_pct: 104 is above 100")
    page.get_by_text("The same problems as a table, to sort or download").click()
    expect(page.locator('[data-testid="stDataFrame"]').first).to_be_visible()
    expect(page.get_by_role("button", name="Import", exact=True)).to_have_count(0)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    screenshot(page, "upload_problems")
    assert Store(server.database_url).counts() == before
    remove_uploaded_files(page)
