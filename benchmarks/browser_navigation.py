"""In-app navigation in a real browser, to a settled page, on a small and a large trust (issue 14).

    nice -n 10 .venv/bin/python benchmarks/browser_navigation.py \
        --store sample=sqlite:////tmp/sample.sqlite --store 500=sqlite:////tmp/s500.sqlite \
        [--store 500pg=postgresql+psycopg://...] [--rounds 3]

For each store: start `streamlit run dashboard.py` against it (local mode, as .ci/dashboard.sh
runs it; headless Debian Chromium through Playwright), open the Overview, then click through the
app's own menu links Overview -> School -> Deployments -> Overview, `--rounds` times. A step's
time is from the click to the page settled: its heading visible (h1: the page's title, or the
school's name) and Streamlit's running indicator gone (data-test-script-state="notRunning").
The School step opens the store's first client school, which is not like for like across
stores (1 target in the sample, 5 in the generated trust): the number of target charts that
page drew is printed beside its time. `--pick NAME="School name"` adds a step after it, for
that store: the school chosen in the School page's own menu (a rerun of the same page), so two
stores can be compared on schools with as many targets (e.g. Kingfisher's 5 in the sample).
The first round is "cold" (a fresh server process: empty caches), the median of the others
"warm". Also prints the server process's CPU seconds over the whole run, its resident memory
at the end, and the load average (the machine is shared).
Not a test.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.e2e.helpers import (  # noqa: E402
    APP_READY,
    CHROMIUM,
    CHROMIUM_ARGS,
    VIEWPORT,
    start_server,
    stop_server,
)

STEPS = [("School", None), ("Deployments", "Deployments"),
         ("Overview", "Impact across our client schools")]
PICKED = "School chosen in its menu"


def _steps(pick: str | None) -> list[tuple[str, str | None]]:
    """The steps of a round: (name, heading to wait for; the school's name for PICKED)."""
    return STEPS if pick is None else [STEPS[0], (PICKED, pick), *STEPS[1:]]


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its waited-for children, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(v) for v in fields[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _settled(page, heading: str | None, timeout_ms: int) -> None:
    """The new page's heading is shown (so its run has started), then its run has finished."""
    h1 = page.locator('[data-testid="stMain"] h1')
    if heading:
        h1.filter(has_text=heading).first.wait_for(state="visible", timeout=timeout_ms)
    else:  # the School page's heading is the school's name: any h1 that is not the last page's
        page.wait_for_function(
            """() => { const h = document.querySelector('[data-testid="stMain"] h1');
                       return h && !['Impact across our client schools', 'Deployments']
                              .includes(h.innerText.trim()); }""", timeout=timeout_ms)
    page.wait_for_timeout(100)  # a click's rerun starts a moment later than the heading shows
    page.wait_for_selector(APP_READY, state="attached", timeout=timeout_ms)


def _pick_school(page, school: str, timeout_ms: int) -> None:
    """Choose `school` in the School page's menu and wait for its page to settle."""
    menu = page.locator('[data-testid="stMain"] [data-testid="stSelectbox"]').first
    menu.click()
    page.keyboard.type(school)
    page.keyboard.press("Enter")
    page.locator('[data-testid="stMain"] h1').filter(has_text=school).first.wait_for(
        state="visible", timeout=timeout_ms)
    page.wait_for_timeout(100)
    page.wait_for_selector(APP_READY, state="attached", timeout=timeout_ms)


def run_store(name: str, url: str, rounds: int, timeout_ms: int, app_dir: Path = ROOT,
              pick: str | None = None) -> dict:
    from playwright.sync_api import sync_playwright

    log = Path(tempfile.gettempdir()) / f"browser_navigation_{name}.log"
    process, base = start_server(url, log, cwd=app_dir)
    cpu_before = _cpu_seconds(process.pid)
    steps = _steps(pick)
    times: dict[str, list[float]] = {"Open": []} | {step: [] for step, _ in steps}
    picked_charts = None
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport=VIEWPORT)
            started = time.perf_counter()
            page.goto(base)
            _settled(page, "Impact across our client schools", timeout_ms)
            times["Open"].append(time.perf_counter() - started)
            menu = page.locator(".st-key-site_menu")
            if not menu.count():  # an older checkout (--app-dir): Streamlit's own sidebar menu
                menu = page.locator('[data-testid="stSidebarNav"]')
            for _ in range(rounds + 1):
                for step, heading in steps:
                    if step == PICKED:
                        started = time.perf_counter()
                        _pick_school(page, heading, timeout_ms)
                        times[step].append(time.perf_counter() - started)
                        picked_charts = page.locator(
                            '[data-testid="stPlotlyChart"]:visible').count()
                        continue
                    link = menu.get_by_role("link", name=step, exact=True)
                    started = time.perf_counter()
                    link.click()
                    _settled(page, heading, timeout_ms)
                    times[step].append(time.perf_counter() - started)
                    if step == "School":  # the Targets tab is open: its charts are the targets'
                        school_charts = page.locator(
                            '[data-testid="stPlotlyChart"]:visible').count()
            browser.close()
        cpu = _cpu_seconds(process.pid) - cpu_before
        rss = _rss_mb(process.pid)
    finally:
        stop_server(process)
    out = {"cpu": cpu, "rss_mb": rss, "open": times["Open"][0], "charts": school_charts,
           "picked_charts": picked_charts}
    for step, _ in steps:
        out[step] = {"cold": times[step][0], "warm": statistics.median(times[step][1:]),
                     "all": times[step]}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", action="append", default=[], metavar="NAME=URL", required=True)
    parser.add_argument("--pick", action="append", default=[], metavar="NAME=SCHOOL",
                        help="for store NAME, also time choosing SCHOOL in the School page")
    parser.add_argument("--rounds", type=int, default=3, help="warm rounds after the cold one")
    parser.add_argument("--timeout", type=float, default=300, help="seconds a step may take")
    parser.add_argument("--app-dir", type=Path, default=ROOT,
                        help="the checkout whose dashboard.py to run (a baseline's)")
    args = parser.parse_args(argv)
    print(f"{platform.node()} · {os.cpu_count()} cores · load average "
          f"{' '.join(f'{v:.1f}' for v in os.getloadavg())} · "
          f"{time.strftime('%d/%m/%Y %H:%M', time.gmtime())} UTC · warm = median of "
          f"{args.rounds}", flush=True)
    results = {}
    picks = dict(spec.split("=", 1) for spec in args.pick)
    steps = [step for step, _ in _steps("any school" if picks else None)]
    for spec in args.store:
        name, url = spec.split("=", 1)
        results[name] = run_store(name, url, args.rounds, int(args.timeout * 1000),
                                  args.app_dir, picks.get(name))
        r = results[name]
        print(f"{name}: open {r['open']:.2f} s; School page target charts {r['charts']}"
              f" (chosen school: {r['picked_charts']}); " + "; ".join(
            f"-> {step} warm {r[step]['warm']:.2f} s (cold {r[step]['cold']:.2f} s; all "
            f"{', '.join(f'{t:.2f}' for t in r[step]['all'])})" for step in steps if step in r)
            + f"; server CPU {r['cpu']:.1f} s, RSS {r['rss_mb']:.0f} MB; load "
            f"{os.getloadavg()[0]:.1f}", flush=True)
    print("| step (warm, cold) | " + " | ".join(results) + " |")
    print("|---|" + "---:|" * len(results))
    for step in steps:
        print(f"| -> {step} | " + " | ".join(
            f"{r[step]['warm']:.2f} s ({r[step]['cold']:.2f} s)" if step in r else "-"
            for r in results.values()) + " |")
    print("| School page target charts (first school; chosen) | " + " | ".join(
        f"{r['charts']}; {r['picked_charts'] if r['picked_charts'] is not None else '-'}"
        for r in results.values()) + " |")
    print("| first open | " + " | ".join(f"{r['open']:.2f} s" for r in results.values()) + " |")
    print("| server CPU, RSS | " + " | ".join(
        f"{r['cpu']:.1f} s, {r['rss_mb']:.0f} MB" for r in results.values()) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
