"""Visit records entered in the app: each step a batch of the store's history, on SQLite and
PostgreSQL; the creep and days they add; uploads meeting them by natural key; backups."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from analysis import visit_records as vr
from analysis.deployments import summarise_deployments
from analysis.schema import Settings
from analysis.store import StoreError
from app_pages.sample import SAMPLE_WORKBOOK
from tests import parsed_once

DAY = dt.date(2025, 7, 1)


@pytest.fixture
def sample(store):
    store.import_upload(parsed_once.read_paths([SAMPLE_WORKBOOK]), "sample")
    return store


def entry(**kw) -> vr.VisitEntry:
    values = dict(deployment_id="D03", visit_date=DAY, days=1.5, focus_area="Parents' evening",
                  progress="Amber", summary="A parents' session.", next_steps="Share slides.")
    return vr.VisitEntry(**{**values, **kw})


def d03(store, settings=None):
    data = store.load()
    return summarise_deployments(data.deployments, data.visits, settings or Settings()) \
        .set_index("deployment_id").loc["D03"]


def test_a_record_is_a_batch_counted_at_once_and_undone_like_an_upload(sample):
    before = d03(sample)
    batch, record_id = vr.record_visit(sample, "tom@s.uk", entry(), sample.load().deployments)
    after = d03(sample)
    assert after["days_delivered"] == before["days_delivered"] + 1.5
    assert after["creep_days"] == before["creep_days"] + 1.5
    assert after["creep_share"] == pytest.approx(after["creep_days"] / after["days_delivered"])
    history = sample.history()
    assert (history.iloc[0]["batch_id"], history.iloc[0]["user"]) == (batch, "tom@s.uk")
    assert history.iloc[0]["files"] == "visit record entered in the app"
    sample.undo(batch)
    assert d03(sample)["days_delivered"] == before["days_delivered"]
    assert vr.records(sample).empty


def test_only_checked_records_count_when_the_setting_says_so(sample):
    checked_only = Settings(visits_counted="checked")
    before = d03(sample, checked_only)
    _, record_id = vr.record_visit(sample, "tom@s.uk", entry(), sample.load().deployments)
    assert d03(sample, checked_only)["days_delivered"] == before["days_delivered"]
    assert d03(sample, checked_only)["qa_pending"] == before["qa_pending"] + 1
    vr.check_record(sample, "admin@s.uk", record_id)
    assert d03(sample, checked_only)["days_delivered"] == before["days_delivered"] + 1.5
    assert Settings(visits_counted="some").problem().startswith("visits_counted must be")


def test_every_state_change_is_kept_and_undo_goes_back_one_step_at_a_time(sample):
    deployments = sample.load().deployments
    _, rid = vr.record_visit(sample, "tom@s.uk", entry(), deployments)
    with pytest.raises(StoreError, match="needs a comment"):
        vr.return_record(sample, "admin@s.uk", rid, "  ")
    returned = vr.return_record(sample, "admin@s.uk", rid, "Which focus?")
    with pytest.raises(StoreError, match="returned, so it cannot be checked"):
        vr.check_record(sample, "admin@s.uk", rid)
    vr.resubmit(sample, "tom@s.uk", rid, entry(focus_area="Maths"), deployments, "fixed")
    last = vr.check_record(sample, "admin@s.uk", rid)
    steps = vr.record_history(sample, rid)
    assert list(steps["state"]) == ["Awaiting QA", "Returned", "Awaiting QA", "Checked"]
    assert list(steps["comment"].fillna("")) == ["", "Which focus?", "fixed", ""]
    # The recording cannot be undone before the steps built on it; the last step can.
    with pytest.raises(StoreError, match="Undo upload"):
        sample.undo(returned)
    sample.undo(last)
    assert vr.records(sample).iloc[0]["state"] == "Awaiting QA"
    visit = sample.load().visits.query("deployment_id == 'D03' and visit_date == @DAY")
    assert list(visit["qa_status"]) == ["Pending"]
    vr.undo_record(sample, rid)
    assert vr.records(sample).empty and sample.load().visits.query(
        "deployment_id == 'D03' and visit_date == @DAY").empty


def test_the_form_refuses_what_a_visit_cannot_be(sample):
    deployments = sample.load().deployments
    problems = {
        "Choose one of your deployments.": entry(deployment_id="D99"),
        "is in the future": entry(visit_date=dt.date.today() + dt.timedelta(days=1)),
        "before this deployment started": entry(visit_date=dt.date(2023, 9, 1)),
        "after this deployment ended": entry(visit_date=dt.date(2025, 7, 19)),
        "half days": entry(days=0.3),
        "Green, Amber or Red": entry(progress="Purple"),
        "short summary": entry(summary=" "),
        "Say what the visit worked on": entry(focus_area=""),
    }
    for words, bad in problems.items():
        with pytest.raises(StoreError, match=words):
            vr.record_visit(sample, "tom@s.uk", bad, deployments)
    vr.record_visit(sample, "tom@s.uk", entry(), deployments)
    with pytest.raises(StoreError, match="already recorded"):
        vr.record_visit(sample, "tom@s.uk", entry(days=0.5), deployments)
    assert len(vr.records(sample)) == 1


def test_an_upload_replaces_an_app_record_by_natural_key_and_its_undo_brings_it_back(
        sample, make_upload):
    deployments = sample.load().deployments
    before = d03(sample)["days_delivered"]
    _, rid = vr.record_visit(sample, "tom@s.uk", entry(), deployments)
    row = pd.DataFrame([{"deployment_id": "D03", "visit_date": pd.Timestamp(DAY), "days": 1.0,
                         "focus_area": "Parents' evening", "progress": "Green",
                         "summary": "From the spreadsheet", "next_steps": None,
                         "qa_status": "Checked"}])
    upload = make_upload({"visits": row})
    assert vr.replaced_by_upload(sample, upload)["record_id"].tolist() == [rid]
    result = sample.import_upload(upload, "admin")
    rec = vr.records(sample).iloc[0]
    assert not rec["live"]
    with pytest.raises(StoreError, match="upload has replaced"):
        vr.check_record(sample, "admin@s.uk", rid)
    assert d03(sample)["days_delivered"] == before + 1.0  # the spreadsheet's day, not 1.5
    sample.undo(result.batch_id)
    assert vr.records(sample).iloc[0]["live"]
    assert d03(sample)["days_delivered"] == before + 1.5


def test_records_survive_a_backup_and_restore(sample, fresh_urls, tmp_path):
    from analysis.store import Store

    _, rid = vr.record_visit(sample, "tom@s.uk", entry(), sample.load().deployments)
    vr.return_record(sample, "admin@s.uk", rid, "Which focus?")
    path = tmp_path / "backup.zip"
    sample.export_backup(path)
    restored = Store(fresh_urls())
    restored.restore_backup(path)
    assert list(vr.record_history(restored, rid)["state"]) == ["Awaiting QA", "Returned"]
    assert vr.records(restored).iloc[0]["live"]
    restored.engine.dispose()


def test_the_queue_is_oldest_first_with_the_agreed_focus_and_without_returned_records(sample):
    deployments = sample.load().deployments
    _, rid = vr.record_visit(sample, "tom@s.uk", entry(), deployments)
    data = sample.load()
    queue = vr.qa_queue(data.visits, data.deployments, vr.records(sample))
    assert list(queue["visit_date"]) == sorted(queue["visit_date"])
    mine = queue[queue["record_id"] == rid].iloc[0]
    assert (mine["focus_areas"], bool(mine["off_focus"])) == ("Maths; Assessment", True)
    assert (queue["source"] == "upload").sum() == (data.visits["qa_status"] == "Pending").sum() - 1
    vr.return_record(sample, "admin@s.uk", rid, "Which focus?")
    data = sample.load()
    assert rid not in set(vr.qa_queue(data.visits, data.deployments, vr.records(sample))["record_id"])


def test_the_last_visits_next_steps_are_found_for_the_form(sample):
    visits = sample.load().visits
    last = vr.last_next_steps(visits, "D03", before=DAY)
    d03_visits = visits[visits["deployment_id"] == "D03"].sort_values("visit_date")
    assert last == {"visit_date": d03_visits.iloc[-1]["visit_date"].date().isoformat(),
                    "next_steps": d03_visits.iloc[-1]["next_steps"]}
    assert vr.last_next_steps(visits, "D03", before=dt.date(2023, 1, 1)) is None
