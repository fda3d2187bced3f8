"""Stored values: the kinds, their natural keys and columns, the frames the store returns, and the
conversions between frames and database values; pupil rows as compressed Arrow blocks.

Pure functions: nothing here opens a connection.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.ipc as pa_ipc

from analysis.app_tables import APP_TABLES, PLAN_COLUMNS
from analysis.factorize import group_codes
from analysis.periods import period_indexes
from analysis.schema import COLUMNS, MEASURE_COLUMNS

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

# Natural keys: a row with the same key replaces the stored one.
KEYS: dict[str, list[str]] = {
    "schools": ["urn"],
    "deployments": ["deployment_id"],
    "targets": ["target_id"],
    "milestones": ["target_id", "period"],
    "school_measures": ["urn", "period", "measure", "subgroup"],
    "visits": ["deployment_id", "visit_date", "focus_area"],
    "inspections": ["urn", "inspection_date", "area"],
}
# Replaced as a whole per (urn, period): an upload of a school's term replaces all its pupil rows.
BLOCK_KEY = ["urn", "period"]
# The tables `load()` returns, in Dataset order; `measures` is combined at load.
DATA_KINDS = ["schools", "deployments", "targets", "milestones", "school_measures", "visits",
              "inspections"]
ALL_DATA_TABLES = DATA_KINDS + ["outcome_blocks", "measures"] + APP_TABLES  # app_tables: schema 6
# The rows an upload brought in (its batches.row_count): everything but the computed measures.
ROW_COUNT_TABLES = DATA_KINDS + ["outcome_blocks"]
# The tables of schema 1 and 2, for the migrations that read them (pupil rows one per row).
_V2_DATA_TABLES = DATA_KINDS + ["outcomes", "measures"]
_BLOCK_CODEC = "zstd"
_ENCODING_THREADS = min(4, os.cpu_count() or 1)

FLOAT_COLUMNS = {
    "days_committed", "funding_amount", "baseline_value", "target_value", "value",
    "english_grade", "maths_grade", "sessions_possible", "sessions_attended", "attendance_pct",
    "suspensions", "days",
}
INT_COLUMNS = {"cohort"}
DATE_COLUMNS = {"start_date", "end_date", "visit_date", "inspection_date", "rise_tier_start"}
BOOL_COLUMNS = {"disadvantaged"}

# How a person names one row of each kind, singular and plural.
NOUNS = {
    "schools": ("school", "schools"),
    "deployments": ("deployment", "deployments"),
    "targets": ("target", "targets"),
    "milestones": ("milestone", "milestones"),
    "school_measures": ("school-level figure", "school-level figures"),
    "visits": ("visit record", "visit records"),
    "inspections": ("inspection judgement", "inspection judgements"),
    "outcomes": ("pupil row", "pupil rows"),
}


@dataclass
class Dataset:
    """Current frames (columns as docs/DEVELOPING.md); never pupil rows."""

    schools: pd.DataFrame = field(default_factory=lambda: _empty("schools"))
    deployments: pd.DataFrame = field(default_factory=lambda: _empty("deployments"))
    targets: pd.DataFrame = field(default_factory=lambda: _empty("targets"))
    milestones: pd.DataFrame = field(default_factory=lambda: _empty("milestones"))
    measures: pd.DataFrame = field(default_factory=lambda: _empty("measures"))
    visits: pd.DataFrame = field(default_factory=lambda: _empty("visits"))
    inspections: pd.DataFrame = field(default_factory=lambda: _empty("inspections"))
    school_measures: pd.DataFrame = field(default_factory=lambda: _empty("school_measures"))
    # The agreed plan's events (analysis/agreed_plan.py, schema 6): agreements and target changes.
    target_plan: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PLAN_COLUMNS))

    def known(self) -> dict[str, set]:
        """What later uploads may refer to: urns, deployment_ids, target_ids, and each target's
        measure (target_measures, for a milestone uploaded without its target) (check_references)."""
        return {"urns": set(self.schools["urn"]),
                "deployment_ids": set(self.deployments["deployment_id"]),
                "target_ids": set(self.targets["target_id"]),
                "target_measures": dict(zip(self.targets["target_id"], self.targets["measure"],
                                            strict=True))}


@dataclass
class BatchResult:
    """What an import did: per-kind counts of new and replaced rows, or that it was a re-upload."""

    batch_id: int
    added: dict[str, int]
    replaced: dict[str, int]
    unchanged_duplicate: bool
    message: str


def _columns(kind: str) -> list[str]:
    return MEASURE_COLUMNS if kind == "measures" else COLUMNS[kind]


def _empty(kind: str) -> pd.DataFrame:
    return _typed(pd.DataFrame({c: [] for c in _columns(kind)}), kind)


def _typed(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Give a frame read from the database the dtypes ingest produces."""
    # Shallow: every column is replaced below, never changed in place (copy-on-write), so a
    # 1M-row upload is not copied whole first.
    out = frame.copy(deep=False)
    for col in out.columns:
        if col in FLOAT_COLUMNS:
            out[col] = pd.to_numeric(out[col], errors="coerce").astype("float64")
        elif col in INT_COLUMNS:
            # int64 like compute_measures; nullable only when some cohort is missing.
            number = pd.to_numeric(out[col], errors="coerce")
            out[col] = number.astype("int64") if number.notna().all() else number.astype("Int64")
        elif col in DATE_COLUMNS:
            # ns like ingest (pandas 3 would infer seconds from datetime.date values).
            out[col] = pd.to_datetime(out[col], errors="coerce").astype("datetime64[ns]")
        elif col in BOOL_COLUMNS:
            out[col] = out[col].astype("boolean")
        else:
            out[col] = out[col].astype("str")  # pandas 3: missing stays missing
    return out




