"""Write a large fictional trust straight into a store, for the scale benchmarks (issue 14).

    .venv/bin/python benchmarks/scale_trust.py --schools 500 --db /tmp/scale500.sqlite
    .venv/bin/python benchmarks/scale_trust.py --schools 500 --url "$TEST_DATABASE_URL"

N client schools (plus one home school per ten clients), each with ~300 pupils over 12 half terms
(2023/24 Autumn 1 to 2024/25 Summer 2), 5 targets (2 with milestones), 2 deployments, 20 visit
records and 2 inspections: at 500 schools 1.8M pupil rows, 2,500 targets, 1,000 deployments,
10,000 visits. Seeded, so a rerun writes the same trust.

The frames are built already normalised (as `analysis.ingest` would return them) with numpy, no
per-row Python, and imported through `Store.import_upload` (every row a batch, measures computed
at import) in chunks of schools, so memory stays bounded and the store is one any page can read.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis.ingest import FileInfo, Upload  # noqa: E402
from analysis.periods import period_range  # noqa: E402
from analysis.schema import COLUMNS  # noqa: E402
from analysis.store import Store  # noqa: E402

SEED = 14
PERIODS = period_range("2023/24 Autumn 1", "2024/25 Summer 2")  # 12 half terms
PUPILS = 300
AUTHORITIES = ["Riverford", "Northmoor", "Eastleigh Vale", "Westbury", "Southdown", "Highcliffe",
               "Lowfield", "Marshgate"]
ROLES = np.array(["NLE", "SLE", "NLG", "LLE", "Deputy head", "Other"], dtype=object)
FOCUS = np.array(["Reading", "Maths", "Leadership", "Attendance", "Behaviour", "Curriculum",
                  "Assessment", "SEND"], dtype=object)
JUDGEMENTS = np.array(["Outstanding", "Good", "Requires improvement", "Inadequate"], dtype=object)
PRIMARY_TARGETS = ["reading_exs", "writing_exs", "maths_exs", "rwm_exs", "attendance"]
SECONDARY_TARGETS = ["eng_maths_4plus", "eng_maths_5plus", "attendance", "persistent_absence",
                     "suspension_rate"]
BASELINE, TARGET_PERIOD, LATER_TARGET = PERIODS[5], PERIODS[11], "2025/26 Summer 2"
SESSIONS = np.array([70, 70, 60, 60, 63, 63] * 2, dtype="float64")


def _text(values) -> pd.Series:
    return pd.Series(np.asarray(values, dtype=object), dtype="str")


def _dates(values) -> pd.Series:
    return pd.Series(pd.to_datetime(np.asarray(values)), dtype="datetime64[ns]")


def client_urns(n: int) -> list[str]:
    return [f"{700000 + i:06d}" for i in range(1, n + 1)]


def home_urns(n: int) -> list[str]:
    return [f"{800000 + i:06d}" for i in range(1, max(2, n // 10) + 1)]


def is_primary(n: int) -> np.ndarray:
    """Two in three client schools are primary."""
    return np.arange(n) % 3 != 2


def build_schools(n: int) -> pd.DataFrame:
    clients, homes = client_urns(n), home_urns(n)
    primary = is_primary(n)
    urn = clients + homes
    phase = np.where(primary, "Primary", "Secondary").tolist() + ["Secondary"] * len(homes)
    name = ([f"{'Primary' if p else 'Academy'} School {i:04d}" for i, p in enumerate(primary, 1)]
            + [f"Home Teaching School {i:03d}" for i in range(1, len(homes) + 1)])
    la = [AUTHORITIES[i % len(AUTHORITIES)] for i in range(len(urn))]
    return pd.DataFrame({"urn": _text(urn), "school_name": _text(name), "phase": _text(phase),
                         "local_authority": _text(la),
                         "role": _text(["Client"] * n + ["Home"] * len(homes))})


def build_support(n: int, rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """deployments (2 per school), targets (5), milestones, visits (20), inspections (2)."""
    clients, homes = np.array(client_urns(n), dtype=object), np.array(home_urns(n), dtype=object)
    primary = is_primary(n)
    # Deployments: two per client school, leaders from the home schools.
    d = 2 * n
    dep_school = np.repeat(np.arange(n), 2)
    dep_id = np.array([f"D{i:05d}" for i in range(1, d + 1)], dtype=object)
    focus_a = FOCUS[rng.integers(0, len(FOCUS), d)]
    focus_b = FOCUS[(np.searchsorted(FOCUS, focus_a) + 1 + rng.integers(0, 3, d)) % len(FOCUS)]
    start = np.datetime64("2023-09-04") + rng.integers(0, 60, d).astype("timedelta64[D]")
    end = np.datetime64("2025-07-18") - rng.integers(0, 60, d).astype("timedelta64[D]")
    committed = rng.choice([10.0, 20.0, 30.0, 40.0], d)
    deployments = pd.DataFrame({
        "deployment_id": _text(dep_id), "client_urn": _text(clients[dep_school]),
        "leader_name": _text([f"Leader {i % (n // 2 + 7):04d}" for i in range(d)]),
        "leader_role": _text(ROLES[rng.integers(0, len(ROLES), d)]),
        "home_urn": _text(homes[rng.integers(0, len(homes), d)]),
        "focus_areas": _text(focus_a + "; " + focus_b),
        "start_date": _dates(start), "end_date": _dates(end),
        "days_committed": committed,
        "funding_source": _text(np.where(rng.random(d) < 0.7, "School-to-school support fund",
                                         "Trust improvement budget")),
        "funding_amount": committed * rng.choice([400.0, 500.0, 600.0], d),
    })
    # Targets: five per school, the phase's five measures; deployment alternating.
    t = 5 * n
    t_school = np.repeat(np.arange(n), 5)
    which = np.tile(np.arange(5), n)
    measure = np.where(primary[t_school], np.array(PRIMARY_TARGETS, dtype=object)[which],
                       np.array(SECONDARY_TARGETS, dtype=object)[which])
    lower_better = np.isin(measure, ["persistent_absence", "suspension_rate"])
    base = np.where(measure == "attendance", rng.uniform(90, 94, t),
                    np.where(lower_better, rng.uniform(8, 20, t), rng.uniform(35, 65, t))).round(1)
    step = np.where(measure == "attendance", 1.5, 6.0) * np.where(lower_better, -0.5, 1)
    target_id = np.array([f"T{i:05d}" for i in range(1, t + 1)], dtype=object)
    targets = pd.DataFrame({
        "target_id": _text(target_id), "client_urn": _text(clients[t_school]),
        "deployment_id": _text(dep_id[2 * t_school + (which % 2)]),
        "measure": _text(measure), "subgroup": _text(np.where(which == 4, "Disadvantaged", "All")),
        "baseline_value": base, "baseline_period": _text([BASELINE] * t),
        "target_value": (base + step).round(1),
        # Half due in the last half term stored (achieved or missed), half a year later (on
        # track, at risk or off track), so every status shows.
        "target_period": _text(np.where(which % 2 == 0, TARGET_PERIOD, LATER_TARGET)),
    })
    with_ms = which < 2
    milestones = pd.DataFrame({
        "target_id": _text(np.repeat(target_id[with_ms], 2)),
        "period": _text(np.tile([PERIODS[7], PERIODS[9]], int(with_ms.sum()))),
        "value": np.repeat((base + step / 3)[with_ms], 2)
        + np.tile([0.0, 1.0], int(with_ms.sum())) * np.repeat((step / 3)[with_ms], 2),
    })
    # Visits: ten per deployment, on distinct weekdays; one in five off the agreed focus.
    v = 10 * d
    v_dep = np.repeat(np.arange(d), 10)
    day = start[v_dep] + (np.tile(np.arange(10), d) * 60 + rng.integers(0, 50, v)).astype(
        "timedelta64[D]")
    day = np.busday_offset(day.astype("datetime64[D]"), 0, roll="forward")
    off = rng.random(v) < 0.2
    focus = np.where(off, FOCUS[rng.integers(0, len(FOCUS), v)], focus_a[v_dep])
    visits = pd.DataFrame({
        "deployment_id": _text(dep_id[v_dep]), "visit_date": _dates(day),
        "days": rng.choice([0.5, 1.0], v), "focus_area": _text(focus),
        "progress": _text(np.array(["Green", "Amber", "Red"], dtype=object)[
            rng.choice(3, v, p=[0.5, 0.35, 0.15])]),
        "summary": _text(np.array([f"Worked on {f.lower()} with the staff." for f in FOCUS],
                                  dtype=object)[np.searchsorted(FOCUS, focus) % len(FOCUS)]),
        "next_steps": _text(["Review at the next visit."] * v),
        "qa_status": _text(np.where(rng.random(v) < 0.15, "Pending", "Checked")),
    }).drop_duplicates(["deployment_id", "visit_date", "focus_area"])
    inspections = pd.DataFrame({
        "urn": _text(np.repeat(clients, 2)),
        "inspection_date": _dates(np.tile(np.array(["2022-05-17", "2024-06-12"],
                                                   dtype="datetime64[D]"), n)),
        "area": _text(["Overall"] * 2 * n),
        "judgement": _text(JUDGEMENTS[rng.choice(4, 2 * n, p=[0.05, 0.35, 0.45, 0.15])]),
    })
    return {"deployments": deployments, "targets": targets, "milestones": milestones,
            "visits": visits, "inspections": inspections}


def build_outcomes(schools: np.ndarray, primary: np.ndarray, rng: np.random.Generator
                   ) -> pd.DataFrame:
    """PUPILS pupils per school (indices into client_urns) x 12 half terms, as ingest gives them."""
    s, p = len(schools), len(PERIODS)
    rows = s * PUPILS * p
    school = np.repeat(np.arange(s), PUPILS * p)
    period = np.tile(np.repeat(np.arange(p), PUPILS), s)
    pupil = np.tile(np.arange(PUPILS), s * p)
    prim = primary[school]
    # Fixed per pupil: ability, disadvantage, SEND; a school effect and a small rise per term.
    ability = rng.normal(0, 1, s * PUPILS)[school * PUPILS + pupil]
    dis = (rng.random(s * PUPILS) < 0.3)[school * PUPILS + pupil]
    send_draw = rng.random(s * PUPILS)[school * PUPILS + pupil]
    send = np.where(send_draw < 0.03, "E", np.where(send_draw < 0.15, "K", "N")).astype(object)
    effect = rng.normal(0, 0.4, s)[school] + 0.03 * period - 0.5 * dis
    score = ability + effect + rng.normal(0, 0.3, rows)
    ta = np.array(["PKS", "WTS", "EXS", "GDS"], dtype=object)

    def assess(offset: float) -> np.ndarray:
        x = score + offset + rng.normal(0, 0.3, rows)
        level = np.digitize(x, [-1.6, -0.3, 1.1])
        out = ta[level]
        out[~prim] = None
        return out

    def grade(offset: float) -> np.ndarray:
        g = np.clip(np.round(4.2 + 1.6 * (score + offset)), 0, 9)
        return np.where(prim, np.nan, g)

    possible = SESSIONS[period]
    absent = np.clip(rng.gamma(1.2, 0.05, rows) * (1 + 0.5 * dis), 0, 0.8)
    year = np.where(prim, 1 + pupil % 6, 7 + pupil % 5).astype(str).astype(object)
    return pd.DataFrame({
        "urn": _text(np.array(client_urns(int(schools.max()) + 1), dtype=object)[schools][school]),
        "period": _text(np.array(PERIODS, dtype=object)[period]),
        "pupil_id": _text(np.char.add("P", (schools[school] * 1000 + pupil).astype(str))),
        "year_group": _text(year),
        "disadvantaged": pd.array(dis, dtype="boolean"),
        "send": _text(send),
        "reading": _text(assess(0.1)), "writing": _text(assess(-0.1)), "maths": _text(assess(0.0)),
        "english_grade": grade(0.1), "maths_grade": grade(0.0),
        "sessions_possible": possible, "sessions_attended": np.round(possible * (1 - absent)),
        "attendance_pct": np.full(rows, np.nan),
        "suspensions": (rng.random(rows) < 0.01).astype("float64"),
    })[COLUMNS["outcomes"]]


def _upload(name: str, frames: dict[str, pd.DataFrame]) -> Upload:
    digest = hashlib.sha256(f"scale_trust {name}".encode()).hexdigest()
    empty = pd.DataFrame(columns=["file", "sheet", "row", "column", "message"])
    return Upload(frames=frames, problems=empty, notices=empty.copy(),
                  files=[FileInfo(name, digest, 0, sorted(frames))])


def write_trust(store: Store, n: int, chunk: int = 25, seed: int = SEED, say=print) -> dict:
    """Import the n-school trust into `store`: one batch of schools and support, then pupil rows
    in batches of `chunk` schools. -> counts of what was written."""
    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    support = build_support(n, rng)
    store.import_upload(_upload(f"scale-{n}-support.xlsx",
                                {"schools": build_schools(n), **support}), "scale generator")
    primary = is_primary(n)
    for first in range(0, n, chunk):
        schools = np.arange(first, min(n, first + chunk))
        outcomes = build_outcomes(schools, primary[schools], rng)
        store.import_upload(_upload(f"scale-{n}-outcomes-{first:05d}.xlsx",
                                    {"outcomes": outcomes}), "scale generator")
        say(f"  {schools[-1] + 1:,} of {n:,} schools' pupil rows "
            f"({time.perf_counter() - started:.0f} s)")
    counts = store.counts()
    counts["seconds"] = round(time.perf_counter() - started, 1)
    return counts


def fresh_schema(url: str, schema: str) -> str:
    """Drop and create `schema` on the PostgreSQL server at url -> a URL whose search_path is it."""
    import sqlalchemy as sa

    if not schema.isidentifier():
        raise SystemExit(f"--schema {schema!r}: use letters, digits and _ only")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    return sa.engine.make_url(url).update_query_dict(
        {"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--schools", type=int, default=500)
    parser.add_argument("--db", help="a SQLite file to write (replaced if it exists)")
    parser.add_argument("--url", help="a PostgreSQL URL (its tables are written into; use an "
                        "empty database or schema)")
    parser.add_argument("--schema", help="with --url: (re)create this PostgreSQL schema and write "
                        "into it, e.g. scale500; pages then use the printed URL")
    parser.add_argument("--chunk", type=int, default=25, help="schools per pupil-row batch")
    args = parser.parse_args(argv)
    if bool(args.db) == bool(args.url):
        parser.error("give one of --db FILE or --url URL")
    if args.db:
        for suffix in ("", "-wal", "-shm"):
            Path(args.db + suffix).unlink(missing_ok=True)
        url = f"sqlite:///{os.path.abspath(args.db)}"
    else:
        url = args.url.replace("postgresql://", "postgresql+psycopg://", 1)
        if args.schema:
            url = fresh_schema(url, args.schema)
            print(f"DATABASE_URL={url}")
    store = Store(url)
    if store.counts()["batches"]:
        parser.error("the store already holds data: give an empty one")
    counts = write_trust(store, args.schools, args.chunk)
    print(", ".join(f"{k} {v:,}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
