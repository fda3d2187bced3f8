"""Several dashboard processes and an importer on one PostgreSQL store (issue 14's deployment).

    export TEST_DATABASE_URL=$(bash .ci/postgres.sh | tail -1 | cut -d= -f2-)
    .venv/bin/python benchmarks/scale_trust.py --schools 500 --url "$TEST_DATABASE_URL" --schema scale500
    nice -n 10 .venv/bin/python benchmarks/several_processes.py --url "$URL_PRINTED_ABOVE" \
        [--processes 3] [--rounds 3] [--import-schools 50]

Starts `--processes` dashboard servers (`streamlit run dashboard.py`, local mode) on the one
store, each driven by its own headless Chromium clicking the menu Overview -> School ->
Deployments -> Overview (as browser_navigation.py does, all at the same time). Three phases:
1. alone: one server's browser, the others idle (the figure to compare with);
2. together: every browser at once;
3. together with an import: every browser at once while `python -m analysis import` stores a new
   half term of pupil rows for `--import-schools` schools; then the browsers go round once more
   (each server reads the new store version's facts: the first reader computes them).
The import is undone at the end (`python -m analysis undo`), so the store is as it was.
It prints each phase's warm step times (median over servers and rounds), the import's wall time,
the most connections the database saw (pg_stat_activity, sampled every 0.2 s), and each
server's resident memory and CPU. Not a test.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from browser_navigation import STEPS, _cpu_seconds, _rss_mb, _settled  # noqa: E402

from tests.e2e.helpers import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    VIEWPORT,
    start_server,
    stop_server,
)

NEW_PERIOD = "2025/26 Autumn 1"


def browse(base: str, rounds: int, start_at: float, timeout_ms: int, out) -> None:
    """One browser on one server: open it, then `rounds` rounds of the menu from start_at."""
    from playwright.sync_api import sync_playwright

    times: dict[str, list[float]] = {step: [] for step, _ in STEPS}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport=VIEWPORT)
            page.goto(base)
            _settled(page, "Impact across our client schools", timeout_ms)
            time.sleep(max(0.0, start_at - time.time()))
            menu = page.locator(".st-key-site_menu")
            for _ in range(rounds):
                for step, heading in STEPS:
                    started = time.perf_counter()
                    menu.get_by_role("link", name=step, exact=True).click()
                    _settled(page, heading, timeout_ms)
                    times[step].append(time.perf_counter() - started)
            browser.close()
        out.put(json.dumps({"base": base, "times": times}))
    except Exception as error:  # a benchmark reports what went wrong and carries on
        out.put(json.dumps({"base": base, "error": repr(error)}))


def browse_all(bases: list[str], rounds: int, timeout_ms: int) -> list[dict]:
    """Every base's browser at once (each in its own process, starting together)."""
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    start_at = time.time() + 15  # time for every browser to open before the clock starts
    workers = [ctx.Process(target=browse, args=(base, rounds, start_at, timeout_ms, out))
               for base in bases]
    for worker in workers:
        worker.start()
    results = [json.loads(out.get(timeout=timeout_ms / 1000 * 10)) for _ in workers]
    for worker in workers:
        worker.join()
    return results


def summary(results: list[dict]) -> dict[str, str]:
    row = {}
    for step, _ in STEPS:
        values = [t for r in results if "times" in r for t in r["times"][step]]
        row[step] = (f"{statistics.median(values):.2f} s (max {max(values):.2f} s)"
                     if values else "failed")
    errors = [r["error"] for r in results if "error" in r]
    if errors:
        row["errors"] = "; ".join(errors)
    return row


class ConnectionCounter:
    """The most connections to the store's database, sampled every 0.2 s in a thread."""

    def __init__(self, url: str):
        import sqlalchemy as sa

        self.engine = sa.create_engine(url, pool_size=1)
        self.most = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        import sqlalchemy as sa

        with self.engine.connect() as conn:
            while not self._stop.is_set():
                count = conn.execute(sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                )).scalar_one()
                self.most = max(self.most, int(count) - 1)  # not this sampler's own
                conn.commit()
                self._stop.wait(0.2)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.engine.dispose()


