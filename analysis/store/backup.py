"""Backup and restore: every table (history and replaced rows too) to one zip of JSON lines."""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
import zipfile
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from analysis.schema import COLUMNS, Settings
from analysis.store.connection import StoreError, now
from analysis.store.migrations import MIGRATIONS, T, _backfill_row_counts, _insert_blocks
from analysis.store.values import ALL_DATA_TABLES, DATE_COLUMNS, _frame_blocks


class Backup:
    """export_backup and restore_backup."""

    def export_backup(self, path: str | Path) -> None:
        """Every table (history and replaced rows too) to one zip of JSON lines, one file a table."""
        tables = ALL_DATA_TABLES + ["batches", "settings"]
        with self._reading() as conn, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            manifest = {"format": "impact-store-backup", "schema_version": len(MIGRATIONS),
                        "created_at": now(), "tables": {}}
            for name in tables:
                table = T[name]
                cols = [c.name for c in table.columns if c.name not in ("row_id", "block_id")]
                order = list(table.primary_key)[0]
                result = conn.execute(sa.select(*[table.c[c] for c in cols]).order_by(order))
                count = 0
                with archive.open(f"{name}.jsonl", "w") as out:
                    for rec in result:
                        out.write((json.dumps(dict(zip(cols, map(_json_value, rec), strict=True)),
                                              allow_nan=False) + "\n").encode())
                        count += 1
                manifest["tables"][name] = count
            archive.writestr("manifest.json", json.dumps(manifest, indent=1))

    def restore_backup(self, path: str | Path, replace: bool = False) -> str:
        """Load a backup made by export_backup into an empty store (or replace everything)."""
        try:
            archive = zipfile.ZipFile(path)
        except zipfile.BadZipFile as exc:
            raise StoreError(f"{Path(path).name} is not a backup made by this dashboard.") from exc
        with archive:
            try:
                manifest = json.loads(archive.read("manifest.json"))
            except KeyError as exc:
                raise StoreError(f"{Path(path).name} is not a backup made by this dashboard.") from exc
            if manifest.get("format") != "impact-store-backup":
                raise StoreError(f"{Path(path).name} is not a backup made by this dashboard.")
            if manifest.get("schema_version", 0) > len(MIGRATIONS):
                raise StoreError("This backup was made by a newer version of the dashboard.")
            with self._writing() as conn:
                used = any(conn.execute(sa.select(sa.func.count()).select_from(T[k])).scalar()
                           for k in ALL_DATA_TABLES + ["batches"])
                if used and not replace:
                    raise StoreError("The store already holds data or history; restore replaces "
                                     "everything, so restore into a new, empty store (or pass "
                                     "--replace).")
                for name in ALL_DATA_TABLES + ["batches", "settings"]:
                    conn.execute(T[name].delete())
                total = 0  # data rows, pupil rows counted one by one
                for name in manifest["tables"]:
                    if name == "outcomes":  # made before version 3: one line per pupil row
                        total += _restore_pupil_rows(conn, archive)
                        continue
                    table = T[name]
                    cols = [c.name for c in table.columns if c.name not in ("row_id", "block_id")]
                    rows = []
                    with archive.open(f"{name}.jsonl") as lines:
                        for line in lines:
                            rec = json.loads(line)
                            rows.append(tuple(_from_json(rec.get(c), c) for c in cols))
                    if name == "outcome_blocks":
                        _insert_blocks(conn, [dict(zip(cols, r, strict=True)) for r in rows])
                        total += sum(r[cols.index("pupil_rows")] for r in rows)
                    elif name in ALL_DATA_TABLES:
                        self._insert_rows(conn, name, cols, rows)
                        total += len(rows)
                    elif rows:
                        if name == "settings":  # a tampered backup must not lower the limits
                            saved = Settings.from_dict({k: json.loads(v) for k, v in rows})
                            if saved.problem():
                                raise StoreError(f"{Path(path).name} was not restored: "
                                                 f"{saved.problem()}")
                        conn.execute(table.insert(), [dict(zip(cols, r, strict=True)) for r in rows])
                _backfill_row_counts(conn)  # a backup made before version 2 has no row counts
                self._bump(conn)
        return (f"Restored {total:,} rows and {manifest['tables'].get('batches', 0)} upload(s) "
                f"from {Path(path).name}.")


def _restore_pupil_rows(conn: Connection, archive: zipfile.ZipFile) -> int:
    """outcomes.jsonl of a backup made before version 3 -> blocks; the pupil rows restored."""
    cols = ["batch_id", "superseded_by", *COLUMNS["outcomes"]]
    with archive.open("outcomes.jsonl") as lines:
        records = [[rec.get(c) for c in cols] for rec in map(json.loads, lines)]
    frame = pd.DataFrame.from_records(records, columns=cols)
    for batch_id, rows in frame.groupby("batch_id", sort=False):
        _insert_blocks(conn, _frame_blocks(rows, int(batch_id), rows["superseded_by"]))
    return len(frame)


def _json_value(value):
    if isinstance(value, bytes | memoryview):  # a block of pupil rows
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _from_json(value, col: str):
    if value is not None and col == "data":
        return base64.b64decode(value)
    if value is not None and col in DATE_COLUMNS:
        return dt.date.fromisoformat(value)
    return value


