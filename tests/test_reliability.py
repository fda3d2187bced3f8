"""Reliability: nothing lost, shown with real processes and real files on SQLite and PostgreSQL.

- an import killed (SIGKILL) at every phase of its transaction leaves the store exactly as before,
  and the next import works (no stale lock);
- four processes importing at the same moment never interleave: each upload is all there, in
  one contiguous batch, and a school's period holds one upload's rows, never a mix;
- undo from the command line restores the frames exactly; re-uploading a file changes nothing;
- backup and restore from the command line give identical figures, also SQLite -> PostgreSQL;
- every hostile file is refused with its sentence by a real import, and the store stays empty;
- exports of stored text that looks like a formula carry no formula.

PostgreSQL runs need TEST_DATABASE_URL (`bash .ci/run` starts a server and sets it).
Run `pytest -m reliability -s` to see the figures each test prints.
"""

from __future__ import annotations

import csv
import io
import re
import signal
import time
from dataclasses import fields
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa

from analysis.exports import FORMULA_STARTS, to_csv_bytes, to_xlsx_bytes
from analysis.progress import judge_progress
from analysis.schema import Settings
from analysis.store import ALL_DATA_TABLES, RESTORED, Store
from tests.parsed_once import read_paths
from tests.reliability_helpers import (
    PERIODS,
    REPO,
    cli,
    outcomes_frame,
    start,
    urns,
    wait_for_line,
    write_outcomes_csv,
    write_schools_csv,
)

pytestmark = pytest.mark.reliability

SAMPLE = REPO / "sample_data" / "riverside_trust.xlsx"
NEXT_TERM = sorted((REPO / "sample_data" / "next_term").iterdir())
HOSTILE = REPO / "tests" / "hostile"
BIG_SCHOOLS, BIG_PUPILS = 50, 300  # x 10 periods = 150,000 pupil rows: a few seconds to store


# ---- looking at a store ----------------------------------------------------------------------

def _open(url: str) -> Store:
    return Store(url)


def snapshot(url: str) -> dict:
    """Everything a person could see, and every table's rows by upload and replacement."""
    store = _open(url)
    try:
        data = store.load()
        snap = {
            "counts": store.counts(),
            "history": store.history(),
            "version": store.version(),
            "frames": {f.name: getattr(data, f.name) for f in fields(data)},
            "pupil_counts": store.pupil_counts().sort_values(["urn", "period"], ignore_index=True),
            "settings": store.get_settings(),
        }
        with store.engine.connect() as conn:
            snap["rows_by_batch"] = {
                kind: sorted(conn.execute(sa.text(
                    f'SELECT batch_id, superseded_by, count(*) FROM "{kind}" '
                    "GROUP BY batch_id, superseded_by")).all(), key=str)
                for kind in ALL_DATA_TABLES}
            if store.dialect == "sqlite":
                snap["integrity"] = conn.execute(sa.text("PRAGMA integrity_check")).scalar()
    finally:
        store.engine.dispose()
    return snap


def assert_same_figures(before: dict, after: dict, history: bool = True) -> None:
    """Frames, pupil counts, counts and (optionally) upload history are identical."""
    for name, frame in before["frames"].items():
        pd.testing.assert_frame_equal(after["frames"][name], frame, obj=name)
    pd.testing.assert_frame_equal(after["pupil_counts"], before["pupil_counts"])
    assert after["settings"] == before["settings"]
    if history:
        pd.testing.assert_frame_equal(after["history"], before["history"])
        assert after["counts"] == before["counts"]


def assert_exactly_as_before(before: dict, after: dict) -> None:
    assert_same_figures(before, after)
    assert after["version"] == before["version"]
    assert after["rows_by_batch"] == before["rows_by_batch"]
    assert after.get("integrity", "ok") == "ok"


def progress_of(url: str) -> pd.DataFrame:
    store = _open(url)
    try:
        data = store.load()
        return judge_progress(data.targets, data.milestones, data.measures, store.get_settings())
    finally:
        store.engine.dispose()


