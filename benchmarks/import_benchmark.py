"""Time a pupil-outcomes import end to end, side by side with the bare readers (issue 14).

    .venv/bin/python benchmarks/import_benchmark.py [--schools 50 --pupils 400 --periods 10]
    .venv/bin/python benchmarks/import_benchmark.py --csv-rows 1000000
    .venv/bin/python benchmarks/import_benchmark.py --csv-rows 1000000 --profile   # cProfile of ours

xlsx mode writes one workbook (50 schools x 400 pupils x 10 half terms = 200,000 rows by
default); csv mode writes one CSV of `--csv-rows` pupil rows. Then every measurement is a fresh
Python process, run `--repeat` times (default 3), in turn so that each sees the same machine:
  xlsx: pandas.read_excel(engine="openpyxl"), pandas.read_excel(engine="calamine"), a bare
        fastexcel read (fastexcel.read_excel(...).load_sheet(0).to_arrow()), and ours;
  csv:  pandas.read_csv (the C reader), pyarrow.csv.read_csv, two floors of ours (the modules
        the import loads, alone; and with the file hashed, checked for safety and parsed, with
        no check or store: what any import in this design pays first), and ours;
"ours" is the whole import as `python -m analysis import` does it (its own main()): the safety
check, the read, every check, the measures and the store (a fresh copy of a SQLite store that
already holds the schools), in one transaction; it then counts the stored rows, and the
parent checks that every row of the file was stored.
For each: the median of the work alone (inside the process), of the whole process's wall time
and CPU seconds (user + system, steadier on a shared machine), and the largest peak memory
(the process's maximum resident set). Ratios are printed against the issue's targets.
Results go to stdout; benchmarks/README.md records a run.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import json
import os
import platform
import pstats
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HEADERS = [
    "URN", "Period", "Pupil ID", "Year group", "Disadvantaged", "SEND", "Reading", "Writing",
    "Maths", "English grade", "Maths grade", "Sessions possible", "Sessions attended", "Suspensions",
]


def _columns(rng, n: int, primary: bool) -> list:
    """One school-period's pupils as columns of Python values (ints for numbers)."""
    ta = np.array(["PKS", "WTS", "EXS", "GDS", ""])
    disadvantaged = np.where(rng.random(n) < 0.3, "Y", "N")
    send = rng.choice(["N", "K", "E"], size=n, p=[0.82, 0.15, 0.03])
    possible = np.full(n, 120)
    attended = np.minimum(possible, rng.normal(112, 8, n).round()).astype(int)
    suspensions = (rng.random(n) < 0.03).astype(int)
    tas = ta[rng.integers(0, 5, size=(n, 3))]
    grades = rng.integers(1, 10, size=(n, 2))
    blank = np.full(n, "", dtype=object)
    if primary:
        scores = [tas[:, 0], tas[:, 1], tas[:, 2], blank, blank]
    else:
        scores = [blank, blank, blank, grades[:, 0], grades[:, 1]]
    return [disadvantaged, send, *scores, possible, attended, suspensions]


def write_workbook(path: Path, schools: int, pupils: int, periods: int, seed: int = 7) -> int:
    """A schools x pupils x periods outcomes sheet, as an MIS export would give it."""
    import xlsxwriter

    from analysis.periods import format_period, period_index

    rng = np.random.default_rng(seed)
    first = period_index("2022/23 Autumn 2")
    labels = [format_period(first + 2 * i) for i in range(periods)]
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("Outcomes")
    sheet.write_row(0, 0, HEADERS)
    row = 1
    for s in range(schools):
        primary = s % 2 == 0
        for label in labels:
            cols = _columns(rng, pupils, primary)
            for i in range(pupils):
                values = [str(900000 + s), label, f"P{s:03d}{i:05d}", 6 if primary else 11]
                values += [c[i].item() if hasattr(c[i], "item") else c[i] for c in cols]
                sheet.write_row(row, 0, values)
                row += 1
    book.close()
    return row - 1


