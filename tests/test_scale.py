"""Issue 14: what a school's page and pack read, the indexes, the board pack and its zip.

No timings here (benchmarks/scale_benchmark.py times things): these assert what is read and
what is printed, on a small trust from the scale generator (benchmarks/scale_trust.py).
"""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
import streamlit as st
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from analysis import board_pack
from analysis.__main__ import main
from analysis.progress import judge_progress
from analysis.store import DATA_KINDS, Store
from analysis.store.indexes import INDEXES

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import scale_trust  # noqa: E402

FRAMES = [*DATA_KINDS, "measures"]


def _pages(data: bytes) -> list[str]:
    return [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages]


@pytest.fixture
def trust(store) -> Store:
    """A 4-school trust from the scale generator, on each backend."""
    scale_trust.write_trust(store, 4, chunk=2, say=lambda _: None)
    return store


def _urn_column(kind: str) -> str | None:
    return {"deployments": "client_urn", "targets": "client_urn", "measures": "urn",
            "school_measures": "urn", "inspections": "urn"}.get(kind)


def test_the_generator_writes_the_trust_it_says(trust):
    counts = trust.counts()
    assert counts["outcomes"] == 4 * scale_trust.PUPILS * 12
    assert (counts["schools"], counts["deployments"], counts["targets"]) == (4 + 2, 8, 20)
    assert counts["visits"] == 80 and counts["inspections"] == 8
    statuses = set(judge_progress(*(getattr(trust.load(), k) for k in
                                    ("targets", "milestones", "measures")),
                                  trust.get_settings())["status"])
    assert {"Achieved", "Missed"} <= statuses and statuses & {"On track", "At risk", "Off track"}


def test_a_school_load_reads_only_that_schools_rows(trust):
    everything = trust.load()
    urn = scale_trust.client_urns(4)[1]
    one = trust.load(urns=[urn])
    # Nothing is filtered after reading: what comes back is what SQL returned.
    for kind in FRAMES:
        column = _urn_column(kind)
        if column:
            assert set(getattr(one, kind)[column]) <= {urn}, kind
    assert len(one.measures) and len(one.targets) == 5 and len(one.deployments) == 2
    assert set(one.visits["deployment_id"]) == set(one.deployments["deployment_id"])
    assert set(one.milestones["target_id"]) <= set(one.targets["target_id"])
    homes = set(one.deployments["home_urn"])
    assert set(one.schools["urn"]) == {urn} | homes
    # ... and it is exactly that school's part of the whole.
    for kind, column in (("targets", "client_urn"), ("measures", "urn"),
                         ("inspections", "urn"), ("deployments", "client_urn")):
        whole = getattr(everything, kind)
        expected = whole[whole[column] == urn].reset_index(drop=True)
        pd.testing.assert_frame_equal(getattr(one, kind).reset_index(drop=True), expected)
    ids = set(one.deployments["deployment_id"])
    expected = everything.visits[everything.visits["deployment_id"].isin(ids)]
    pd.testing.assert_frame_equal(one.visits.reset_index(drop=True),
                                  expected.reset_index(drop=True))


def test_load_of_some_kinds_leaves_the_others_empty(trust):
    data = trust.load(kinds=["schools", "deployments"])
    assert len(data.schools) == 6 and len(data.deployments) == 8
    assert data.measures.empty and data.targets.empty and data.visits.empty
    assert list(data.measures.columns) == list(trust.load().measures.columns)


def test_migration_5_indexes_the_keys_pages_read_by(trust):
    inspector = sa.inspect(trust.engine)
    for name, (table, columns) in INDEXES.items():
        found = {i["name"]: i["column_names"] for i in inspector.get_indexes(table)}
        assert found.get(name) == list(columns), (table, found)


def _spy_on_loads(monkeypatch) -> list[tuple]:
    """(urns, kinds) of every Store.load from now on, in order."""
    asked = []
    load = Store.load

    def spy(self, urns=None, kinds=None):
        asked.append((urns, kinds))
        return load(self, urns=urns, kinds=kinds)
    monkeypatch.setattr(Store, "load", spy)
    return asked


def _dashboard_watching_loads(trust, monkeypatch) -> tuple[AppTest, list[tuple]]:
    """The dashboard on `trust` after its first run, with empty caches and every later
    Store.load recorded: what the next page reads, and only that."""
    monkeypatch.setenv("DATABASE_URL", trust.engine.url.render_as_string(hide_password=False))
    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.run()
    asked = _spy_on_loads(monkeypatch)
    st.cache_data.clear()
    return at, asked