def import_in_process(url: str, paths: list[Path], user: str = "setup") -> int:
    store = _open(url)
    try:
        upload = read_paths(paths)
        assert upload.problems.empty, upload.problems.to_dict("records")
        return store.import_upload(upload, user).batch_id
    finally:
        store.engine.dispose()


def stored_pupils(url: str) -> pd.DataFrame:
    """Every stored pupil row, current or replaced, with the upload that wrote it."""
    store = _open(url)
    try:
        return store.pupil_rows(with_history=True)
    finally:
        store.engine.dispose()


# ---- the files ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def big(tmp_path_factory) -> SimpleNamespace:
    """150,000 pupil rows for 50 schools, their schools, and an earlier upload the big one replaces."""
    folder = tmp_path_factory.mktemp("big")
    school_urns = urns(0, BIG_SCHOOLS)
    outcomes = outcomes_frame(school_urns, PERIODS, BIG_PUPILS, seed=1)
    earlier = outcomes_frame(school_urns[:1], PERIODS[:1], 40, seed=2, tag="E")
    return SimpleNamespace(
        schools=write_schools_csv(folder / "schools.csv", school_urns),
        outcomes=write_outcomes_csv(folder / "outcomes_150k.csv", outcomes),
        earlier=write_outcomes_csv(folder / "earlier_autumn.csv", earlier),
        rows=len(outcomes),
    )


def replacement_block(tmp_path: Path) -> tuple[Path, str, str]:
    """A CSV re-sending one sample school's period with different reading results."""
    outcomes = read_paths([SAMPLE]).frames["outcomes"]
    urn, period = outcomes.iloc[0][["urn", "period"]]
    block = outcomes[(outcomes["urn"] == urn) & (outcomes["period"] == period)].copy()
    block["reading"] = "EXS"  # everyone at the expected standard: a different figure
    block["disadvantaged"] = block["disadvantaged"].map({True: "Y", False: "N"})
    block = block.drop(columns=["attendance_pct"])
    path = tmp_path / "reading_corrected.csv"
    block.to_csv(path, index=False)
    return path, urn, period


# ---- killed imports --------------------------------------------------------------------------

def test_a_killed_import_leaves_no_trace_and_the_next_one_works(fresh_urls, big):
    url, backend = fresh_urls(), fresh_urls.backend
    import_in_process(url, [big.schools])
    import_in_process(url, [big.earlier])  # the big file would replace this block
    before = snapshot(url)
    args = ["import", str(big.outcomes), "--db", url, "--user", "killed"]
    kills = []

    # Paused at each phase of the transaction, then killed there. The pupil rows go in as a few
    # hundred compressed blocks in a fraction of a second, so "mid-insert" is a marker between
    # two halves of them, not a moment caught by watching the file grow.
    for phase, words in [("locked", "write lock taken, no row written"),
                         ("writing", "half the pupil blocks written"),
                         ("written", "every pupil block written, not the measures or the upload"),
                         ("committing", "every row and the upload record written, before COMMIT")]:
        process, began = start(args, pause_at=phase), time.monotonic()
        wait_for_line(process, phase)
        process.send_signal(signal.SIGKILL)
        process.wait()
        kills.append(f"{phase}: {words}, {time.monotonic() - began:.1f} s in")
        assert process.returncode == -signal.SIGKILL
        assert_exactly_as_before(before, snapshot(url))

    # The next import is not blocked by anything the killed ones held, and stores everything.
    began = time.monotonic()
    result = cli(*args[:-1], "after the kills")
    seconds = time.monotonic() - began
    assert result.returncode == 0, result.stderr
    # The block the earlier upload sent (300 rows now) is a replacement; the rest is new.
    assert "Imported as upload 3: 149,700 new pupil rows, 300 pupil rows replaced." in result.stdout
    assert seconds < 25  # a stale lock would make it wait the 30 s lock timeout and fail
    after = snapshot(url)
    assert after["counts"]["outcomes"] == big.rows
    assert after["history"]["rows"].tolist() == [big.rows, 40, BIG_SCHOOLS]
    pupils = stored_pupils(url)
    assert len(pupils) == big.rows + 40
    assert set(pupils.loc[pupils["batch_id"] == 2, "superseded_by"]) == {3}
    print(f"\n[{backend}] {len(kills)} imports of {big.rows:,} pupil rows killed: " + "; ".join(kills)
          + f". Then a normal import took {seconds:.1f} s.")