def write_csv(path: Path, rows: int, pupils: int = 500, seed: int = 7) -> tuple[int, int]:
    """`rows` pupil rows as an MIS's CSV export; -> (rows, schools). Periods are written the
    short way ('2024/25 Aut1'), and without the Writing and English grade columns (12 columns,
    as the issue's file), so that a million rows stay under the 50 MB upload limit."""
    from analysis.periods import format_period, period_index

    rng = np.random.default_rng(seed)
    first = period_index("2022/23 Autumn 2")
    labels = [format_period(first + 2 * i).replace("utumn ", "ut").replace("pring ", "pr")
              .replace("ummer ", "um") for i in range(10)]
    per_school = pupils * len(labels)
    schools = -(-rows // per_school)
    written = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        drop = {"Writing", "English grade"}
        out.writerow([h for h in HEADERS if h not in drop])
        for s in range(schools):
            primary = s % 2 == 0
            for label in labels:
                n = min(pupils, rows - written)
                if n <= 0:
                    break
                cols = _columns(rng, n, primary)
                del cols[5], cols[3]  # English grade, Writing
                ids = [f"P{s:03d}{i:04d}" for i in range(n)]
                out.writerows(zip([str(900000 + s)] * n, [label] * n, ids,
                                  [6 if primary else 11] * n, *cols, strict=True))
                written += n
    return written, schools


def schools_workbook(path: Path, schools: int) -> None:
    """The schools the outcomes refer to, so the reference check passes."""
    import pandas as pd

    frame = pd.DataFrame({
        "urn": [str(900000 + s) for s in range(schools)],
        "school_name": [f"Benchmark School {s}" for s in range(schools)],
        "phase": ["Primary" if s % 2 == 0 else "Secondary" for s in range(schools)],
        "local_authority": "Benchshire",
        "role": "Client",
    })
    frame.to_excel(path, sheet_name="schools", index=False)


# ---- one measurement, in its own process -----------------------------------------------------

def ours(path: Path, store_path: Path | None) -> dict:
    """The whole import as `python -m analysis import FILE --db URL` runs it (its preview lines
    go to /dev/null); without a store, the read alone (read_paths: safety, parse, checks)."""
    if store_path is None:
        from analysis.ingest import read_paths

        upload = read_paths([path])
        assert upload.ok, upload.problems.head().to_string()
        return {"rows": len(upload.frames["outcomes"])}
    import contextlib

    from analysis.__main__ import main

    url = f"sqlite:///{store_path}"
    with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet):
        status = main(["import", str(path), "--db", url, "--user", "benchmark"])
    assert status == 0, f"the import exited with status {status}"
    from analysis.store import Store

    stored = Store(url).counts().get("outcomes", 0)
    return {"rows": stored}


def work(what: str, path: Path, store_path: Path | None) -> dict:
    if what == "openpyxl":
        import pandas as pd
        return {"rows": len(pd.read_excel(path, engine="openpyxl"))}
    if what == "calamine":
        import pandas as pd
        return {"rows": len(pd.read_excel(path, engine="calamine"))}
    if what == "fastexcel":
        import fastexcel
        return {"rows": fastexcel.read_excel(str(path)).load_sheet(0).to_arrow().num_rows}
    if what == "pandas-c":
        import pandas as pd
        return {"rows": len(pd.read_csv(path, engine="c"))}
    if what == "pyarrow":
        import pyarrow.csv as pacsv
        return {"rows": pacsv.read_csv(path).num_rows}
    if what == "ours":
        return ours(path, store_path)
    if what in ("load", "floor"):
        return floor(path if what == "floor" else None)
    raise ValueError(what)


def floor(path: Path | None) -> dict:
    """What any import in this design pays before its first check: the modules
    `python -m analysis import` loads (pandas, SQLAlchemy, the store, the checks) and, with a
    path, the file hashed, safety-checked and parsed to a raw frame as ours does it (the parse
    begun first, so that the loading overlaps it). No check, no measure, no store."""
    parsing = None
    if path is not None:
        from analysis.__main__ import _start_reading

        parsing = _start_reading([str(path)])
    import analysis.ingest  # noqa: F401 - as cmd_import loads them
    import analysis.measures  # noqa: F401
    import analysis.store  # noqa: F401

    if parsing is None:
        return {"rows": 0}
    from analysis.raw_frames import raw_frame
    from analysis.upload_log import Log

    lines = sum(len(raw_frame(parsed.name, sheet, Log()))
                for parsed in parsing for sheet in parsed.sheets)
    return {"rows": lines - 1}  # less the header


