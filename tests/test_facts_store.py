"""Issue 14: the trust's facts kept per store version (analysis/facts_store.py, migration 8) agree
with the full computation, on the sample, after an import and after its undo, and through a
backup and restore; the overview reads them and never the whole trust's measures; the stuck
rule for every school at once agrees with each school's own."""

from __future__ import annotations

import datetime as dt
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
import streamlit as st
from streamlit.testing.v1 import AppTest

from analysis import facts_store, policy, portfolio
from analysis.deployments import data_date, summarise_deployments
from analysis.ingest import read_paths
from analysis.progress import judge_progress
from analysis.store import Store
from app_pages.sample import SAMPLE_WORKBOOK

ROOT = Path(__file__).resolve().parent.parent
NEXT_TERM = sorted((ROOT / "sample_data" / "next_term").iterdir())


def full_computation(store: Store) -> dict:
    """Every frame the facts hold, computed from a whole load as the pages did before."""
    data, settings = store.load(), store.get_settings()
    progress = judge_progress(data.targets, data.milestones, data.measures, settings)
    summary = summarise_deployments(data.deployments, data.visits, settings)
    as_of, words = data_date(data.measures, data.visits)
    return {"progress": progress, "deployment_summary": summary,
            "overview": portfolio.school_overview(data.schools, progress, summary,
                                                  data.inspections, today=as_of),
            "periods": sorted(set(data.measures["period"])), "as_of": as_of, "words": words}


def assert_agree(facts: facts_store.Facts, full: dict) -> None:
    for name in ("progress", "deployment_summary", "overview"):
        pd.testing.assert_frame_equal(getattr(facts, name).reset_index(drop=True),
                                      full[name].reset_index(drop=True), obj=name)
    assert facts.periods == full["periods"]
    assert (facts.as_of, facts.as_of_words) == (full["as_of"], full["words"])


def stored_versions(store: Store) -> set[str]:
    with store.engine.connect() as conn:
        return set(conn.execute(sa.text("SELECT DISTINCT version FROM facts_blocks")).scalars())


@pytest.fixture
def sample(store) -> Store:
    store.import_upload(read_paths([SAMPLE_WORKBOOK]), "sample")
    return store


def test_facts_agree_with_the_full_computation_and_are_read_back_as_stored(sample):
    version, computed = facts_store.facts(sample, save="now")
    full = full_computation(sample)
    assert_agree(computed, full)
    assert len(full["overview"]) == 8 and full["overview"]["stuck"].sum() == 1  # Saltmarsh
    assert stored_versions(sample) == {version}
    stored = facts_store.stored_facts(sample, version)
    assert stored is not None
    assert_agree(stored, full)
    # A second reader of the same version reads them and computes nothing.
    again_version, again = facts_store.facts(sample, save="never")
    assert again_version == version
    assert_agree(again, full)


def test_after_an_import_and_its_undo_the_facts_are_those_of_what_is_stored(sample):
    before_version, before = facts_store.facts(sample, save="now")
    result = sample.import_upload(read_paths(NEXT_TERM), "dana")
    after_version, after = facts_store.facts(sample, save="now")
    assert after_version != before_version and stored_versions(sample) == {after_version}
    assert_agree(after, full_computation(sample))
    assert not after.progress.equals(before.progress)  # the next term moved some targets
    sample.undo(result.batch_id)
    undone_version, undone = facts_store.facts(sample, save="now")
    assert undone_version not in (before_version, after_version)
    assert stored_versions(sample) == {undone_version}
    assert_agree(undone, full_computation(sample))
    # The undo brings back the figures from before the import, as stored facts too.
    for name in ("progress", "deployment_summary", "overview"):
        pd.testing.assert_frame_equal(getattr(undone, name), getattr(before, name))


def test_facts_of_a_version_the_store_has_left_are_never_stored(sample):
    version, facts = facts_store.facts(sample, save="never")
    sample.save_settings(sample.get_settings())  # a settings change is a new version
    assert facts_store.save_facts(sample, version, facts) is False
    assert stored_versions(sample) == set()
    assert facts_store.stored_facts(sample, version) is None


def test_a_backup_leaves_the_facts_out_and_a_restore_computes_them_afresh(sample, tmp_path):
    facts_store.facts(sample, save="now")
    path = tmp_path / "backup.zip"
    sample.export_backup(path)
    with zipfile.ZipFile(path) as archive:
        assert "facts_blocks.jsonl" not in archive.namelist()
        assert "targets.jsonl" in archive.namelist()
    target = Store(f"sqlite:///{tmp_path / 'restored.sqlite'}")
    target.restore_backup(path, user="admin")
    assert stored_versions(target) == set()
    version, restored = facts_store.facts(target, save="now")
    assert_agree(restored, full_computation(target))
    assert_agree(restored, full_computation(sample))
    assert stored_versions(target) == {version}
    target.engine.dispose()


