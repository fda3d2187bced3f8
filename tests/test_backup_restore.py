"""Backups restore exactly or not at all: every tampered backup is refused with its sentence and
the target store is unchanged; a good one restores table for table; a restore is one undoable batch.

Real files: the sample trust's workbook and next term's files, read by ingest, imported, backed up.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from analysis import access_store
from analysis.access import ADMINISTRATOR, GOVERNOR, Person
from analysis.schema import Settings
from analysis.store import ALL_DATA_TABLES, Store, StoreError
from analysis.store.backup_check import BACKUP_TABLES, ID_COLUMNS
from tests.parsed_once import read_paths

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "sample_data" / "riverside_trust.xlsx"
NEXT_TERM = sorted((REPO / "sample_data" / "next_term").iterdir())
TABLES = BACKUP_TABLES + ["meta"]


def fill(store: Store) -> None:
    """Two real uploads (the second replaces pupil blocks and adds visits), an undone one,
    changed settings, an access list and audit lines."""
    store.import_upload(read_paths([SAMPLE]), "alice")
    store.import_upload(read_paths(NEXT_TERM), "bob")
    store.undo(store.import_upload(read_paths([NEXT_TERM[1]]), "carol").batch_id)
    schools = store.load().schools
    client = schools.loc[schools["role"] == "Client", "urn"].iloc[0]
    store.save_settings(Settings(small_cohort=7, status_tolerance=0.3))
    access_store.add_person(store, Person("head@trust.example", ADMINISTRATOR, (), ""), "setup")
    access_store.add_person(store, Person("gov@trust.example", GOVERNOR, (client,), ""), "head")
    access_store.record(store, "head@trust.example", "upload", "Uploaded the sample")


def tables(url: str) -> dict[str, pd.DataFrame]:
    """Every table of the store, ordered by its key, without the ids the database numbers rows by."""
    engine = sa.create_engine(url)
    out = {}
    with engine.connect() as conn:
        for name in TABLES:
            table = sa.Table(name, sa.MetaData(), autoload_with=conn)
            key = list(table.primary_key)[0]
            frame = pd.read_sql(sa.select(table).order_by(key), conn)
            out[name] = frame.drop(columns=[c for c in ID_COLUMNS if c in frame.columns])
    engine.dispose()
    return out


def assert_same(before: dict[str, pd.DataFrame], after: dict[str, pd.DataFrame]) -> None:
    assert list(before) == list(after)
    for name in before:
        pd.testing.assert_frame_equal(after[name], before[name], obj=name)


@pytest.fixture
def good_backup(fresh_urls, tmp_path) -> tuple[Path, str]:
    """A backup of a filled store, and that store's URL."""
    url = fresh_urls()
    source = Store(url)
    fill(source)
    path = tmp_path / "good.zip"
    source.export_backup(path)
    source.engine.dispose()
    return path, url


def test_a_good_backup_restores_identically_and_the_restore_is_one_undoable_batch(good_backup,
                                                                                  fresh_urls):
    path, source_url = good_backup
    source = tables(source_url)
    assert len(source["outcome_blocks"]) and len(source["people"]) == 2
    assert len(source["audit_log"]) >= 3 and source["batches"]["row_count"].notna().all()
    target_url = fresh_urls()
    target = Store(target_url)
    message = target.restore_backup(path, user="dana")
    rows = sum(len(source[t]) for t in ALL_DATA_TABLES if t != "outcome_blocks")
    rows += int(source["outcome_blocks"]["pupil_rows"].sum())  # pupil rows one by one
    assert message == f"Restored {rows:,} rows and 3 upload(s) from good.zip as upload 4."
    restored = tables(target_url)
    # Every table is the backup's, frame by frame; the history gains one line: the restore.
    line = restored["batches"].iloc[-1]
    assert (line["batch_id"], line["user"]) == (4, "dana")
    assert line["summary"].startswith("Restored the backup good.zip: its 3 upload(s) (1-3)")
    restored["batches"] = restored["batches"].iloc[:-1]
    for name in BACKUP_TABLES:
        pd.testing.assert_frame_equal(restored[name], source[name], obj=name)
    source_store = Store(source_url)
    pd.testing.assert_frame_equal(target.pupil_rows(with_history=True),
                                  source_store.pupil_rows(with_history=True))
    for kind in ("schools", "targets", "visits", "measures"):
        pd.testing.assert_frame_equal(getattr(target.load(), kind), getattr(source_store.load(), kind))
    assert target.get_settings() == Settings(small_cohort=7, status_tolerance=0.3)

    # Undoing the restore leaves the store as it was before: empty, default settings; every
    # history line stays, marked undone; the access list is not trust data and stays.
    assert target.undo(4).startswith("Undid upload 4 (good.zip): removed the ")
    assert target.counts() == {**dict.fromkeys(target.counts(), 0), "batches": 4}
    assert target.history()["undone"].all() and target.get_settings() == Settings()
    assert len(access_store.people(target)) == 2
    target.engine.dispose()
    source_store.engine.dispose()