def _peak_mb() -> float:
    """This process's peak resident memory. VmHWM, not ru_maxrss: Linux carries ru_maxrss over
    from the parent that forked us, so a small child would report the parent's size."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(what: str, path: Path, store_path: Path | None) -> None:
    start, cpu = time.perf_counter(), time.process_time()
    out = work(what, path, store_path)
    out["work_s"] = time.perf_counter() - start
    out["work_cpu_s"] = time.process_time() - cpu
    out["peak_mb"] = _peak_mb()
    print("RESULT " + json.dumps(out))


def run(what: str, path: Path, store_path: Path | None, before: Path | None = None) -> dict:
    """One fresh process: its work time, whole-process wall and CPU seconds, peak memory.

    what == "before": ours as another checkout's own copy of this script runs it."""
    script, cwd = Path(__file__), ROOT
    if what == "before":
        script, cwd, what = before / "benchmarks" / "import_benchmark.py", before, "ours"
    command = [sys.executable, str(script), "--child", what, "--file", str(path)]
    if store_path is not None:
        command += ["--store", str(store_path)]
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    stdout, stderr = process.communicate()
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    if process.returncode != 0:
        raise SystemExit(f"{what} failed:\n{stderr[-3000:]}")
    line = next(x for x in stdout.splitlines() if x.startswith("RESULT "))
    out = json.loads(line[len("RESULT "):])
    out["wall_s"] = wall
    out["_usage"] = usage.ru_utime + usage.ru_stime  # cumulative; differenced by the caller
    return out


def measure(names: list[str], path: Path, template: Path | None, repeat: int,
            folder: Path, before: Path | None = None) -> dict[str, list[dict]]:
    """Each measurement `repeat` times, round-robin; ours on a fresh copy of the store each time."""
    runs: dict[str, list[dict]] = {n: [] for n in names}
    used = 0.0  # children's CPU seconds so far
    for i in range(repeat):
        for name in names:
            store = None
            if name in ("ours", "before") and template is not None:
                store = folder / f"run{i}.sqlite"
                shutil.copy(template, store)
            out = run(name, path, store, before)
            out["cpu_s"], used = out["_usage"] - used, out["_usage"]
            runs[name].append(out)
            print(f"  {name} run {i + 1}: work {out['work_s']:.2f} s, process {out['wall_s']:.2f}"
                  f" s wall / {out['cpu_s']:.2f} s CPU, peak {out['peak_mb']:.0f} MB", flush=True)
            if store is not None:
                store.unlink()
    return runs


