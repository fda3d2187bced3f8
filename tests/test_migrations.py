"""Schema migrations: a store made by an earlier version is brought up to date without loss.

The earlier versions are real code: tests/fixtures/store_v1.py and store_v2.py are
analysis/store.py as released at schema 1 and 2, frozen. Each makes a store with the sample
trust, a replaced school period and an undone upload; the current Store then opens it, migrates,
and must show every figure, and every pupil row (schema 3 moved them into compressed blocks),
unchanged. On SQLite and, with TEST_DATABASE_URL, PostgreSQL.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from analysis.schema import Settings
from analysis.store import MIGRATIONS, Store, _typed
from tests.fixtures import store_v1, store_v2
from tests.parsed_once import read_paths
from tests.reliability_helpers import REPO, start, wait_for_line

SAMPLE = REPO / "sample_data" / "riverside_trust.xlsx"
NEXT_TERM = sorted((REPO / "sample_data" / "next_term").iterdir())


def corrected_block(tmp_path: Path) -> Path:
    """One sample school's period again, everyone at the expected standard in reading."""
    outcomes = read_paths([SAMPLE]).frames["outcomes"]
    urn, period = outcomes.iloc[0][["urn", "period"]]
    block = outcomes[(outcomes["urn"] == urn) & (outcomes["period"] == period)].copy()
    block["reading"] = "EXS"
    block["disadvantaged"] = block["disadvantaged"].map({True: "Y", False: "N"})
    path = tmp_path / "reading_corrected.csv"
    block.drop(columns=["attendance_pct"]).to_csv(path, index=False)
    return path


def figures(store) -> dict:
    """What a person sees: every frame, pupil counts per school and period, counts, settings."""
    data = store.load()
    return {
        "frames": {name: getattr(data, name) for name in data.__dataclass_fields__},
        "pupils": store.pupil_counts().sort_values(["urn", "period"], ignore_index=True),
        "counts": store.counts(),
        "settings": store.get_settings(),
    }


def assert_same(before: dict, after: dict) -> None:
    for name, frame in before["frames"].items():
        now = after["frames"][name]
        # Columns a later migration added (6: RISE tier, target area) are empty on old rows.
        added = [c for c in now.columns if c not in frame.columns]
        assert now[added].isna().all().all(), (name, added)
        pd.testing.assert_frame_equal(now[list(frame.columns)], frame, obj=name)
    pd.testing.assert_frame_equal(after["pupils"], before["pupils"])
    # Tables later migrations add (e.g. schema 6's visit records) start empty.
    assert {k: after["counts"][k] for k in before["counts"]} == before["counts"]
    assert not any(n for k, n in after["counts"].items() if k not in before["counts"])
    assert after["settings"] == before["settings"]


def raw_rows(url: str) -> dict[str, list[tuple]]:
    """Every row of every data table but pupil rows, current or replaced, without row_id."""
    engine = sa.create_engine(url)
    out = {}
    with engine.connect() as conn:
        for kind in [k for k in store_v1.ALL_DATA_TABLES if k != "outcomes"] + ["settings"]:
            cols = [c.name for c in store_v1.T[kind].columns if c.name != "row_id"]
            quoted = ", ".join(f'"{c}"' for c in cols)
            out[kind] = sorted(conn.execute(sa.text(f'SELECT {quoted} FROM "{kind}"')).all(), key=repr)
    engine.dispose()
    return out


def old_pupil_rows(url: str) -> pd.DataFrame:
    """Every pupil row of a schema-1 or -2 store, current or replaced, with its upload."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        frame = pd.read_sql(sa.text('SELECT * FROM outcomes ORDER BY row_id'), conn)
    engine.dispose()
    return _pupil_frame(frame)


def _pupil_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Outcomes columns typed as ingest makes them, then batch_id and superseded_by; sorted."""
    out = _typed(frame[store_v1.COLUMNS["outcomes"]], "outcomes")
    out["batch_id"] = frame["batch_id"].astype("int64").to_numpy()
    out["superseded_by"] = pd.array(frame["superseded_by"].tolist(), dtype="Int64")
    return out.sort_values(["batch_id", "urn", "period", "pupil_id"], kind="stable",
                           ignore_index=True)


@pytest.fixture(params=["v1", "v2"])
def v1_store(request, fresh_urls, tmp_path):
    """A store made by the schema-1 (or -2) code: 3 live uploads (one replaced a school's period),
    1 undone."""
    old_code = {"v1": store_v1, "v2": store_v2}[request.param]
    url = fresh_urls()
    old = old_code.Store(url)
    assert old.schema_version() == int(request.param[1])
    results = [old.import_upload(read_paths([SAMPLE]), "alice")]
    before_correction = figures(old)
    results.append(old.import_upload(read_paths([corrected_block(tmp_path)]), "carol"))
    results.append(old.import_upload(read_paths(NEXT_TERM), "bob"))
    old.undo(3)
    results.append(old.import_upload(read_paths([NEXT_TERM[1]]), "bob"))  # visits only, again
    old.save_settings(Settings(**{**old.get_settings().as_dict(), "small_cohort": 8}))
    made = {"url": url, "figures": figures(old), "history": old.history(), "raw": raw_rows(url),
            "pupils": old_pupil_rows(url), "results": results,
            "before_correction": before_correction, "backend": fresh_urls.backend,
            "version": request.param, "code": old_code}
    old.engine.dispose()
    return made


