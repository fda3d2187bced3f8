"""WCAG 2.2 AA in a real browser: axe-core over every page, tab and key state, for each role.

One local-mode server (the administrator) walks the states in file order like one person:
the sample, an upload with problems, after an import, presentation mode, the empty store. One
signed-in server (a real OpenID Connect provider, as tests/e2e/test_sign_in.py) serves the
governor, the system leader and the trust leader. One browser for the whole run.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from analysis import access, access_store, ingest, style
from analysis.store import Store
from app_pages.sample import SAMPLE_USER, SAMPLE_WORKBOOK
from tests.e2e import oidc
from tests.e2e.accessibility import FINDINGS, assert_accessible, check_page, focused
from tests.e2e.helpers import (
    ROOT,
    VIEWPORT,
    free_port,
    open_path,
    start_server,
    stop_server,
    wait_for_app,
)
from tests.e2e.test_journey import remove_uploaded_files, upload_files

pytestmark = pytest.mark.browser

ADMIN_PAGES = ["", "school?urn=990201", "deployments", "present", "upload", "settings", "people",
               "visits", "qa", "plan"]
PATHS = {  # a role's pages (analysis.access) -> the paths to open
    access.OVERVIEW: "", access.SCHOOL: "school", access.DEPLOYMENTS: "deployments",
    access.PRESENT: "present", access.UPLOAD: "upload", access.SETTINGS: "settings",
    access.PEOPLE: "people", access.VISITS: "visits", access.QA: "qa", access.PLAN: "plan",
}


@pytest.fixture(scope="module", autouse=True)
def fresh_findings():
    """The moderate and minor findings of this run only (the statement lists them)."""
    FINDINGS.unlink(missing_ok=True)


# ---- local mode: the administrator, through each state -------------------------------------------

def test_sample_every_page_and_tab(page, server):
    for path in ADMIN_PAGES:
        check_page(page, server.base, path, "sample")


def test_every_focused_element_shows_a_3_to_1_ring(page, server):
    """Tab through the overview and a School page: each stop wears a ring of 2px or more whose
    colour has 3:1 against the page (WCAG 2.4.7, 2.4.13)."""
    for path in ["", "school?urn=990201"]:
        open_path(page, server.base, path)
        stops = []
        for _ in range(45):
            page.keyboard.press("Tab")
            info = focused(page)
            if info:
                stops.append(info)
        assert len(stops) > 20, stops
        # Inside a data grid the focus sits on the grid's hidden accessibility table, and the
        # grid draws its own ring on its canvas (listed in docs/accessibility.md).
        for stop in [s for s in stops if not s["grid"]]:
            assert stop["style"] != "none" and stop["width"] >= 2, stop
            for background in style.PAGE_BACKGROUNDS.values():
                assert style.contrast_ratio(stop["colour"], background) >= 3, stop


def test_the_keyboard_alone_opens_a_school_from_the_overview(page, server):
    """From the top of the page, Tab to the school list, choose Kingfisher, Tab to its link,
    Enter: the School page opens (the table itself takes only Shift+Space)."""
    open_path(page, server.base)
    page.locator("body").focus()
    for _ in range(150):
        page.keyboard.press("Tab")
        if (focused(page) or {}).get("label") == "Open a school's page":
            break
    else:
        pytest.fail("Tab never reached the 'Open a school's page' list")
    page.keyboard.type("Kingfisher")
    page.keyboard.press("Enter")
    wait_for_app(page)
    for _ in range(5):
        page.keyboard.press("Tab")
        if "Open Kingfisher" in (focused(page) or {}).get("label", ""):
            break
    else:
        pytest.fail(f"the link after the list was not reached: {focused(page)}")
    page.keyboard.press("Enter")
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Kingfisher Primary School", exact=True)).to_be_visible()
    assert "urn=990201" in page.url


def test_the_accessible_html_pack_downloads_and_passes_axe(page, server, tmp_path):
    open_path(page, server.base, "school?urn=990201")
    with page.expect_download() as download:
        page.get_by_role("button", name="Governors' pack (accessible HTML)").click()
    assert download.value.suggested_filename == "governors-pack-990201.html"
    path = tmp_path / "pack.html"
    download.value.save_as(path)
    document = path.read_text(encoding="utf-8")
    assert "<h1>Governors' pack: Kingfisher Primary School</h1>" in document
    page.set_content(document)
    assert_accessible(page, "governors' pack (HTML)")
    page.set_viewport_size({"width": 320, "height": 800})
    try:
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
    finally:
        page.set_viewport_size(VIEWPORT)


def test_presentation_mode_fits_a_projector_and_keeps_the_school(page, server):
    """School page choice -> Presentation mode: the same school; at 1280 x 720 the chart's axis
    is on screen without scrolling and the rule is in readable type."""
    page.set_viewport_size({"width": 1280, "height": 720})
    try:
        open_path(page, server.base, "school?urn=990201")
        page.locator(".st-key-site_menu").get_by_role("link", name="Presentation mode").click()
        wait_for_app(page)
        expect(page.get_by_role("heading", level=1)).to_contain_text("Kingfisher Primary School")
        expect(page.get_by_role("combobox", name="School")).to_have_value(
            "Kingfisher Primary School")
        axis = page.locator('[data-testid="stPlotlyChart"] .xaxislayer-above').first
        expect(axis).to_be_visible()
        box = axis.bounding_box()
        assert box["y"] + box["height"] <= 720, box
        rule = page.locator(".present-rule")
        expect(rule).to_contain_text("Why:")
        assert float(rule.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 18
        assert_accessible(page, "presentation mode at 1280 x 720")
    finally:
        page.set_viewport_size(VIEWPORT)


@pytest.mark.parametrize("width", [320, 640])  # 640 CSS px: a 1280 px screen at 200% zoom
def test_the_school_page_reflows_without_sideways_scrolling(page, server, width):
    page.set_viewport_size({"width": width, "height": 800})
    try:
        open_path(page, server.base, "school?urn=990201")
        expect(page.get_by_role("heading", name="Kingfisher Primary School")).to_be_visible()
        page.wait_for_timeout(800)
        wide = page.evaluate("""() => [document.documentElement,
            document.querySelector('[data-testid="stMain"]')].map(e => e.scrollWidth - e.clientWidth)""")
        assert max(wide) <= 0, wide
        # The six status metrics wrap into two columns rather than one long column.
        metrics = page.locator('[data-testid="stMetric"]')
        lefts = {round(metrics.nth(i).bounding_box()["x"]) for i in range(metrics.count())}
        assert len(lefts) == 2, lefts
        # Period labels thin out: fewer labels are drawn than half terms on the axis.
        ticks = page.locator('[data-testid="stPlotlyChart"]:visible').first.locator(".xtick")
        shown = [t for t in ticks.all() if t.is_visible()]
        assert 0 < len(shown) < ticks.count()
        assert_accessible(page, f"School page at {width} px")
    finally:
        page.set_viewport_size(VIEWPORT)


def test_upload_with_problems(page, server):
    open_path(page, server.base, "upload")
    broken = ROOT / "sample_data" / "broken" / "attendance_over_100.xlsx"
    upload_files(page, (broken.name, broken.read_bytes()))
    expect(page.get_by_text("Nothing has been stored", exact=False)).to_be_visible()
    assert_accessible(page, "upload with problems")
    remove_uploaded_files(page)


def test_after_import(page, server):
    open_path(page, server.base, "upload")
    name = page.get_by_label("Your name (recorded in the upload history)")
    name.fill("Axe Tester")
    name.press("Enter")
    wait_for_app(page)
    folder = ROOT / "sample_data" / "next_term"
    upload_files(page, *[(f.name, f.read_bytes()) for f in sorted(folder.iterdir())])
    expect(page.get_by_text("No problems found.")).to_be_visible()
    assert_accessible(page, "upload preview")
    page.get_by_role("button", name="Import", exact=True).click()
    wait_for_app(page)
    expect(page.get_by_text("Imported as upload", exact=False)).to_be_visible()
    assert_accessible(page, "after import: upload")
    remove_uploaded_files(page)
    for path in ["", "school?urn=990201"]:
        check_page(page, server.base, path, "after import")


def test_presentation_mode_next_target(page, server):
    open_path(page, server.base, "present")
    school = page.get_by_role("combobox", name="School")
    school.click()
    school.fill("Kingfisher")
    school.press("Enter")
    wait_for_app(page)
    page.get_by_role("button", name="Next ▶").click()
    wait_for_app(page)
    expect(page.get_by_text("Target 2 of", exact=False)).to_be_visible()
    assert_accessible(page, "presentation mode, second target")


def test_empty_store_every_page(page, server):
    open_path(page, server.base, "settings")
    page.get_by_text("I understand that this empties the store").click()
    wait_for_app(page)
    page.get_by_role("button", name="Empty the store").click()
    wait_for_app(page)
    assert Store(server.database_url).load().schools.empty
    for path in ADMIN_PAGES:
        check_page(page, server.base, path, "empty store")


# ---- signed in: governor, system leader, trust leader --------------------------------------------

ROLES = {  # provider account -> the access-list entry
    "governor": access.Person("chair@kingfisher.sch.uk", access.GOVERNOR, ("990201",)),
    "leader": access.Person("t.whitlock@riverside.org.uk", access.SYSTEM_LEADER,
                            leader="Tom Whitlock"),
    "trust": access.Person("ceo@riverside.org.uk", access.TRUST_LEADER),
}


@pytest.fixture(scope="module")
def signed_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("axe_signin")
    url = f"sqlite:///{folder / 'impact.sqlite'}"
    store = Store(url)
    store.import_upload(ingest.read_paths([SAMPLE_WORKBOOK]), SAMPLE_USER)
    store.set_meta("sample_state", "loaded")
    clients = set(store.load().schools.query("role == 'Client'")["urn"])
    for person in ROLES.values():
        access_store.add_person(store, person, "setup", clients)
    store.engine.dispose()
    with oidc.provider() as provider:
        for sub, person in ROLES.items():
            oidc.define_user(provider, sub, person.email)
        oidc.define_user(provider, "stranger", "someone@elsewhere.example")
        port = free_port()
        secrets = oidc.write_secrets(folder, port, provider)
        process, base = start_server(url, folder / "streamlit.log", port=port,
                                     extra=["--secrets.files", str(secrets)])
        yield base, provider
        stop_server(process)


@pytest.fixture
def tab(browser):
    """A fresh browser profile per person: nobody is signed in yet."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(30_000)
    yield context.new_page()
    context.close()


