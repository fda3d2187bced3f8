"""The agreed plan and the app's corrections: each a batch; a target changed after agreement
shows its history in the pack, its tables and the School page."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pytest
from pypdf import PdfReader

from analysis import agreed_plan, app_edits, pack
from analysis.schema import Settings
from analysis.store import StoreError
from analysis.text import shown
from app_pages.sample import SAMPLE_WORKBOOK
from tests import parsed_once, test_access_pages
from tests.test_access_pages import ADMIN_EMAIL, GOVERNOR_EMAIL, open_as

sample_file = test_access_pages.sample_file
signed_store = test_access_pages.signed_store
AGREED, CHANGED = dt.date(2024, 10, 8), dt.date(2025, 3, 12)
CHANGE_WORDS = "Target changed on 12/03/2025 from 64% to 60% (agreed by governors)"


@pytest.fixture
def sample(store):
    store.import_upload(parsed_once.read_paths([SAMPLE_WORKBOOK]), "sample")
    return store


def agree_and_change(store):
    """Kingfisher's plan agreed in October; T01 (reading, 64% by 2024/25 Summer 2) lowered."""
    data = store.load()
    agreed_plan.agree_plan(store, "admin", "990201", AGREED, "governors", data.targets)
    return agreed_plan.change_target(store, "admin", "T01", 60, "2024/25 Summer 2", CHANGED,
                                     "governors")


def test_an_agreed_plan_and_a_later_change_are_batches_with_their_history(sample):
    batch = agree_and_change(sample)
    data = sample.load()
    assert data.targets.set_index("target_id").loc["T01", "target_value"] == 60
    history = agreed_plan.plan_history(data.target_plan, data.targets)
    assert agreed_plan.target_sentences(history, "T01") == [
        "Plan agreed on 08/10/2024 by governors: 64% by 2024/25 Summer 2", CHANGE_WORDS]
    assert agreed_plan.target_sentences(history, "T02") == [
        "Plan agreed on 08/10/2024 by governors: 61% by 2024/25 Summer 2"]
    assert sample.history().iloc[0]["summary"] == (
        "Target T01 changed on 12/03/2025 from 64% to 60% (agreed by governors)")
    sample.undo(batch)  # the earlier version is current again, and the change is gone
    data = sample.load()
    assert data.targets.set_index("target_id").loc["T01", "target_value"] == 64
    assert agreed_plan.target_sentences(agreed_plan.plan_history(data.target_plan, data.targets),
                                        "T01") == [
        "Plan agreed on 08/10/2024 by governors: 64% by 2024/25 Summer 2"]


def test_a_deadline_change_and_an_upload_change_are_never_silent(sample, make_upload):
    data = sample.load()
    agreed_plan.agree_plan(sample, "admin", "990201", AGREED, "the governing board", data.targets)
    agreed_plan.change_target(sample, "admin", "T02", 61, "2025/26 Summer 2", CHANGED, "the head")
    moved = data.targets[data.targets["target_id"] == "T03"].assign(target_value=50.0)
    sample.import_upload(make_upload({"targets": moved}), "admin")
    data = sample.load()
    history = agreed_plan.plan_history(data.target_plan, data.targets)
    assert agreed_plan.target_sentences(history, "T02")[-1] == (
        "Target changed on 12/03/2025 from 61% by 2024/25 Summer 2 to 61% by 2025/26 Summer 2 "
        "(agreed by the head)")
    assert agreed_plan.target_sentences(history, "T03")[-1] == (
        "Target changed since 08/10/2024 from 53% to 50% by a spreadsheet upload: no agreement "
        "is recorded for this change")


