"""Checking a backup before anything is written: every refusal is one sentence naming what is wrong.

`read_backup(path)` opens the zip, reads every table into memory and checks, in order: that it is
a backup of this dashboard and not of a newer version; that it holds no table this version does
not know and every table its version has; that every member can be read and every line is a JSON
record with the table's columns; that each table holds as many rows as the manifest says; that
every value has its column's type; that every row's upload (batch) is in the backup's history;
that the settings are within their limits (`Settings.problem`); that the access list and audit
log hold roles and actions this version knows; and that the rows of each upload pass the same
checks an upload of them would (`ingest.read_files` on the rows as a CSV, then
`check_references` on what would be current). Nothing here touches a database.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import io
import json
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.app_tables import APP_TABLES
from analysis.schema import COLUMNS, Settings
from analysis.store.connection import StoreError
from analysis.store.migrations import MIGRATIONS, T
from analysis.store.values import (
    ALL_DATA_TABLES,
    BOOL_COLUMNS,
    DATA_KINDS,
    DATE_COLUMNS,
    FLOAT_COLUMNS,
    INT_COLUMNS,
    _decode_blocks,
)

BACKUP_FORMAT = "impact-store-backup"
# The access list and the audit log (analysis/access_store.py, migration 4).
ACCESS_TABLES = ["people", "audit_log"]
# Every table a backup of this version holds, in the order they are written and restored.
BACKUP_TABLES = ALL_DATA_TABLES + ["batches", "settings"] + ACCESS_TABLES
# Columns a table's rows are numbered by in the database, not kept in a backup.
ID_COLUMNS = ("row_id", "block_id", "entry_id", "event_id")
# Pupil rows as one line each: backups made before version 3.
LEGACY_PUPIL_TABLE = "outcomes"
_LEGACY_PUPIL_COLUMNS = ["batch_id", "superseded_by", *COLUMNS["outcomes"]]
_BATCH_COLUMNS = {"batch_id", "superseded_by"}


def backup_columns(name: str) -> list[str]:
    """The columns a backup keeps for a table (all but its row-numbering id)."""
    if name == LEGACY_PUPIL_TABLE:
        return _LEGACY_PUPIL_COLUMNS
    return [c.name for c in _table(name).columns if c.name not in ID_COLUMNS]


def _table(name: str):
    if name in ACCESS_TABLES:
        from analysis.access_store import METADATA as ACCESS_METADATA

        return ACCESS_METADATA.tables[name]
    return T[name]


def _required(schema_version: int) -> list[str]:
    """The tables a backup made at that schema version must hold."""
    pupils = "outcome_blocks" if schema_version >= 3 else LEGACY_PUPIL_TABLE
    tables = [*DATA_KINDS, pupils, "measures", "batches", "settings"]
    return (tables + (ACCESS_TABLES if schema_version >= 4 else [])
            + (APP_TABLES if schema_version >= 7 else []))  # visit_records, target_plan


@dataclass
class Verified:
    """A backup read and checked: its rows per table as tuples in backup_columns order."""

    name: str
    sha256: str
    size: int
    schema_version: int
    tables: dict[str, list[tuple]] = field(default_factory=dict)

    def column(self, table: str, col: str) -> list:
        i = backup_columns(table).index(col)
        return [row[i] for row in self.tables.get(table, [])]

    @property
    def batch_ids(self) -> list[int]:
        return self.column("batches", "batch_id")

    def data_rows(self) -> int:
        """Rows restored: pupil rows one by one, every other data row as one."""
        total = 0
        for name in ALL_DATA_TABLES + [LEGACY_PUPIL_TABLE]:
            if name == "outcome_blocks":
                total += sum(self.column(name, "pupil_rows"))
            elif name in self.tables:
                total += len(self.tables[name])
        return total


class _Refusal(Exception):
    """One reason a backup cannot be restored (the sentence's second half)."""


def read_backup(path: str | Path) -> Verified:
    """The backup at path, read and checked; StoreError with one sentence if it is refused."""
    name = Path(path).name
    try:
        return _read(Path(path), name)
    except _Refusal as refusal:
        raise StoreError(f"{name} was not restored: {refusal} Nothing was changed.") from refusal


def _read(path: Path, name: str) -> Verified:
    not_ours = _Refusal("it is not a backup made by this dashboard.")
    try:
        data = path.read_bytes()
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zlib.error, ValueError, EOFError) as exc:
        raise not_ours from exc
    with archive:
        try:
            manifest = json.loads(_member(archive, "manifest.json"))
        except KeyError as exc:
            raise not_ours from exc
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise _Refusal("its manifest.json is not valid JSON.") from exc
        if not isinstance(manifest, dict) or manifest.get("format") != BACKUP_FORMAT:
            raise not_ours
        version = manifest.get("schema_version", 0)
        counts = manifest.get("tables")
        if not isinstance(version, int) or not isinstance(counts, dict) \
                or not all(isinstance(n, int) and n >= 0 for n in counts.values()):
            raise _Refusal("its manifest.json does not list its tables and their row counts.")
        if version > len(MIGRATIONS):
            raise _Refusal("it was made by a newer version of the dashboard; update the code "
                           "before restoring it.")
        known = set(BACKUP_TABLES) | {LEGACY_PUPIL_TABLE}
        for table in counts:
            if table not in known:
                raise _Refusal(f"it holds a table {table!r} that this dashboard does not know.")
        for member in archive.namelist():
            if member != "manifest.json" and member.removesuffix(".jsonl") not in counts:
                raise _Refusal(f"it holds a file {member!r} that is not one of its tables.")
        for table in _required(version):
            if table not in counts:
                raise _Refusal(f"the table {table} is missing from it.")
        verified = Verified(name, hashlib.sha256(data).hexdigest(), len(data), version)
        for table, expected in counts.items():
            rows = _read_table(archive, table)
            if len(rows) != expected:
                raise _Refusal(
                    f"{table}.jsonl holds {len(rows):,} row(s) but the backup's manifest says "
                    f"{expected:,}: rows were cut from it or added.")
            verified.tables[table] = rows
    _check_batches(verified)
    _check_settings(verified)
    _check_access(verified)
    _check_uploads(verified)
    return verified