def test_the_overview_reads_the_kept_facts_not_every_schools_measures(sample, monkeypatch):
    url = sample.engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("DATABASE_URL", url)
    st.cache_resource.clear()
    st.cache_data.clear()
    facts_store.facts(sample, save="now")
    asked = []
    load = Store.load

    def spy(self, urns=None, kinds=None):
        asked.append((urns, sorted(kinds) if kinds else kinds))
        return load(self, urns=urns, kinds=kinds)
    monkeypatch.setattr(Store, "load", spy)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Impact across our client schools"
    assert (None, None) not in asked, asked  # never the whole store
    assert all("measures" not in (kinds or []) for _, kinds in asked), asked
    metrics = {m.label: m.value for m in at.metric}
    full = full_computation(sample)["overview"]
    assert metrics["Client schools"] == str(len(full))
    assert metrics["Targets off track or missed"] == str(int(full["Off track"].sum()
                                                             + full["Missed"].sum()))
    # A filter computes its table from the kept per-target facts, as the full computation does.
    at.selectbox[0].select(at.selectbox[0].options[1]).run()
    assert not at.exception, [e.value for e in at.exception]
    assert all("measures" not in (kinds or []) for _, kinds in asked), asked
    st.cache_resource.clear()


def test_the_stuck_rule_for_every_school_agrees_with_each_schools_own(sample):
    d = dt.date
    tricky = pd.DataFrame([
        # A: RI after serious weaknesses: stuck.
        ("A", d(2021, 1, 5), "Overall", "Serious weaknesses"),
        ("A", d(2024, 2, 1), "Overall", "Requires improvement"),
        # B: a report card the same day as the RI judgement comes after it: not stuck.
        ("B", d(2021, 1, 5), "Overall", "Inadequate"),
        ("B", d(2024, 2, 1), "Overall", "Requires improvement"),
        ("B", d(2024, 2, 1), "Inclusion", "Expected standard"),
        # C: a report card between the two: not stuck.
        ("C", d(2020, 1, 5), "Overall", "Inadequate"),
        ("C", d(2022, 3, 1), " safeguarding ", "Met"),
        ("C", d(2024, 2, 1), "Overall", "Requires improvement"),
        # D: two Overall rows on one day: the first (RI) is the judgement, so stuck.
        ("D", d(2020, 1, 5), "Overall", "Requires improvement"),
        ("D", d(2020, 1, 5), "Overall", "Good"),
        ("D", d(2024, 2, 1), "overall", "Requires improvement"),
        # E: an undated row is left out; one judgement is not a run.
        ("E", None, "Overall", "Inadequate"),
        ("E", d(2024, 2, 1), "Overall", "Requires improvement"),
        # F: RI after good: not stuck.
        ("F", d(2021, 1, 5), "Overall", "Good"),
        ("F", d(2024, 2, 1), "Overall", "Requires improvement"),
    ], columns=["urn", "inspection_date", "area", "judgement"])
    stored = sample.load().inspections
    for inspections in (tricky, stored):
        expected = {u for u, group in inspections.groupby("urn") if policy.is_stuck(group)}
        assert policy.stuck_urns(inspections) == expected
    assert policy.stuck_urns(tricky) == {"A", "D"}  # D: the first of its two Overall rows, RI
    assert "990207" in policy.stuck_urns(stored)


def test_facts_computed_a_chunk_of_schools_at_a_time_equal_the_whole_computation(store):
    """Issue 14: at 5,000 schools the whole trust's measures at once peaked at 1.9 GB; a chunk at
    a time must give exactly the same facts, whatever the chunk size (1 school, a few, all)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import scale_trust

    scale_trust.write_trust(store, 12, chunk=5, say=lambda _: None)
    store.import_upload(read_paths([SAMPLE_WORKBOOK]), "sample")  # other schools, periods, plans
    whole = facts_store.compute_facts(store.load(), store.get_settings())
    assert len(whole.progress) > 60 and whole.overview["stuck"].any()
    for chunk in (1, 7, 1000):
        chunked = facts_store.compute_facts_by_chunk(store, store.get_settings(), chunk=chunk)
        for name in ("progress", "deployment_summary", "overview"):
            pd.testing.assert_frame_equal(getattr(chunked, name), getattr(whole, name), obj=name)
        assert chunked.periods == whole.periods
        assert (chunked.as_of, chunked.as_of_words) == (whole.as_of, whole.as_of_words)