def test_the_plan_refuses_what_it_cannot_record(sample):
    targets = sample.load().targets
    with pytest.raises(StoreError, match="in the future"):
        agreed_plan.agree_plan(sample, "a", "990201", dt.date.today() + dt.timedelta(days=2),
                               "governors", targets)
    with pytest.raises(StoreError, match="Say who agreed it"):
        agreed_plan.agree_plan(sample, "a", "990201", AGREED, " ", targets)
    with pytest.raises(StoreError, match="no targets stored"):
        agreed_plan.agree_plan(sample, "a", "990999", AGREED, "governors", targets)
    with pytest.raises(StoreError, match="between 0 and 100"):
        agreed_plan.change_target(sample, "a", "T01", 160, "2024/25 Summer 2", CHANGED, "g")
    with pytest.raises(StoreError, match="not a half term"):
        agreed_plan.change_target(sample, "a", "T01", 60, "next summer", CHANGED, "g")
    with pytest.raises(StoreError, match="nothing to change"):
        agreed_plan.change_target(sample, "a", "T01", 64, "2024/25 Summer 2", CHANGED, "g")


def test_the_pack_and_its_tables_say_when_a_target_was_changed(sample):
    agree_and_change(sample)
    data = sample.load()
    tables = pack.pack_tables(data, Settings(), "990201")
    t01 = tables["targets"].set_index("Target").loc["T01"]
    assert t01["Plan history"] == (
        f"Plan agreed on 08/10/2024 by governors: 64% by 2024/25 Summer 2; {CHANGE_WORDS}")
    pdf = pack.build_school_pack(data, Settings(), "990201")
    text = " ".join("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert CHANGE_WORDS in text


def test_corrections_are_batches_that_undo(sample):
    batch = app_edits.correct_deployment(sample, "admin", "D03", dt.date(2025, 12, 19), 30, 12000)
    d03 = sample.load().deployments.set_index("deployment_id").loc["D03"]
    assert (d03["end_date"], d03["days_committed"], d03["funding_amount"]) == (
        pd.Timestamp(2025, 12, 19), 30.0, 12000.0)
    assert sample.history().iloc[0]["summary"] == (
        "Deployment D03 corrected: end date 18/07/2025 → 19/12/2025; days committed 24 → 30; "
        "funding £9,600 → £12,000")
    with pytest.raises(StoreError, match="before the deployment started"):
        app_edits.correct_deployment(sample, "admin", "D03", dt.date(2020, 1, 1), 30, 12000)
    with pytest.raises(StoreError, match="Nothing to save"):
        app_edits.correct_deployment(sample, "admin", "D03", dt.date(2025, 12, 19), 30, 12000)
    stone = app_edits.set_milestone(sample, "admin", "T01", "2024/25 Spring 2", 59)
    milestones = sample.load().milestones
    assert milestones.query("target_id == 'T01' and period == '2024/25 Spring 2'")["value"] \
        .tolist() == [59.0]
    sample.undo(stone)
    sample.undo(batch)
    assert sample.load().deployments.set_index("deployment_id").loc["D03", "days_committed"] == 24


def test_the_school_page_shows_a_targets_history_to_its_governor(signed_store):
    agree_and_change(signed_store)
    at = open_as(GOVERNOR_EMAIL, "school")
    captions = [c.value for c in at.caption]
    assert any(CHANGE_WORDS in c.replace("\\", "") for c in captions), captions


def test_the_administrator_changes_a_target_on_the_plan_page_and_it_is_audited(signed_store):
    from analysis import access_store

    at = open_as(ADMIN_EMAIL, "plan")
    at.selectbox(key="plan_school").set_value("990201").run()
    at.date_input(key="plan_agreed_on").set_value(AGREED).run()
    at.button(key="plan_agree").click().run()
    assert not at.exception
    assert at.success[0].value.startswith("Saved as batch")
    at.selectbox(key="plan_target").set_value("T01").run()
    at.number_input(key="plan_value_T01").set_value(60.0)
    at.date_input(key="plan_when_T01").set_value(CHANGED)
    at.button(key="plan_change").click().run()
    assert not at.exception
    assert "Target T01 changed on 12/03/2025 from 64% to 60% (agreed by governors)" in \
        shown(at.success[0].value)
    log = access_store.audit_log(signed_store)
    plan = log[log["action"] == "plan"]
    assert len(plan) == 2 and set(plan["who"]) == {ADMIN_EMAIL} and set(plan["urn"]) == {"990201"}