def _member(archive: zipfile.ZipFile, member: str) -> bytes:
    try:
        return archive.read(member)
    except KeyError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError,
            RuntimeError) as exc:
        raise _Refusal(f"the file {member} inside it is damaged and cannot be read.") from exc


def _read_table(archive: zipfile.ZipFile, table: str) -> list[tuple]:
    member = f"{table}.jsonl"
    try:
        text = _member(archive, member)
    except KeyError as exc:
        raise _Refusal(f"the table {table} is missing from it.") from exc
    cols = backup_columns(table)
    allowed = set(cols)
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise _Refusal(f"{member} line {number} is not valid JSON.") from exc
        if not isinstance(record, dict):
            raise _Refusal(f"{member} line {number} is not a record of the table's columns.")
        extra = sorted(set(record) - allowed)
        if extra:
            raise _Refusal(f"{member} line {number} has a column {extra[0]!r} that the {table} "
                           "table does not have.")
        rows.append(tuple(_value(record.get(c), c, table, member, number) for c in cols))
    return rows


def _value(value, col: str, table: str, member: str, number: int):
    """One JSON value -> what the database column takes; a refusal if it is not of its type."""
    def bad(what: str) -> _Refusal:
        shown = value if len(repr(value)) <= 40 else f"{repr(value)[:37]}..."
        return _Refusal(f"{member} line {number}, column {col}: {shown!r} is not {what}.")

    if value is None:
        if col == "batch_id" or (table != LEGACY_PUPIL_TABLE and not _table(table).c[col].nullable
                                 and not _table(table).c[col].primary_key):
            raise bad("allowed to be blank")
        return None
    if col in _BATCH_COLUMNS or col in ("pupil_rows", "data_size", "row_count") \
            or (col in INT_COLUMNS and table != "settings"):
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or not float(value).is_integer() or value < 0:
            raise bad("a whole number")
        return int(value)
    if col == "data":
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, TypeError, ValueError) as exc:
            raise bad("a block of pupil rows") from exc
    if table in ALL_DATA_TABLES or table == LEGACY_PUPIL_TABLE:
        if col in FLOAT_COLUMNS:
            if isinstance(value, bool) or not isinstance(value, int | float) \
                    or not np.isfinite(value):
                raise bad("a number")
            return float(value)
        if col in DATE_COLUMNS:
            try:
                return dt.date.fromisoformat(value)
            except (TypeError, ValueError) as exc:
                raise bad("a date (YYYY-MM-DD)") from exc
        if col in BOOL_COLUMNS:
            if not isinstance(value, bool):
                raise bad("true or false")
            return value
    if not isinstance(value, str):
        raise bad("text")
    return value


