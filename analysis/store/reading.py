"""Reading the store: current frames, counts, pupil rows, history, settings and bookkeeping."""

from __future__ import annotations

import json
import uuid

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from analysis.app_tables import PLAN_COLUMNS
from analysis.schema import Settings
from analysis.store.connection import StoreError
from analysis.store.migrations import T
from analysis.store.values import (
    ALL_DATA_TABLES,
    DATA_KINDS,
    Dataset,
    _columns,
    _decode_blocks,
    _fetch_frame,
    _typed,
)


class Reading:
    """What pages and checks read; never pupil rows except through pupil_rows()."""

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

    def _current(self, conn: Connection, kind: str, cols: list[str] | None = None,
                 where=None) -> pd.DataFrame:
        """The current rows of one table (optionally only those matching `where`), in row order."""
        table = T[kind]
        cols = cols or _columns(kind)
        query = (sa.select(*[table.c[c] for c in cols]).where(table.c.superseded_by.is_(None))
                 .order_by(table.c.row_id))
        if where is not None:
            query = query.where(where)
        return _fetch_frame(conn, query, cols)

    def _school_filters(self, urns: list[str]) -> dict:
        """kind -> the SQL condition that keeps only these client schools' rows (and the home
        schools their deployments name, so the pages can print those names)."""
        current = {k: T[k].c.superseded_by.is_(None) for k in ("deployments", "targets")}
        deployments = sa.select(T["deployments"].c.deployment_id).where(
            T["deployments"].c.client_urn.in_(urns), current["deployments"])
        homes = sa.select(T["deployments"].c.home_urn).where(
            T["deployments"].c.client_urn.in_(urns), current["deployments"])
        targets = sa.select(T["targets"].c.target_id).where(
            T["targets"].c.client_urn.in_(urns), current["targets"])
        return {
            "schools": sa.or_(T["schools"].c.urn.in_(urns), T["schools"].c.urn.in_(homes)),
            "deployments": T["deployments"].c.client_urn.in_(urns),
            "targets": T["targets"].c.client_urn.in_(urns),
            "milestones": T["milestones"].c.target_id.in_(targets),
            "school_measures": T["school_measures"].c.urn.in_(urns),
            "visits": T["visits"].c.deployment_id.in_(deployments),
            "inspections": T["inspections"].c.urn.in_(urns),
            "measures": T["measures"].c.urn.in_(urns),
            "target_plan": T["target_plan"].c.client_urn.in_(urns),
        }

    def load(self, urns: list[str] | None = None, kinds: list[str] | None = None) -> Dataset:
        """Every current frame, measures combined from pupil-computed and school-level figures.

        urns: only these client schools' rows, filtered in SQL (a school's page and pack read
        nothing of the other schools; schools also holds the home schools their deployments
        name). kinds: only these frames (e.g. schools and deployments for the access scope);
        the others are left empty.
        """
        from analysis.measures import combine_measures

        wanted = set(DATA_KINDS + ["measures", "target_plan"] if kinds is None else kinds)
        filters = self._school_filters([str(u) for u in urns]) if urns is not None else {}
        with self._reading() as conn:
            frames = {kind: _typed(self._current(conn, kind, where=filters.get(kind)), kind)
                      for kind in DATA_KINDS if kind in wanted}
            if "measures" in wanted:
                computed = _typed(self._current(conn, "measures", where=filters.get("measures")),
                                  "measures")
            if "target_plan" in wanted:
                frames["target_plan"] = self._current(conn, "target_plan", PLAN_COLUMNS,
                                                      where=filters.get("target_plan"))
        if "measures" in wanted:
            frames["measures"] = combine_measures(computed, frames.get("school_measures"))
        return Dataset(**frames)

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
        targets = T["targets"]
        # A milestone uploaded alone is held to its stored target's measure's range (issue 9).
        measures = dict(conn.execute(sa.select(targets.c.target_id, targets.c.measure)
                                     .where(targets.c.superseded_by.is_(None))).all())
        return {"urns": keys("schools", "urn"), "deployment_ids": keys("deployments", "deployment_id"),
                "target_ids": set(measures), "target_measures": measures}


    def _pupil_counts(self, conn: Connection) -> list[tuple]:
        table = T["outcome_blocks"]
        return conn.execute(
            sa.select(table.c.urn, table.c.period, sa.func.sum(table.c.pupil_rows))
            .where(table.c.superseded_by.is_(None)).group_by(table.c.urn, table.c.period)
        ).all()

