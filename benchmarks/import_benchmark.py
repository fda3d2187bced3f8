"""Time a realistic pupil-outcomes import end to end, side by side with an openpyxl read alone.

    .venv/bin/python benchmarks/import_benchmark.py [--schools 50 --pupils 400 --periods 10]

Writes one workbook (50 schools x 400 pupils x 10 half terms = 200,000 rows by default), then:
  1. baseline: pandas.read_excel(engine="openpyxl") of the same file (read only, nothing else);
  2. pandas.read_excel(engine="calamine") (read only), for reference;
  3. ours: `python -m analysis import` work in-process: read + check + measure + store into a
     fresh SQLite file, in one transaction; peak memory of the whole process.
Results go to stdout; benchmarks/README.md records a run.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis.ingest import read_paths  # noqa: E402
from analysis.periods import format_period, period_index  # noqa: E402
from analysis.store import Store  # noqa: E402

HEADERS = [
    "URN", "Period", "Pupil ID", "Year group", "Disadvantaged", "SEND", "Reading", "Writing",
    "Maths", "English grade", "Maths grade", "Sessions possible", "Sessions attended", "Suspensions",
]


def write_workbook(path: Path, schools: int, pupils: int, periods: int, seed: int = 7) -> int:
    """A schools x pupils x periods outcomes sheet, as an MIS export would give it."""
    rng = np.random.default_rng(seed)
    first = period_index("2022/23 Autumn 2")
    labels = [format_period(first + 2 * i) for i in range(periods)]
    ta = np.array(["PKS", "WTS", "EXS", "GDS", ""])
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("Outcomes")
    sheet.write_row(0, 0, HEADERS)
    row = 1
    for s in range(schools):
        urn = str(900000 + s)
        primary = s % 2 == 0
        for label in labels:
            n = pupils
            disadvantaged = rng.random(n) < 0.3
            send = rng.choice(["N", "K", "E"], size=n, p=[0.82, 0.15, 0.03])
            possible = np.full(n, 120)
            attended = np.minimum(possible, rng.normal(112, 8, n).round()).astype(int)
            suspensions = (rng.random(n) < 0.03).astype(int)
            tas = ta[rng.integers(0, 5, size=(n, 3))]
            grades = rng.integers(1, 10, size=(n, 2))
            for i in range(n):
                values = [
                    urn, label, f"P{s:03d}{i:05d}", 6 if primary else 11,
                    "Y" if disadvantaged[i] else "N", send[i],
                ]
                if primary:
                    values += [tas[i, 0], tas[i, 1], tas[i, 2], "", ""]
                else:
                    values += ["", "", "", int(grades[i, 0]), int(grades[i, 1])]
                values += [int(possible[i]), int(attended[i]), int(suspensions[i])]
                sheet.write_row(row, 0, values)
                row += 1
    book.close()
    return row - 1


def schools_workbook(path: Path, schools: int) -> None:
    """The schools the outcomes refer to, so the reference check passes."""
    frame = pd.DataFrame({
        "urn": [str(900000 + s) for s in range(schools)],
        "school_name": [f"Benchmark School {s}" for s in range(schools)],
        "phase": ["Primary" if s % 2 == 0 else "Secondary" for s in range(schools)],
        "local_authority": "Benchshire",
        "role": "Client",
    })
    frame.to_excel(path, sheet_name="schools", index=False)


def timed(label: str, func):
    start = time.perf_counter()
    result = func()
    seconds = time.perf_counter() - start
    return result, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=50)
    parser.add_argument("--pupils", type=int, default=400)
    parser.add_argument("--periods", type=int, default=10)
    parser.add_argument("--skip-openpyxl", action="store_true", help="skip the slow baseline")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        workbook, schools = folder / "outcomes.xlsx", folder / "schools.xlsx"
        rows, seconds = timed("write", lambda: write_workbook(
            workbook, args.schools, args.pupils, args.periods))
        schools_workbook(schools, args.schools)
        size_mb = workbook.stat().st_size / 1e6
        print(f"workbook: {rows:,} pupil rows, {size_mb:.1f} MB, written in {seconds:.1f} s")

        results = []
        if not args.skip_openpyxl:
            _, seconds = timed("openpyxl", lambda: pd.read_excel(workbook, engine="openpyxl"))
            results.append(("pandas.read_excel(engine='openpyxl'), read only", seconds))
        _, seconds = timed("calamine", lambda: pd.read_excel(workbook, engine="calamine"))
        results.append(("pandas.read_excel(engine='calamine'), read only", seconds))

        store = Store(f"sqlite:///{folder / 'bench.sqlite'}")
        store.import_upload(read_paths([schools]), "benchmark")

        def import_outcomes():
            upload = read_paths([workbook])
            assert upload.ok, upload.problems.head()
            return store.import_upload(upload, "benchmark")

        result, seconds = timed("import", import_outcomes)
        results.append(("ours: import end to end (read, check, measure, store)", seconds))
        stored = store.counts().get("outcomes", 0)
        assert stored == rows, f"stored {stored} of {rows} rows"

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("\n| what | seconds | rows/s |\n|---|---:|---:|")
    for label, seconds in results:
        print(f"| {label} | {seconds:.2f} | {rows / seconds:,.0f} |")
    ours = results[-1][1]
    if not args.skip_openpyxl:
        print(f"\nours vs the openpyxl read alone: {results[0][1] / ours:.1f}x faster")
    print(f"peak memory of the whole process: {peak_mb:,.0f} MB; rows stored: {rows:,}")
    print(f"import message: {result.message}")


if __name__ == "__main__":
    main()
