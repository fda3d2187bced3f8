"""The database: every import is a batch that can be undone; pages read current frames only.

SQLAlchemy Core over SQLite by default, PostgreSQL (or any SQLAlchemy URL) by `DATABASE_URL`.

Versioning: every data row carries `batch_id` (the import that wrote it) and `superseded_by`
(NULL while current). Importing a row whose natural key is already stored marks the old row
`superseded_by = new batch` and inserts the new one, so undoing a batch is: delete its rows and
make current again the rows it superseded. Pupil rows (`outcomes`) are replaced as a block per
school and period, and so are the measures computed from them at import (pages never recompute
from millions of pupil rows). `load()` never returns pupil rows.

Pupil rows are stored one block per row of `outcome_blocks` (schema 3): the block's normalised
frame as an Arrow IPC stream, zstd-compressed, with its pupil count beside it. A block is only
ever written, replaced and undone whole, so one binary value per block stores 200,000 rows in a
tenth of the time one database row per pupil took; `pupil_rows()` decodes them when needed.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
import os
import time
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.ipc as pa_ipc
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError

from analysis.access_store import migration_4
from analysis.app_tables import APP_TABLES, PLAN_COLUMNS, define_tables, migration_5
from analysis.periods import period_index
from analysis.schema import COLUMNS, MEASURE_COLUMNS, Settings

REPO = Path(__file__).resolve().parent.parent
# The default store: one SQLite file beside the code, made on first use.
DEFAULT_DB_PATH = REPO / "data" / "impact.sqlite"
# How long an import waits for another one to finish before giving up.
LOCK_TIMEOUT_SECONDS = 30.0
# Any fixed number: the PostgreSQL advisory lock that serialises writers.
_PG_LOCK_KEY = 7_243_911
BUSY_MESSAGE = "Another upload is in progress; try again in a minute."
# The summary that marks a batch as the emptying of the store (undo of it is only safe as the last one).
EMPTIED = "Emptied the store"

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
ALL_DATA_TABLES = DATA_KINDS + ["outcome_blocks", "measures"] + APP_TABLES  # app_tables: schema 5
# The rows an upload brought in (its batches.row_count): everything but the computed measures.
ROW_COUNT_TABLES = DATA_KINDS + ["outcome_blocks"]
# The tables of schema 1 and 2, for the migrations that read them (pupil rows one per row).
_V2_DATA_TABLES = DATA_KINDS + ["outcomes", "measures"]
_BLOCK_CODEC = "zstd"

FLOAT_COLUMNS = {
    "days_committed", "funding_amount", "baseline_value", "target_value", "value",
    "english_grade", "maths_grade", "sessions_possible", "sessions_attended", "attendance_pct",
    "suspensions", "days",
}
INT_COLUMNS = {"cohort"}
DATE_COLUMNS = {"start_date", "end_date", "visit_date", "inspection_date"}
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


class StoreError(Exception):
    """Something a user caused (a bad upload, an undo out of order, a busy store): say what to do."""

    def __init__(self, message: str, problems: pd.DataFrame | None = None):
        super().__init__(message)
        self.message = message
        self.problems = problems


SUPPORTED_BACKENDS = ("sqlite", "postgresql")


def fault_sentence(exc: BaseException, where: str) -> str:
    """A database fault -> one plain sentence for the page or the command line. Never the driver's
    own text: it can hold SQL and its parameters (pupil data)."""
    text = str(getattr(exc, "orig", None) or exc).lower()
    if "database or disk is full" in text or "no space left" in text:
        return (f"The disk holding the store ({where}) is full, so nothing was changed. Free some "
                "space and try again.")
    if "readonly" in text or "read-only" in text or "unable to open database file" in text \
            or "permission denied" in text or isinstance(exc, PermissionError | FileNotFoundError):
        return (f"The store ({where}) cannot be opened for writing: check that its folder exists and "
                "that the dashboard may write there. Nothing was changed.")
    if "connection refused" in text or "could not connect" in text or "connection failed" in text \
            or "name or service not known" in text or "timeout expired" in text:
        return (f"Cannot reach the database server ({where}): is it running and accepting "
                "connections? Nothing was changed.")
    if "server closed the connection" in text or "terminating connection" in text \
            or "connection is closed" in text or "consuming input failed" in text \
            or "the connection is lost" in text:
        return (f"The connection to the database server ({where}) was lost part-way; the "
                "interrupted step changed nothing. Try again when the server is back.")
    return (f"The store ({where}) could not be used ({type(exc).__name__}); nothing was changed. "
            "The server log has the details.")


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
    # The agreed plan's events (analysis/agreed_plan.py, schema 5): agreements and target changes.
    target_plan: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PLAN_COLUMNS))

    def known(self) -> dict[str, set]:
        """What later uploads may refer to: urns, deployment_ids, target_ids (check_references)."""
        return {"urns": set(self.schools["urn"]),
                "deployment_ids": set(self.deployments["deployment_id"]),
                "target_ids": set(self.targets["target_id"])}


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
    out = frame.copy()
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


# ---- the schema, by version --------------------------------------------------------------------

def _sql_type(col: str) -> sa.types.TypeEngine:
    if col in FLOAT_COLUMNS:
        return sa.Float()
    if col in INT_COLUMNS:
        return sa.Integer()
    if col in DATE_COLUMNS:
        return sa.Date()
    if col in BOOL_COLUMNS:
        return sa.Boolean()
    return sa.Text()


def _schema_v1(metadata: sa.MetaData) -> None:
    """Every table as migration 1 creates it. Later migrations alter; they never edit this."""
    for kind in _V2_DATA_TABLES:
        sa.Table(
            kind, metadata,
            sa.Column("row_id", sa.Integer, primary_key=True, autoincrement=True),
            *[sa.Column(c, _sql_type(c)) for c in _columns(kind)],
            sa.Column("batch_id", sa.Integer, nullable=False),
            sa.Column("superseded_by", sa.Integer, nullable=True),
        )
    # Pupil rows and their measures are found and replaced by school and period. No other
    # index: each one slows the 200k-row insert, and undo's scan by batch_id is rare and quick.
    sa.Index("ix_outcomes_block", metadata.tables["outcomes"].c.urn,
             metadata.tables["outcomes"].c.period)
    sa.Index("ix_measures_block", metadata.tables["measures"].c.urn,
             metadata.tables["measures"].c.period)
    sa.Table(
        "batches", metadata,
        sa.Column("batch_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("created_at", sa.Text, nullable=False),  # ISO 8601 UTC: exact in backups
        sa.Column("user", sa.Text, nullable=False),
        sa.Column("files", sa.Text, nullable=False),  # JSON list of {name, sha256, size}
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("undone_at", sa.Text, nullable=True),
    )
    sa.Table("settings", metadata, sa.Column("key", sa.Text, primary_key=True),
             sa.Column("value", sa.Text))
    # Store bookkeeping that is not a trust's setting: the data version, the sample-data choice.
    sa.Table("meta", metadata, sa.Column("key", sa.Text, primary_key=True),
             sa.Column("value", sa.Text))


def _schema_v2(metadata: sa.MetaData) -> None:
    """What migration 2 adds to the v1 tables: how many rows each upload wrote."""
    # NULL when not known: an upload undone before version 2 has no rows left to count.
    metadata.tables["batches"].append_column(sa.Column("row_count", sa.Integer, nullable=True))


def _schema_v3(metadata: sa.MetaData) -> None:
    """What migration 3 changes: pupil rows move from one row each to one row per block."""
    metadata.remove(metadata.tables["outcomes"])
    blocks = sa.Table(
        "outcome_blocks", metadata,
        sa.Column("block_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("urn", sa.Text, nullable=False),
        sa.Column("period", sa.Text, nullable=False),
        sa.Column("pupil_rows", sa.Integer, nullable=False),
        # Bytes of the Arrow stream before compression: zstd needs it to decompress.
        sa.Column("data_size", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),  # zstd(Arrow IPC stream of the rows)
        sa.Column("batch_id", sa.Integer, nullable=False),
        sa.Column("superseded_by", sa.Integer, nullable=True),
    )
    sa.Index("ix_outcome_blocks_block", blocks.c.urn, blocks.c.period)


def _migration_1(conn: Connection) -> None:
    metadata = sa.MetaData()
    _schema_v1(metadata)
    metadata.create_all(conn)


def _migration_2(conn: Connection) -> None:
    """batches.row_count, backfilled from the rows each live upload wrote."""
    conn.execute(sa.text("ALTER TABLE batches ADD COLUMN row_count INTEGER"))
    _backfill_row_counts(conn, _V2_DATA_TABLES[:-1])


def _migration_3(conn: Connection) -> None:
    """Pupil rows into one compressed block per upload, school and period; drop the old table."""
    metadata = sa.MetaData()
    _schema_v1(metadata)
    _schema_v2(metadata)
    _schema_v3(metadata)
    metadata.tables["outcome_blocks"].create(conn)
    old = sa.table("outcomes", sa.column("row_id"), sa.column("batch_id"),
                   sa.column("superseded_by"), *[sa.column(c) for c in COLUMNS["outcomes"]])
    # Batch by batch, so a store of millions of pupil rows is never all in memory at once.
    batch_ids = conn.execute(sa.select(old.c.batch_id).distinct().order_by(old.c.batch_id)).scalars()
    for batch_id in batch_ids.all():
        cols = ["batch_id", "superseded_by", *COLUMNS["outcomes"]]
        rows = conn.execute(sa.select(*[old.c[c] for c in cols]).where(old.c.batch_id == batch_id)
                            .order_by(old.c.row_id)).all()
        frame = pd.DataFrame.from_records(rows, columns=cols)
        _insert_blocks(conn, _frame_blocks(frame, batch_id, frame["superseded_by"]))
    conn.execute(sa.text("DROP TABLE outcomes"))


def _backfill_row_counts(conn: Connection, tables: list[str] = ROW_COUNT_TABLES) -> None:
    """Set row_count where it is NULL for uploads not undone: the rows they wrote, current or replaced.

    One GROUP BY per table rather than a count per upload: outcomes has no index on batch_id
    (it would slow every import), so a per-upload count would scan millions of rows each time.
    """
    batches = sa.table("batches", sa.column("batch_id"), sa.column("row_count"),
                       sa.column("undone_at"))
    todo = set(conn.execute(sa.select(batches.c.batch_id).where(
        batches.c.row_count.is_(None), batches.c.undone_at.is_(None))).scalars())
    if not todo:
        return
    totals = dict.fromkeys(todo, 0)
    for kind in tables:  # what a person uploaded; measures are computed from pupil rows
        table = sa.table(kind, sa.column("batch_id"), sa.column("pupil_rows"))
        # A block row holds many pupil rows; every other row is one.
        size = sa.func.sum(table.c.pupil_rows) if kind == "outcome_blocks" else sa.func.count()
        for batch_id, rows in conn.execute(
                sa.select(table.c.batch_id, size).group_by(table.c.batch_id)):
            if batch_id in totals:
                totals[batch_id] += rows
    conn.execute(batches.update().where(batches.c.batch_id == sa.bindparam("b_id"))
                 .values(row_count=sa.bindparam("b_rows")),
                 [{"b_id": b, "b_rows": n} for b, n in sorted(totals.items())])


# Applied in order; the store records how many have run. Append, never edit or reorder: a store
# made by any earlier version is brought up to date by running the ones it has not had.
MIGRATIONS = [_migration_1, _migration_2, _migration_3, migration_4, migration_5]

# The tables as the code uses them: every migration's schema, in order.
METADATA = sa.MetaData()
_schema_v1(METADATA)
_schema_v2(METADATA)
_schema_v3(METADATA)
define_tables(METADATA)  # schema 5: analysis/app_tables.py
T = METADATA.tables
SCHEMA_VERSION = sa.Table(
    "schema_version", sa.MetaData(),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("applied_at", sa.Text, nullable=False),
)


# ---- values in and out ---------------------------------------------------------------------------

def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _column_values(series: pd.Series, col: str) -> np.ndarray:
    """A column as an object array of plain Python values, None for missing (no numpy scalars)."""
    if col in FLOAT_COLUMNS or col in INT_COLUMNS:
        arr = pd.to_numeric(series, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        missing = np.isnan(arr)
        if col in INT_COLUMNS:  # cohorts: few rows, so a plain loop is fine
            return np.array([None if m else int(round(v)) for v, m in zip(arr, missing, strict=True)],
                            dtype=object)
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
        keys.append(pd.to_numeric(superseded_by).fillna(-1).astype("int64").to_numpy())
    groups = typed.groupby(keys, sort=False, dropna=False).indices
    table = pa.Table.from_pandas(typed, schema=_BLOCK_SCHEMA, preserve_index=False)
    order = np.concatenate(list(groups.values()))
    table = table.take(order)  # one gather, then zero-copy slices per block
    blocks, start = [], 0
    for key, rows in groups.items():
        data, size = _encode_block(table.slice(start, len(rows)))
        start += len(rows)
        replaced_by = None if superseded_by is None or key[2] == -1 else int(key[2])
        blocks.append({"urn": str(key[0]), "period": str(key[1]), "pupil_rows": len(rows),
                       "data_size": size, "data": data, "batch_id": batch_id,
                       "superseded_by": replaced_by})
    return blocks


def _insert_blocks(conn: Connection, blocks: list[dict]) -> None:
    if blocks:  # a few hundred rows even for 200,000 pupils: a plain executemany
        conn.execute(T["outcome_blocks"].insert(), blocks)


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


def _safe_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


# ---- the store -----------------------------------------------------------------------------------

class Store:
    """The database behind the dashboard; see the module docstring for how versions work."""

    def __init__(self, url: str | None = None, lock_timeout: float = LOCK_TIMEOUT_SECONDS):
        url = url or os.environ.get("DATABASE_URL") or None
        if url is None:
            DEFAULT_DB_PATH.parent.mkdir(parents=True, exist_ok=True)
            url = f"sqlite:///{DEFAULT_DB_PATH}"
        # A bare postgresql:// would pick psycopg2, which is not installed; psycopg 3 is.
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                url = "postgresql+psycopg://" + url[len(prefix):]
        self.lock_timeout = lock_timeout
        self.where = url.split("@")[-1]  # never the password
        try:
            backend = sa.engine.make_url(url).get_backend_name()
        except ArgumentError as exc:
            raise StoreError(f"The store address {self.where!r} is not a database URL: use "
                             "sqlite:///path/impact.sqlite or postgresql+psycopg://user@host/db.") from exc
        if backend not in SUPPORTED_BACKENDS:
            raise StoreError(f"The store address uses {backend}, which this dashboard does not "
                             "support: use a SQLite file (sqlite:///path/impact.sqlite) or PostgreSQL "
                             "(postgresql+psycopg://user@host/db).")
        try:
            self.engine = self._make_engine(url)
            self._migrate()
        except StoreError:
            raise
        except (ArgumentError, NoSuchModuleError, ModuleNotFoundError, DBAPIError, OSError) as exc:
            raise StoreError(fault_sentence(exc, self.where)) from exc

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def _make_engine(self, url: str) -> Engine:
        parsed = sa.engine.make_url(url)
        if parsed.get_backend_name() != "sqlite":
            return sa.create_engine(url, pool_pre_ping=True)
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(
            url, connect_args={"timeout": self.lock_timeout},
            poolclass=sa.pool.StaticPool if not database or database == ":memory:" else None,
        )

        @event.listens_for(engine, "connect")
        def _connect(dbapi_conn, _record):
            # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
            dbapi_conn.isolation_level = None
            cursor = dbapi_conn.cursor()
            # WAL: pages keep reading while an import writes.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(conn):
            # A writer takes the write lock at BEGIN, so two imports never interleave.
            write = conn.get_execution_options().get("impact_write")
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        """One read transaction that sees one snapshot of the store throughout."""
        try:
            with self.engine.connect() as conn:
                if self.dialect == "postgresql":
                    # READ COMMITTED takes a new snapshot per statement, so a load or a backup
                    # reading table after table could mix before and after an import that commits
                    # meanwhile. SQLite's WAL already gives a read transaction one snapshot.
                    conn.execution_options(isolation_level="REPEATABLE READ")
                with conn.begin():
                    yield conn
        except DBAPIError as exc:
            raise StoreError(fault_sentence(exc, self.where)) from exc

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        """One transaction holding the store's write lock; StoreError if it stays busy."""
        try:
            with self.engine.connect() as conn:
                conn.execution_options(impact_write=True)
                with conn.begin():
                    if self.dialect == "postgresql":
                        self._pg_lock(conn)
                    yield conn
        except OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise StoreError(BUSY_MESSAGE) from exc
            raise StoreError(fault_sentence(exc, self.where)) from exc
        except DBAPIError as exc:
            raise StoreError(fault_sentence(exc, self.where)) from exc

    def _pg_lock(self, conn: Connection) -> None:
        # Polling try-lock rather than a blocking lock, so a loser gives up after the timeout.
        deadline = time.monotonic() + self.lock_timeout
        while not conn.execute(sa.select(sa.func.pg_try_advisory_xact_lock(_PG_LOCK_KEY))).scalar():
            if time.monotonic() > deadline:
                raise StoreError(BUSY_MESSAGE)
            time.sleep(0.1)

    def _migrate(self) -> None:
        if self.schema_version() == len(MIGRATIONS):
            return
        with self._writing() as conn:
            SCHEMA_VERSION.create(conn, checkfirst=True)
            done = conn.execute(sa.select(sa.func.max(SCHEMA_VERSION.c.version))).scalar() or 0
            if done > len(MIGRATIONS):
                raise StoreError(
                    f"This database was made by a newer version of the dashboard (schema {done}); "
                    "update the code before using it."
                )
            for number, migration in enumerate(MIGRATIONS[done:], start=done + 1):
                migration(conn)
                conn.execute(SCHEMA_VERSION.insert().values(version=number, applied_at=_now()))
            if done < len(MIGRATIONS):  # another process starting at once may have done it all
                self._bump(conn)

    def schema_version(self) -> int:
        """How many migrations this database has had (0 for an empty database)."""
        with self._reading() as conn:
            if not sa.inspect(conn).has_table("schema_version"):
                return 0
            return conn.execute(sa.select(sa.func.max(SCHEMA_VERSION.c.version))).scalar() or 0

    # -- bookkeeping ----------------------------------------------------------------------------

    def _set_meta(self, conn: Connection, key: str, value: str | None) -> None:
        conn.execute(T["meta"].delete().where(T["meta"].c.key == key))
        if value is not None:
            conn.execute(T["meta"].insert().values(key=key, value=value))

    def _bump(self, conn: Connection) -> None:
        # A fresh random token (not a counter) so a cleared and refilled store never repeats one.
        self._set_meta(conn, "data_version", uuid.uuid4().hex)

    def version(self) -> str:
        """A token that changes on every import, undo, settings change, clear and restore."""
        with self._reading() as conn:
            value = conn.execute(
                sa.select(T["meta"].c.value).where(T["meta"].c.key == "data_version")
            ).scalar()
        return value or "empty"

    def get_meta(self, key: str) -> str | None:
        """A bookkeeping value (e.g. whether the sample data was loaded); None when unset."""
        with self._reading() as conn:
            return conn.execute(sa.select(T["meta"].c.value).where(T["meta"].c.key == key)).scalar()

    def set_meta(self, key: str, value: str | None) -> None:
        """Store a bookkeeping value (None deletes it). Does not change version()."""
        with self._writing() as conn:
            self._set_meta(conn, key, value)

    # -- settings -------------------------------------------------------------------------------

    def get_settings(self) -> Settings:
        """The trust's settings; defaults for any not saved."""
        with self._reading() as conn:
            rows = conn.execute(sa.select(T["settings"].c.key, T["settings"].c.value)).all()
        return Settings.from_dict({k: json.loads(v) for k, v in rows})

    def save_settings(self, settings: Settings) -> None:
        """Save every setting; StoreError for a value outside its range."""
        problem = settings.problem()
        if problem:
            raise StoreError(problem)
        values = settings.as_dict()
        with self._writing() as conn:
            conn.execute(T["settings"].delete())
            conn.execute(T["settings"].insert(),
                         [{"key": k, "value": json.dumps(v)} for k, v in values.items()])
            self._bump(conn)

    # -- reading --------------------------------------------------------------------------------

    def _current(self, conn: Connection, kind: str, cols: list[str] | None = None) -> pd.DataFrame:
        table = T[kind]
        cols = cols or _columns(kind)
        rows = conn.execute(
            sa.select(*[table.c[c] for c in cols]).where(table.c.superseded_by.is_(None))
            .order_by(table.c.row_id)
        ).all()
        return pd.DataFrame.from_records(rows, columns=cols)

    def load(self) -> Dataset:
        """Every current frame, measures combined from pupil-computed and school-level figures."""
        from analysis.measures import combine_measures

        with self._reading() as conn:
            frames = {kind: _typed(self._current(conn, kind), kind) for kind in DATA_KINDS}
            computed = _typed(self._current(conn, "measures"), "measures")
            plan = self._current(conn, "target_plan", PLAN_COLUMNS)
        measures = combine_measures(computed, frames["school_measures"])
        return Dataset(measures=measures, target_plan=plan, **frames)

    def pupil_counts(self) -> pd.DataFrame:
        """urn, period, rows: current pupil rows per school and period."""
        with self._reading() as conn:
            rows = self._pupil_counts(conn)
        out = pd.DataFrame.from_records(rows, columns=["urn", "period", "rows"])
        out["rows"] = out["rows"].astype("int64")
        return out

    def pupil_rows(self, urn: str | None = None, period: str | None = None,
                   with_history: bool = False) -> pd.DataFrame:
        """Current pupil rows (outcomes columns), decoded, optionally of one school and/or period.

        with_history: replaced blocks too, with batch_id and superseded_by (<NA> while current)
        added, for checks of what each upload stored.
        """
        table = T["outcome_blocks"]
        query = sa.select(table.c.data, table.c.data_size, table.c.pupil_rows, table.c.batch_id,
                          table.c.superseded_by).order_by(table.c.block_id)
        if not with_history:
            query = query.where(table.c.superseded_by.is_(None))
        if urn is not None:
            query = query.where(table.c.urn == str(urn))
        if period is not None:
            query = query.where(table.c.period == str(period))
        with self._reading() as conn:
            blocks = conn.execute(query).all()
        out = _decode_blocks([(bytes(b.data), b.data_size) for b in blocks])
        if with_history:
            out["batch_id"] = np.repeat([b.batch_id for b in blocks],
                                        [b.pupil_rows for b in blocks]).astype("int64")
            out["superseded_by"] = pd.array(np.repeat(
                [b.superseded_by for b in blocks], [b.pupil_rows for b in blocks]), dtype="Int64")
        return out

    def counts(self) -> dict[str, int]:
        """Current rows per table (pupil rows as `outcomes`), and the number of batches."""
        with self._reading() as conn:
            out = {}
            for kind in ALL_DATA_TABLES:
                table = T[kind]
                size = sa.func.count()
                if kind == "outcome_blocks":
                    kind, size = "outcomes", sa.func.coalesce(sa.func.sum(table.c.pupil_rows), 0)
                out[kind] = int(conn.execute(sa.select(size).select_from(table)
                                             .where(table.c.superseded_by.is_(None))).scalar())
            out["batches"] = conn.execute(sa.select(sa.func.count()).select_from(T["batches"])).scalar()
        return out

    def history(self) -> pd.DataFrame:
        """batch_id, created_at (UTC Timestamp), user, files (names), summary, undone, rows
        (rows the upload wrote; <NA> if undone before that was recorded): newest first."""
        with self._reading() as conn:
            rows = conn.execute(sa.select(T["batches"]).order_by(T["batches"].c.batch_id.desc())).all()
        out = pd.DataFrame.from_records(
            [(r.batch_id, pd.Timestamp(r.created_at), r.user,
              ", ".join(f["name"] for f in json.loads(r.files)), r.summary, r.undone_at is not None,
              r.row_count)
             for r in rows],
            columns=["batch_id", "created_at", "user", "files", "summary", "undone", "rows"],
        )
        out["batch_id"] = out["batch_id"].astype("int64")
        out["rows"] = pd.to_numeric(out["rows"]).astype("Int64")
        out["created_at"] = pd.to_datetime(out["created_at"], utc=True)
        out["undone"] = out["undone"].astype(bool)
        return out

    def _known(self, conn: Connection) -> dict[str, set]:
        def keys(kind: str, col: str) -> set:
            table = T[kind]
            return set(conn.execute(sa.select(table.c[col]).where(table.c.superseded_by.is_(None)))
                       .scalars())
        return {"urns": keys("schools", "urn"), "deployment_ids": keys("deployments", "deployment_id"),
                "target_ids": keys("targets", "target_id")}

    def _duplicate_of(self, conn: Connection, upload) -> int | None:
        """The live batch that imported exactly these files (by content), if any."""
        hashes = sorted(f.sha256 for f in upload.files)
        if not hashes:
            return None
        rows = conn.execute(sa.select(T["batches"].c.batch_id, T["batches"].c.files)
                            .where(T["batches"].c.undone_at.is_(None))).all()
        for batch_id, files in rows:
            if sorted(f["sha256"] for f in json.loads(files)) == hashes:
                return batch_id
        return None

    # -- preview and import ---------------------------------------------------------------------

    def _plan(self, conn: Connection, frames: dict[str, pd.DataFrame]) -> dict:
        """For each kind: which stored rows the upload replaces, and how each key changes."""
        plan = {}
        for kind, key in KEYS.items():
            frame = frames.get(kind)
            if frame is None or frame.empty:
                continue
            # Two rows with one key in one upload: the later wins, as in a spreadsheet read top-down.
            new_keys = _tuples(frame, key)
            keep = ~pd.Series([str(k) for k in new_keys]).duplicated(keep="last").to_numpy()
            frame = frame[keep].reset_index(drop=True)
            new_keys = [k for k, kept in zip(new_keys, keep, strict=True) if kept]
            cols = COLUMNS[kind]
            stored = self._current(conn, kind, ["row_id", *cols])
            stored_keys = _tuples(stored, key)
            stored_rows = dict(zip(stored_keys, _tuples(stored, cols), strict=True))
            stored_ids = dict(zip(stored_keys, stored["row_id"].tolist(), strict=True))
            new_rows = _tuples(frame, cols)
            status, changes = [], []
            for k, row in zip(new_keys, new_rows, strict=True):
                if k not in stored_rows:
                    status.append("new")
                    changes.append([])
                else:
                    old = stored_rows[k]
                    diff = [(c, o, n) for c, o, n in zip(cols, old, row, strict=True) if o != n]
                    status.append("changed" if diff else "unchanged")
                    changes.append(diff)
            plan[kind] = {
                "frame": frame, "keys": new_keys, "status": status, "changes": changes,
                "supersede": [stored_ids[k] for k in new_keys if k in stored_ids],
            }
        outcomes = frames.get("outcomes")
        if outcomes is not None and not outcomes.empty:
            blocks = outcomes.groupby(BLOCK_KEY, sort=False).size()
            stored = {(u, p): n for u, p, n in self._pupil_counts(conn)}
            plan["outcomes"] = {
                "blocks": [(u, p, int(n), stored.get((u, p), 0)) for (u, p), n in blocks.items()],
            }
        return plan

    def _pupil_counts(self, conn: Connection) -> list[tuple]:
        table = T["outcome_blocks"]
        return conn.execute(
            sa.select(table.c.urn, table.c.period, sa.func.sum(table.c.pupil_rows))
            .where(table.c.superseded_by.is_(None)).group_by(table.c.urn, table.c.period)
        ).all()

    def preview(self, upload) -> pd.DataFrame:
        """kind, key, what (new/changed/unchanged/replace/duplicate), detail: what an import would do."""
        lines: list[tuple[str, str, str, str]] = []
        with self._reading() as conn:
            duplicate = self._duplicate_of(conn, upload)
            if duplicate is not None:
                lines.append(("batch", str(duplicate), "duplicate",
                              f"These files were already imported as upload {duplicate}: "
                              "importing them again changes nothing."))
                return pd.DataFrame(lines, columns=["kind", "key", "what", "detail"])
            plan = self._plan(conn, upload.frames)
            names = dict(conn.execute(sa.select(T["schools"].c.urn, T["schools"].c.school_name)
                                      .where(T["schools"].c.superseded_by.is_(None))).all())
        uploaded_schools = upload.frames.get("schools")
        if uploaded_schools is not None:
            names.update(zip(uploaded_schools["urn"], uploaded_schools["school_name"], strict=True))
        for urn, period, rows, before in plan.get("outcomes", {}).get("blocks", []):
            school = names.get(urn) or f"School {urn}"
            if before:
                detail = f"{school}, {period}: {rows:,} pupil rows replace {before:,}"
            else:
                detail = f"{school}, {period}: {rows:,} pupil rows (new)"
            lines.append(("outcomes", f"{urn} {period}", "replace" if before else "new", detail))
        for kind in KEYS:
            if kind not in plan:
                continue
            step = plan[kind]
            new = step["status"].count("new")
            same = step["status"].count("unchanged")
            if new:
                lines.append((kind, "", "new", f"{new:,} new {_plural(new, kind).split(' ', 1)[1]}"))
            for k, status, diff in zip(step["keys"], step["status"], step["changes"], strict=True):
                if status == "changed":
                    what = "; ".join(f"{c} {_show(o)} → {_show(n)}" for c, o, n in diff[:4])
                    lines.append((kind, " ".join(str(x) for x in k), "changed",
                                  f"{_describe_key(kind, k, names)} changed: {what}"))
            if same:
                lines.append((kind, "", "unchanged", f"{_plural(same, kind)} unchanged"))
        return pd.DataFrame(lines, columns=["kind", "key", "what", "detail"])

    def import_upload(self, upload, user: str) -> BatchResult:
        """Store an upload as one new batch in one transaction; StoreError (nothing stored) if not clean."""
        from analysis.ingest import check_references
        from analysis.measures import compute_measures

        if upload.problems is not None and len(upload.problems):
            raise StoreError(
                f"The files have {len(upload.problems)} problem(s); fix them and upload again. "
                "Nothing was imported.", upload.problems)
        frames = {k: v for k, v in upload.frames.items() if v is not None and len(v)}
        if not frames:
            raise StoreError("The files hold no records to import. Nothing was imported.")
        # Measures are computed before taking the lock: the slow part should not block others.
        outcomes = frames.get("outcomes")
        computed = compute_measures(outcomes) if outcomes is not None else None
        files = [{"name": f.name, "sha256": f.sha256, "size": int(f.size)} for f in upload.files]
        with self._writing() as conn:
            duplicate = self._duplicate_of(conn, upload)
            if duplicate is not None:
                return BatchResult(duplicate, {}, {}, True,
                                   f"These files were already imported as upload {duplicate}; "
                                   "nothing changed.")
            problems = check_references(frames, self._known(conn))
            if problems is not None and len(problems):
                raise StoreError(
                    f"The files refer to {len(problems)} thing(s) the store does not know; "
                    "upload the missing schools, deployments or targets too. Nothing was imported.",
                    problems)
            batch = (conn.execute(sa.select(sa.func.max(T["batches"].c.batch_id))).scalar() or 0) + 1
            plan = self._plan(conn, frames)
            added, replaced = {}, {}
            for kind in KEYS:
                if kind not in plan:
                    continue
                step = plan[kind]
                self._supersede_rows(conn, kind, step["supersede"], batch)
                self._insert(conn, kind, step["frame"], batch)
                added[kind] = step["status"].count("new")
                replaced[kind] = len(step["status"]) - added[kind]
            if outcomes is not None:
                blocks = plan["outcomes"]["blocks"]
                keys = [(u, p) for u, p, _, _ in blocks]
                for kind in ("outcome_blocks", "measures"):
                    self._supersede_blocks(conn, kind, keys, batch)
                _insert_blocks(conn, _frame_blocks(outcomes, batch))
                self._insert(conn, "measures", computed, batch)
                added["outcomes"] = sum(n for _, _, n, before in blocks if not before)
                replaced["outcomes"] = sum(n for _, _, n, before in blocks if before)
            summary = _summary(added, replaced)
            conn.execute(T["batches"].insert().values(
                batch_id=batch, created_at=_now(), user=user or "unknown",
                files=json.dumps(files), summary=summary, undone_at=None,
                row_count=sum(added.values()) + sum(replaced.values())))
            self._bump(conn)
        return BatchResult(batch, added, replaced, False, f"Imported as upload {batch}: {summary}.")

    def _supersede_rows(self, conn: Connection, kind: str, row_ids: list[int], batch: int) -> None:
        table = T[kind]
        for start in range(0, len(row_ids), 500):  # stay under every driver's parameter limit
            conn.execute(table.update().where(table.c.row_id.in_(row_ids[start:start + 500]))
                         .values(superseded_by=batch))

    def _supersede_blocks(self, conn: Connection, kind: str, blocks: list[tuple], batch: int) -> None:
        table = T[kind]
        if blocks:
            conn.execute(
                table.update().where(table.c.urn == sa.bindparam("b_urn"),
                                     table.c.period == sa.bindparam("b_period"),
                                     table.c.superseded_by.is_(None))
                .values(superseded_by=batch),
                [{"b_urn": u, "b_period": p} for u, p in blocks],
            )

    def _insert(self, conn: Connection, kind: str, frame: pd.DataFrame | None, batch: int,
                superseded_by: int | None = None) -> None:
        """Bulk insert: COPY on PostgreSQL, executemany of plain tuples elsewhere (fast for 200k)."""
        if frame is None or frame.empty:
            return
        names, rows = _rows(frame, _columns(kind),
                            {"batch_id": batch, "superseded_by": superseded_by})
        self._insert_rows(conn, kind, names, rows)

    def _insert_rows(self, conn: Connection, kind: str, names: list[str], rows: list[tuple]) -> None:
        if not rows:
            return
        quoted = ", ".join(f'"{n}"' for n in names)
        if self.dialect == "postgresql":
            cursor = conn.connection.dbapi_connection.cursor()
            with cursor.copy(f'COPY "{kind}" ({quoted}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
        elif self.dialect == "sqlite":
            marks = ", ".join("?" for _ in names)
            # The driver's own executemany, inside SQLAlchemy's transaction: the fastest path.
            cursor = conn.connection.dbapi_connection.cursor()
            cursor.executemany(f'INSERT INTO "{kind}" ({quoted}) VALUES ({marks})', rows)
            cursor.close()
        else:
            conn.execute(T[kind].insert(), [dict(zip(names, r, strict=True)) for r in rows])

    # -- undo, clear, backup --------------------------------------------------------------------

    def undo(self, batch_id: int) -> str:
        """Remove a batch's rows and make current again the rows it replaced; returns what it did."""
        batches = T["batches"]
        with self._writing() as conn:
            row = conn.execute(sa.select(batches).where(batches.c.batch_id == int(batch_id))).first()
            if row is None:
                raise StoreError(f"There is no upload {batch_id}.")
            if row.undone_at is not None:
                raise StoreError(f"Upload {batch_id} was already undone.")
            later = set()
            for kind in ALL_DATA_TABLES:
                table = T[kind]
                later.update(conn.execute(
                    sa.select(table.c.superseded_by).distinct()
                    .where(table.c.batch_id == row.batch_id, table.c.superseded_by.is_not(None))
                ).scalars())
            if row.summary.startswith(EMPTIED):
                # Rows added after the store was emptied could clash with the rows it put aside.
                after = conn.execute(sa.select(sa.func.max(batches.c.batch_id)).where(
                    batches.c.batch_id > row.batch_id, batches.c.undone_at.is_(None))).scalar()
                if after is not None:
                    raise StoreError(f"Upload {batch_id} (emptying the store) cannot be undone yet: "
                                     f"upload {after} came after it. Undo upload {after} first.")
            if later:
                newest = max(later)
                raise StoreError(
                    f"Upload {batch_id} cannot be undone yet: upload {newest} replaced some of its "
                    f"rows. Undo upload {newest} first.")
            removed, restored = {}, 0
            blocks = T["outcome_blocks"]
            # Pupil rows are counted as rows, not blocks, as the upload's summary counted them.
            pupils = {key: int(conn.execute(sa.select(sa.func.coalesce(
                sa.func.sum(blocks.c.pupil_rows), 0)).where(where)).scalar())
                for key, where in [("removed", blocks.c.batch_id == row.batch_id),
                                   ("restored", blocks.c.superseded_by == row.batch_id)]}
            for kind in ALL_DATA_TABLES:
                table = T[kind]
                deleted = conn.execute(table.delete().where(table.c.batch_id == row.batch_id)).rowcount
                current = conn.execute(
                    table.update().where(table.c.superseded_by == row.batch_id)
                    .values(superseded_by=None)).rowcount
                if kind == "outcome_blocks":
                    kind, deleted, current = "outcomes", pupils["removed"], pupils["restored"]
                removed[kind] = deleted
                restored += current
            self._refuse_orphans(conn, batch_id)
            conn.execute(batches.update().where(batches.c.batch_id == row.batch_id)
                         .values(undone_at=_now()))
            self._bump(conn)
        gone = ", ".join(_plural(n, k) for k, n in removed.items() if n and k in NOUNS) or "no rows"
        names = ", ".join(f["name"] for f in json.loads(row.files)) or "emptying the store"
        message = f"Undid upload {batch_id} ({names}): removed {gone}"
        if restored:
            message += f"; {restored:,} earlier row(s) are current again"
        return message + "."

    def _refuse_orphans(self, conn: Connection, batch_id: int) -> None:
        """After an undo's changes, inside its transaction: refuse if later rows lost their school,
        deployment or target (e.g. visits uploaded later for a deployment this batch added)."""
        from analysis.ingest import check_references

        frames = {kind: self._current(conn, kind) for kind in KEYS}
        outcomes = T["outcome_blocks"]
        frames["outcomes"] = pd.DataFrame.from_records(
            conn.execute(sa.select(outcomes.c.urn).distinct()
                         .where(outcomes.c.superseded_by.is_(None))).all(), columns=["urn"])
        problems = check_references(frames, None)
        if len(problems):
            raise StoreError(
                f"Upload {batch_id} cannot be undone yet: later uploads refer to what it added "
                f"({problems['message'].iloc[0]}). Undo those uploads first.", problems)

    def clear(self, user: str = "unknown") -> str:
        """Empty the store as a batch of its own: every current row is put aside (superseded by it)
        rather than deleted, so the history survives and undo brings everything back."""
        batches = T["batches"]
        with self._writing() as conn:
            batch = (conn.execute(sa.select(sa.func.max(batches.c.batch_id))).scalar() or 0) + 1
            put_aside = 0
            for kind in ALL_DATA_TABLES:
                table = T[kind]
                put_aside += conn.execute(table.update().where(table.c.superseded_by.is_(None))
                                          .values(superseded_by=batch)).rowcount
            conn.execute(batches.insert().values(
                batch_id=batch, created_at=_now(), user=user or "unknown", files="[]",
                summary=f"{EMPTIED}: {put_aside:,} stored record(s) put aside; undo brings them back",
                undone_at=None, row_count=put_aside))
            self._bump(conn)
        return f"Emptied the store as upload {batch}; undo {batch} brings everything back."

    def export_backup(self, path: str | Path) -> None:
        """Every table (history and replaced rows too) to one zip of JSON lines, one file a table."""
        tables = ALL_DATA_TABLES + ["batches", "settings"]
        with self._reading() as conn, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            manifest = {"format": "impact-store-backup", "schema_version": len(MIGRATIONS),
                        "created_at": _now(), "tables": {}}
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
    return series.map(period_index)
