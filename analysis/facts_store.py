"""The trust's facts, kept per store version (issue 14, migration 8): what the overview and the
deployments register read instead of the whole trust's frames.

The facts step (progress for every target, the deployment summary, the per-school overview
aggregates, the periods with figures and the date the data runs to) costs a whole-trust load
and ~2 s of pandas at 500 schools. It is computed once per store version, by whichever process
asks first, and stored in `facts_blocks` as one zstd-compressed Arrow block per frame; every
other dashboard process (and every later cold start) reads ~4,000 rows instead of ~300,000.

Keyed by the store's version token (a fresh random token on every import, undo, settings change,
clear, restore and migration), so stored facts can never be stale: after an undo the version is
new, the facts are recomputed from what the store then holds, and the old version's blocks are
deleted. They are derived data, like a cache: backups leave them out (a restore is a new version)
and nothing in the upload history refers to them.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import Connection

METADATA = sa.MetaData()
FACTS_TABLE = "facts_blocks"
FACTS_BLOCKS = sa.Table(
    FACTS_TABLE, METADATA,
    sa.Column("version", sa.Text, primary_key=True),
    sa.Column("kind", sa.Text, primary_key=True),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.Column("data_size", sa.Integer, nullable=False),
    sa.Column("created_at", sa.Text, nullable=False),
)
# The frames of Facts, in the order they are stored.
KINDS = ["progress", "deployment_summary", "overview", "periods", "data_date"]
_CODEC = "zstd"


def migration_8(conn: Connection) -> None:
    """The facts_blocks table (empty: facts are computed on first use of each version)."""
    METADATA.create_all(conn)


@dataclass
class Facts:
    """The whole trust's facts at one store version (trust-wide roles only: a narrower scope
    computes its own from its scoped rows).

    progress, deployment_summary: as analysis.progress / analysis.deployments compute them;
    overview: portfolio.school_overview with no filter, judged at the data's date (one row per
    client school); periods: the distinct periods with figures (column period); as_of, as_of_words:
    deployments.data_date of the stored measures and visits.
    """

    progress: pd.DataFrame
    deployment_summary: pd.DataFrame
    overview: pd.DataFrame
    periods: list[str]
    as_of: dt.date
    as_of_words: str


def compute_facts(data, settings) -> Facts:
    """Dataset + Settings -> Facts: the full computation, the one the stored facts must equal."""
    from analysis import deployments, portfolio, progress

    judged = progress.judge_progress(data.targets, data.milestones, data.measures, settings)
    summary = deployments.summarise_deployments(data.deployments, data.visits, settings)
    as_of, words = deployments.data_date(data.measures, data.visits)
    overview = portfolio.school_overview(data.schools, judged, summary, data.inspections,
                                         today=as_of)
    periods = sorted(str(p) for p in data.measures["period"].dropna().unique())
    return Facts(judged, summary, overview, periods, as_of, words)


# Schools whose measures are read at once when facts are computed: memory follows the chunk
# (a 5,000-school trust's measures whole peaked at 1.9 GB), the result is the same.
SCHOOLS_PER_CHUNK = 250


def compute_facts_by_chunk(store, settings, chunk: int = SCHOOLS_PER_CHUNK) -> Facts:
    """compute_facts(store.load(), settings), with the measures (the one large frame) read and
    judged a chunk of schools at a time, filtered in SQL. Targets are judged against their own
    school's measures only, so judging each chunk's targets gives the whole's rows; they are put
    back in the whole load's order."""
    from analysis import deployments, portfolio, progress

    base = store.load(kinds=["schools", "deployments", "visits", "inspections", "targets"])
    urns = sorted(set(base.schools["urn"].astype(str)) | set(base.targets["client_urn"].astype(str)))
    parts, periods = [], set()
    for first in range(0, len(urns), chunk):
        part = store.load(urns=urns[first:first + chunk],
                          kinds=["targets", "milestones", "measures", "school_measures"])
        periods |= {str(p) for p in part.measures["period"].dropna().unique()}
        if not part.targets.empty:
            parts.append(progress.judge_progress(part.targets, part.milestones, part.measures,
                                                 settings))
    if parts:
        judged = pd.concat(parts, ignore_index=True)
        order = pd.Index(judged["target_id"]).get_indexer(base.targets["target_id"])
        judged = judged.iloc[order].reset_index(drop=True)
    else:
        judged = progress.judge_progress(base.targets, None, None, settings)
    summary = deployments.summarise_deployments(base.deployments, base.visits, settings)
    as_of, words = deployments.data_date(pd.DataFrame({"period": sorted(periods)}), base.visits)
    overview = portfolio.school_overview(base.schools, judged, summary, base.inspections,
                                         today=as_of)
    return Facts(judged, summary, overview, sorted(periods), as_of, words)


