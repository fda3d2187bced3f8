"""A change made in the app, written as one batch of the store's upload history.

The same machinery an upload uses (analysis/store.py): one write transaction under the store's
write lock, a new batch number, the rows it replaces marked `superseded_by` that batch, the new
rows carrying its `batch_id`, a line in `batches` (who, when, what), and a new store version so
every page's cache moves on. So `Store.undo(batch)` undoes an app change like any upload,
refuses out of order like any upload, and the history keeps every earlier version.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import sqlalchemy as sa

from analysis.store import Store, StoreError, T
from analysis.store.connection import now as _now

# What the history's "Files" column says for a batch made in the app (there was no file).
APP_SOURCE = "entered in the app"


@dataclass
class Change:
    """Rows one batch replaces (table -> row_ids) and the rows it adds (table -> dicts)."""

    supersede: dict[str, list[int]] = field(default_factory=dict)
    insert: dict[str, list[dict]] = field(default_factory=dict)

    def replace(self, table: str, row_id: int | None) -> None:
        if row_id is not None:
            self.supersede.setdefault(table, []).append(int(row_id))

    def add(self, table: str, row: dict) -> None:
        self.insert.setdefault(table, []).append(row)


def write_batch(store: Store, user: str, what: str, summary: str, change: Change,
                check=None) -> int:
    """Write one change as a new batch; returns its number.

    what: the history's "Files" column (e.g. "visit record entered in the app").
    check(conn): called inside the transaction before anything is written, to refuse (raise
    StoreError) when the rows it relies on changed since the page was drawn.
    """
    if not change.insert and not change.supersede:
        raise StoreError("Nothing to save: nothing was changed.")
    batches = T["batches"]
    with store._writing() as conn:
        if check is not None:
            check(conn)
        batch = (conn.execute(sa.select(sa.func.max(batches.c.batch_id))).scalar() or 0) + 1
        for table, row_ids in change.supersede.items():
            replaced = conn.execute(T[table].update().where(
                T[table].c.row_id.in_(row_ids), T[table].c.superseded_by.is_(None))
                .values(superseded_by=batch)).rowcount
            if replaced != len(set(row_ids)):
                raise StoreError("Someone changed this record a moment ago: reload the page and "
                                 "try again. Nothing was saved.")
        for table, rows in change.insert.items():
            if rows:
                conn.execute(T[table].insert(), [{**r, "batch_id": batch, "superseded_by": None}
                                                 for r in rows])
        conn.execute(batches.insert().values(
            batch_id=batch, created_at=_now(), user=user or "unknown",
            files=json.dumps([{"name": what, "sha256": "", "size": 0}]), summary=summary,
            undone_at=None,
            row_count=sum(len(r) for r in change.insert.values())
            + sum(len(r) for r in change.supersede.values())))
        store._bump(conn)
    return batch


def current_rows(store: Store, table: str, where=None, with_history: bool = False) -> list:
    """Rows of a data table with row_id, batch_id and superseded_by (current only, unless asked)."""
    t = T[table]
    query = sa.select(t).order_by(t.c.row_id)
    if not with_history:
        query = query.where(t.c.superseded_by.is_(None))
    if where is not None:
        query = query.where(where(t))
    with store._reading() as conn:
        return conn.execute(query).all()