def _column_values(series: pd.Series, col: str) -> np.ndarray:
    """A column as an object array of plain Python values, None for missing (no numpy scalars)."""
    if col in FLOAT_COLUMNS or col in INT_COLUMNS:
        arr = pd.to_numeric(series, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        missing = np.isnan(arr)
        if col in INT_COLUMNS:  # cohorts: Python ints (round half to even, as round() does)
            out = np.where(missing, 0, np.round(arr)).astype(np.int64).astype(object)
        else:
            out = arr.astype(object)
        out[missing] = None
        return out
    if col in DATE_COLUMNS:
        dates = pd.to_datetime(series, errors="coerce")
        return np.array([None if pd.isna(v) else v.date() for v in dates], dtype=object)
    values = series.to_numpy(dtype=object, na_value=None)
    if col in BOOL_COLUMNS:
        return np.array([None if v is None else bool(v) for v in values], dtype=object)
    if len(values) and not all(isinstance(v, str) or v is None for v in values[:50]):
        # Text that arrived as numbers (e.g. an id typed as 123): store it as the text it shows.
        values = np.array([None if v is None else str(v) for v in values], dtype=object)
    return values


def _rows(frame: pd.DataFrame, cols: list[str], extra: dict) -> tuple[list[str], list[tuple]]:
    """Frame -> (column names, row tuples) with the extra constant columns appended.

    Columns that are entirely missing are left out (the database fills NULL): a primary
    school's file has no GCSE grades, and every bound value costs time on 200k rows.
    """
    n = len(frame)
    names, columns = [], []
    for col in cols:
        if col in frame.columns:
            values = _column_values(frame[col], col)
            if np.not_equal(values, None).any():
                names.append(col)
                columns.append(values.tolist())
    for name, value in extra.items():
        if value is not None:
            names.append(name)
            columns.append([value] * n)
    return names, list(zip(*columns, strict=True)) if n else []


def _norm(value, col: str):
    """One value in a form that compares equal across a round trip through any database."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if col in FLOAT_COLUMNS or col in INT_COLUMNS:
        return round(float(value), 9)
    if col in DATE_COLUMNS:
        return pd.Timestamp(value).date().isoformat()
    if col in BOOL_COLUMNS:
        return bool(value)
    return str(value).strip()


def _tuples(frame: pd.DataFrame, cols: list[str]) -> list[tuple]:
    columns = [[_norm(v, c) for v in frame[c].astype(object)] if c in frame.columns
               else [None] * len(frame) for c in cols]
    return list(zip(*columns, strict=True)) if len(frame) else []


# ---- pupil rows as compressed blocks ------------------------------------------------------------

# One Arrow type per outcomes column, so every block decodes alike (an all-blank column too).
_BLOCK_SCHEMA = pa.schema([
    (c, pa.float64() if c in FLOAT_COLUMNS else pa.bool_() if c in BOOL_COLUMNS else pa.string())
    for c in COLUMNS["outcomes"]
])


def _encode_block(table: pa.Table) -> tuple[bytes, int]:
    """Arrow table -> (zstd-compressed IPC stream, its size before compression)."""
    sink = pa.BufferOutputStream()
    with pa_ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    raw = sink.getvalue()
    # One compression of the whole stream: much faster than IPC's per-buffer compression for
    # 500 small blocks, and as small.
    return pa.compress(raw, codec=_BLOCK_CODEC, asbytes=True), raw.size


def _decode_blocks(blobs: list[tuple[bytes, int]]) -> pd.DataFrame:
    """(data, data_size) of blocks -> their pupil rows in order, with ingest's dtypes."""
    tables = [pa_ipc.open_stream(pa.decompress(data, decompressed_size=size, codec=_BLOCK_CODEC))
              .read_all() for data, size in blobs]
    table = pa.concat_tables(tables) if tables else _BLOCK_SCHEMA.empty_table()
    return _typed(table.to_pandas(), "outcomes")


def _frame_blocks(frame: pd.DataFrame, batch_id: int, superseded_by=None) -> list[dict]:
    """Pupil rows (outcomes columns) -> one outcome_blocks record per school and period.

    `superseded_by` is None for a new upload, or a per-row Series when the migration converts
    stored rows (every row of a stored block shares it). Blocks keep the order they first appear
    in, and rows their order within a block.
    """
    if frame is None or frame.empty:
        return []
    typed = _typed(frame.reindex(columns=COLUMNS["outcomes"]), "outcomes")
    keys = [typed["urn"], typed["period"]]
    if superseded_by is not None:
        keys.append(pd.Series(pd.to_numeric(superseded_by).fillna(-1).astype("int64").to_numpy()))
    # Blocks in the order they first appear, rows in their order within each: one integer code
    # per row for (urn, period[, superseded_by]) and a stable sort, no groupby over text.
    group, _ = pd.factorize(group_codes(keys))
    sizes = np.bincount(group)
    order = np.argsort(group, kind="stable")
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])  # each block's first row, in order
    firsts = order[starts]
    urns, periods = typed["urn"].take(firsts).tolist(), typed["period"].take(firsts).tolist()
    replaced = keys[2].to_numpy()[firsts].tolist() if superseded_by is not None else None
    table = pa.Table.from_pandas(typed, schema=_BLOCK_SCHEMA, preserve_index=False)
    del typed
    if not np.array_equal(order, np.arange(len(order))):  # an upload is usually in order
        table = table.take(order)  # one gather, then zero-copy slices per block
    slices = [table.slice(start, rows)
              for start, rows in zip(starts.tolist(), sizes.tolist(), strict=True)]
    # Arrow writes and zstd compresses without the GIL, so blocks are encoded on several
    # threads (a 1M-row CSV import: 2.48 -> 2.10 s on 2 cores); map keeps them in order.
    with ThreadPoolExecutor(max_workers=_ENCODING_THREADS) as pool:
        encoded = list(pool.map(_encode_block, slices))
    blocks = []
    for i, (rows, (data, size)) in enumerate(zip(sizes.tolist(), encoded, strict=True)):
        replaced_by = None if replaced is None or replaced[i] == -1 else int(replaced[i])
        blocks.append({"urn": str(urns[i]), "period": str(periods[i]), "pupil_rows": rows,
                       "data_size": size, "data": data, "batch_id": batch_id,
                       "superseded_by": replaced_by})
    return blocks



