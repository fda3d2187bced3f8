"""Pages, report and packs on a small and a large trust, side by side in one run (issue 14).

    .venv/bin/python benchmarks/scale_benchmark.py --store sample=sqlite:////tmp/s5.sqlite \
        --store 500=sqlite:////tmp/s500.sqlite [--store 500pg=postgresql+psycopg://...] \
        [--only page:overview,report] [--repeat 3] [--trust-pack]

Make the stores first with benchmarks/scale_trust.py. Every measurement is a fresh Python
process (a whole process: imports, opening the store, the work), run `--repeat` times; the table
gives the median wall time, the median of the work alone (without imports) and the largest peak
memory. Pages are run with Streamlit's AppTest: "cold" is the first script run of the process
(empty caches), "warm" the median of three reruns (caches filled, as a person clicking around).
Not a test: timings on a shared machine are too noisy to assert on. Run it with `nice -n 10`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KINDS = ["page:overview", "page:school", "page:deployments", "report", "school-pack",
         "trust-pack", "help", "alone:overview", "alone:school", "alone:deployments",
         "alone:plan", "alone:qa", "alone:visits"]


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _first_client(url: str) -> str:
    import sqlalchemy as sa

    from analysis.store import Store, T

    store = Store(url)
    with store.engine.connect() as conn:
        table = T["schools"]
        return conn.execute(sa.select(table.c.urn).where(
            table.c.superseded_by.is_(None), sa.func.lower(table.c.role) == "client")
            .order_by(table.c.urn)).scalars().first()


def child(kind: str, url: str) -> dict:
    """One measurement inside this process -> seconds of the work, peak MB, extra figures."""
    os.environ["DATABASE_URL"] = url
    sys.path.insert(0, str(ROOT))
    out: dict = {}
    if kind.startswith("alone:"):
        # The page by itself: the default page runs first (imports), the caches are emptied,
        # then this page's first run is "cold" and three reruns "warm".
        import streamlit as st
        from streamlit.testing.v1 import AppTest

        page = kind.split(":", 1)[1]
        query = {"urn": _first_client(url)} if page == "school" else {}
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=900)
        at.run()
        st.cache_data.clear()
        started = time.perf_counter()
        if page != "overview":
            at.switch_page(f"app_pages/{page}.py")
        at.query_params.update(query)
        at.run()
        if at.exception:
            raise SystemExit(f"{kind}: {[e.value for e in at.exception]}")
        out["cold"] = time.perf_counter() - started
        warm = []
        for _ in range(3):
            started = time.perf_counter()
            at.run()
            warm.append(time.perf_counter() - started)
        out["seconds"] = statistics.median(warm)
    elif kind.startswith("page:"):
        from streamlit.testing.v1 import AppTest

        page = kind.split(":", 1)[1]
        query = {"urn": _first_client(url)} if page == "school" else {}
        started = time.perf_counter()
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=900)
        at.query_params.update(query)
        at.run()
        if page != "overview":
            at.switch_page(f"app_pages/{page}.py")
            at.query_params.update(query)
            at.run()
        if at.exception:
            raise SystemExit(f"{kind}: {[e.value for e in at.exception]}")
        out["cold"] = time.perf_counter() - started
        warm = []
        for _ in range(3):
            started = time.perf_counter()
            at.run()
            warm.append(time.perf_counter() - started)
            if at.exception:
                raise SystemExit(f"{kind} (warm): {[e.value for e in at.exception]}")
        out["seconds"] = statistics.median(warm)
    elif kind == "report":
        import contextlib
        import io

        from analysis.__main__ import main

        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()) as text:
            code = main(["report", "--db", url, "--format", "json"])
        out["seconds"] = time.perf_counter() - started
        out["bytes"] = len(text.getvalue())
        assert code == 0, code
    elif kind in ("school-pack", "trust-pack"):
        import tempfile

        from analysis.__main__ import main

        argv = ["pack", "--db", url]
        if kind == "school-pack":
            argv += ["--school", _first_client(url)]
        with tempfile.TemporaryDirectory() as folder:
            target = Path(folder) / "pack.pdf"
            started = time.perf_counter()
            code = main([*argv, "--out", str(target)])
            out["seconds"] = time.perf_counter() - started
            assert code == 0, code
            out["mb"] = target.stat().st_size / 1e6
            for extra in sorted(Path(folder).iterdir()):
                if extra != target:
                    out.setdefault("files", []).append((extra.name, extra.stat().st_size))
    elif kind == "help":
        out["seconds"] = 0.0
    out["peak_mb"] = _peak_mb()
    return out


def measure(kind: str, url: str, repeat: int, timeout: float) -> dict:
    runs = []
    for _ in range(repeat):
        command = [sys.executable, "-m", "analysis", "--help"] if kind == "help" else \
            [sys.executable, __file__, "--child", kind, "--url", url]
        started = time.perf_counter()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        try:
            done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                                  timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"error": f"over {timeout:.0f} s"}
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        # CPU seconds of the whole process: far steadier than wall time on a shared machine.
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if done.returncode:
            return {"error": (done.stderr or done.stdout).strip().splitlines()[-1:]}
        result = json.loads(done.stdout.strip().splitlines()[-1]) if kind != "help" else {}
        result["wall"], result["cpu"] = wall, cpu
        runs.append(result)
    summary = {"wall": statistics.median(r["wall"] for r in runs),
               "cpu": statistics.median(r["cpu"] for r in runs),
               "seconds": statistics.median(r.get("seconds", 0) for r in runs),
               "peak_mb": max(r.get("peak_mb", 0) for r in runs)}
    for key in ("cold", "mb"):
        if key in runs[0]:
            summary[key] = statistics.median(r[key] for r in runs)
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", action="append", default=[], metavar="NAME=URL")
    parser.add_argument("--only", help=f"comma-separated, of {', '.join(KINDS)}")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.url)))
        return 0
    kinds = args.only.split(",") if args.only else [
        k for k in KINDS if k != "trust-pack" and not k.startswith("alone:")]
    stores = [s.split("=", 1) for s in args.store]
    print(f"{platform.node()} · {os.cpu_count()} cores · load average "
          f"{os.getloadavg()[0]:.1f} · Python {platform.python_version()} · "
          f"{time.strftime('%d/%m/%Y %H:%M', time.gmtime())} UTC · medians of {args.repeat}")
    print("| what | " + " | ".join(name for name, _ in stores) + " |")
    print("|---|" + "---:|" * len(stores))
    results = {}
    for kind in kinds:
        cells = []
        for name, url in stores:
            r = measure(kind, url, args.repeat, args.timeout)
            results[f"{kind} {name}"] = r
            if "error" in r:
                cells.append(f"failed: {r['error']}")
                continue
            cell = f"{r['wall']:.2f} s (CPU {r['cpu']:.2f} s)"
            if kind.startswith(("page:", "alone:")):
                cell = (f"warm {r['seconds']:.2f} s / cold {r['cold']:.2f} s, "
                        f"{r['peak_mb']:.0f} MB")
            elif kind != "help":
                cell += f", work {r['seconds']:.2f} s, {r['peak_mb']:.0f} MB"
            if "mb" in r:
                cell += f", PDF {r['mb']:.2f} MB"
            cells.append(cell)
        print(f"| {kind} | " + " | ".join(cells) + " |", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