# ---- concurrent imports ----------------------------------------------------------------------

def test_four_processes_importing_at_once_do_not_interleave(fresh_urls, tmp_path):
    url, backend = fresh_urls(), fresh_urls.backend
    shared_urn, shared_period = urns(0, 1)[0], PERIODS[-1]
    files = []
    for i in range(4):
        own = outcomes_frame(urns(1 + 5 * i, 5), PERIODS[:4], 500, seed=10 + i, tag=f"F{i}U")
        # Every file also sends the same school's same period: one of them must win it whole.
        shared = outcomes_frame([shared_urn], [shared_period], 300, seed=20 + i, tag=f"F{i}S")
        path = write_outcomes_csv(tmp_path / f"outcomes_from_process_{i}.csv", pd.concat([own, shared]))
        files.append(SimpleNamespace(path=path, own=own, shared=shared))
    import_in_process(url, [write_schools_csv(tmp_path / "schools.csv", urns(0, 21))])

    go = tmp_path / "go"
    processes = [start(["import", str(f.path), "--db", url, "--user", f"process {i}"], go=go)
                 for i, f in enumerate(files)]
    for process in processes:
        wait_for_line(process, "ready")
    go.touch()  # all four were started and waiting: they begin together
    results = [process.communicate(timeout=120) + (process.returncode,) for process in processes]

    succeeded = []
    for f, (out, err, code) in zip(files, results, strict=True):
        assert code in (0, 2), err
        if code == 2:
            assert "Another upload is in progress; try again in a minute." in err
        else:
            assert re.search(r"Imported as upload \d+", out), out
            succeeded.append(f)
    assert succeeded
    starts = [float(re.search(r"started ([\d.]+)", out).group(1)) for out, _, _ in results]
    ends = [float(re.search(r"finished ([\d.]+)", out).group(1)) for out, _, _ in results]

    history = _open(url).history().sort_values("batch_id")
    uploads = history[history["batch_id"] > 1]
    assert uploads["batch_id"].tolist() == list(range(2, 2 + len(succeeded)))  # contiguous
    assert not uploads["undone"].any()
    batch_of = dict(zip(uploads["files"], uploads["batch_id"], strict=True))
    pupils = stored_pupils(url)
    order = sorted(succeeded, key=lambda f: batch_of[f.path.name])
    for position, f in enumerate(order):
        batch = batch_of[f.path.name]
        mine = pupils[pupils["batch_id"] == batch]
        # All of this upload's rows are stored, with the values its file holds, and no others.
        sent = pd.concat([f.own, f.shared])
        assert sorted(mine["pupil_id"]) == sorted(sent["pupil_id"])
        merged = mine.merge(sent, on="pupil_id", suffixes=("", "_sent"))
        assert (merged["sessions_attended"] == merged["sessions_attended_sent"]).all()
        assert (merged["urn"] == merged["urn_sent"]).all()
        assert mine.loc[mine["urn"] != shared_urn, "superseded_by"].isna().all()
        # Its copy of the shared period was replaced whole by the next upload, or is current.
        shared_rows = mine[mine["urn"] == shared_urn]
        later = batch_of[order[position + 1].path.name] if position + 1 < len(order) else None
        assert set(shared_rows["superseded_by"].dropna()) == ({later} if later else set())
        assert shared_rows["superseded_by"].isna().all() == (later is None)
    current = pupils[pupils["superseded_by"].isna()]
    shared_current = current[(current["urn"] == shared_urn) & (current["period"] == shared_period)]
    assert set(shared_current["batch_id"]) == {batch_of[order[-1].path.name]}  # one upload, not a mix
    assert len(shared_current) == 300
    counts = _open(url).counts()
    assert counts["outcomes"] == sum(len(f.own) for f in succeeded) + 300
    assert counts["batches"] == 1 + len(succeeded)
    with sa.create_engine(url).connect() as conn:  # the measures computed at import follow the rows
        measure_batches = conn.execute(sa.text(
            "SELECT DISTINCT batch_id FROM measures WHERE superseded_by IS NULL AND urn = :u "
            "AND period = :p"), {"u": shared_urn, "p": shared_period}).scalars().all()
    assert measure_batches == [batch_of[order[-1].path.name]]
    print(f"\n[{backend}] 4 processes began within {max(starts) - min(starts):.2f} s; "
          f"{len(succeeded)} imported, {4 - len(succeeded)} told to try again; "
          f"first finished after {min(ends) - min(starts):.1f} s, last after "
          f"{max(ends) - min(starts):.1f} s; {len(pupils):,} stored pupil rows checked one by one.")