def test_pack_command_for_one_school_loads_only_that_school(trust, tmp_path, monkeypatch):
    asked = _spy_on_loads(monkeypatch)
    urn = scale_trust.client_urns(4)[0]
    url = trust.engine.url.render_as_string(hide_password=False)
    out = tmp_path / "one.pdf"
    assert main(["pack", "--db", url, "--school", urn, "--out", str(out)]) == 0
    assert asked == [([urn], None)]
    assert _pages(out.read_bytes())[0].startswith(f"Primary School 0001 (URN {urn})")


def test_board_pack_holds_the_summary_and_one_page_per_exception_school(trust, tmp_path):
    data, settings = trust.load(), trust.get_settings()
    summary = board_pack.pack._summary_table(board_pack.pack.pack_facts(data, settings),
                                             scale_trust.client_urns(4))
    exceptions = board_pack.exception_urns(summary)
    assert exceptions, "the generator makes some targets missed"
    pages = _pages(board_pack.build_board_pack(data, settings))
    front = pages[0]
    assert "for the trust board" in front and "4 client schools · 20 targets" in front
    assert (f"one page to each of the {len(exceptions)} school" in front
            and "Left out: every target's chart" in front)
    others = len(summary) - len(exceptions)
    assert len(pages) == 1 + len(exceptions) + (1 if others else 0)
    names = summary.set_index("URN")["School"]
    for page, urn in zip(pages[1:], exceptions, strict=False):
        assert page.startswith(f"{names[urn]} (URN {urn})")


def test_exception_schools_are_ranked_by_targets_off_track_or_missed():
    summary = pd.DataFrame({
        "URN": ["1", "2", "3", "4"], "School": ["A", "B", "C", "D"],
        "Off track": [0, 2, 1, 0], "Missed": [1, 0, 1, 0], "At risk": [5, 0, 0, 3]})
    assert board_pack.exception_urns(summary) == ["2", "3", "1"]


def test_zip_holds_every_client_schools_full_pack(trust):
    data, settings = trust.load(), trust.get_settings()
    packs = zipfile.ZipFile(io.BytesIO(board_pack.build_school_packs_zip(data, settings)))
    urns = scale_trust.client_urns(4)
    assert sorted(packs.namelist()) == [f"governors-pack-{u}.pdf" for u in urns]
    for urn in urns:
        pages = _pages(packs.read(f"governors-pack-{urn}.pdf"))
        assert f"(URN {urn})" in pages[0] and len(pages) > 2  # charts and tables follow


def test_school_page_reads_only_the_chosen_school(trust, monkeypatch):
    at, asked = _dashboard_watching_loads(trust, monkeypatch)
    urn = scale_trust.client_urns(4)[2]
    at.switch_page("app_pages/school.py")
    at.query_params.update({"urn": urn})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Academy School 0003"
    assert sorted(asked, key=str) == sorted([(None, ["schools", "deployments"]), ([urn], None)],
                                            key=str)
    st.cache_resource.clear()


@pytest.mark.parametrize("page", ["plan", "qa", "visits"])
def test_work_pages_read_no_measures(trust, monkeypatch, page):
    """The plan, the QA queue and the visit form draw no figures: they read the directory and
    their own frames, never the pupils' measures of the whole trust."""
    at, asked = _dashboard_watching_loads(trust, monkeypatch)
    at.switch_page(f"app_pages/{page}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == {"plan": "Plan and corrections", "qa": "QA queue",
                                 "visits": "Visit records"}[page]
    assert asked, "the page read something"
    assert all(kinds is not None and "measures" not in kinds for _, kinds in asked), asked
    st.cache_resource.clear()


def test_help_and_a_mistyped_command_load_neither_pandas_nor_the_pdf_libraries():
    import subprocess

    code = ("import sys\nfrom analysis.__main__ import main\n"
            "for argv in (['--help'], ['reprot']):\n"
            "    try:\n        main(argv)\n    except SystemExit:\n        pass\n"
            "print(sorted(m for m in ('pandas', 'sqlalchemy', 'fpdf', 'matplotlib', 'pyarrow')"
            " if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert "report" in done.stdout  # the help still lists every command