def write_new_term(path: Path, schools: int) -> int:
    """A pupil-outcomes CSV of a new half term for the generated trust's first `schools`."""
    import numpy as np
    import scale_trust

    rng = np.random.default_rng(2026)
    frame = scale_trust.build_outcomes(np.arange(schools), scale_trust.is_primary(schools), rng)
    frame = frame[frame["period"] == scale_trust.PERIODS[-1]].copy()
    frame["period"] = NEW_PERIOD
    frame["disadvantaged"] = frame["disadvantaged"].map({True: "Y", False: "N"})
    for column in ("english_grade", "maths_grade"):  # as an MIS writes them: 0 is U
        frame[column] = frame[column].map(
            lambda g: "" if g != g else ("U" if g == 0 else str(int(g))))
    for column in ("sessions_possible", "sessions_attended", "suspensions"):
        frame[column] = frame[column].astype("int64")
    frame.to_csv(path, index=False)
    return len(frame)


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analysis", *args], cwd=ROOT,
                          capture_output=True, text=True, check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True, help="a PostgreSQL store (scale_trust.py --url)")
    parser.add_argument("--processes", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--import-schools", type=int, default=50)
    parser.add_argument("--timeout", type=float, default=300, help="seconds a step may take")
    args = parser.parse_args(argv)
    timeout_ms = int(args.timeout * 1000)
    print(f"{platform.node()} · {os.cpu_count()} cores · load average "
          f"{' '.join(f'{v:.1f}' for v in os.getloadavg())} · "
          f"{time.strftime('%d/%m/%Y %H:%M', time.gmtime())} UTC", flush=True)
    folder = Path(tempfile.mkdtemp(prefix="several_processes_"))
    new_term = folder / "outcomes_new_term.csv"
    rows = write_new_term(new_term, args.import_schools)
    servers = [start_server(args.url, folder / f"server{i}.log")
               for i in range(args.processes)]
    bases = [base for _, base in servers]
    cpu_before = [_cpu_seconds(process.pid) for process, _ in servers]
    phases: dict[str, dict[str, str]] = {}
    batch = None
    try:
        with ConnectionCounter(args.url) as connections:
            browse_all(bases, 1, timeout_ms)  # every server's first (cold) round, not counted
            phases["alone (1 browser)"] = summary(browse_all(bases[:1], args.rounds, timeout_ms))
            phases[f"together ({len(bases)} browsers)"] = summary(
                browse_all(bases, args.rounds, timeout_ms))
            importer: dict[str, float] = {}

            def run_import() -> None:
                time.sleep(15)  # the browsers' own start-up
                started = time.perf_counter()
                done = cli("import", str(new_term), "--db", args.url, "--user", "benchmark")
                importer["seconds"] = time.perf_counter() - started
                importer["output"] = done.stdout.strip().splitlines()[-1:]

            thread = threading.Thread(target=run_import)
            thread.start()
            phases[f"together, import running ({rows:,} rows)"] = summary(
                browse_all(bases, args.rounds, timeout_ms))
            thread.join()
            phases["together, after the import (new version)"] = summary(
                browse_all(bases, 1, timeout_ms))
            most_connections = connections.most
        from analysis.store import Store

        history = Store(args.url).history()
        mine = history[history["files"].str.contains(new_term.name) & ~history["undone"]]
        batch = str(int(mine["batch_id"].iloc[0])) if len(mine) else None
        memory = [f"{_rss_mb(process.pid):.0f} MB" for process, _ in servers]
        cpu = [f"{_cpu_seconds(process.pid) - before:.1f} s"
               for (process, _), before in zip(servers, cpu_before, strict=True)]
    finally:
        for process, _ in servers:
            stop_server(process)
    if batch:
        cli("undo", batch, "--db", args.url)
    print(f"import of {rows:,} rows while {len(bases)} browsers ran: "
          f"{importer.get('seconds', float('nan')):.1f} s {importer.get('output', '')}")
    print(f"most connections to the database: {most_connections}; servers' RSS "
          f"{', '.join(memory)}; servers' CPU {', '.join(cpu)}; load "
          f"{os.getloadavg()[0]:.1f}" + ("" if batch else "; the import was NOT undone"))
    print("| phase | " + " | ".join(f"-> {step}" for step, _ in STEPS) + " |")
    print("|---|" + "---:|" * len(STEPS))
    for phase, row in phases.items():
        print(f"| {phase} | " + " | ".join(row[step] for step, _ in STEPS) + " |")
        if "errors" in row:
            print(f"  errors: {row['errors']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
