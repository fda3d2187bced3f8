"""Profile one page's cold and warm script runs with cProfile (issue 14's hot spots).

    nice -n 10 .venv/bin/python benchmarks/profile_pages.py --url sqlite:////tmp/s500.sqlite \
        --page overview [--top 25] [--out /tmp/overview]

Cold: the page's first run in a fresh process after the default page ran (imports done, the
caches emptied, as benchmarks/scale_benchmark.py's "alone:" runs); warm: a rerun with the caches
filled. Prints the functions with the most cumulative time in each, and writes .prof files.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--page", default="overview",
                        choices=["overview", "school", "deployments", "plan", "qa", "visits"])
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--out", default=None, help="prefix for the .prof files")
    args = parser.parse_args(argv)
    os.environ["DATABASE_URL"] = args.url
    sys.path.insert(0, str(ROOT))
    import streamlit as st
    from streamlit.runtime.scriptrunner import script_runner
    from streamlit.testing.v1 import AppTest

    # AppTest runs the script in its own thread, which cProfile does not see: profile inside it.
    current: list[cProfile.Profile] = []
    run_script = script_runner.ScriptRunner._run_script

    def profiled(self, rerun_data):
        if not current:
            return run_script(self, rerun_data)
        current[0].enable()
        try:
            return run_script(self, rerun_data)
        finally:
            current[0].disable()

    script_runner.ScriptRunner._run_script = profiled

    query = {}
    if args.page == "school":
        sys.path.insert(0, str(ROOT / "benchmarks"))
        from scale_benchmark import _first_client

        query = {"urn": _first_client(args.url)}
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=900)
    at.run()
    st.cache_data.clear()
    if args.page != "overview":
        at.switch_page(f"app_pages/{args.page}.py")
    at.query_params.update(query)
    for label in ("cold", "warm"):
        if label == "warm":
            at.run()  # one unprofiled rerun so the warm profile is a steady one
        profile = cProfile.Profile()
        current[:] = [profile]
        started = time.perf_counter()
        at.run()
        current.clear()
        took = time.perf_counter() - started
        if at.exception:
            raise SystemExit(f"{args.page}: {[e.value for e in at.exception]}")
        print(f"\n==== {args.page} {label}: {took:.2f} s profiled ====")
        stats = pstats.Stats(profile).sort_stats("cumulative")
        stats.print_stats(args.top)
        if args.out:
            profile.dump_stats(f"{args.out}_{args.page}_{label}.prof")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
