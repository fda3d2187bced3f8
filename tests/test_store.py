"""The store on SQLite and PostgreSQL: import, preview, replace, undo, re-upload, settings, backup."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from analysis.schema import COLUMNS, Settings
from analysis.store import MIGRATIONS, Store, StoreError

SPRING = "2024/25 Spring 2"


def schools_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "urn": ["100001", "100002"],
        "school_name": ["Oakfield Primary", "Riverside Academy"],
        "phase": ["Primary", "Primary"],
        "local_authority": ["Kent", "Kent"],
        "role": ["Client", "Home"],
    })


def deployments_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "deployment_id": ["D01"], "client_urn": ["100001"], "leader_name": ["Ann Lee"],
        "leader_role": ["NLE"], "home_urn": ["100002"], "focus_areas": ["Maths; Assessment"],
        "start_date": [pd.Timestamp("2024-09-02")], "end_date": [pd.Timestamp("2025-07-18")],
        "days_committed": [26.0], "funding_source": ["Trust"], "funding_amount": [13000.0],
    })


def targets_frame(value: float = 70.0) -> pd.DataFrame:
    return pd.DataFrame({
        "target_id": ["T07", "T08"], "client_urn": ["100001", "100001"],
        "deployment_id": ["D01", "D01"], "measure": ["reading_exs", "attendance"],
        "subgroup": ["All", "All"], "baseline_value": [50.0, 92.0],
        "baseline_period": ["2024/25 Autumn 1", "2024/25 Autumn 1"],
        "target_value": [value, 95.0], "target_period": ["2024/25 Summer 2", "2024/25 Summer 2"],
    })


def visits_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "deployment_id": ["D01", "D01"],
        "visit_date": [pd.Timestamp("2024-10-03"), pd.Timestamp("2024-11-14")],
        "days": [1.0, 0.5], "focus_area": ["Maths", "Behaviour"], "progress": ["Green", "Amber"],
        "summary": ["Planning", "Lunchtimes"], "next_steps": ["Observe", pd.NA],
        "qa_status": ["Checked", "Pending"],
    })


def pupils(n: int, urn: str = "100001", period: str = SPRING, exs: int | None = None) -> pd.DataFrame:
    """n pupil rows; the first `exs` read at EXS, the rest at WTS."""
    exs = n // 2 if exs is None else exs
    return pd.DataFrame({
        "urn": [urn] * n, "period": [period] * n, "pupil_id": [f"P{i:05d}" for i in range(n)],
        "year_group": ["6"] * n, "disadvantaged": [i % 3 == 0 for i in range(n)], "send": ["N"] * n,
        "reading": ["EXS"] * exs + ["WTS"] * (n - exs), "writing": ["EXS"] * n,
        "maths": [pd.NA] * n, "english_grade": [float("nan")] * n,
        "maths_grade": [float("nan")] * n, "sessions_possible": [100.0] * n,
        "sessions_attended": [95.0] * n, "attendance_pct": [float("nan")] * n,
        "suspensions": [0.0] * n,
    })


@pytest.fixture
def base_upload(make_upload):
    return make_upload({"schools": schools_frame(), "deployments": deployments_frame(),
                        "targets": targets_frame(), "visits": visits_frame()}, "trust.xlsx")


def reading(store: Store, urn: str = "100001", period: str = SPRING) -> tuple[float, int]:
    m = store.load().measures
    row = m[(m["urn"] == urn) & (m["period"] == period) & (m["measure"] == "reading_exs")
            & (m["subgroup"] == "All")].iloc[0]
    return row["value"], row["cohort"]


def test_a_new_store_is_empty_and_migrated(store):
    assert store.schema_version() == len(MIGRATIONS)
    assert set(store.counts().values()) == {0}
    data = store.load()
    assert data.schools.empty and list(data.schools.columns) == COLUMNS["schools"]
    assert store.history().empty


def test_import_stores_current_frames_with_types(store, base_upload):
    result = store.import_upload(base_upload, "alice")
    assert (result.batch_id, result.unchanged_duplicate) == (1, False)
    assert result.added["schools"] == 2 and result.added["targets"] == 2
    data = store.load()
    assert data.schools.set_index("urn").loc["100001", "school_name"] == "Oakfield Primary"
    visit = data.visits.sort_values("visit_date").iloc[0]
    assert visit["visit_date"] == pd.Timestamp("2024-10-03") and visit["days"] == 1.0
    assert pd.isna(data.visits.sort_values("visit_date").iloc[1]["next_steps"])
    assert data.deployments.iloc[0]["funding_amount"] == 13000.0
    history = store.history()
    assert history.iloc[0][["batch_id", "user", "files", "undone"]].tolist() == [
        1, "alice", "trust.xlsx", False]
    assert history.iloc[0]["summary"] == (
        "2 new schools, 1 new deployment, 2 new targets, 2 new visit records")


def test_pupil_rows_become_measures_and_are_never_loaded(store, base_upload, make_upload):
    store.import_upload(base_upload, "alice")
    store.import_upload(make_upload({"outcomes": pupils(10, exs=6)}, "spring.csv"), "alice")
    assert reading(store) == (60.0, 10)
    assert store.counts()["outcomes"] == 10
    assert store.pupil_counts().values.tolist() == [["100001", SPRING, 10]]
    assert not hasattr(store.load(), "outcomes")


def test_preview_says_what_would_change(store, base_upload, make_upload):
    store.import_upload(base_upload, "alice")
    store.import_upload(make_upload({"outcomes": pupils(309)}, "spring.csv"), "alice")
    changed = targets_frame(value=72.0)
    extra = changed.iloc[[0]].assign(target_id="T09")
    upload = make_upload({"outcomes": pupils(312),
                          "targets": pd.concat([changed, extra], ignore_index=True)}, "new.xlsx")
    lines = store.preview(upload)["detail"].tolist()
    assert lines == [
        "Oakfield Primary, 2024/25 Spring 2: 312 pupil rows replace 309",
        "1 new target",
        "target T07 changed: target_value 70 → 72",
        "1 target unchanged",
    ]
    assert store.counts()["outcomes"] == 309  # a preview changes nothing


def test_replacing_keeps_the_old_version_and_undo_restores_it_exactly(store, base_upload,
                                                                       make_upload):
    store.import_upload(base_upload, "alice")
    store.import_upload(make_upload({"outcomes": pupils(10, exs=5)}, "a.csv"), "alice")
    before = store.load()
    counts_before = store.counts()
    result = store.import_upload(
        make_upload({"outcomes": pupils(20, exs=15), "targets": targets_frame(80.0)}, "b.csv"), "bob")
    assert result.replaced == {"targets": 2, "outcomes": 20}
    assert reading(store) == (75.0, 20)
    assert store.load().targets.set_index("target_id").loc["T07", "target_value"] == 80.0

    message = store.undo(result.batch_id)
    assert message.startswith("Undid upload 3 (b.csv): removed 2 targets, 20 pupil rows")
    after = store.load()
    assert store.counts() == {**counts_before, "batches": 3}  # history keeps the undone batch
    for name in ("schools", "deployments", "targets", "visits", "measures"):
        pd.testing.assert_frame_equal(getattr(after, name).reset_index(drop=True),
                                      getattr(before, name).reset_index(drop=True))
    assert store.history().set_index("batch_id").loc[3, "undone"]


def test_undo_out_of_order_is_refused(store, base_upload, make_upload):
    store.import_upload(base_upload, "alice")
    store.import_upload(make_upload({"targets": targets_frame(75.0)}, "t.xlsx"), "alice")
    with pytest.raises(StoreError, match="Undo upload 2 first"):
        store.undo(1)
    with pytest.raises(StoreError, match="There is no upload 9"):
        store.undo(9)
    store.undo(2)
    with pytest.raises(StoreError, match="already undone"):
        store.undo(2)
    store.undo(1)
    assert set(store.counts().values()) - {2} == {0}  # only the two batches remain, as history


def test_undo_is_refused_when_later_uploads_depend_on_it(store, base_upload, make_upload):
    store.import_upload(base_upload, "alice")
    later_visit = visits_frame().iloc[[0]].assign(visit_date=pd.Timestamp("2025-01-09"))
    store.import_upload(make_upload({"visits": later_visit}, "visits.csv"), "bob")
    counts = store.counts()
    with pytest.raises(StoreError, match="later uploads refer to what it added") as caught:
        store.undo(1)
    assert "D01" in caught.value.message
    assert store.counts() == counts and not store.history()["undone"].any()


def test_reuploading_the_same_files_changes_nothing(store, base_upload):
    store.import_upload(base_upload, "alice")
    version, counts = store.version(), store.counts()
    preview = store.preview(base_upload)
    assert preview["what"].tolist() == ["duplicate"]
    again = store.import_upload(base_upload, "alice")
    assert again.unchanged_duplicate and again.batch_id == 1
    assert "already imported as upload 1" in again.message
    assert (store.version(), store.counts()) == (version, counts)
    # Once that batch is undone, the same files are a fresh import again.
    store.undo(1)
    assert not store.import_upload(base_upload, "alice").unchanged_duplicate


def test_an_upload_with_problems_imports_nothing(store, base_upload, make_upload):
    store.import_upload(base_upload, "alice")
    counts, version = store.counts(), store.version()
    bad = make_upload({"outcomes": pupils(5)}, "bad.csv",
                      problems=[("bad.csv", "outcomes", 3, "period", "'Spring' is not a period")])
    with pytest.raises(StoreError, match="1 problem") as caught:
        store.import_upload(bad, "alice")
    assert caught.value.problems["message"].tolist() == ["'Spring' is not a period"]
    assert (store.counts(), store.version()) == (counts, version)


def test_unknown_references_import_nothing(store, make_upload):
    upload = make_upload({"deployments": deployments_frame()}, "d.xlsx")
    with pytest.raises(StoreError, match="does not know") as caught:
        store.import_upload(upload, "alice")
    assert caught.value.problems["message"].str.contains("100001").any()
    assert set(store.counts().values()) == {0}


def test_settings_persist_across_store_instances(store):
    assert store.get_settings() == Settings()
    version = store.version()
    store.save_settings(Settings(status_tolerance=0.3, creep_threshold=0.1, small_cohort=10))
    assert store.version() != version
    again = Store(store.engine.url.render_as_string(hide_password=False))
    assert again.get_settings() == Settings(status_tolerance=0.3, creep_threshold=0.1, small_cohort=10)
    again.engine.dispose()
    with pytest.raises(StoreError, match="between 0 and 1"):
        store.save_settings(Settings(creep_threshold=20))


def test_backup_and_restore_give_identical_figures(store, base_upload, make_upload, tmp_path):
    store.import_upload(base_upload, "alice")
    store.import_upload(make_upload({"outcomes": pupils(12, exs=9)}, "a.csv"), "alice")
    store.import_upload(make_upload({"outcomes": pupils(8, exs=2)}, "b.csv"), "bob")
    store.save_settings(Settings(small_cohort=7))
    path = tmp_path / "backup.zip"
    store.export_backup(path)
    before, history, counts = store.load(), store.history(), store.counts()

    with pytest.raises(StoreError, match="already holds data"):
        store.restore_backup(path)
    store.clear()
    assert store.counts()["outcomes"] == 0 and len(store.history()) == 4  # emptying is a batch
    with pytest.raises(StoreError, match="already holds data or history"):
        store.restore_backup(path)
    assert "3 upload(s)" in store.restore_backup(path, replace=True)
    after = store.load()
    for name in ("schools", "deployments", "targets", "milestones", "visits", "measures"):
        pd.testing.assert_frame_equal(getattr(after, name), getattr(before, name))
    # The store's own four lines stay; the backup's three follow as 5-7, then the restore (8).
    restored = store.history().set_index("batch_id").loc[[7, 6, 5]].reset_index()
    pd.testing.assert_frame_equal(restored, history.assign(batch_id=history["batch_id"] + 4))
    assert store.history()["summary"].iloc[0].startswith("Restored the backup backup.zip")
    assert {k: v for k, v in store.counts().items() if k != "batches"} == \
        {k: v for k, v in counts.items() if k != "batches"}
    assert store.get_settings().small_cohort == 7
    # The replaced version came back too, so undo still works after a restore.
    store.undo(7)
    assert reading(store) == (75.0, 12)


def test_emptying_is_an_undoable_batch_that_keeps_the_history(store, base_upload, make_upload):
    store.import_upload(base_upload, "alice")
    store.import_upload(make_upload({"outcomes": pupils(12, exs=9)}, "a.csv"), "alice")
    store.save_settings(Settings(small_cohort=8))
    before, counts, history = store.load(), store.counts(), store.history()
    assert "undo 3 brings everything back" in store.clear("bob")
    emptied = store.counts()
    assert emptied.pop("batches") == 3 and set(emptied.values()) == {0}
    assert store.get_settings().small_cohort == 8
    after = store.history()
    assert after["summary"].iloc[0].startswith("Emptied the store") and after["user"].iloc[0] == "bob"
    pd.testing.assert_frame_equal(after.iloc[1:].reset_index(drop=True), history)  # history kept
    assert "emptying the store" in store.undo(3)
    again = store.load()
    for name in ("schools", "deployments", "targets", "milestones", "visits", "measures"):
        pd.testing.assert_frame_equal(getattr(again, name), getattr(before, name))
    assert {k: v for k, v in store.counts().items() if k != "batches"} == \
        {k: v for k, v in counts.items() if k != "batches"}


def test_emptying_cannot_be_undone_under_a_later_upload(store, base_upload):
    store.import_upload(base_upload, "alice")
    store.clear("bob")
    import dataclasses
    again = dataclasses.replace(base_upload, files=[dataclasses.replace(base_upload.files[0],
                                                                         sha256="f" * 64)])
    assert store.import_upload(again, "carol").batch_id == 3
    with pytest.raises(StoreError, match="upload 3 came after it. Undo upload 3 first"):
        store.undo(2)
    store.undo(3)
    store.undo(2)
    assert store.counts()["schools"] == len(base_upload.frames["schools"])


@pytest.mark.parametrize("value", [0, 1, 4])
def test_the_small_cohort_limit_cannot_go_below_five(store, value):
    store.save_settings(Settings(small_cohort=6))
    with pytest.raises(StoreError, match="from 5 to 1000: published school data never shows"):
        store.save_settings(Settings(small_cohort=value))
    assert store.get_settings().small_cohort == 6


def test_a_backup_with_a_lowered_small_cohort_limit_is_refused(store, base_upload, tmp_path):
    import json
    import zipfile
    store.import_upload(base_upload, "alice")
    good = tmp_path / "good.zip"
    store.export_backup(good)
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(tampered, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "settings.jsonl":
                data = (json.dumps({"key": "small_cohort", "value": json.dumps(1)}) + "\n").encode()
            if item.filename == "manifest.json":  # the row count too, so only the value is wrong
                manifest = json.loads(data)
                manifest["tables"]["settings"] = 1
                data = json.dumps(manifest).encode()
            dst.writestr(item, data)
    store.clear()
    counts = store.counts()
    with pytest.raises(StoreError, match="tampered.zip was not restored: its settings are outside "
                                         "their limits: small_cohort must be"):
        store.restore_backup(tampered, replace=True)
    assert store.counts() == counts and store.get_settings().small_cohort == 5


def test_an_empty_upload_is_refused(store, make_upload):
    with pytest.raises(StoreError, match="no records"):
        store.import_upload(make_upload({}, "empty.xlsx"), "alice")


def test_a_busy_store_says_try_again(tmp_path, base_upload):
    url = f"sqlite:///{tmp_path / 'busy.sqlite'}"
    first, second = Store(url), Store(url, lock_timeout=0.3)
    with first._writing():  # another import holds the write lock
        with pytest.raises(StoreError, match="Another upload is in progress"):
            second.import_upload(base_upload, "bob")
    assert second.import_upload(base_upload, "bob").batch_id == 1


def test_a_busy_postgres_store_says_try_again(pg_url, base_upload):
    first, second = Store(pg_url), Store(pg_url, lock_timeout=0.3)
    with first._writing():
        with pytest.raises(StoreError, match="Another upload is in progress"):
            second.import_upload(base_upload, "bob")
    assert second.import_upload(base_upload, "bob").batch_id == 1
    first.engine.dispose()
    second.engine.dispose()


def test_concurrent_imports_do_not_interleave(store, make_upload):
    url = store.engine.url.render_as_string(hide_password=False)
    uploads = [make_upload({"schools": schools_frame().assign(school_name=f"Name {i}")}, f"{i}.csv")
               for i in range(4)]
    errors = []

    def run(upload):
        try:
            Store(url).import_upload(upload, "t")
        except Exception as exc:  # noqa: BLE001 - the test reports any failure below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(u,)) for u in uploads]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(store.history()["batch_id"]) == [1, 2, 3, 4]
    assert store.counts()["schools"] == 2  # each import replaced the last: one current row per key


def test_migrations_run_from_an_empty_database_and_only_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.sqlite'}"
    Store(url).engine.dispose()
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        versions = conn.execute(sa.text("SELECT version FROM schema_version")).scalars().all()
        tables = set(sa.inspect(conn).get_table_names())
    assert versions == list(range(1, len(MIGRATIONS) + 1))
    assert {"schools", "outcome_blocks", "measures", "batches", "settings", "schema_version"} <= tables
    assert "outcomes" not in tables  # pupil rows live in blocks since version 3
    Store(url).engine.dispose()  # opening again applies nothing new
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM schema_version")).scalar() == len(MIGRATIONS)
    engine.dispose()


def test_a_database_from_a_newer_version_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.sqlite'}"
    Store(url).engine.dispose()
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO schema_version VALUES (99, '2030-01-01T00:00:00Z')"))
    engine.dispose()
    with pytest.raises(StoreError, match="newer version"):
        Store(url)


def test_a_bad_url_is_a_store_error():
    with pytest.raises(StoreError, match="uses nosuchdriver, which this dashboard does not support"):
        Store("nosuchdriver://x")


def test_default_url_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'env' / 'e.sqlite'}")
    store = Store()
    assert store.engine.url.database.endswith("env/e.sqlite")
    assert (tmp_path / "env" / "e.sqlite").exists()
    store.engine.dispose()


def test_dates_round_trip_as_dates(sqlite_store, base_upload):
    sqlite_store.import_upload(base_upload, "alice")
    start = sqlite_store.load().deployments.iloc[0]["start_date"]
    assert start.date() == dt.date(2024, 9, 2)


def test_load_gives_back_exactly_the_frames_ingest_read(store):
    from analysis.ingest import read_paths

    upload = read_paths([Path(__file__).resolve().parent.parent / "sample_data" / "riverside_trust.xlsx"])
    store.import_upload(upload, "alice")
    data = store.load()
    for kind in ("schools", "deployments", "targets", "milestones", "visits", "inspections"):
        expected = upload.frames[kind].reset_index(drop=True)
        expected.attrs = {}
        pd.testing.assert_frame_equal(getattr(data, kind), expected, obj=kind)


def test_pupil_rows_come_back_exactly_as_ingest_read_them(store):
    from analysis.ingest import read_paths

    upload = read_paths([Path(__file__).resolve().parent.parent / "sample_data" / "riverside_trust.xlsx"])
    store.import_upload(upload, "alice")
    expected = upload.frames["outcomes"].reset_index(drop=True)
    expected.attrs = {}
    pd.testing.assert_frame_equal(store.pupil_rows(), expected)
    urn, period = expected.iloc[-1][["urn", "period"]]
    one = expected[(expected["urn"] == urn) & (expected["period"] == period)].reset_index(drop=True)
    pd.testing.assert_frame_equal(store.pupil_rows(urn, period), one)
    assert len(store.pupil_rows(urn=urn)) == (expected["urn"] == urn).sum()
    assert store.counts()["outcomes"] == len(expected) == 14_880


def test_replaced_and_undone_blocks_keep_their_pupil_rows(store, base_upload, make_upload):
    store.import_upload(base_upload, "alice")
    store.import_upload(make_upload({"outcomes": pupils(12, exs=9)}, "a.csv"), "alice")
    store.import_upload(make_upload({"outcomes": pupils(8, exs=2)}, "b.csv"), "bob")
    stored = store.pupil_rows(with_history=True)
    assert stored.groupby("batch_id")["superseded_by"].unique().map(list).to_dict() == {
        2: [3], 3: [pd.NA]}
    assert store.pupil_rows()["reading"].tolist() == ["EXS"] * 2 + ["WTS"] * 6
    message = store.undo(3)
    # 12 pupil rows and the 25 measures computed from them, counted as before version 3.
    assert message == "Undid upload 3 (b.csv): removed 8 pupil rows; 37 earlier row(s) are current again."
    assert len(store.pupil_rows()) == 12 and reading(store) == (75.0, 12)
    assert store.pupil_rows(period="2023/24 Spring 2").empty
