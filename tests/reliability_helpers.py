"""Real files and real processes for tests/test_reliability.py.

As a module: write pupil-outcomes and schools CSVs of any size (seeded), start the command line
in a subprocess. As a script, it runs the command line with
two extras a test needs and a person never does:

    python tests/reliability_helpers.py [--go FILE] [--pause-at PHASE [--release FILE]]
                                        [--lock-timeout SECONDS] -- import ...

`--go FILE` prints `ready`, then waits until FILE exists, so several processes that have already
paid Python's start-up cost begin importing at the same moment. `--pause-at` prints a marker at
that point of the import's transaction and sleeps there, so a test can SIGKILL the process at an
exact phase: `locked` (write transaction open, no row written), `writing` (half the upload's
pupil blocks written), `written` (every pupil block written, not yet the measures or the upload
record) or `committing` (every row and the upload record written, COMMIT not yet sent). Markers
are printed at every point either way. With `--release FILE` the pause lasts until FILE exists,
then the import goes on (a test changes something meanwhile, e.g. kills its database connection).
`--lock-timeout` waits that long (not 30 s) for another writer before saying "try again".
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
HELPER = Path(__file__).resolve()
FIRST_URN = 900000
PERIODS = ["2022/23 Autumn 2", "2022/23 Spring 2", "2022/23 Summer 2", "2023/24 Autumn 2",
           "2023/24 Spring 2", "2023/24 Summer 2", "2024/25 Autumn 2", "2024/25 Spring 2",
           "2024/25 Summer 2", "2025/26 Autumn 2"]
TEACHER_ASSESSMENTS = np.array(["PKS", "WTS", "EXS", "GDS", ""])


def urns(first: int, count: int) -> list[str]:
    return [str(FIRST_URN + i) for i in range(first, first + count)]


def write_schools_csv(path: Path, school_urns: list[str]) -> Path:
    """urn, school_name, phase, local_authority, role: primaries the outcomes files refer to."""
    pd.DataFrame({
        "urn": school_urns,
        "school_name": [f"Reliability Primary {u}" for u in school_urns],
        "phase": "Primary", "local_authority": "Testshire", "role": "Client",
    }).to_csv(path, index=False)
    return path


def outcomes_frame(school_urns: list[str], periods: list[str], pupils: int, seed: int,
                   tag: str = "P") -> pd.DataFrame:
    """Pupil rows as an MIS export gives them (template columns), one block per school and period."""
    rng = np.random.default_rng(seed)
    blocks = len(school_urns) * len(periods)
    n = blocks * pupils
    return pd.DataFrame({
        "urn": np.repeat(school_urns, len(periods) * pupils),
        "period": np.tile(np.repeat(periods, pupils), len(school_urns)),
        # Unique within a block; the tag says which file a stored row came from.
        "pupil_id": [f"{tag}{i:07d}" for i in range(n)],
        "year_group": "6",
        "disadvantaged": np.where(rng.random(n) < 0.3, "Y", "N"),
        "send": rng.choice(["N", "K", "E"], size=n, p=[0.82, 0.15, 0.03]),
        "reading": TEACHER_ASSESSMENTS[rng.integers(0, 5, n)],
        "writing": TEACHER_ASSESSMENTS[rng.integers(0, 5, n)],
        "maths": TEACHER_ASSESSMENTS[rng.integers(0, 5, n)],
        "sessions_possible": 120,
        "sessions_attended": rng.integers(80, 121, n),
        "suspensions": (rng.random(n) < 0.03).astype(int),
    })


def write_outcomes_csv(path: Path, frame: pd.DataFrame) -> Path:
    frame.to_csv(path, index=False)
    return path


def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """`python -m analysis ARGS` in a real process, from the repository; waits for it."""
    return subprocess.run([sys.executable, "-m", "analysis", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def start(args: list[str], go: Path | None = None, pause_at: str | None = None,
          lock_timeout: float | None = None, release: Path | None = None) -> subprocess.Popen:
    """The command line in a real process that has not finished: plain, or through this script."""
    if go is None and pause_at is None and lock_timeout is None:
        command = [sys.executable, "-m", "analysis", *args]
    else:
        command = [sys.executable, str(HELPER)]
        command += ["--go", str(go)] if go else []
        command += ["--pause-at", pause_at] if pause_at else []
        command += ["--release", str(release)] if release else []
        command += ["--lock-timeout", str(lock_timeout)] if lock_timeout is not None else []
        command += ["--", *args]
    return subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, text=True, bufsize=1)


def wait_for_line(process: subprocess.Popen, marker: str, timeout: float = 60) -> float:
    """Read the process's stdout until a line equals marker; the seconds waited. Fails if it ends."""
    began = time.monotonic()
    for line in process.stdout:
        if line.strip() == marker:
            return time.monotonic() - began
        if time.monotonic() - began > timeout:
            break
    process.kill()
    out, err = process.communicate()
    raise AssertionError(f"never printed {marker!r} (exit {process.returncode}): {err[-2000:]}")


# ---- the script ----------------------------------------------------------------------------------

def _mark(name: str, pause_at: str | None, release: Path | None = None) -> None:
    print(name, flush=True)
    if name == pause_at:
        if release is None:
            time.sleep(300)  # the test kills us here; never reached COMMIT
            return
        deadline = time.monotonic() + 120  # the test does something to the store, then lets us go
        while not release.exists() and time.monotonic() < deadline:
            time.sleep(0.01)


def _marker(pause_at: str | None, release: Path | None = None):
    """The Store's phase hook: print each phase of a write transaction, pause at one (until
    the file `release` exists, if given)."""
    return lambda phase: _mark(phase, pause_at, release)


def main(argv: list[str]) -> int:
    split = argv.index("--")
    ours, theirs = argv[:split], argv[split + 1:]
    go = Path(ours[ours.index("--go") + 1]) if "--go" in ours else None
    pause_at = ours[ours.index("--pause-at") + 1] if "--pause-at" in ours else None
    sys.path.insert(0, str(REPO))
    import analysis.__main__ as command_line

    release = Path(ours[ours.index("--release") + 1]) if "--release" in ours else None
    options = {"on_phase": _marker(pause_at, release)}
    if "--lock-timeout" in ours:
        options["lock_timeout"] = float(ours[ours.index("--lock-timeout") + 1])
    if go is not None:
        print("ready", flush=True)
        deadline = time.monotonic() + 120
        while not go.exists():
            if time.monotonic() > deadline:
                print("no go file", file=sys.stderr)
                return 3
            time.sleep(0.005)
        print(f"started {time.time():.3f}", flush=True)
    status = command_line.main(theirs, store_options=options)
    print(f"finished {time.time():.3f}", flush=True)
    return status


if __name__ == "__main__":
    os.chdir(REPO)
    sys.exit(main(sys.argv[1:]))