def _fetch_frame(conn: Connection, query, cols: list[str]) -> pd.DataFrame:
    """A select -> a frame, read through the driver's own cursor as plain tuples.

    SQLAlchemy's Row objects cost ~20 us each to build and pandas probes every one of them for
    attributes (a KeyError each): 250,000 measure rows took 15 s that way, under 2 s like this.
    Dates come back as ISO text from SQLite; `_typed` parses them as it does every column.
    """
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.params
    if compiled.positional:
        params = tuple(params[name] for name in compiled.positiontup)
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        cursor.execute(str(compiled), params)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    if not rows:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in cols})
    return pd.DataFrame(rows, columns=cols, dtype=object)


def _plural(n: int, kind: str) -> str:
    one, many = NOUNS.get(kind, (kind, kind))
    return f"{n:,} {one if n == 1 else many}"


def _describe_key(kind: str, key: tuple, names: dict[str, str]) -> str:
    if kind == "schools":
        return f"{names.get(key[0], 'school')} ({key[0]})"
    if kind == "deployments":
        return f"deployment {key[0]}"
    if kind == "targets":
        return f"target {key[0]}"
    return f"{NOUNS[kind][0]} " + ", ".join("" if k is None else str(k) for k in key)



def _show(value) -> str:
    if value is None:
        return "(blank)"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _summary(added: dict[str, int], replaced: dict[str, int]) -> str:
    """'14,880 new pupil rows, 11 new schools, 2 targets replaced'."""
    parts = []
    for kind in ["outcomes", *KEYS]:
        new, old = added.get(kind, 0), replaced.get(kind, 0)
        if new:
            parts.append(f"{new:,} new {_plural(new, kind).split(' ', 1)[1]}")
        if old:
            parts.append(f"{_plural(old, kind)} replaced")
    return ", ".join(parts) or "nothing"


def period_sort_key(series: pd.Series) -> pd.Series:
    """Order a column of period labels by time (for sort_values(key=...))."""
    return period_indexes(series)