def _check_batches(verified: Verified) -> None:
    """Upload numbers are unique; every row belongs to an upload in the history."""
    ids = verified.batch_ids
    seen = set()
    for number, (batch_id, files) in enumerate(
            zip(ids, verified.column("batches", "files"), strict=True), start=1):
        if batch_id in seen:
            raise _Refusal(f"batches.jsonl line {number} repeats upload {batch_id}.")
        seen.add(batch_id)
        try:
            names = json.loads(files)
            assert isinstance(names, list) and all(isinstance(f, dict) and "name" in f
                                                   for f in names)
        except (json.JSONDecodeError, AssertionError) as exc:
            raise _Refusal(f"batches.jsonl line {number}, column files: not a list of files."
                           ) from exc
    data_tables = [t for t in ALL_DATA_TABLES + [LEGACY_PUPIL_TABLE] if t in verified.tables]
    if not ids and not any(verified.tables[t] for t in data_tables):
        raise _Refusal("every table in it is empty: it holds no uploads and no rows, so there is "
                       "nothing to restore.")
    for table in data_tables:
        for col in ("batch_id", "superseded_by"):
            for number, batch_id in enumerate(verified.column(table, col), start=1):
                if batch_id is not None and batch_id not in seen:
                    raise _Refusal(
                        f"{table}.jsonl line {number} belongs to upload {batch_id}, which is not "
                        "in the backup's history (batches.jsonl), so it could never be undone.")
    # Upload numbers are given one after another and undo keeps the line: a gap is a cut line.
    gaps = sorted(set(range(1, max(ids, default=0) + 1)) - seen)
    if gaps:
        raise _Refusal(f"the backup's history (batches.jsonl) has no line for upload {gaps[0]}, "
                       "though it has later ones: a line was removed.")


def _check_settings(verified: Verified) -> None:
    values = {}
    for number, (key, value) in enumerate(verified.tables.get("settings", []), start=1):
        try:
            values[key] = json.loads(value)
        except (json.JSONDecodeError, TypeError) as exc:
            raise _Refusal(f"settings.jsonl line {number} ({key}) is not valid JSON.") from exc
    try:
        problem = Settings.from_dict(values).problem()
    except (TypeError, ValueError) as exc:
        raise _Refusal(f"a setting is not a number ({exc}).") from exc
    if problem:
        raise _Refusal(f"its settings are outside their limits: {problem}")


def _check_access(verified: Verified) -> None:
    from analysis.access import ACTION_WORDS, ROLE_WORDS

    for number, role in enumerate(verified.column("people", "role"), start=1):
        if role not in ROLE_WORDS:
            raise _Refusal(f"people.jsonl line {number}: {role!r} is not a role.")
    for number, schools in enumerate(verified.column("people", "schools"), start=1):
        try:
            urns = json.loads(schools)
            assert isinstance(urns, list) and all(isinstance(u, str) for u in urns)
        except (json.JSONDecodeError, AssertionError) as exc:
            raise _Refusal(f"people.jsonl line {number}, column schools: not a list of URNs."
                           ) from exc
    for number, action in enumerate(verified.column("audit_log", "action"), start=1):
        if action not in ACTION_WORDS:
            raise _Refusal(f"audit_log.jsonl line {number}: {action!r} is not an action this "
                           "dashboard records.")


# ---- the rows of each upload through the upload's own checks -------------------------------------