def sign_in(page, base: str, provider: str, sub: str) -> None:
    open_path(page, base)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{provider}/**")
    page.fill("input[name=sub]", sub)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{base}/**")
    wait_for_app(page)


def test_sign_in_page_and_not_on_the_list(tab, signed_server):
    base, provider = signed_server
    open_path(tab, base)
    expect(tab.get_by_role("button", name="Sign in")).to_be_visible()
    assert_accessible(tab, "sign-in page")
    sign_in(tab, base, provider, "stranger")
    expect(tab.get_by_role("heading", name="Ask your administrator for access")).to_be_visible()
    assert_accessible(tab, "not on the access list")


@pytest.mark.parametrize("sub", list(ROLES))
def test_each_role_every_page_and_tab(tab, signed_server, sub):
    base, provider = signed_server
    sign_in(tab, base, provider, sub)
    pages = ROLES[sub].pages
    assert pages, sub
    for name, path in PATHS.items():
        if name in pages:
            check_page(tab, base, path, ROLES[sub].describe())
    # A page outside the role, by its address: our sentence (app_pages/page_refusal.py).
    refused = next(path for name, path in PATHS.items() if name not in pages and path)  # "" is home
    open_path(tab, base, refused)
    expect(tab.get_by_role("heading", name="This page is not part of your role")).to_be_visible()
    assert_accessible(tab, f"{ROLES[sub].describe()}: {refused} (not part of the role)")