def test_an_import_that_cannot_get_the_lock_is_told_to_try_again_and_stores_nothing(fresh_urls,
                                                                                    big):
    url = fresh_urls()
    import_in_process(url, [big.schools])
    before = snapshot(url)
    holder = Store(url)
    with holder._writing():  # another upload holding the store for longer than the wait
        process = start(["import", str(big.earlier), "--db", url], lock_timeout=1)
        out, err = process.communicate(timeout=120)
    holder.engine.dispose()
    assert process.returncode == 2
    assert err.strip() == "Another upload is in progress; try again in a minute."
    assert_exactly_as_before(before, snapshot(url))
    retried = cli("import", str(big.earlier), "--db", url)
    assert retried.returncode == 0 and "Imported as upload 2: 40 new pupil rows." in retried.stdout


# ---- two dashboard processes on one store ----------------------------------------------------

def test_a_running_dashboard_sees_what_another_process_changes(fresh_urls):
    """A dashboard keeps one Store open and caches by version(); other processes write."""
    url = fresh_urls()
    dashboard = Store(url)  # as app_pages/loads.py holds it, for the life of the process
    empty = dashboard.version()
    assert cli("import", str(SAMPLE), "--db", url).returncode == 0
    imported = dashboard.version()
    assert imported != empty and len(dashboard.load().schools) == 11
    assert cli("settings", "--set", "small_cohort=8", "--db", url).returncode == 0
    assert dashboard.version() != imported and dashboard.get_settings().small_cohort == 8
    assert cli("undo", "1", "--db", url).returncode == 0
    assert dashboard.version() not in (empty, imported) and dashboard.load().schools.empty
    dashboard.engine.dispose()


def test_a_load_or_backup_reads_one_snapshot_while_another_process_imports(fresh_urls):
    """load() and backups read table after table; an import committing meanwhile must not show."""
    url = fresh_urls()
    reader = Store(url)
    with reader._reading() as conn:  # the transaction load() and export_backup() read in
        before = conn.execute(sa.text("SELECT count(*) FROM schools")).scalar()
        assert cli("import", str(SAMPLE), "--db", url).returncode == 0  # commits meanwhile
        assert conn.execute(sa.text("SELECT count(*) FROM schools")).scalar() == before == 0
        assert conn.execute(sa.text("SELECT count(*) FROM batches")).scalar() == 0
    assert len(reader.load().schools) == 11  # the next read sees it all
    reader.engine.dispose()


# ---- undo and re-upload ------------------------------------------------------------------------

