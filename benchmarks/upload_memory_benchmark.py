"""Server memory while several browser sessions preview a large upload, and after they let it go.

    nice -n 10 .venv/bin/python benchmarks/upload_memory_benchmark.py [--rows 600000 --sessions 4]
    nice -n 10 .venv/bin/python benchmarks/upload_memory_benchmark.py --app-dir /path/to/old/checkout

Starts the dashboard (`streamlit run dashboard.py`, local mode, a fresh SQLite store that loads
the sample trust) from --app-dir (default: this checkout; point it at an older checkout for the
baseline), then drives real headless Chromium sessions, one browser context each:
  1. one session opens the overview: the server's baseline size;
  2. each of --sessions sessions opens Upload and chooses the same pupil-outcomes CSV
     (--rows rows for the sample's client schools, a new half term): health check and preview;
  3. then each lets it go as a person would, in turn: leaves the page (Overview in the menu),
     clears the file (its x), imports it, leaves the page;
  4. every tab is closed.
It prints the server's resident memory (VmRSS of the streamlit process) after each step, as a
Markdown table for benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
APP_READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'
CLIENT_URNS = ["990201", "990202", "990203", "990204", "990205"]  # the sample's primaries


def write_outcomes_csv(path: Path, rows: int, seed: int = 7) -> None:
    """Pupil rows for the sample's primary schools in 2025/26 Autumn 1, as an MIS export gives."""
    rng = np.random.default_rng(seed)
    ta = np.array(["WTS", "EXS", "GDS"])
    pd.DataFrame({
        "URN": np.array(CLIENT_URNS)[rng.integers(0, len(CLIENT_URNS), rows)],
        "Period": "2025/26 Autumn 1",
        "UPN": [f"Q{i:08d}" for i in range(rows)],
        "Year group": rng.integers(1, 7, rows),
        "PP": np.where(rng.random(rows) < 0.3, "Y", "N"),
        "SEN": rng.choice(["N", "K", "E"], rows, p=[0.82, 0.15, 0.03]),
        "Reading TA": ta[rng.integers(0, 3, rows)],
        "Writing TA": ta[rng.integers(0, 3, rows)],
        "Maths TA": ta[rng.integers(0, 3, rows)],
        "Possible sessions": 70,
        "Attended sessions": rng.integers(50, 71, rows),
        "Suspensions": (rng.random(rows) < 0.03).astype(int),
    }).to_csv(path, index=False)


def rss_mb(pid: int) -> float:
    """Resident memory of one process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def start_server(app_dir: Path, database_url: str, log: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": database_url}
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("streamlit")), "run", "dashboard.py",
         "--server.port", str(port), "--server.headless", "true",
         "--server.address", "127.0.0.1"],
        cwd=app_dir, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited: {log.read_text()}")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                if response.read().strip() == b"ok":
                    return process, base
        except OSError:
            time.sleep(0.25)
    process.terminate()
    raise RuntimeError("streamlit did not become healthy")


def settle(page, timeout: float = 300_000) -> None:
    """Wait until the run an action started has finished."""
    page.wait_for_timeout(500)
    page.wait_for_selector(APP_READY, state="attached", timeout=timeout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app-dir", type=Path, default=HERE)
    parser.add_argument("--rows", type=int, default=600_000)
    parser.add_argument("--sessions", type=int, default=4)
    parser.add_argument("--label", default=None)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    label = args.label or args.app_dir.name
    lines: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        csv = folder / "outcomes_2025-26_autumn1.csv"
        write_outcomes_csv(csv, args.rows)
        size = csv.stat().st_size / 1e6
        process, base = start_server(args.app_dir, f"sqlite:///{folder / 'impact.sqlite'}",
                                     folder / "streamlit.log")
        pid = process.pid

        def note(what: str) -> None:
            time.sleep(2)  # let the server finish sending the run's messages
            lines.append((what, rss_mb(pid)))
            print(f"{what}: {lines[-1][1]:.0f} MB", flush=True)

        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                                     args=CHROMIUM_ARGS)
                contexts = []

                def tab(path: str = ""):
                    context = browser.new_context(viewport={"width": 1400, "height": 900})
                    context.set_default_timeout(300_000)
                    contexts.append(context)
                    page = context.new_page()
                    page.goto(f"{base}/{path}")
                    settle(page)
                    return page

                tab()
                note("server up, one session on the overview")
                pages = []
                for i in range(args.sessions):
                    page = tab("upload")
                    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
                        str(csv))
                    # The heading (the intro also says "health check"), or the cap's sentence.
                    page.get_by_role("heading", name="Health check").or_(
                        page.get_by_text("more than one browser session")).first.wait_for()
                    settle(page)
                    pages.append(page)
                    note(f"{i + 1} session(s) previewing {args.rows:,} rows")
                ways = ["left the page", "cleared the file", "imported it", "left the page"]
                for i, page in enumerate(pages):
                    way = ways[i % len(ways)]
                    if way == "left the page":
                        page.get_by_role("link", name="Overview").click()
                    elif way == "cleared the file":
                        page.get_by_role("button", name=f"Remove {csv.name}").click()
                    elif page.get_by_role("button", name="Import").count():
                        page.get_by_label("Your name (recorded in the upload history)").fill("Bench")
                        page.keyboard.press("Enter")
                        settle(page)
                        page.get_by_role("button", name="Import").click()
                        page.get_by_text("Imported as upload").wait_for()
                    else:
                        way = "could not import (refused)"
                    settle(page)
                    note(f"session {i + 1} {way}")
                time.sleep(8)
                note("8 s later, every tab still open")
                for context in contexts:
                    context.close()
                time.sleep(8)
                note("8 s after every tab was closed")
                browser.close()
        finally:
            process.terminate()
            process.wait(timeout=30)
    print(f"\n{label}: {args.sessions} sessions, {args.rows:,}-row CSV ({size:.0f} MB)\n")
    print("| step | server RSS (MB) |\n|---|---:|")
    for what, mb in lines:
        print(f"| {what} | {mb:,.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