def _encode(frame: pd.DataFrame) -> tuple[bytes, int]:
    table = pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    raw = sink.getvalue()
    return pa.compress(raw, codec=_CODEC, asbytes=True), raw.size


def _decode(data: bytes, size: int) -> pd.DataFrame:
    raw = pa.decompress(data, decompressed_size=size, codec=_CODEC)
    return pa.ipc.open_stream(raw).read_all().to_pandas()


def _frames(facts: Facts) -> dict[str, pd.DataFrame]:
    return {"progress": facts.progress, "deployment_summary": facts.deployment_summary,
            "overview": facts.overview, "periods": pd.DataFrame({"period": facts.periods}),
            "data_date": pd.DataFrame({"as_of": [facts.as_of], "words": [facts.as_of_words]})}


def _from_frames(frames: dict[str, pd.DataFrame]) -> Facts:
    when = frames["data_date"]
    as_of = when["as_of"].iloc[0]
    return Facts(frames["progress"], frames["deployment_summary"], frames["overview"],
                 [str(p) for p in frames["periods"]["period"]],
                 as_of if isinstance(as_of, dt.date) else pd.Timestamp(as_of).date(),
                 str(when["words"].iloc[0]))


def stored_facts(store, version: str) -> Facts | None:
    """The facts stored for this version, or None when none (or only some) are."""
    table = FACTS_BLOCKS
    with store._reading() as conn:
        rows = conn.execute(sa.select(table.c.kind, table.c.data, table.c.data_size)
                            .where(table.c.version == version)).all()
    blocks = {r.kind: _decode(bytes(r.data), r.data_size) for r in rows}
    return _from_frames(blocks) if set(KINDS) <= set(blocks) else None


def save_facts(store, version: str, facts: Facts) -> bool:
    """Store facts for `version` and delete every other version's; False (nothing written) when
    the store has moved on to another version meanwhile, so no block can describe other rows."""
    from analysis.store.connection import now

    records = []
    for kind, frame in _frames(facts).items():
        data, size = _encode(frame)
        records.append({"version": version, "kind": kind, "data": data, "data_size": size,
                        "created_at": now()})
    with store._writing() as conn:
        from analysis.store import T

        current = conn.execute(sa.select(T["meta"].c.value)
                               .where(T["meta"].c.key == "data_version")).scalar() or "empty"
        if current != version:
            return False
        conn.execute(FACTS_BLOCKS.delete())  # the old versions' and any half-written set
        conn.execute(FACTS_BLOCKS.insert(), records)
    return True


def facts(store, save: str = "background") -> tuple[str, Facts]:
    """-> (version, Facts) for what the store holds now: the stored facts of its version, else
    computed a chunk of schools at a time (once per version, whichever process comes first) and stored.

    save: "now" (before returning), "background" (a thread: a page never waits for the write
    lock an import may hold), or "never"."""
    version = store.version()
    found = stored_facts(store, version)
    if found is not None:
        return version, found
    computed = compute_facts_by_chunk(store, store.get_settings())
    if save != "never" and store.version() == version:  # the load saw this version's rows

        def write() -> None:
            try:
                save_facts(store, version, computed)
            except Exception:  # noqa: BLE001 - a cache: the next reader computes it again
                pass
        if save == "now":
            save_facts(store, version, computed)
        else:
            threading.Thread(target=write, name="save-facts", daemon=True).start()
    return version, computed
