"""A term's visit and QA cycle in a real browser, signed in through a real OpenID Connect provider.

A system leader on a 390 px phone records a visit with an off-focus area; the administrator
returns it with a comment; the leader fixes and resubmits; the administrator checks it. The
Deployments page's days used and creep move by exactly the visit's day, and undoing the record
puts them back.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from analysis import access_store, ingest
from analysis import visit_records as vr
from analysis.access import ADMINISTRATOR, SYSTEM_LEADER, Person
from analysis.deployments import summarise_deployments
from analysis.store import Store
from app_pages.sample import SAMPLE_USER, SAMPLE_WORKBOOK
from tests.e2e import oidc
from tests.e2e.helpers import (
    ARTIFACTS,
    VIEWPORT,
    free_port,
    open_path,
    start_server,
    stop_server,
    wait_for_app,
)
from tests.e2e.test_journey import metric_value
from tests.e2e.test_sign_in import SignedInServer, sign_in

pytestmark = pytest.mark.browser
# Streamlit may start a rerun later than wait_for_app's first look on a busy machine, and undoing
# four batches takes a few seconds there: the steps' results get this long to appear.
SLOW = 30_000

LEADER_EMAIL = "tom.whitlock@willowbrook.sch.uk"
ADMIN_EMAIL = "data.manager@riverside.org.uk"
PHONE = {"width": 390, "height": 844}
OFF_FOCUS = "Parents' evening on homework"


@pytest.fixture(scope="module")
def visit_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("visits")
    url = f"sqlite:///{folder / 'impact.sqlite'}"
    store = Store(url)
    store.import_upload(ingest.read_paths([SAMPLE_WORKBOOK]), SAMPLE_USER)
    store.set_meta("sample_state", "loaded")
    access_store.add_person(store, Person(ADMIN_EMAIL, ADMINISTRATOR), "setup")
    access_store.add_person(store, Person(LEADER_EMAIL, SYSTEM_LEADER, leader="Tom Whitlock"),
                            "setup")
    store.engine.dispose()
    with oidc.provider() as provider:
        for sub, email in [("leader", LEADER_EMAIL), ("admin", ADMIN_EMAIL)]:
            oidc.define_user(provider, sub, email)
        port = free_port()
        secrets = oidc.write_secrets(folder, port, provider)
        process, base = start_server(url, folder / "streamlit.log", port=port,
                                     extra=["--secrets.files", str(secrets)])
        yield SignedInServer(base, provider, url)
        stop_server(process)


def shot(page, name: str) -> None:
    """A whole-page screenshot at the page's own width (helpers.screenshot is 1400 px)."""
    size = page.viewport_size
    page.wait_for_timeout(500)
    height = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('[data-testid=\"stMain\"], "
        "[data-testid=\"stMainBlockContainer\"]')].map(e => e.scrollHeight), 0)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": size["width"], "height": max(size["height"],
                                                                  min(int(height) + 40, 6000))})
    page.wait_for_timeout(400)
    page.screenshot(path=ARTIFACTS / f"{name}.png")
    page.set_viewport_size(size)
    page.wait_for_timeout(200)


def _tab(browser, viewport):
    context = browser.new_context(viewport=viewport)
    context.set_default_timeout(30_000)
    return context, context.new_page()


def d03(url: str):
    store = Store(url)
    data = store.load()
    summary = summarise_deployments(data.deployments, data.visits, store.get_settings())
    store.engine.dispose()
    return summary, summary.set_index("deployment_id").loc["D03"]


def creep_line(row) -> str:
    return f"{row['creep_share']:.0%} of {row['days_delivered']:.1f} days off focus"


def deployments_page(page, base: str) -> tuple[str, str]:
    """(the Days used metric, the creep tab's text) as the administrator sees them."""
    open_path(page, base, "deployments")
    days = metric_value(page, "Days used").inner_text()
    page.get_by_role("tab", name="Deployment creep").click()
    return days, page.locator('[data-testid="stTabs"]').inner_text()