def table(runs: dict[str, list[dict]], labels: dict[str, str], rows: int) -> dict[str, dict]:
    med = {}
    print("\n| what | work (s) | process wall (s) | process CPU (s) | peak MB | rows/s (work) |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, outs in runs.items():
        m = {k: statistics.median(o[k] for o in outs) for k in ("work_s", "wall_s", "cpu_s")}
        m["peak_mb"] = max(o["peak_mb"] for o in outs)
        med[name] = m
        print(f"| {labels[name]} | {m['work_s']:.2f} | {m['wall_s']:.2f} | {m['cpu_s']:.2f} | "
              f"{m['peak_mb']:,.0f} | {rows / m['work_s']:,.0f} |")
    return med


def ratio(med: dict, a: str, b: str) -> str:
    return " / ".join(f"{med[a][k] / med[b][k]:.2f}x" for k in ("work_s", "wall_s", "cpu_s"))


def profile(path: Path, template: Path | None, folder: Path) -> None:
    store = None
    if template is not None:
        store = folder / "profile.sqlite"
        shutil.copy(template, store)
    profiler = cProfile.Profile()
    profiler.enable()
    ours(path, store)
    profiler.disable()
    stats = pstats.Stats(profiler).strip_dirs()
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=50)
    parser.add_argument("--pupils", type=int, default=400)
    parser.add_argument("--periods", type=int, default=10)
    parser.add_argument("--csv-rows", type=int, default=0, help="csv mode: this many pupil rows")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-openpyxl", action="store_true", help="skip the slow baseline")
    parser.add_argument("--profile", action="store_true", help="cProfile ours once, nothing else")
    parser.add_argument("--folder", help="write the files here and keep them (default: a "
                        "temporary folder)")
    parser.add_argument("--before", help="another checkout (e.g. a git worktree of the previous "
                        "commit): its import measured as 'before', in the same rounds")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--store", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, Path(args.file), Path(args.store) if args.store else None)
        return

    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(args.folder or temporary)
        folder.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        if args.csv_rows:
            path = folder / "outcomes.csv"
            rows, schools = write_csv(path, args.csv_rows)
            names = ["pandas-c", "pyarrow", "load", "floor", "ours"]
        else:
            path = folder / "outcomes.xlsx"
            rows = write_workbook(path, args.schools, args.pupils, args.periods)
            schools = args.schools
            names = [*([] if args.skip_openpyxl else ["openpyxl"]), "calamine", "fastexcel",
                     "ours"]
        size_mb = path.stat().st_size / 1e6
        print(f"{path.name}: {rows:,} pupil rows, {size_mb:.1f} MB, written in "
              f"{time.perf_counter() - start:.1f} s")
        from analysis.ingest import read_paths
        from analysis.store import Store

        template = folder / "template.sqlite"
        schools_book = folder / "schools.xlsx"
        schools_workbook(schools_book, schools)
        base = Store(f"sqlite:///{template}")
        base.import_upload(read_paths([schools_book]), "benchmark")
        base.engine.dispose()  # the schools leave SQLite's write-ahead log before the copies
        for extra in folder.glob("template.sqlite-*"):
            extra.unlink()
        if args.profile:
            profile(path, template, folder)
            return
        print(f"machine: {platform.node()}, {os.cpu_count()} cores, "
              f"load {os.getloadavg()[0]:.1f}; {time.strftime('%d/%m/%Y %H:%M UTC', time.gmtime())}")
        before = Path(args.before).resolve() if args.before else None
        if before is not None:
            names.insert(names.index("ours"), "before")
        runs = measure(names, path, template, args.repeat, folder, before)
        for name in ("ours", "before"):
            stored = {out["rows"] for out in runs.get(name, [])}
            assert stored <= {rows}, f"{name} stored {stored} of {rows:,} rows"
        labels = {
            "openpyxl": "`pandas.read_excel(engine='openpyxl')`, read only",
            "calamine": "`pandas.read_excel(engine='calamine')`, read only",
            "fastexcel": "bare fastexcel read (`load_sheet(0).to_arrow()`)",
            "pandas-c": "`pandas.read_csv` (C reader), read only",
            "pyarrow": "`pyarrow.csv.read_csv`, read only",
            "load": "floor 1: load what the import loads (pandas, SQLAlchemy, the checks), no file",
            "floor": "floor 2: floor 1 + the file hashed, safety-checked, parsed (no check, no store)",
            "ours": "**ours: import end to end (safety, read, check, measure, store)**",
            "before": f"before: import end to end ({args.before})",
        }
        med = table(runs, labels, rows)
        print(f"\nratios (work / process wall / process CPU); load now {os.getloadavg()[0]:.1f}")
        if args.csv_rows:
            print(f"- ours vs pyarrow's read: {ratio(med, 'ours', 'pyarrow')} (target <= 3x)")
            if "before" in med:
                print(f"- before vs pyarrow's read: {ratio(med, 'before', 'pyarrow')}")
            print(f"- floor 1 (load only) vs pyarrow's read: {ratio(med, 'load', 'pyarrow')}")
            print(f"- floor 2 (load + parse) vs pyarrow's read: {ratio(med, 'floor', 'pyarrow')}")
            print(f"- ours vs floor 2: {ratio(med, 'ours', 'floor')}")
            print(f"- ours vs pandas' C read: {ratio(med, 'ours', 'pandas-c')}")
            print(f"- peak memory of ours: {med['ours']['peak_mb']:,.0f} MB (target < 600 MB)")
        else:
            if "openpyxl" in med:
                print(f"- openpyxl read vs ours: {ratio(med, 'openpyxl', 'ours')} (target >= 15x)")
            print(f"- ours vs a bare fastexcel read: {ratio(med, 'ours', 'fastexcel')} "
                  "(target <= 2x)")
            if "before" in med:
                print(f"- before vs a bare fastexcel read: {ratio(med, 'before', 'fastexcel')}")
            print(f"- calamine read vs ours: {ratio(med, 'calamine', 'ours')}")
            print(f"- peak memory of ours: {med['ours']['peak_mb']:,.0f} MB")


if __name__ == "__main__":
    main()
