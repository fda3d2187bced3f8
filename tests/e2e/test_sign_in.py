"""Sign-in in a real browser against a real OpenID Connect provider (oidc-provider-mock).

One dashboard with [auth] pointing at the provider, on the sample trust with an access list:
a governor of Kingfisher, an administrator. Each journey is a fresh browser profile (its own
cookies), signing in through the provider's own login form.
"""

from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from pypdf import PdfReader

from analysis import access_store, ingest
from analysis.access import ADMINISTRATOR, GOVERNOR, SYSTEM_LEADER, TRUST_LEADER, Person
from analysis.store import Store
from analysis.text import WORD_JOINER
from app_pages.sample import SAMPLE_USER, SAMPLE_WORKBOOK
from tests.e2e import oidc
from tests.e2e.helpers import (
    VIEWPORT,
    free_port,
    open_path,
    screenshot,
    start_server,
    stop_server,
    wait_for_app,
)
from tests.e2e.test_journey import upload_files
from tests.e2e.workbooks import NEW_SCHOOL, NEW_URN, new_school_workbook

pytestmark = pytest.mark.browser

GOVERNOR_EMAIL = "chair.of.governors@kingfisher.sch.uk"
ADMIN_EMAIL = "data.manager@riverside.org.uk"
LEADER_EMAIL, LEADER = "tom.whitlock@willowbrook.sch.uk", "Tom Whitlock"  # SLE at 990201, 990202
EXEC_EMAIL = "executive.principal@riverside.org.uk"
KINGFISHER, KINGFISHER_URN = "Kingfisher Primary School", "990201"
SCHOOLS = pd.read_excel(SAMPLE_WORKBOOK, sheet_name="schools", dtype=str, engine="openpyxl")
OTHER_SCHOOLS = list(SCHOOLS.loc[SCHOOLS["urn"] != KINGFISHER_URN, "school_name"])


class SignedInServer:
    def __init__(self, base: str, provider: str, database_url: str):
        self.base, self.provider, self.database_url = base, provider, database_url


@pytest.fixture(scope="module")
def signed_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("signin")
    url = f"sqlite:///{folder / 'impact.sqlite'}"
    store = Store(url)
    store.import_upload(ingest.read_paths([SAMPLE_WORKBOOK]), SAMPLE_USER)
    store.set_meta("sample_state", "loaded")
    access_store.add_person(store, Person(ADMIN_EMAIL, ADMINISTRATOR), "setup")
    access_store.add_person(store, Person(GOVERNOR_EMAIL, GOVERNOR, (KINGFISHER_URN,)), "setup",
                            {KINGFISHER_URN})
    access_store.add_person(store, Person(LEADER_EMAIL, SYSTEM_LEADER, leader=LEADER), "setup")
    access_store.add_person(store, Person(EXEC_EMAIL, TRUST_LEADER), "setup")
    store.engine.dispose()
    with oidc.provider() as provider:
        for sub, email in [("governor", GOVERNOR_EMAIL), ("admin", ADMIN_EMAIL),
                           ("leader", LEADER_EMAIL), ("exec", EXEC_EMAIL),
                           ("stranger", "someone@elsewhere.example")]:
            oidc.define_user(provider, sub, email)
        port = free_port()
        secrets = oidc.write_secrets(folder, port, provider)
        process, base = start_server(url, folder / "streamlit.log", port=port,
                                     extra=["--secrets.files", str(secrets)])
        yield SignedInServer(base, provider, url)
        stop_server(process)


@pytest.fixture
def tab(browser):
    """A fresh browser profile per journey: nobody is signed in yet."""
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    context.set_default_timeout(30_000)
    yield context.new_page()
    context.close()