def test_a_visit_is_recorded_returned_fixed_checked_counted_and_undone(browser, visit_server):
    base, url = visit_server.base, visit_server.database_url
    summary, before = d03(url)
    assert before["creep_days"] == 0  # D03 starts with nothing off focus
    admin_context, admin = _tab(browser, VIEWPORT)
    leader_context, leader = _tab(browser, PHONE)
    try:
        sign_in(admin, visit_server, "admin")
        days_before, creep_before = deployments_page(admin, base)
        committed = summary["days_committed"].sum()
        assert days_before == f"{summary['days_delivered'].sum():,.0f}"  # of `committed`, beneath
        assert "Tom Whitlock (specialist leader of education) at Kingfisher" not in creep_before

        # The leader, on a phone: an off-focus visit, with the reminder beside the free text.
        sign_in(leader, visit_server, "leader")
        open_path(leader, base, "visits")
        expect(leader.get_by_role("heading", name="Record a visit")).to_be_visible(timeout=SLOW)
        expect(leader.get_by_text("Never name a pupil here", exact=False)).to_be_visible(timeout=SLOW)
        expect(leader.get_by_text("Next steps from the last visit", exact=False)).to_be_visible(timeout=SLOW)
        leader.get_by_text("Carried forward", exact=True).click()
        wait_for_app(leader)
        leader.locator('[data-testid="stSelectbox"]').filter(
            has_text="Focus of the visit").click()
        leader.get_by_role("option", name=vr.SOMETHING_ELSE).click()
        wait_for_app(leader)
        expect(leader.get_by_text("This counts as off focus", exact=False)).to_be_visible(timeout=SLOW)
        other = leader.get_by_label("What did the visit work on?")
        other.fill(OFF_FOCUS)
        other.press("Enter")
        wait_for_app(leader)
        leader.get_by_text("▲ Amber", exact=True).click()
        wait_for_app(leader)
        for label, text in [("Summary of the visit", "Ran a session for parents."),
                            ("Next steps", "Maths leader to share the slides.")]:
            box = leader.get_by_label(label)
            box.fill(text)
            box.press("Control+Enter")
            wait_for_app(leader)
        shot(leader, "visit_form_phone")
        leader.get_by_role("button", name="Save the visit record").click()
        wait_for_app(leader)
        expect(leader.get_by_text("Saved as batch", exact=False)).to_be_visible(timeout=SLOW)
        width = leader.evaluate("() => document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the form is {width} px wide on a 390 px phone"
        record = vr.records(Store(url)).iloc[0]
        assert (record["state"], record["focus_area"]) == (vr.AWAITING, OFF_FOCUS)
        assert record["followup"]["outcome"] == "Carried forward"
        rid = record["record_id"]

        # The administrator returns it with a comment.
        open_path(admin, base, "qa")
        card = admin.locator(f".st-key-qa_{rid}")
        expect(card).to_contain_text("Agreed focus: Maths; Assessment", timeout=SLOW)
        expect(card).to_contain_text(f"This visit: {OFF_FOCUS} · ⚑ off focus")
        shot(admin, "qa_queue")
        comment = card.get_by_label("Comment for the leader (what to put right)")
        comment.fill("Say which year groups' parents came.")
        comment.press("Enter")
        wait_for_app(admin)
        admin.locator(f".st-key-qa_{rid}").get_by_role("button", name="Return to the leader").click()
        wait_for_app(admin)
        expect(admin.get_by_text("Returned to the leader with your comment",
                                 exact=False)).to_be_visible(timeout=SLOW)

        # The leader sees it returned, fixes the summary and resubmits.
        open_path(leader, base, "visits")
        expect(leader.get_by_text("Say which year groups' parents came.", exact=False)
               ).to_be_visible(timeout=SLOW)
        leader.get_by_role("button", name="Fix and resubmit").click()
        wait_for_app(leader)
        expect(leader.get_by_role("heading", name="Fix the returned record")).to_be_visible(timeout=SLOW)
        summary_box = leader.get_by_label("Summary of the visit")
        expect(summary_box).to_have_value("Ran a session for parents.", timeout=SLOW)
        summary_box.fill("Ran a session for Year 5 and Year 6 parents.")
        summary_box.press("Control+Enter")
        wait_for_app(leader)
        shot(leader, "visit_fix_phone")
        leader.get_by_role("button", name="Resubmit for QA").click()
        wait_for_app(leader)
        expect(leader.get_by_text("Resubmitted for QA", exact=False)).to_be_visible(timeout=SLOW)

        # The administrator checks it.
        open_path(admin, base, "qa")
        card = admin.locator(f".st-key-qa_{rid}")
        expect(card).to_contain_text("Year 5 and Year 6 parents", timeout=SLOW)
        card.get_by_role("button", name="Check").click()
        wait_for_app(admin)
        expect(admin.get_by_text("Checked (batch", exact=False)).to_be_visible(timeout=SLOW)
        steps = vr.record_history(Store(url), rid)
        assert list(steps["state"]) == [vr.AWAITING, vr.RETURNED, vr.AWAITING, vr.CHECKED]

        # Days used up by one, D03's creep from none to one day of its 18.5.
        summary_after, after = d03(url)
        assert after["days_delivered"] == before["days_delivered"] + 1
        assert after["creep_days"] == 1
        days_after, creep_after = deployments_page(admin, base)
        assert days_after == f"{summary['days_delivered'].sum() + 1:,.0f}"
        assert f"of {committed:,.0f} committed" in admin.locator(
            '[data-testid="stMetric"]', has_text="Days used").inner_text()
        line = creep_line(after)
        assert line == f"5% of {before['days_delivered'] + 1:.1f} days off focus"
        assert (f"Tom Whitlock (specialist leader of education) at Kingfisher Primary School: "
                f"{line}") in creep_after
        shot(admin, "deployments_after_visit")

        # Undo of the record (every step): the figures are as they were.
        open_path(admin, base, "qa")
        admin.get_by_text("Yes: undo this visit record", exact=False).click()
        wait_for_app(admin)
        admin.get_by_role("button", name="Undo this visit record").click()
        wait_for_app(admin)
        expect(admin.get_by_text("Undid the visit record and its 4 step(s)", exact=False)
               ).to_be_visible(timeout=SLOW)
        days_undone, creep_undone = deployments_page(admin, base)
        assert days_undone == days_before
        assert "Tom Whitlock (specialist leader of education) at Kingfisher" not in creep_undone
        log = access_store.audit_log(Store(url))
        assert (log["action"] == "visit_qa").sum() == 2
        assert set(log.loc[log["action"] == "visit_recorded", "who"]) == {LEADER_EMAIL}
    finally:
        admin_context.close()
        leader_context.close()