def _cells(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Stored values as a person would type them in the template (the inverse of ingest)."""
    out = frame.reindex(columns=COLUMNS[kind]).astype(object)
    for col in ("english_grade", "maths_grade"):
        if col in out.columns:
            out[col] = [None if v is None or pd.isna(v) else "U" if float(v) == 0 else f"{v:g}"
                        for v in out[col]]
    for col in out.columns:
        if col in DATE_COLUMNS:
            out[col] = [None if v is None else v.isoformat() for v in out[col]]
    return out


def _check_uploads(verified: Verified) -> None:
    """Each upload's rows of each kind, as a CSV through ingest.read_files: a problem there is a
    refusal naming the backup line; then the rows current after the restore must refer only to
    schools, deployments and targets it holds."""
    from analysis.ingest import check_references, read_files

    current: dict[str, pd.DataFrame] = {}
    for kind in [*DATA_KINDS, "outcomes"]:
        table = kind if kind != "outcomes" else (
            "outcome_blocks" if "outcome_blocks" in verified.tables else LEGACY_PUPIL_TABLE)
        member = f"{table}.jsonl"
        frame, lines = _kind_frame(verified, table, member)
        if frame.empty:
            continue
        for batch_id, at in frame.groupby("batch_id", sort=True).indices.items():
            rows = frame.iloc[at]
            upload = read_files([(f"upload {batch_id}.csv",
                                  _cells(rows, kind).to_csv(index=False).encode())])
            if len(upload.problems):
                problem = upload.problems.iloc[0]
                where = member
                if problem["row"] is not None and not pd.isna(problem["row"]):
                    index = int(problem["row"]) - 2  # the CSV's header is row 1
                    if 0 <= index < len(at):
                        where = f"{member} {_line_words(lines[at[index]])}"
                words = str(problem["message"]).rstrip()
                words += "" if words.endswith((".", "?", "!")) else "."
                raise _Refusal(f"{where} fails the checks an upload gets: {words}")
            if len(upload.frames.get(kind, ())) != len(rows):
                raise _Refusal(f"the rows of upload {batch_id} in {member} do not read back as "
                               f"{len(rows):,} {kind} rows.")
        live = frame["superseded_by"].isna()
        current[kind] = frame.loc[live, COLUMNS[kind]].reset_index(drop=True)
    problems = check_references(current, None)
    if len(problems):
        raise _Refusal(f"its current rows refer to something it does not hold: "
                       f"{problems['message'].iloc[0]}")


def _line_words(line) -> str:
    return f"line {line}" if isinstance(line, int) else f"line {line[0]} (pupil row {line[1]})"


def _kind_frame(verified: Verified, table: str, member: str) -> tuple[pd.DataFrame, list]:
    """One table's rows as a frame of its kind's columns plus batch_id and superseded_by, and the
    backup line each came from (pupil rows: the block's line and the row within it)."""
    rows = verified.tables.get(table, [])
    cols = backup_columns(table)
    if table != "outcome_blocks":
        frame = pd.DataFrame.from_records(rows, columns=cols)
        frame["superseded_by"] = frame["superseded_by"].astype(object)
        return frame, list(range(1, len(rows) + 1))
    parts, lines = [], []
    for number, row in enumerate(rows, start=1):
        rec = dict(zip(cols, row, strict=True))
        try:
            pupils = _decode_blocks([(rec["data"], rec["data_size"])])
        except Exception as exc:  # noqa: BLE001 - any failure to decode is a damaged block
            raise _Refusal(f"{member} line {number}: the block of pupil rows in it is damaged."
                           ) from exc
        if len(pupils) != rec["pupil_rows"]:
            raise _Refusal(f"{member} line {number} says it holds {rec['pupil_rows']:,} pupil "
                           f"rows but holds {len(pupils):,}.")
        if len(pupils) and not ((pupils["urn"] == rec["urn"]).all()
                                and (pupils["period"] == rec["period"]).all()):
            raise _Refusal(f"{member} line {number}: its pupil rows are not all of school "
                           f"{rec['urn']} and {rec['period']}.")
        pupils["batch_id"] = rec["batch_id"]
        pupils["superseded_by"] = rec["superseded_by"]
        parts.append(pupils)
        lines.extend((number, i) for i in range(1, len(pupils) + 1))
    if not parts:
        return pd.DataFrame(columns=[*COLUMNS["outcomes"], "batch_id", "superseded_by"]), []
    frame = pd.concat(parts, ignore_index=True)
    frame["superseded_by"] = frame["superseded_by"].astype(object)
    return frame, lines
