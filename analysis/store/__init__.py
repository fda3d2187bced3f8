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

The package, along its jobs: `connection` (engine, backends, transactions, fault sentences, the
phase hook), `migrations` (the schema by version), `values` (kinds, frames, conversions, pupil
blocks), `reading` (load, counts, history, settings), `versions` (plan, preview, import, undo,
clear) and `backup` (export and restore). `Store` is all of them together.
"""

from __future__ import annotations

from analysis.store.backup import RESTORED, Backup
from analysis.store.connection import (
    BUSY_MESSAGE,
    DEFAULT_DB_PATH,
    LOCK_TIMEOUT_SECONDS,
    PHASES,
    REPO,
    SUPPORTED_BACKENDS,
    StoreConnection,
    StoreError,
    fault_sentence,
)
from analysis.store.migrations import METADATA, MIGRATIONS, SCHEMA_VERSION, Migrating, T
from analysis.store.reading import Reading
from analysis.store.values import (
    ALL_DATA_TABLES,
    BLOCK_KEY,
    BOOL_COLUMNS,
    DATA_KINDS,
    DATE_COLUMNS,
    FLOAT_COLUMNS,
    INT_COLUMNS,
    KEYS,
    NOUNS,
    ROW_COUNT_TABLES,
    BatchResult,
    Dataset,
    _typed,
    period_sort_key,
)
from analysis.store.versions import EMPTIED, UndoRefused, Versions


class Store(Backup, Versions, Reading, Migrating, StoreConnection):
    """The database behind the dashboard; see the module docstring for how versions work."""


__all__ = [
    "ALL_DATA_TABLES", "BLOCK_KEY", "BOOL_COLUMNS", "BUSY_MESSAGE", "DATA_KINDS", "DATE_COLUMNS",
    "DEFAULT_DB_PATH", "EMPTIED", "FLOAT_COLUMNS", "INT_COLUMNS", "KEYS", "LOCK_TIMEOUT_SECONDS",
    "METADATA", "MIGRATIONS", "NOUNS", "PHASES", "REPO", "ROW_COUNT_TABLES", "SCHEMA_VERSION",
    "RESTORED", "SUPPORTED_BACKENDS", "BatchResult", "Dataset", "Store", "StoreError", "T",
    "UndoRefused", "_typed", "fault_sentence", "period_sort_key",
]
