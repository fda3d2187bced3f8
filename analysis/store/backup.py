"""Backup and restore: every table (history and replaced rows too) to one zip of JSON lines.

A restore is checked whole before anything is written (`backup_check.read_backup`), then written
in one transaction as one batch in the history, so it can be undone:

- The store's current rows are put aside by the restore's batch (as emptying the store does),
  never deleted, and its history stays.
- The backup's uploads are added to the history after the store's own, renumbered when the
  store already had uploads (into an empty store they keep their numbers, so the restored store
  is the backup exactly), then one history line for the restore itself.
- Undoing the restore (only while nothing came after it) removes the rows it brought, marks its
  uploads undone (their lines stay), makes the put-aside rows current again and puts back the
  settings of before.
- The access list and the audit log are not trust data: they are restored only into a store
  whose own are empty (a new store), and undoing the restore leaves them.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from analysis.store.backup_check import (
    ACCESS_TABLES,
    BACKUP_FORMAT,
    BACKUP_TABLES,
    LEGACY_PUPIL_TABLE,
    Verified,
    _table,
    backup_columns,
    read_backup,
)
from analysis.store.connection import StoreError, now
from analysis.store.migrations import MIGRATIONS, T, _backfill_row_counts, _insert_blocks
from analysis.store.values import ALL_DATA_TABLES, _frame_blocks

# The summary that marks a batch as a restore; undo of it is only safe as the last one.
RESTORED = "Restored the backup"
# meta key holding the settings a restore replaced, for its undo: f"{SETTINGS_BEFORE}{batch}".
SETTINGS_BEFORE = "settings_before_restore_"


class Backup:
    """export_backup and restore_backup."""

    def export_backup(self, path: str | Path) -> None:
        """Every table (history and replaced rows too, the access list and the audit log) to one
        zip of JSON lines, one file a table, with a manifest of their row counts."""
        import zipfile

        with self._reading() as conn, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            manifest = {"format": BACKUP_FORMAT, "schema_version": len(MIGRATIONS),
                        "created_at": now(), "tables": {}}
            for name in BACKUP_TABLES:
                table = _table(name)
                cols = backup_columns(name)
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

    def restore_backup(self, path: str | Path, replace: bool = False, user: str = "unknown") -> str:
        """Check a backup made by export_backup, then restore it as one undoable batch.

        Into a store that holds data or history only with replace=True: its current rows are put
        aside (undo of the restore brings them back). StoreError, nothing changed, if the backup
        is refused or the store is in use and replace is False.
        """
        backup = read_backup(path)
        with self._writing() as conn:
            used = any(conn.execute(sa.select(sa.func.count()).select_from(T[k])).scalar()
                       for k in ALL_DATA_TABLES + ["batches"])
            if used and not replace:
                raise StoreError("The store already holds data or history; restore replaces "
                                 "everything, so restore into a new, empty store (or pass "
                                 "--replace: what is stored now is put aside, and undo of the "
                                 "restore brings it back).")
            batch, put_aside = self._restore(conn, backup, user)
        uploads = len(backup.batch_ids)
        message = (f"Restored {backup.data_rows():,} rows and {uploads} upload(s) from "
                   f"{backup.name} as upload {batch}")
        if put_aside:
            message += f"; {put_aside:,} stored record(s) were put aside, undo {batch} brings them back"
        return message + "."

    def _restore(self, conn: Connection, backup: Verified, user: str) -> tuple[int, int]:
        batches = T["batches"]
        before = conn.execute(sa.select(sa.func.max(batches.c.batch_id))).scalar() or 0
        offset = before  # 0 into an empty store: the backup keeps its upload numbers
        batch = before + max(backup.batch_ids, default=0) + 1
        put_aside = 0
        for kind in ALL_DATA_TABLES:
            table = T[kind]
            put_aside += conn.execute(table.update().where(table.c.superseded_by.is_(None))
                                      .values(superseded_by=batch)).rowcount

        def shifted(name: str) -> tuple[list[str], list[tuple]]:
            cols = backup_columns(name)
            moved = [i for i, c in enumerate(cols) if c in ("batch_id", "superseded_by")]
            rows = backup.tables.get(name, [])
            if offset:
                rows = [tuple(v + offset if i in moved and v is not None else v
                              for i, v in enumerate(row)) for row in rows]
                if name == "batches":  # a restore in the backup names its uploads' numbers too
                    rows = [_renumbered_restore(dict(zip(cols, row, strict=True)), offset, cols)
                            for row in rows]
            return cols, rows

        for name in ALL_DATA_TABLES + ["batches"]:
            if name not in backup.tables:
                continue
            cols, rows = shifted(name)
            if name == "outcome_blocks":
                _insert_blocks(conn, [dict(zip(cols, r, strict=True)) for r in rows])
            elif name in ALL_DATA_TABLES:
                self._insert_rows(conn, name, cols, rows)
            elif rows:
                conn.execute(T[name].insert(), [dict(zip(cols, r, strict=True)) for r in rows])
        if LEGACY_PUPIL_TABLE in backup.tables:  # made before version 3: one line per pupil row
            cols, rows = shifted(LEGACY_PUPIL_TABLE)
            frame = pd.DataFrame.from_records(rows, columns=cols)
            for batch_id, group in frame.groupby("batch_id", sort=False):
                _insert_blocks(conn, _frame_blocks(group, int(batch_id), group["superseded_by"]))
        # The settings of before, kept for the undo; then the backup's.
        settings = T["settings"]
        previous = dict(conn.execute(sa.select(settings.c.key, settings.c.value)).all())
        self._set_meta(conn, f"{SETTINGS_BEFORE}{batch}", json.dumps(previous))
        conn.execute(settings.delete())
        if backup.tables.get("settings"):
            conn.execute(settings.insert(), [{"key": k, "value": v}
                                             for k, v in backup.tables["settings"]])
        for name in ACCESS_TABLES:
            table = _table(name)
            if backup.tables.get(name) and not conn.execute(
                    sa.select(sa.func.count()).select_from(table)).scalar():
                cols = backup_columns(name)
                conn.execute(table.insert(), [dict(zip(cols, r, strict=True))
                                              for r in backup.tables[name]])
        _backfill_row_counts(conn)  # a backup made before version 2 has no row counts
        first, last = before + 1, batch - 1  # the backup's uploads, as numbered here
        summary = (f"{RESTORED} {backup.name}: its {len(backup.batch_ids)} upload(s) "
                   f"({first}-{last}) and {backup.data_rows():,} rows")
        if put_aside:
            summary += f"; {put_aside:,} stored record(s) put aside, undo brings them back"
        conn.execute(batches.insert().values(
            batch_id=batch, created_at=now(), user=user or "unknown",
            files=json.dumps([{"name": backup.name, "sha256": backup.sha256, "size": backup.size,
                               "restored_uploads": [first, last]}]),
            summary=summary, undone_at=None, row_count=backup.data_rows()))
        self._bump(conn)
        return batch, put_aside

    def _undo_restore(self, conn: Connection, row) -> int:
        """Inside undo's transaction, before its own steps: remove what restore `row` brought and
        put back the settings of before. The rows removed."""
        first, last = json.loads(row.files)[0].get("restored_uploads", [0, -1])
        removed = 0
        for kind in ALL_DATA_TABLES:
            table = T[kind]
            removed += conn.execute(table.delete().where(table.c.batch_id.between(first, last))
                                    ).rowcount
        batches = T["batches"]
        conn.execute(batches.update().where(batches.c.batch_id.between(first, last),
                                            batches.c.undone_at.is_(None)).values(undone_at=now()))
        key = f"{SETTINGS_BEFORE}{row.batch_id}"
        previous = conn.execute(sa.select(T["meta"].c.value).where(T["meta"].c.key == key)).scalar()
        if previous is not None:
            settings = T["settings"]
            conn.execute(settings.delete())
            values = json.loads(previous)
            if values:
                conn.execute(settings.insert(), [{"key": k, "value": v} for k, v in values.items()])
        return removed


def _renumbered_restore(line: dict, offset: int, cols: list[str]) -> tuple:
    """A history line of the backup, its restored_uploads range moved by offset if it is a restore."""
    if str(line.get("summary", "")).startswith(RESTORED):
        files = json.loads(line["files"])
        for entry in files:
            if "restored_uploads" in entry:
                entry["restored_uploads"] = [n + offset for n in entry["restored_uploads"]]
        line["files"] = json.dumps(files)
    return tuple(line[c] for c in cols)


def _json_value(value):
    if isinstance(value, bytes | memoryview):  # a block of pupil rows
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value

