"""The sample replaced in a real browser without losing real uploads (issue 9).

With the sample loaded, the administrator imports a real school beside it (box unticked), then
uploads a one-line schools file with "Remove the sample data first" ticked (its default for a
file with a schools list): the sample goes, in the same transaction as that import, and every
real upload stays.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from analysis.store import Store
from tests.e2e.helpers import ARTIFACTS, open_path, wait_for_app
from tests.e2e.test_journey import no_errors, remove_uploaded_files, upload_files
from tests.e2e.workbooks import NEW_SCHOOL, NEW_URN, new_school_workbook, workbook_bytes

pytestmark = pytest.mark.browser

OTHER_URN, OTHER_SCHOOL = "990302", "Second Real Primary"
SAMPLE_USER = "Sample data (fictional Riverside trust)"


def one_school_file() -> bytes:
    return workbook_bytes({"schools": [["urn", "school_name", "phase", "local_authority", "role"],
                                       [OTHER_URN, OTHER_SCHOOL, "Primary", "Riverford", "Client"]]})


def import_file(page, name: str, data: bytes, remove_sample: bool) -> None:
    upload_files(page, (name, data))
    expect(page.get_by_text("No problems found.")).to_be_visible()
    box = page.get_by_role("checkbox", name="Remove the sample data first", exact=False)
    expect(box).to_be_checked()  # both files have a schools list: a fresh start by default
    if not remove_sample:
        page.get_by_text("Remove the sample data first", exact=False).click()
        wait_for_app(page)
        expect(box).not_to_be_checked()
    wait_for_app(page)  # the checkbox's rerun has ended: the Import button is the current one
    page.get_by_role("button", name="Import", exact=True).click()
    wait_for_app(page)
    expect(page.get_by_text("Imported as upload", exact=False)).to_be_visible(timeout=60_000)


def test_replacing_the_sample_keeps_every_real_upload(page, server):
    open_path(page, server.base, "upload")
    expect(page.locator('[data-testid="stSidebar"]')).to_contain_text("Sample data")
    name = page.get_by_label("Your name (recorded in the upload history)")
    name.fill("Ann Admin")
    name.press("Enter")
    wait_for_app(page)

    import_file(page, "test_valley.xlsx", new_school_workbook(), remove_sample=False)
    expect(page.get_by_text("Imported as upload 2", exact=False)).to_be_visible()
    no_errors(page)
    remove_uploaded_files(page)
    store = Store(server.database_url)
    assert len(store.load().schools) == 12  # the sample's 11 and the real school

    import_file(page, "second_school.xlsx", one_school_file(), remove_sample=True)
    # (the page escapes the message as literal text: a word joiner follows each colon)
    result = page.locator('[data-testid="stAlertContentSuccess"]')
    expect(result).to_contain_text("Imported as upload 3")
    expect(result).to_contain_text("1 new school. Undid upload 1 (riverside_trust.xlsx)")
    no_errors(page)
    expect(page.locator('[data-testid="stSidebar"]')).not_to_contain_text("Sample data")
    for width, height in [(1400, 900), (1280, 720), (390, 844)]:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(600)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=ARTIFACTS / f"sample_replaced_{width}x{height}.png")
    page.set_viewport_size({"width": 1400, "height": 900})
    remove_uploaded_files(page)

    # Every real upload survived; the sample is undone, not deleted from the history.
    schools = store.load().schools.set_index("urn")["school_name"].to_dict()
    assert schools == {NEW_URN: NEW_SCHOOL, OTHER_URN: OTHER_SCHOOL}
    assert len(store.pupil_rows()) == 40  # the real school's pupil rows
    history = store.history().set_index("batch_id")
    assert history["undone"].to_dict() == {3: False, 2: False, 1: True}
    assert history.loc[1, "user"] == SAMPLE_USER and history.loc[2, "user"] == "Ann Admin"

    open_path(page, server.base, f"school?urn={NEW_URN}")
    expect(page.get_by_role("heading", name=NEW_SCHOOL, exact=True)).to_be_visible()
    no_errors(page)
    store.engine.dispose()