def test_undo_from_the_command_line_restores_exactly(fresh_urls, tmp_path):
    url = fresh_urls()
    import_in_process(url, [SAMPLE], "alice")
    first = snapshot(url)
    corrected, urn, period = replacement_block(tmp_path)
    import_in_process(url, NEXT_TERM, "bob")
    import_in_process(url, [corrected], "carol")  # replaces a school's period from upload 1
    changed = snapshot(url)
    assert not changed["pupil_counts"].equals(first["pupil_counts"])
    assert not changed["frames"]["measures"].equals(first["frames"]["measures"])

    listed = cli("history", "--db", url)
    assert listed.returncode == 0
    assert "reading_corrected.csv" in listed.stdout and "riverside_trust.xlsx" in listed.stdout
    refused = cli("undo", "1", "--db", url)  # upload 3 replaced some of upload 1's rows
    assert refused.returncode == 2 and "Undo upload 3 first." in refused.stderr
    undone = cli("undo", "3", "--db", url)
    assert undone.returncode == 0, undone.stderr
    assert undone.stdout.startswith("Undid upload 3 (reading_corrected.csv): removed")
    assert "earlier row(s) are current again" in undone.stdout
    undone = cli("undo", "2", "--db", url)
    assert undone.returncode == 0, undone.stderr
    after = snapshot(url)
    assert_same_figures(first, after, history=False)
    assert {k: v for k, v in after["counts"].items() if k != "batches"} == \
        {k: v for k, v in first["counts"].items() if k != "batches"}
    assert after["history"]["undone"].tolist() == [True, True, False]

    # Re-uploading the sample changes nothing: same figures, same version, no new upload.
    again = cli("import", str(SAMPLE), "--db", url)
    assert again.returncode == 0, again.stderr
    assert "already imported as upload 1; nothing changed" in again.stdout
    assert_exactly_as_before(after, snapshot(url))
    # Undone uploads can be sent again, and give the same figures as the first time.
    import_in_process(url, NEXT_TERM, "bob")
    import_in_process(url, [corrected], "carol")
    assert_same_figures(changed, snapshot(url), history=False)


# ---- backup and restore ----------------------------------------------------------------------

def _filled_store(url: str, tmp_path: Path) -> None:
    import_in_process(url, [SAMPLE], "alice")
    import_in_process(url, NEXT_TERM, "bob")
    import_in_process(url, [replacement_block(tmp_path)[0]], "carol")
    store = _open(url)
    store.undo(3)
    store.save_settings(Settings(**{**store.get_settings().as_dict(), "small_cohort": 8}))
    store.engine.dispose()


def assert_restored_history(before: dict, after: dict) -> None:
    """A restore is itself one batch in the history (so it can be undone): the restored store's
    history is the backup's, with that one line on top."""
    history = after["history"]
    restored = history["summary"].astype(str).str.startswith(RESTORED)
    assert restored.sum() == 1 and bool(restored.iloc[0])
    pd.testing.assert_frame_equal(history[~restored].reset_index(drop=True),
                                  before["history"].reset_index(drop=True))


def test_backup_and_restore_from_the_command_line_give_identical_figures(fresh_urls, tmp_path):
    url, empty = fresh_urls(), fresh_urls()
    _filled_store(url, tmp_path)
    before, progress = snapshot(url), progress_of(url)
    backup = tmp_path / "trust-backup.zip"
    made = cli("backup", str(backup), "--db", url)
    assert made.returncode == 0, made.stderr
    restored = cli("restore", str(backup), "--db", empty)
    assert restored.returncode == 0, restored.stderr
    assert re.match(r"Restored [\d,]+ rows and 3 upload\(s\) from trust-backup.zip.", restored.stdout)
    after = snapshot(empty)
    assert_same_figures(before, after, history=False)
    assert_restored_history(before, after)
    assert after["rows_by_batch"] == before["rows_by_batch"]  # replaced and undone rows too
    pd.testing.assert_frame_equal(progress_of(empty), progress)
    assert len(progress) == 16
    # Restoring over a store that holds data is refused, and changes nothing.
    again = cli("restore", str(backup), "--db", empty)
    assert again.returncode == 2 and "already holds data" in again.stderr
    assert_exactly_as_before(after, snapshot(empty))