def test_the_current_store_migrates_an_earlier_store_without_loss(v1_store):
    url = v1_store["url"]
    store = Store(url)
    assert store.schema_version() == len(MIGRATIONS) == 8
    with store.engine.connect() as conn:
        applied = conn.execute(sa.text("SELECT version FROM schema_version ORDER BY version")).scalars()
        assert applied.all() == [1, 2, 3, 4, 5, 6, 7, 8]
        assert not sa.inspect(conn).has_table("outcomes")
    assert_same(v1_store["figures"], figures(store))
    assert raw_rows(url) == v1_store["raw"]  # no row of any table changed, replaced ones included
    # Every pupil row, current or replaced, with the upload that wrote it and the one replacing it.
    pupils = store.pupil_rows(with_history=True)
    assert len(pupils) == 14_880 + 180 and pupils["superseded_by"].notna().sum() == 180
    pd.testing.assert_frame_equal(_pupil_frame(pupils), v1_store["pupils"])
    history = store.history()
    old_history = v1_store["history"]
    pd.testing.assert_frame_equal(history[old_history.columns], old_history)
    # Rows each live upload wrote (backfilled from a schema-1 store: unknown for the undone one).
    expected = {r.batch_id: sum(r.added.values()) + sum(r.replaced.values())
                for r in v1_store["results"]}
    rows = history.set_index("batch_id")["rows"]
    assert rows.dtype == "Int64" and pd.isna(rows.loc[3]) == (v1_store["version"] == "v1")
    assert rows.drop(3).to_dict() == {b: expected[b] for b in (4, 2, 1)}
    assert expected[2] == 180  # the corrected school period
    assert expected[1] == 14_880 + 11 + 12 + 16 + 5 + 256 + 26
    store.engine.dispose()


def test_a_migrated_store_still_undoes_imports_and_records_new_ones(v1_store):
    store = Store(v1_store["url"])
    store.undo(4)
    message = store.undo(2)  # the corrected period, made by the old code, undone by the new
    assert "earlier row(s) are current again" in message
    assert_same({**v1_store["before_correction"],
                 "counts": {**v1_store["before_correction"]["counts"], "batches": 4},
                 "settings": store.get_settings()}, figures(store))
    assert store.get_settings().small_cohort == 8
    result = store.import_upload(read_paths(NEXT_TERM), "dana")
    assert result.batch_id == 5
    assert store.history().set_index("batch_id").loc[5, "rows"] == 2_940 + 50
    store.engine.dispose()


def test_opening_a_migrated_store_again_applies_nothing(v1_store):
    Store(v1_store["url"]).engine.dispose()
    store = Store(v1_store["url"])
    version = store.version()
    assert store.schema_version() == 8 and Store(v1_store["url"]).version() == version
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM schema_version")).scalar() == 8
    store.engine.dispose()


def test_a_backup_made_by_the_previous_version_restores_into_the_current_one(v1_store, fresh_urls,
                                                                              tmp_path):
    old = v1_store["code"].Store(v1_store["url"])
    backup = tmp_path / "v1-backup.zip"
    old.export_backup(backup)
    old.engine.dispose()
    store = Store(fresh_urls())
    assert "4 upload(s)" in store.restore_backup(backup)
    restored = figures(store)
    # The history gains one line, the restore itself (upload 5).
    assert restored["counts"]["batches"] == v1_store["figures"]["counts"]["batches"] + 1 == 5
    assert store.history()["summary"].iloc[0].startswith("Restored the backup v1-backup.zip")
    restored["counts"]["batches"] -= 1
    assert_same(v1_store["figures"], restored)
    pd.testing.assert_frame_equal(_pupil_frame(store.pupil_rows(with_history=True)),
                                  v1_store["pupils"])
    rows = store.history().set_index("batch_id")["rows"]
    assert rows.loc[1] == 14_880 + 11 + 12 + 16 + 5 + 256 + 26
    assert pd.isna(rows.loc[3]) == (v1_store["version"] == "v1")
    store.engine.dispose()


def test_processes_opening_a_schema_1_store_at_once_migrate_it_once(v1_store, tmp_path):
    """After an upgrade several dashboard processes start together: one migrates, none fails."""
    go = tmp_path / "go"
    processes = [start(["history", "--db", v1_store["url"]], go=go) for _ in range(3)]
    for process in processes:
        wait_for_line(process, "ready")
    go.touch()
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        assert re.search(r"reading_corrected\.csv", out)
    engine = sa.create_engine(v1_store["url"])
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version FROM schema_version ORDER BY version")
                            ).scalars().all() == [1, 2, 3, 4, 5, 6, 7, 8]
    engine.dispose()
    assert raw_rows(v1_store["url"]) == v1_store["raw"]
    store = Store(v1_store["url"])
    pd.testing.assert_frame_equal(_pupil_frame(store.pupil_rows(with_history=True)),
                                  v1_store["pupils"])
    store.engine.dispose()
