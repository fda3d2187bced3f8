"""The schema by version and the migrations that bring any earlier store up to date.

Store migrations are the list `MIGRATIONS` (numbered by position). Append, never edit or reorder.
"""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from analysis.access_store import migration_4
from analysis.app_tables import define_tables
from analysis.app_tables import migration_6 as app_tables_migration
from analysis.facts_store import migration_8 as facts_migration
from analysis.policy_store import migration_6 as policy_migration
from analysis.schema import COLUMNS
from analysis.store.connection import StoreError, now
from analysis.store.indexes import migration_5
from analysis.store.values import (
    _V2_DATA_TABLES,
    BOOL_COLUMNS,
    DATE_COLUMNS,
    FLOAT_COLUMNS,
    INT_COLUMNS,
    ROW_COUNT_TABLES,
    _columns,
    _frame_blocks,
)

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
MIGRATIONS = [_migration_1, _migration_2, _migration_3, migration_4, migration_5,
              policy_migration, app_tables_migration, facts_migration]

# The tables as the code uses them: every migration's schema, in order.
METADATA = sa.MetaData()
_schema_v1(METADATA)
_schema_v2(METADATA)
_schema_v3(METADATA)
define_tables(METADATA)  # schema 6: analysis/app_tables.py
T = METADATA.tables
SCHEMA_VERSION = sa.Table(
    "schema_version", sa.MetaData(),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("applied_at", sa.Text, nullable=False),
)



def _insert_blocks(conn: Connection, blocks: list[dict]) -> None:
    """Write pupil blocks (values._frame_blocks records) into outcome_blocks."""
    if blocks:  # a few hundred rows even for 200,000 pupils: a plain executemany
        conn.execute(T["outcome_blocks"].insert(), blocks)



class Migrating:
    """Run on open: the migrations this database has not had, in one write transaction."""

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
                conn.execute(SCHEMA_VERSION.insert().values(version=number, applied_at=now()))
            if done < len(MIGRATIONS):  # another process starting at once may have done it all
                self._bump(conn)

    def schema_version(self) -> int:
        """How many migrations this database has had (0 for an empty database)."""
        with self._reading() as conn:
            if not sa.inspect(conn).has_table("schema_version"):
                return 0
            return conn.execute(sa.select(sa.func.max(SCHEMA_VERSION.c.version))).scalar() or 0

