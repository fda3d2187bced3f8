"""Helpers for the browser tests: starting the server, waiting for Streamlit, screenshots."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
DOCS_SCREENSHOTS = ROOT / "docs" / "screenshots"
# Set UPDATE_SCREENSHOTS=1 to rewrite the README's screenshots in docs/screenshots/.
UPDATE_DOCS = os.environ.get("UPDATE_SCREENSHOTS") == "1"
VIEWPORT = {"width": 1400, "height": 900}
APP_READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(database_url: str, log: Path, port: int | None = None,
                 extra: list[str] = (), cwd: Path = ROOT) -> tuple[subprocess.Popen, str]:
    """`streamlit run dashboard.py` on a free port; returns once /_stcore/health says ok.

    extra: more `streamlit run` options, e.g. `--secrets.files FILE` for sign-in; cwd: the
    checkout to run (benchmarks/browser_navigation.py runs a baseline's)."""
    port = port or free_port()
    env = {**os.environ, "DATABASE_URL": database_url}
    streamlit = Path(sys.executable).with_name("streamlit")
    process = subprocess.Popen(
        [str(streamlit), "run", "dashboard.py", "--server.port", str(port),
         "--server.headless", "true", "--server.address", "127.0.0.1", *extra],
        cwd=cwd, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}: {log.read_text()}")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                if response.read().strip() == b"ok":
                    return process, base
        except OSError:
            time.sleep(0.25)
    process.terminate()
    raise RuntimeError(f"streamlit did not become healthy in 60 s: {log.read_text()}")


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_for_app(page) -> None:
    """Wait until Streamlit has finished the run an action started.

    A click starts a rerun a moment later, so first give the script the chance to start, then
    wait for it to finish; the assertions after this still use Playwright's retrying expect.
    """
    page.wait_for_selector('[data-testid="stApp"]', state="attached")
    page.wait_for_timeout(200)
    page.wait_for_selector(APP_READY, state="attached", timeout=60_000)


def open_path(page, base: str, path: str = "") -> None:
    page.goto(f"{base}/{path}")
    wait_for_app(page)


def screenshot(page, name: str, docs: bool = False) -> Path:
    """Save the whole page as a test artifact; with docs=True and UPDATE_SCREENSHOTS=1, also the
    1400x900 view for the README."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(600)  # plotly draws after the run ends; let it and transitions settle
    if docs and UPDATE_DOCS:
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=DOCS_SCREENSHOTS / f"{name}.png")
    # Streamlit scrolls inside its main block, not the document: grow the window to show it all.
    height = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('[data-testid=\"stMain\"], "
        "[data-testid=\"stMainBlockContainer\"]')].map(e => e.scrollHeight), 0)"
    )
    path = ARTIFACTS / f"{name}.png"
    if height > VIEWPORT["height"]:
        page.set_viewport_size({"width": VIEWPORT["width"], "height": min(int(height) + 40, 6000)})
        page.wait_for_timeout(600)
        page.screenshot(path=path)
        page.set_viewport_size(VIEWPORT)
        page.wait_for_timeout(300)
    else:
        page.screenshot(path=path)
    return path
