"""Fuzz the upload path for a few minutes: arbitrary names, bytes, zips, cells and period labels.

    .venv/bin/python benchmarks/fuzz_readers.py --minutes 3

Each target is a property that must hold for any input: `check_file` answers None or a sentence;
`read_files` returns an Upload with a problems table; `parse_period` returns a label that parses
to itself or raises PeriodError; an export never holds a cell that starts a formula. Hypothesis
runs each target in batches with fresh random seeds until the time is up, then prints how many
inputs each target tried and every failure (shrunk to a small example). Exit status 1 on failure.
The default test suite (tests/test_safety.py) runs the same properties briefly.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "hostile"))

import make_hostile  # noqa: E402
import openpyxl  # noqa: E402
import pandas as pd  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from analysis.exports import to_csv_bytes, to_xlsx_bytes  # noqa: E402
from analysis.periods import PeriodError, parse_period  # noqa: E402
from analysis.safety import check_file  # noqa: E402

try:
    from analysis import ingest
except Exception as error:  # the reader may be mid-rewrite; fuzz what there is
    ingest = None
    print(f"analysis.ingest does not import ({error}); its targets are skipped")

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
XML_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=30)
PART_NAMES = ["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/worksheets/sheet1.xml",
              "xl/vbaProject.bin", "xl/sharedStrings.xml", "xl/styles.xml"]


def _seed_files() -> list[tuple[str, bytes]]:
    """Small real files to mutate: our plain workbook and the sample CSVs (if present)."""
    seeds = [("plain.xlsx", make_hostile.zip_bytes(make_hostile.workbook_parts()))]
    for path in sorted((ROOT / "sample_data").rglob("*")):
        if path.suffix in (".csv", ".xlsx") and 0 < path.stat().st_size < 20_000:
            seeds.append((path.name, path.read_bytes()))
    return seeds


SEEDS = _seed_files()
MUTATED = st.tuples(
    st.sampled_from(SEEDS),
    st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(0, 255)), max_size=8),
    st.integers(0, 1 << 20) | st.none(),
)


def _mutate(seed, flips, cut) -> tuple[str, bytes]:
    name, out = seed[0], bytearray(seed[1])
    for at, byte in flips:
        out[at % len(out)] = byte
    return name, bytes(out[:cut % (len(out) + 1)] if cut is not None else out)


def _answer_ok(answer) -> None:
    assert answer is None or (isinstance(answer, str) and answer.endswith(".")), answer


# ---- the targets ------------------------------------------------------------------------------

def check_any_bytes(name, data):
    _answer_ok(check_file(name, data))


def check_any_zip(parts, mutation):
    _answer_ok(check_file("x.xlsx", make_hostile.zip_bytes({**make_hostile.workbook_parts(), **parts})))
    _answer_ok(check_file(*_mutate(*mutation)))


def periods_parse_to_themselves(label):
    try:
        canonical = parse_period(label)
    except PeriodError:
        return
    assert parse_period(canonical) == canonical, (label, canonical)


def exports_hold_no_formula(values):
    frame = pd.DataFrame({"value": values})
    rows = list(csv.reader(io.StringIO(to_csv_bytes(frame).decode("utf-8-sig"), newline="")))
    assert not any(cell.startswith(FORMULA_STARTS) for row in rows for cell in row), rows
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes({"t": frame}))).active
    for cell in sheet["A"]:
        assert cell.data_type != "f" and not str(cell.value or "").startswith(FORMULA_STARTS), cell.value


def _read(name: str, data: bytes) -> None:
    upload = ingest.read_files([(name, data)])
    assert isinstance(upload, ingest.Upload)
    assert list(upload.problems.columns) == ["file", "sheet", "row", "column", "message"]


def read_any_bytes(name, data):
    _read(name, data)


def read_mutated_files(mutation):
    name, data = _mutate(*mutation)
    # The app reads only what check_file lets through; the reader must also survive the rest.
    _read(name, data)


def read_any_cells(header, rows, as_csv):
    if as_csv:
        buffer = io.StringIO()
        csv.writer(buffer).writerows([header, *rows])
        _read("outcomes.csv", buffer.getvalue().encode("utf-8"))
        return
    book = openpyxl.Workbook()
    for row in [header, *rows]:
        book.active.append(row)
    data = io.BytesIO()
    book.save(data)
    _read("schools.xlsx", data.getvalue())


# Each target and the strategies for its arguments.
TARGETS = {
    check_any_bytes: {"name": st.text(max_size=300), "data": st.binary(max_size=8192)},
    check_any_zip: {
        "parts": st.dictionaries(st.sampled_from(PART_NAMES) | st.text(min_size=1, max_size=30),
                                 st.binary(max_size=2048) | XML_TEXT.map(str.encode), max_size=10),
        "mutation": MUTATED,
    },
    periods_parse_to_themselves: {"label": TEXT | st.from_regex(
        r"(Autumn|Spring|Summer|Aut|Spr|Sum|T|HT) ?[1-6]? (20[0-9]{2}(/|-)[0-9]{2}|20[0-9]{2})",
        fullmatch=True)},
    exports_hold_no_formula: {"values": st.lists(TEXT.filter(lambda t: "\x00" not in t), min_size=1,
                                                 max_size=10)},
}
if ingest is not None:
    TARGETS[read_any_bytes] = {"name": st.sampled_from(["x.csv", "x.xlsx", "outcomes.csv", "schools.xlsx"]),
                               "data": st.binary(max_size=4096)}
    TARGETS[read_mutated_files] = {"mutation": MUTATED}
    TARGETS[read_any_cells] = {
        "header": st.lists(st.sampled_from(["urn", "school_name", "phase", "role", "period", "pupil_id",
                                            "reading", "days", "visit_date", "Name"]) | XML_TEXT,
                           min_size=1, max_size=6),
        "rows": st.lists(st.lists(XML_TEXT | st.integers() | st.floats(allow_nan=True), max_size=6),
                         max_size=8),
        "as_csv": st.booleans(),
    }


def _counting(target, tried: dict[str, int]):
    """target -> the same function, counting its calls in tried[target's name]."""
    def counted(**kwargs):
        tried[target.__name__] += 1
        return target(**kwargs)
    return counted


def run(minutes: float, batch: int) -> int:
    """Run every target in turn, a batch at a time, until minutes have passed; returns failures."""
    started = time.monotonic()
    deadline = started + minutes * 60
    tried = {t.__name__: 0 for t in TARGETS}
    failures: dict[str, str] = {}
    while time.monotonic() < deadline:
        for target, strategies in TARGETS.items():
            name = target.__name__
            if name in failures or time.monotonic() >= deadline:
                continue

            # A fresh test each batch: a new random seed, and no example database to replay.
            test = settings(max_examples=batch, deadline=None, database=None,
                            suppress_health_check=list(HealthCheck))(given(**strategies)(
                                _counting(target, tried)))
            try:
                test()
            except KeyboardInterrupt:
                raise
            except BaseException as error:  # noqa: B036 - a Rust panic is a BaseException: report it too
                failures[name] = "".join(traceback.format_exception(error))
        print(f"  {time.monotonic() - started:6.0f} s  "
              + ", ".join(f"{n} {c:,}" for n, c in tried.items()), flush=True)
    print("\nInputs tried per target:")
    for name, count in tried.items():
        print(f"  {name:<28} {count:>8,}  {'FAILED' if name in failures else 'ok'}")
    for name, text in failures.items():
        print(f"\n==== {name} failed ====\n{text}")
    return len(failures)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=3.0, help="how long to fuzz (default 3)")
    parser.add_argument("--batch", type=int, default=200, help="examples per target per round")
    args = parser.parse_args()
    print(f"Fuzzing {len(TARGETS)} targets for {args.minutes:g} minutes "
          f"({len(SEEDS)} seed files to mutate)")
    sys.exit(1 if run(args.minutes, args.batch) else 0)


if __name__ == "__main__":
    main()