def test_restoring_over_a_store_puts_it_aside_and_undo_brings_it_back(good_backup, fresh_urls):
    path, _ = good_backup
    url = fresh_urls()
    target = Store(url)
    target.import_upload(read_paths([SAMPLE]), "erin")
    target.save_settings(Settings(small_cohort=9))
    before = tables(url)
    with pytest.raises(StoreError, match="already holds data or history"):
        target.restore_backup(path)
    assert_same(before, tables(url))
    message = target.restore_backup(path, replace=True)
    current = sum(int(before[t]["superseded_by"].isna().sum()) for t in ALL_DATA_TABLES)
    assert message.endswith(f"as upload 5; {current:,} stored record(s) were put aside, undo 5 "
                            "brings them back.")
    history = target.history().sort_values("batch_id")
    assert history["batch_id"].tolist() == [1, 2, 3, 4, 5]  # the backup's 1-3 became 2-4
    assert history["user"].tolist()[:4] == ["erin", "alice", "bob", "carol"]
    assert history["undone"].tolist() == [False, False, False, True, False]
    assert len(target.load().visits) == len(tables(url)["visits"].query("superseded_by.isna()"))
    assert target.get_settings().small_cohort == 7
    with pytest.raises(StoreError, match="upload 5 replaced some of its rows. Undo upload 5 first"):
        target.undo(1)  # the store's own upload is put aside by the restore, not undoable first
    target.undo(5)
    after = tables(url)
    for name in ("schools", "deployments", "outcome_blocks", "measures", "visits", "settings"):
        live = after[name]
        if "superseded_by" in live.columns:
            live = live[live["superseded_by"].isna()].reset_index(drop=True)
            was = before[name][before[name]["superseded_by"].isna()].reset_index(drop=True)
        else:
            was = before[name]
        pd.testing.assert_frame_equal(live, was, obj=name)
    assert target.get_settings().small_cohort == 9
    target.engine.dispose()


# ---- tampered backups ----------------------------------------------------------------------------

def rewrite(path: Path, out: Path, change: Callable[[dict[str, bytes]], None]) -> Path:
    """A copy of the backup at path with its members changed by change(members)."""
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    change(members)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out


def manifest(members: dict[str, bytes]) -> dict:
    return json.loads(members["manifest.json"])


def set_manifest(members: dict[str, bytes], value: dict) -> None:
    members["manifest.json"] = json.dumps(value).encode()


def lines(members: dict[str, bytes], table: str) -> list[dict]:
    return [json.loads(line) for line in members[f"{table}.jsonl"].splitlines()]


def set_lines(members: dict[str, bytes], table: str, records: list[dict]) -> None:
    members[f"{table}.jsonl"] = "".join(json.dumps(r) + "\n" for r in records).encode()


def cut_rows(members):
    set_lines(members, "visits", lines(members, "visits")[:-3])


def missing_batch(members):
    history = lines(members, "batches")
    set_lines(members, "batches", history[:1] + history[2:])  # upload 2's line removed, not its rows
    counts = manifest(members)
    counts["tables"]["batches"] -= 1
    set_manifest(members, counts)


def empty_tables(members):
    counts = manifest(members)
    for table in counts["tables"]:
        members[f"{table}.jsonl"] = b""
        counts["tables"][table] = 0
    set_manifest(members, counts)


def bad_settings(members):
    records = {r["key"]: r for r in lines(members, "settings")}
    records["status_tolerance"]["value"] = "7.0"
    set_lines(members, "settings", list(records.values()))


def unknown_table(members):
    counts = manifest(members)
    counts["tables"]["pupil_names"] = 1
    members["pupil_names.jsonl"] = b'{"name": "Ann"}\n'
    set_manifest(members, counts)


def bad_json(members):
    members["targets.jsonl"] = members["targets.jsonl"].replace(b"}\n", b",\n", 1)


def bad_number(members):
    records = lines(members, "deployments")
    records[1]["days_committed"] = "lots"
    set_lines(members, "deployments", records)


def bad_value(members):
    records = lines(members, "visits")
    records[4]["progress"] = "Purple"
    set_lines(members, "visits", records)


def unknown_role(members):
    records = lines(members, "people")
    records[0]["role"] = "owner"
    set_lines(members, "people", records)