def test_a_sqlite_store_moves_to_postgresql_by_backup_and_restore(pg_url, tmp_path):
    """A trust outgrowing one machine: back up the SQLite file, restore into PostgreSQL."""
    sqlite_url = f"sqlite:///{tmp_path / 'one_machine.sqlite'}"
    _filled_store(sqlite_url, tmp_path)
    backup = tmp_path / "move.zip"
    assert cli("backup", str(backup), "--db", sqlite_url).returncode == 0
    assert cli("restore", str(backup), "--db", pg_url).returncode == 0
    assert_same_figures(snapshot(sqlite_url), snapshot(pg_url), history=False)
    assert_restored_history(snapshot(sqlite_url), snapshot(pg_url))
    pd.testing.assert_frame_equal(progress_of(pg_url), progress_of(sqlite_url))


# ---- hostile files and exports -----------------------------------------------------------------

def expected_refusals() -> dict[str, str]:
    """file -> sentence, from the table in tests/hostile/EXPECTED.md."""
    text = (HOSTILE / "EXPECTED.md").read_text(encoding="utf-8").split("## Odd names")[0]
    return dict(re.findall(r"^\| `([^`]+)` \| (.+?) \| .*\|$", text, flags=re.M))


def test_a_real_import_refuses_every_hostile_file_with_its_sentence(tmp_path):
    url = f"sqlite:///{tmp_path / 'hostile.sqlite'}"
    refusals = expected_refusals()
    assert len(refusals) == len([p for p in HOSTILE.iterdir() if p.suffix in (".csv", ".xlsx")])
    result = cli("import", *[str(HOSTILE / name) for name in sorted(refusals)], "--db", url)
    assert result.returncode == 2
    for name, sentence in refusals.items():
        assert f"{name}: {sentence}" in result.stderr
    store = _open(url)
    assert store.history().empty and not any(store.counts().values())
    store.engine.dispose()


def test_exports_of_stored_formula_text_carry_no_formula(sqlite_store, tmp_path):
    evil = tmp_path / "schools.csv"
    evil.write_text("urn,school_name,phase,local_authority,role\n"
                    "100001,\"=cmd|' /C calc'!A0\",Primary,+SUM(A1:A2),Client\n"
                    "100002,@HYPERLINK(\"http://x\"),Secondary,-2+3,Home\n", encoding="utf-8")
    url = str(sqlite_store.engine.url)
    assert cli("import", str(evil), "--db", url).returncode == 0
    schools = sqlite_store.load().schools
    assert schools["school_name"].iloc[0] == "=cmd|' /C calc'!A0"  # stored as written
    numbers = pd.DataFrame({"change": [-2.5, 3.0]})
    for workbook in (to_xlsx_bytes({"schools": schools, "numbers": numbers}),
                     to_xlsx_bytes({"=schools": schools})):
        book = openpyxl.load_workbook(io.BytesIO(workbook))
        cells = [c for sheet in book for row in sheet.iter_rows() for c in row if c.value is not None]
        assert cells and not [c.coordinate for c in cells if c.data_type == "f"]
        assert not [c.value for c in cells if isinstance(c.value, str) and c.value.startswith(FORMULA_STARTS)]
        assert "'=cmd|' /C calc'!A0" in [c.value for c in cells]
    assert -2.5 in [c.value for c in openpyxl.load_workbook(io.BytesIO(
        to_xlsx_bytes({"numbers": numbers})))["numbers"]["A"]]  # numbers stay numbers
    cells = [cell for row in csv.reader(io.StringIO(to_csv_bytes(schools).decode("utf-8-sig")))
             for cell in row]
    assert "'@HYPERLINK(\"http://x\")" in cells
    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
