"""Versions: plan, preview, import, undo and clear. Every change to stored data is a batch.

Importing a row whose natural key is already stored marks the old row `superseded_by = new
batch` and inserts the new one, so undoing a batch is: delete its rows and make current again
the rows it superseded.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from analysis.schema import COLUMNS
from analysis.store.backup import RESTORED
from analysis.store.connection import StoreError, now
from analysis.store.migrations import T, _insert_blocks
from analysis.store.values import (
    ALL_DATA_TABLES,
    BLOCK_KEY,
    KEYS,
    NOUNS,
    BatchResult,
    _columns,
    _describe_key,
    _frame_blocks,
    _plural,
    _rows,
    _show,
    _summary,
    _tuples,
)


class UndoRefused(StoreError):
    """An import's undo_first could not be done (a later upload builds on it): nothing changed."""


# The summary that marks a batch as the emptying of the store (undo of it is only safe as the last one).
EMPTIED = "Emptied the store"


class Versions:
    """Every change to stored data as a batch in the history that undo can reverse."""

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

    def import_upload(self, upload, user: str, undo_first: Sequence[int] = ()) -> BatchResult:
        """Store an upload as one new batch in one transaction; StoreError (nothing stored) if not clean.

        undo_first: batches to undo (newest first) inside the same transaction, before the upload
        is checked and stored (replacing the sample data): both happen or neither does. Refused,
        nothing changed, if one of them cannot be undone or rows left would lose what they refer to.
        """
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
            try:
                undone = [self._undo(conn, b, check_orphans=False)
                          for b in sorted({int(b) for b in undo_first}, reverse=True)]
            except StoreError as error:
                raise UndoRefused(error.message, error.problems) from error
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
                new_blocks = _frame_blocks(outcomes, batch)
                half = len(new_blocks) // 2
                _insert_blocks(conn, new_blocks[:half])
                self._phase("writing")
                _insert_blocks(conn, new_blocks[half:])
                self._phase("written")
                self._insert(conn, "measures", computed, batch)
                added["outcomes"] = sum(n for _, _, n, before in blocks if not before)
                replaced["outcomes"] = sum(n for _, _, n, before in blocks if before)
            if undone:  # what is left must still refer only to what is stored
                try:
                    self._refuse_orphans(conn, max(int(b) for b in undo_first))
                except StoreError as error:
                    raise UndoRefused(error.message, error.problems) from error
            summary = _summary(added, replaced)
            conn.execute(T["batches"].insert().values(
                batch_id=batch, created_at=now(), user=user or "unknown",
                files=json.dumps(files), summary=summary, undone_at=None,
                row_count=sum(added.values()) + sum(replaced.values())))
            self._bump(conn)
        message = " ".join([f"Imported as upload {batch}: {summary}.", *undone])
        return BatchResult(batch, added, replaced, False, message)

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
        with self._writing() as conn:
            message = self._undo(conn, batch_id)
            self._bump(conn)
        return message

    def _undo(self, conn: Connection, batch_id: int, check_orphans: bool = True) -> str:
        """undo's steps inside a write transaction the caller holds (and bumps)."""
        batches = T["batches"]
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
        whole_store = ("emptying the store" if row.summary.startswith(EMPTIED)
                       else "restoring a backup" if row.summary.startswith(RESTORED) else None)
        if whole_store:
            # Rows added after the store was emptied or restored could clash with the rows it
            # put aside.
            after = conn.execute(sa.select(sa.func.max(batches.c.batch_id)).where(
                batches.c.batch_id > row.batch_id, batches.c.undone_at.is_(None))).scalar()
            if after is not None:
                raise StoreError(f"Upload {batch_id} ({whole_store}) cannot be undone yet: "
                                 f"upload {after} came after it. Undo upload {after} first.")
        if later:
            newest = max(later)
            raise StoreError(
                f"Upload {batch_id} cannot be undone yet: upload {newest} replaced some of its "
                f"rows. Undo upload {newest} first.")
        brought = self._undo_restore(conn, row) if row.summary.startswith(RESTORED) else 0
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
        if check_orphans:
            self._refuse_orphans(conn, batch_id)
        conn.execute(batches.update().where(batches.c.batch_id == row.batch_id)
                     .values(undone_at=now()))
        gone = ", ".join(_plural(n, k) for k, n in removed.items() if n and k in NOUNS) or "no rows"
        if brought:
            gone = f"the {brought:,} stored record(s) the restore brought"
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
                batch_id=batch, created_at=now(), user=user or "unknown", files="[]",
                summary=f"{EMPTIED}: {put_aside:,} stored record(s) put aside; undo brings them back",
                undone_at=None, row_count=put_aside))
            self._bump(conn)
        return f"Emptied the store as upload {batch}; undo {batch} brings everything back."