def corrupt(path: Path, out: Path) -> Path:
    """Flip bytes in the middle of schools.jsonl's compressed data (its CRC no longer matches)."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("schools.jsonl")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 5, start + 5 + min(20, info.compress_size - 10)):
        data[i] ^= 0xFF
    out.write_bytes(bytes(data))
    return out


TAMPERED = {
    "cut rows": (cut_rows, "visits.jsonl holds {visits_cut} row(s) but the backup's manifest says "
                           "{visits}: rows were cut from it or added."),
    "missing batch": (missing_batch, "visits.jsonl line {first_of_2} belongs to upload 2, which "
                                     "is not in the backup's history (batches.jsonl), so it could "
                                     "never be undone."),
    "empty tables": (empty_tables, "every table in it is empty: it holds no uploads and no rows, so "
                                   "there is nothing to restore."),
    "bad settings": (bad_settings, "its settings are outside their limits: status_tolerance must "
                                   "be a share between 0 and 1 (e.g. 0.25 for 25%)."),
    "corrupt member": (None, "the file schools.jsonl inside it is damaged and cannot be read."),
    "unknown table": (unknown_table, "it holds a table 'pupil_names' that this dashboard does not "
                                     "know."),
    "bad JSON": (bad_json, "targets.jsonl line 1 is not valid JSON."),
    "bad number": (bad_number, "deployments.jsonl line 2, column days_committed: 'lots' is not a "
                               "number."),
    "unknown role": (unknown_role, "people.jsonl line 1: 'owner' is not a role."),
    "bad value": (bad_value, "visits.jsonl line 5 fails the checks an upload gets: progress: "
                             "'Purple' is not one of Green, Amber, Red."),
}


@pytest.mark.parametrize("kind", list(TAMPERED))
def test_a_tampered_backup_is_refused_with_its_sentence_and_the_store_is_unchanged(
        kind, good_backup, fresh_urls, tmp_path):
    path, source_url = good_backup
    change, sentence = TAMPERED[kind]
    bad = corrupt(path, tmp_path / "bad.zip") if change is None \
        else rewrite(path, tmp_path / "bad.zip", change)
    source = tables(source_url)
    words = {"visits": len(source["visits"]), "visits_cut": len(source["visits"]) - 3,
             "first_of_2": int((source["visits"]["batch_id"] == 2).to_numpy().argmax()) + 1}
    url = fresh_urls()
    target = Store(url)
    target.import_upload(read_paths([SAMPLE]), "erin")
    before = tables(url)
    version = target.version()
    with pytest.raises(StoreError) as refused:
        target.restore_backup(bad, replace=True)
    message = refused.value.message
    expected = f"bad.zip was not restored: {sentence.format(**words)}"
    assert message == expected + " Nothing was changed."
    assert message.count(". ") <= 2 and "\n" not in message  # one sentence, and "nothing changed"
    assert_same(before, tables(url))
    assert target.version() == version
    target.engine.dispose()


def test_a_backup_that_is_not_a_zip_or_not_ours_is_refused(sqlite_store, tmp_path):
    text = tmp_path / "notes.zip"
    text.write_text("not a zip")
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("manifest.json", json.dumps({"format": "something-else"}))
    newer = tmp_path / "newer.zip"
    with zipfile.ZipFile(newer, "w") as archive:
        archive.writestr("manifest.json", json.dumps(
            {"format": "impact-store-backup", "schema_version": 99, "tables": {}}))
    for path, words in [(text, "it is not a backup made by this dashboard."),
                        (other, "it is not a backup made by this dashboard."),
                        (newer, "it was made by a newer version of the dashboard; update the code "
                                "before restoring it.")]:
        with pytest.raises(StoreError) as refused:
            sqlite_store.restore_backup(path)
        assert refused.value.message == f"{path.name} was not restored: {words} Nothing was changed."
    assert sqlite_store.history().empty


def test_an_old_backup_without_the_access_tables_still_restores(good_backup, fresh_urls, tmp_path):
    """A backup made at schema 3 (before the access list) has no people or audit_log."""
    path, _ = good_backup

    def schema_3(members):
        counts = manifest(members)
        counts["schema_version"] = 3
        for table in ("people", "audit_log"):
            del members[f"{table}.jsonl"]
            del counts["tables"][table]
        set_manifest(members, counts)

    old = rewrite(path, tmp_path / "old.zip", schema_3)
    target = Store(fresh_urls())
    assert "3 upload(s)" in target.restore_backup(old)
    assert access_store.people(target).empty and len(target.load().schools) == 11
    target.engine.dispose()


def test_zip_members_are_read_into_memory_once(good_backup):
    """The backup is one zip of JSON lines, one member a table, listed in its manifest."""
    path, _ = good_backup
    with zipfile.ZipFile(path) as archive:
        names = sorted(archive.namelist())
        counts = json.loads(archive.read("manifest.json"))["tables"]
        sizes = {n: len(io.BytesIO(archive.read(n)).read().splitlines()) for n in names
                 if n != "manifest.json"}
    assert names == sorted([f"{t}.jsonl" for t in BACKUP_TABLES] + ["manifest.json"])
    assert sizes == {f"{t}.jsonl": n for t, n in counts.items()}