def sign_in(page, server: SignedInServer, sub: str, path: str = "") -> None:
    """Through the provider's login form, as a person would."""
    open_path(page, server.base, path)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{server.provider}/**")
    page.fill("input[name=sub]", sub)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{server.base}/**")
    wait_for_app(page)


def body(page) -> str:
    """The page's words as a reader sees them (the escaping seam puts an invisible word joiner
    after '@' so Streamlit cannot turn an address into a link)."""
    return page.locator("body").inner_text().replace(WORD_JOINER, "")


def site_menu(page, shows: str) -> str:
    """The sidebar menu's words (app_pages/accessible.py), once it shows `shows`: signing in
    lands on Home, which redirects, so the first read can catch the menu between two runs."""
    menu = page.locator(".st-key-site_menu")
    expect(menu).to_contain_text(shows)
    wait_for_app(page)
    return menu.inner_text()


def assert_no_other_school(text: str) -> None:
    for name in OTHER_SCHOOLS:
        assert name not in text, name


def test_a_governor_reaches_only_their_own_school(tab, signed_server, tmp_path):
    page = tab
    sign_in(page, signed_server, "governor")
    expect(page.get_by_role("heading", name=KINGFISHER, exact=True)).to_be_visible()
    nav = site_menu(page, "Presentation mode")
    assert "School" in nav and "Presentation mode" in nav
    assert "Overview" not in nav and "Upload" not in nav and "Users" not in nav
    assert f"Signed in as {GOVERNOR_EMAIL}" in body(page).replace("\n", " ")
    assert_no_other_school(body(page))
    screenshot(page, "governor_school")

    # The selectbox offers their school and nothing else.
    page.locator('[data-testid="stSelectbox"]').first.click()
    options = page.get_by_role("option").all_inner_texts()
    assert options == [f"{KINGFISHER} ({KINGFISHER_URN})"]
    page.keyboard.press("Escape")

    # Another school by URL: said plainly, and nothing of it shown.
    open_path(page, signed_server.base, "school?urn=990202")
    expect(page.get_by_text("The school with URN 990202 is not one of your schools")).to_be_visible()
    expect(page.get_by_role("heading", name=KINGFISHER, exact=True)).to_be_visible()
    assert_no_other_school(body(page))
    assert "urn=990201" in page.url

    # Trust-wide and administration pages by URL: not served; our sentence says whom each is for
    # (app_pages/page_refusal.py), not Streamlit's "Page not found".
    for path in ["overview", "deployments", "upload", "settings", "people"]:
        open_path(page, signed_server.base, path)
        expect(page.get_by_text(f"you are signed in as a governor of {KINGFISHER}.")).to_be_visible()
        assert page.get_by_text("Page not found").count() == 0
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "This page is not part of your role")
        text = body(page)
        assert "Impact across our client schools" not in text
        assert "Upload termly spreadsheets" not in text and "Audit log" not in text
        assert page.get_by_role("heading", name="Users and audit log").count() == 0
        assert_no_other_school(text)
    expect(page.get_by_role("button", name="Trust pack for the board (PDF)")).to_have_count(0)

    # Presentation mode: their school only.
    open_path(page, signed_server.base, "present")
    expect(page.get_by_role("heading", name=KINGFISHER, exact=False)).to_be_visible()
    page.locator('[data-testid="stSelectbox"]').first.click()
    assert page.get_by_role("option").all_inner_texts() == [KINGFISHER]
    page.keyboard.press("Escape")
    assert_no_other_school(body(page))

    # Their pack and its tables: their school, nobody else's.
    open_path(page, signed_server.base, "school")
    files = {}
    for label in ["Governors' pack (PDF)", "Tables behind the pack (XLSX)", "Targets table (CSV)",
                  "Governors' pack (accessible HTML)"]:
        # A callable download is built when clicked (the pack with its charts): allow a busy machine.
        with page.expect_download(timeout=120_000) as download:
            page.get_by_role("button", name=label).click()
        path = tmp_path / download.value.suggested_filename
        download.value.save_as(path)
        files[label] = path
    pdf = "\n".join(p.extract_text() for p in PdfReader(files["Governors' pack (PDF)"]).pages)
    assert KINGFISHER in pdf
    assert_no_other_school(pdf)
    document = files["Governors' pack (accessible HTML)"].read_text(encoding="utf-8")
    assert KINGFISHER in document
    assert_no_other_school(document)
    book = load_workbook(files["Tables behind the pack (XLSX)"], read_only=True)
    cells = "\n".join(str(v) for ws in book for row in ws.iter_rows(values_only=True) for v in row)
    assert KINGFISHER in cells
    assert_no_other_school(cells)
    csv = files["Targets table (CSV)"].read_text(encoding="utf-8-sig")
    assert KINGFISHER_URN in csv and "990202" not in csv

    log = access_store.audit_log(Store(signed_server.database_url))
    mine = log[log["who"] == GOVERNOR_EMAIL]
    assert {"sign_in", "view_school", "download"} <= set(mine["action"])
    assert set(mine["urn"].dropna()) == {KINGFISHER_URN}


def test_sign_out_ends_the_session(tab, signed_server):
    page = tab
    sign_in(page, signed_server, "governor")
    expect(page.get_by_role("heading", name=KINGFISHER, exact=True)).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    # The provider's end-session page (a real provider ends its own session here too).
    page.wait_for_url(f"{signed_server.provider}/**")
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(f"{signed_server.base}/**")
    wait_for_app(page)
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    open_path(page, signed_server.base, "school?urn=990201")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert KINGFISHER not in body(page)


def test_a_system_leader_sees_the_schools_of_their_own_deployments_only(tab, signed_server):
    page = tab
    sign_in(page, signed_server, "leader")
    nav = site_menu(page, "School")
    assert "School" in nav and "Overview" not in nav and "Upload" not in nav
    page.locator('[data-testid="stSelectbox"]').first.click()
    options = page.get_by_role("option").all_inner_texts()
    assert options == [f"{KINGFISHER} ({KINGFISHER_URN})", "Millstream Primary School (990202)"]
    page.keyboard.press("Escape")
    open_path(page, signed_server.base, "school?urn=990203")  # Otterbrook: not Tom's
    expect(page.get_by_text("The school with URN 990203 is not one of your schools")).to_be_visible()
    assert "Otterbrook" not in body(page)
    open_path(page, signed_server.base, "overview")  # a trust-wide page: not theirs
    expect(page.get_by_text("The Overview page is for trust leaders and administrators; you are "
                            f"signed in as a system leader ({LEADER}).")).to_be_visible()
    assert page.get_by_text("Page not found").count() == 0
    assert "Impact across our client schools" not in body(page)
    assert "Otterbrook" not in body(page)
    screenshot(page, "system_leader")


def test_a_trust_leader_sees_every_school_and_cannot_change_anything(tab, signed_server):
    page = tab
    sign_in(page, signed_server, "exec")
    expect(page.get_by_role("heading", name="Impact across our client schools")).to_be_visible()
    nav = site_menu(page, "Users and audit log")
    assert "Overview" in nav and "Deployments" in nav and "Users and audit log" in nav
    assert "Upload" not in nav and "Settings" not in nav
    open_path(page, signed_server.base, "school")  # the overview's table is a canvas grid
    page.locator('[data-testid="stSelectbox"]').first.click()
    options = page.get_by_role("option").all_inner_texts()
    page.keyboard.press("Escape")
    clients = SCHOOLS.loc[SCHOOLS["role"] == "Client"]
    assert sorted(options) == sorted(f"{r.school_name} ({r.urn})" for r in clients.itertuples())
    open_path(page, signed_server.base, "people")  # read-only administration
    expect(page.get_by_role("heading", name="Audit log", exact=True)).to_be_visible()
    assert page.get_by_role("button", name="Save").count() == 0
    open_path(page, signed_server.base, "qa")  # the QA queue, read-only
    expect(page.get_by_role("heading", name="QA queue", exact=True)).to_be_visible()
    expect(page.get_by_text("checking, returning and undoing visit records is for "
                            "administrators")).to_be_visible()
    assert page.get_by_role("button", name="Check", exact=True).count() == 0
    assert page.get_by_role("button", name="Return to the leader").count() == 0
    screenshot(page, "trust_leader")
    # A link someone shares to the overview opens it (Streamlit serves its default page only at
    # the root, so the overview is not the default: the root moves on to /overview).
    open_path(page, signed_server.base, "overview")
    expect(page.get_by_role("heading", name="Impact across our client schools")).to_be_visible()
    assert "Page not found" not in body(page)
    open_path(page, signed_server.base, "")
    expect(page.get_by_role("heading", name="Impact across our client schools")).to_be_visible()
    assert page.url.endswith("/overview")
    open_path(page, signed_server.base, "upload")
    expect(page.get_by_text("The Upload page is for administrators; you are signed in as a "
                            "trust leader.")).to_be_visible()
    assert page.get_by_text("Drop this term's files here").count() == 0


def test_an_address_not_on_the_list_sees_no_data(tab, signed_server):
    page = tab
    sign_in(page, signed_server, "stranger")
    expect(page.get_by_role("heading", name="Ask your administrator for access")).to_be_visible()
    text = body(page)
    assert "someone@elsewhere.example" in text
    assert KINGFISHER not in text
    assert_no_other_school(text)
    screenshot(page, "not_on_the_list")


def test_an_administrator_signs_in_uploads_and_exports_the_audit_log(tab, signed_server):
    page = tab
    sign_in(page, signed_server, "admin")
    expect(page.get_by_role("heading", name="Impact across our client schools")).to_be_visible()
    open_path(page, signed_server.base, "upload")
    # Signed in, nobody types a name: the history records the account.
    expect(page.get_by_text("Uploads are recorded in the history as", exact=False)).to_be_visible()
    assert f"Uploads are recorded in the history as {ADMIN_EMAIL}." in body(page)
    assert page.get_by_label("Your name (recorded in the upload history)").count() == 0
    upload_files(page, ("test_valley.xlsx", new_school_workbook()))
    expect(page.get_by_text("No problems found.")).to_be_visible()
    page.get_by_text("Remove the sample data first", exact=False).click()  # keep the sample
    wait_for_app(page)
    page.get_by_role("button", name="Import", exact=True).click()
    wait_for_app(page)
    expect(page.get_by_text("Imported as upload", exact=False)).to_be_visible()
    store = Store(signed_server.database_url)
    assert NEW_URN in set(store.load().schools["urn"])
    assert store.history()["user"].iloc[0] == ADMIN_EMAIL

    open_path(page, signed_server.base, "people")
    expect(page.get_by_role("heading", name="Audit log", exact=True)).to_be_visible()
    log = access_store.audit_log(store)
    upload = log[log["action"] == "upload"].iloc[0]
    assert upload["who"] == ADMIN_EMAIL
    # One sign-in, though every page opened above was a new Streamlit session.
    assert len(log[(log["who"] == ADMIN_EMAIL) & (log["action"] == "sign_in")]) == 1
    screenshot(page, "users_and_audit")
    with page.expect_download() as download:
        page.get_by_role("button", name="Audit log (CSV)").click()
    exported = pd.read_csv(download.value.path(), encoding="utf-8-sig", dtype=str)
    uploads = exported[exported["What"] == "Uploaded"]
    assert list(uploads["Who"]) == [ADMIN_EMAIL]
    assert exported["Detail"].str.contains(GOVERNOR_EMAIL, regex=False).any()  # put on the list
    assert NEW_SCHOOL in " ".join(store.load().schools["school_name"])

