"""The facts of a store version computed whole vs a chunk of schools at a time (issue 14).

    .venv/bin/python benchmarks/scale_trust.py --schools 5000 --db /tmp/s5000.sqlite
    nice -n 10 .venv/bin/python benchmarks/facts_benchmark.py --db /tmp/s5000.sqlite [--repeat 3]

Each measurement is a fresh process that opens the store and computes the facts (nothing is
saved): "whole" is `compute_facts(store.load(), settings)` (every measure row at once, as before),
"chunked" is `compute_facts_by_chunk` (250 schools' measures at a time, what `facts()` now does).
Prints the medians of wall time and CPU seconds of the work, and the largest peak memory (VmHWM).
Not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def child(how: str, url: str) -> None:
    sys.path.insert(0, str(ROOT))
    from analysis import facts_store
    from analysis.store import Store

    store = Store(url)
    settings = store.get_settings()
    wall, cpu = time.perf_counter(), time.process_time()
    if how == "whole":
        facts = facts_store.compute_facts(store.load(), settings)
    else:
        facts = facts_store.compute_facts_by_chunk(store, settings)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak = next(int(line.split()[1]) / 1024 for line in
                Path("/proc/self/status").read_text().splitlines() if line.startswith("VmHWM:"))
    print(json.dumps({"wall": wall, "cpu": cpu, "peak": peak, "targets": len(facts.progress)}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", required=True, help="a SQLite store (or give --url)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    url = args.db if "://" in args.db else f"sqlite:///{os.path.abspath(args.db)}"
    if args.child:
        child(args.child, url)
        return 0
    print(f"load average {' '.join(f'{v:.1f}' for v in os.getloadavg())} · "
          f"{time.strftime('%d/%m/%Y %H:%M', time.gmtime())} UTC · {args.db}", flush=True)
    runs: dict[str, list[dict]] = {"whole": [], "chunked": []}
    for _ in range(args.repeat):
        for how in runs:  # in turn, so both see the same load
            out = subprocess.run([sys.executable, __file__, "--db", args.db, "--child", how],
                                 capture_output=True, text=True, check=True).stdout
            runs[how].append(json.loads(out.strip().splitlines()[-1]))
    print("| how | work wall (s) | work CPU (s) | peak MB | targets |")
    print("|---|---:|---:|---:|---:|")
    for how, got in runs.items():
        print(f"| {how} | {statistics.median(r['wall'] for r in got):.2f} | "
              f"{statistics.median(r['cpu'] for r in got):.2f} | "
              f"{max(r['peak'] for r in got):.0f} | {got[0]['targets']:,} |")
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
