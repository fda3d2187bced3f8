"""Issue 9, figures silently misread: decimal commas, implausible values and same-key rows.

Every test writes real files (xlsx with openpyxl, csv as Excel saves it), reads them as an
upload does, asserts the problem's file, sheet, row, column and message, and, where it imports,
that a refused import leaves the store exactly as it was: through the store and through
`python -m analysis validate` and `import` on the same file, which must agree.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from analysis.__main__ import main
from analysis.ingest import read_paths
from analysis.schema import LIMITS, NATURAL_KEYS
from analysis.store import KEYS, Store, StoreError

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "sample_data"

VISIT_HEAD = ["Deployment ID", "Visit date", "Days", "Focus area", "Progress", "Summary",
              "Next steps", "QA status"]
DEPLOYMENT_HEAD = ["Deployment ID", "Client URN", "Leader name", "Leader role", "Focus areas",
                   "Start date", "End date", "Days committed", "Funding source",
                   "Funding amount"]
TARGET_HEAD = ["Target ID", "Client URN", "Deployment ID", "Measure", "Subgroup", "Baseline",
               "Baseline period", "Target value", "Target period"]


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """A workbook as Excel writes it: text cells stay text, numbers and dates are typed cells."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
        for cells in sheet.iter_rows():
            for cell in cells:
                if isinstance(cell.value, dt.date):
                    cell.number_format = "dd/mm/yyyy"
    book.save(path)
    return path


def write_csv(path: Path, rows: list[list[object]], sep: str = ",") -> Path:
    """A CSV as Excel saves it (a continental Excel separates with ';')."""
    def cell(value: object) -> str:
        text = "" if value is None else str(value)
        return f'"{text}"' if any(ch in text for ch in (sep, '"', "\n")) else text

    path.write_text("\r\n".join(sep.join(cell(v) for v in row) for row in rows) + "\r\n",
                    encoding="utf-8")
    return path


def problems_of(*paths: Path) -> list[list[object]]:
    """file, sheet, row, column, message of every problem an upload of these files has."""
    p = read_paths(paths).problems
    return [[r.file, r.sheet, None if pd.isna(r.row) else int(r.row), r.column, r.message]
            for r in p.itertuples()]


# ---- a store holding the sample trust, copied per test --------------------------------------

@pytest.fixture(scope="module")
def sample_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sample") / "sample.sqlite"
    store = Store(f"sqlite:///{path}")
    store.import_upload(read_paths([SAMPLE / "riverside_trust.xlsx"]), "sample")
    store.engine.dispose()
    return path


@pytest.fixture
def db(sample_file, tmp_path) -> str:
    path = tmp_path / "impact.sqlite"
    shutil.copy(sample_file, path)
    return f"sqlite:///{path}"


def snapshot(url: str) -> tuple:
    """Everything a reader of the store can see: version, counts, history, every frame."""
    store = Store(url)
    try:
        data = store.load()
        frames = {name: getattr(data, name).astype(str).to_dict("records")
                  for name in ("schools", "deployments", "targets", "milestones", "measures",
                               "visits", "inspections", "school_measures")}
        history = store.history().astype(str).to_dict("records")
        return store.version(), store.counts(), history, frames
    finally:
        store.engine.dispose()


def refused_everywhere(capsys, db: str, *paths: Path) -> list[str]:
    """validate and import on the same files both refuse with the same lines; nothing stored.
    Returns those lines (file, sheet, row, column: message)."""
    before = snapshot(db)
    files = [str(p) for p in paths]
    assert main(["validate", *files, "--db", db]) == 2
    _, validate_err = capsys.readouterr()
    assert main(["import", *files, "--db", db, "--user", "t"]) == 2
    _, import_err = capsys.readouterr()
    validate_lines = validate_err.strip().splitlines()[1:]
    import_lines = import_err.strip().splitlines()[1:]
    assert validate_lines == import_lines and validate_lines
    store = Store(db)
    with pytest.raises(StoreError):
        store.import_upload(read_paths(paths), "t")
    store.engine.dispose()
    assert snapshot(db) == before
    return validate_lines


# ---- A. decimal commas and ambiguous separators ---------------------------------------------

DECIMAL_FIX = "with a full stop (fix the cell, or export with a full stop as the decimal separator)"


def test_decimal_comma_attendance_is_a_problem_not_95(tmp_path, capsys, db):
    path = write_csv(tmp_path / "attendance.csv", [
        ["URN", "Period", "UPN", "Attendance %"],
        ["990201", "2024/25 Summer 1", "P900001", "96.5"],
        ["990201", "2024/25 Summer 1", "P900002", "9,5"],
        ["990201", "2024/25 Summer 1", "P900003", "93,5%"],
    ], sep=";")
    assert problems_of(path) == [
        ["attendance.csv", None, 3, "Attendance %",
         f"Attendance %: '9,5' has a decimal comma; a UK file writes 9.5 {DECIMAL_FIX}"],
        ["attendance.csv", None, 4, "Attendance %",
         f"Attendance %: '93,5%' has a decimal comma; a UK file writes 93.5 {DECIMAL_FIX}"],
    ]
    assert refused_everywhere(capsys, db, path) == [
        f"attendance.csv, row 3: Attendance %: '9,5' has a decimal comma; a UK file writes 9.5 "
        f"{DECIMAL_FIX}",
        f"attendance.csv, row 4: Attendance %: '93,5%' has a decimal comma; a UK file writes "
        f"93.5 {DECIMAL_FIX}",
    ]


def test_decimal_comma_days_and_continental_funding_in_a_workbook(tmp_path, capsys, db):
    path = write_xlsx(tmp_path / "deployments.xlsx", {"Deployments": [
        DEPLOYMENT_HEAD,
        ["D20", "990201", "Ann Lee", "SLE", "Maths", dt.date(2024, 9, 2), None, "10,5",
         "Trust", "1.200,50"],
        ["D21", "990201", "Bo Ray", "SLE", "Maths", dt.date(2024, 9, 2), None, 12,
         "Trust", "1.200.000"],
        ["D22", "990201", "Cy Fox", "SLE", "Maths", dt.date(2024, 9, 2), None, 12,
         "Trust", "£1.200"],
    ]})
    assert problems_of(path) == [
        ["deployments.xlsx", "Deployments", 2, "Days committed",
         f"Days committed: '10,5' has a decimal comma; a UK file writes 10.5 {DECIMAL_FIX}"],
        ["deployments.xlsx", "Deployments", 2, "Funding amount",
         "Funding amount: '1.200,50' uses a full stop for thousands and a comma for decimals; "
         "a UK file writes 1200.50 (fix the cell, or export with a full stop as the decimal "
         "separator)"],
        ["deployments.xlsx", "Deployments", 3, "Funding amount",
         "Funding amount: '1.200.000' uses full stops to group thousands; write it as 1200000 "
         "or with commas (1,200)"],
        ["deployments.xlsx", "Deployments", 4, "Funding amount",
         "Funding amount: '£1.200' has three figures after the full stop, which pounds and "
         "pence never have; if it means 1200 pounds, write it without the full stop (commas "
         "are fine: 1,200)"],
    ]
    lines = refused_everywhere(capsys, db, path)
    assert lines[0].startswith("deployments.xlsx, Deployments, row 2: Days committed: '10,5'")


def test_uk_thousands_and_pounds_still_read_and_import(tmp_path, capsys, db):
    path = write_csv(tmp_path / "deployments.csv", [
        DEPLOYMENT_HEAD,
        ["D20", "990201", "Ann Lee", "SLE", "Maths", "02/09/2024", "", "26", "Trust", "1,200"],
        ["D21", "990201", "Bo Ray", "SLE", "Maths", "02/09/2024", "", "10.5", "Trust",
         "£24,000.50"],
        ["D22", "990201", "Cy Fox", "SLE", "Maths", "02/09/2024", "", "1,2", "Trust", "£1,200,000"],
    ])
    # '1,2' is not a thousands form: refused. Without it the file imports with the right figures.
    assert problems_of(path) == [[
        "deployments.csv", None, 4, "Days committed",
        f"Days committed: '1,2' has a decimal comma; a UK file writes 1.2 {DECIMAL_FIX}"]]
    good = write_csv(tmp_path / "good_deployments.csv", [
        DEPLOYMENT_HEAD,
        ["D20", "990201", "Ann Lee", "SLE", "Maths", "02/09/2024", "", "26", "Trust", "1,200"],
        ["D21", "990201", "Bo Ray", "SLE", "Maths", "02/09/2024", "", "10.5", "Trust",
         "£24,000.50"],
    ])
    assert main(["import", str(good), "--db", db, "--user", "t"]) == 0
    capsys.readouterr()
    stored = Store(db).load().deployments.set_index("deployment_id")
    assert stored.loc["D20", "funding_amount"] == 1200.0
    assert (stored.loc["D21", "days_committed"], stored.loc["D21", "funding_amount"]) == (
        10.5, 24000.5)


# ---- B. implausible values ---------------------------------------------------------------------

def test_each_implausible_value_is_a_problem_naming_its_cell(tmp_path, capsys, db):
    path = write_xlsx(tmp_path / "term.xlsx", {
        "Targets": [
            TARGET_HEAD,
            ["T90", "990201", "D02", "reading_exs", "All", 555, "2023/24 Summer 2", 64,
             "2024/25 Summer 2"],
            ["T91", "990202", "", "attendance", "All", -5, "2023/24 Summer 2", 95,
             "2024/25 Summer 2"],
            ["T92", "990202", "", "disadvantaged_gap_rwm_exs", "All", 30, "2023/24 Summer 2",
             -120, "2024/25 Summer 2"],
            ["T93", "990202", "", "rwm_exs", "All", 40, "1990/91 Summer 2", 50,
             "2024/25 Summer 2"],
        ],
        "Milestones": [
            ["Target ID", "Period", "Value"],
            ["T91", "2024/25 Autumn 2", 120],
            ["T91", "2024/25 Spring 2", -1],
            ["T92", "2024/25 Spring 2", -40],  # a gap may be negative
            ["T01", "2024/25 Spring 2", 150],  # a stored target: no measure here to go by
        ],
        "Visits": [
            VISIT_HEAD,
            ["D01", dt.date(2024, 10, 7), 400, "Leadership", "Green", "", "", "Checked"],
            ["D01", dt.date(2024, 10, 8), 0, "Leadership", "Green", "", "", "Checked"],
            ["D01", dt.date(1900, 1, 1), 1, "Leadership", "Green", "", "", "Checked"],
            ["D01", dt.date(2099, 1, 1), 1, "Leadership", "Green", "", "", "Checked"],
            ["D01", dt.date(2024, 10, 9), 0.5, "Leadership", "Green", "", "", "Checked"],
        ],
    })
    this_year = dt.date.today().year if dt.date.today().month >= 9 else dt.date.today().year - 1
    # Years in use: 2023/24 and 2024/25 from the periods (not 1990/91, refused) and today's.
    window = (f"is outside 01/09/{min(2023, this_year) - 3} to "
              f"31/08/{max(2024, this_year) + 2} (3 years before to 1 after the academic years "
              "this upload and today cover); check the year")
    first, last = this_year - 12, this_year + 5
    got = problems_of(path)
    assert got == [
        ["term.xlsx", "Targets", 2, "Baseline",
         "Baseline: 555 is above 100 (reading_exs is a percentage, 0 to 100)"],
        ["term.xlsx", "Targets", 3, "Baseline",
         "Baseline: -5 is below 0 (attendance is a percentage, 0 to 100)"],
        ["term.xlsx", "Targets", 5, "Baseline period",
         f"Baseline period: 1990/91 Summer 2 is outside the academic years "
         f"{first}/{(first + 1) % 100:02d} to {last}/{(last + 1) % 100:02d}; check the year"],
        ["term.xlsx", "Targets", 4, "Target value",
         "Target value: -120 is below -100 (disadvantaged_gap_rwm_exs is a gap in percentage "
         "points, -100 to 100)"],
        ["term.xlsx", "Milestones", 2, "Value",
         "Value: 120 is above 100 (attendance is a percentage, 0 to 100)"],
        ["term.xlsx", "Milestones", 3, "Value",
         "Value: -1 is below 0 (attendance is a percentage, 0 to 100)"],
        ["term.xlsx", "Milestones", 5, "Value",
         "Value: 150 is above 100 (every measure is a percentage or a gap, -100 to 100)"],
        ["term.xlsx", "Visits", 4, "Visit date", f"Visit date: 01/01/1900 {window}"],
        ["term.xlsx", "Visits", 5, "Visit date", f"Visit date: 01/01/2099 {window}"],
        ["term.xlsx", "Visits", 2, "Days",
         "Days: 400 is above 5 (one visit record is the time spent, at most a school week; "
         "0.5 is half a day)"],
        ["term.xlsx", "Visits", 3, "Days",
         "Days: 0 must be more than 0 (one visit record is the time spent, at most a school "
         "week; 0.5 is half a day)"],
    ]
    lines = refused_everywhere(capsys, db, path)
    assert "term.xlsx, Targets, row 2: Baseline: 555 is above 100 (reading_exs is a percentage, " \
           "0 to 100)" in lines
    assert len(lines) == len(got)


def test_school_figures_pupil_rows_and_negative_funding(tmp_path, capsys, db):
    measures = write_csv(tmp_path / "measures.csv", [
        ["URN", "Period", "Measure", "Subgroup", "Value", "Cohort"],
        ["990201", "2024/25 Summer 1", "attendance", "All", "101", "200"],
        ["990201", "2024/25 Summer 1", "disadvantaged_gap_attendance", "All", "-12.5", "-3"],
    ])
    pupils = write_csv(tmp_path / "outcomes.csv", [
        ["URN", "Period", "UPN", "Possible sessions", "Attended sessions", "Attendance %"],
        ["990201", "2024/25 Summer 1", "P900001", "4000", "3900", ""],
        ["990201", "2024/25 Summer 1", "P900002", "", "", "-5"],
    ])
    money = write_csv(tmp_path / "deployments.csv", [
        DEPLOYMENT_HEAD,
        ["D20", "990201", "Ann Lee", "SLE", "Maths", "02/09/2024", "", "-3", "Trust", "-500"],
        ["D21", "990201", "Bo Ray", "SLE", "Maths", "02/09/2024", "", "2000", "Trust", "0"],
    ])
    got = problems_of(measures, pupils, money)
    assert got == [
        ["deployments.csv", None, 2, "Days committed",
         "Days committed: -3 is negative (the days agreed for the whole deployment; 2 days a "
         "week for a term is 26)"],
        ["deployments.csv", None, 3, "Days committed",
         "Days committed: 2000 is above 600 (the days agreed for the whole deployment; 2 days "
         "a week for a term is 26)"],
        ["deployments.csv", None, 2, "Funding amount", "Funding amount: -500 is negative"],
        ["outcomes.csv", None, 2, "Possible sessions",
         "Possible sessions: 4000 is above 400 (a school year has 380 sessions)"],
        ["outcomes.csv", None, 2, "Attended sessions",
         "Attended sessions: 3900 is above 400 (a school year has 380 sessions)"],
        ["outcomes.csv", None, 3, "Attendance %", "Attendance %: -5 is negative"],
        ["measures.csv", None, 2, "Value",
         "Value: 101 is above 100 (attendance is a percentage, 0 to 100)"],
        ["measures.csv", None, 3, "Cohort", "Cohort: -3 is negative"],
    ]
    refused_everywhere(capsys, db, measures, pupils, money)


def test_the_limits_cover_every_number_column():
    """One table: every number, percent, whole and money column has its limit there."""
    from analysis.schema import FIELDS

    numbers = {(kind, col) for kind, fields_ in FIELDS.items() for col, f in fields_.items()
               if f.type in ("number", "percent", "whole", "money")}
    assert numbers == set(LIMITS)


# ---- C. rows sharing a natural key inside one upload --------------------------------------------

def test_two_half_day_visits_same_day_same_focus_are_a_problem(tmp_path, capsys, db):
    path = write_csv(tmp_path / "visits.csv", [
        VISIT_HEAD,
        ["D01", "07/10/2024", "0.5", "Leadership", "Green", "Morning", "", "Checked"],
        ["D01", "07/10/2024", "0.5", "Leadership", "Green", "Afternoon", "", "Checked"],
        ["D01", "07/10/2024", "0.5", "Curriculum", "Green", "Not the same focus", "", ""],
        ["D02", "08/10/2024", "0.5", "", "Green", "", "", ""],
        ["D02", "08/10/2024", "0.5", "", "Green", "", "", ""],
    ])
    expected = [
        ["visits.csv", None, 3, "Visit date",
         "Visit date: a second visit record for D01 on 07/10/2024 with focus 'Leadership'; put "
         "them on one row with the days added together, or give each its own focus area "
         "(first at row 2)"],
        ["visits.csv", None, 6, "Visit date",
         "Visit date: a second visit record for D02 on 08/10/2024 with no focus area; put them "
         "on one row with the days added together, or give each its own focus area "
         "(first at row 5)"],
    ]
    assert problems_of(path) == expected
    assert refused_everywhere(capsys, db, path) == [
        f"visits.csv, row {row}: {message}" for _, _, row, _, message in expected]


def test_same_key_across_two_files_and_inspections(tmp_path, capsys, db):
    one = write_csv(tmp_path / "visits_autumn.csv", [
        VISIT_HEAD, ["D01", "07/10/2024", "0.5", "Leadership", "Green", "", "", ""]])
    two = write_xlsx(tmp_path / "visits_more.xlsx", {"Visits": [
        VISIT_HEAD, ["D01", dt.date(2024, 10, 7), 0.5, "Leadership", "Green", "", "", ""]]})
    inspections = write_xlsx(tmp_path / "ofsted.xlsx", {"Inspections": [
        ["URN", "Inspection date", "Area", "Judgement"],
        ["990201", dt.date(2025, 11, 20), "Inclusion", "Expected standard"],
        ["990201", dt.date(2025, 11, 20), "Inclusion", "Needs attention"],
        ["990202", dt.date(2023, 3, 1), None, "Good"],
        ["990202", dt.date(2023, 3, 1), "Overall", "Good"],
    ]})
    assert problems_of(one, two, inspections) == [
        ["visits_more.xlsx", "Visits", 2, "Visit date",
         "Visit date: a second visit record for D01 on 07/10/2024 with focus 'Leadership'; put "
         "them on one row with the days added together, or give each its own focus area "
         "(first at row 2 of visits_autumn.csv)"],
        ["ofsted.xlsx", "Inspections", 3, "Inspection date",
         "Inspection date: URN 990201 has more than one 'Inclusion' judgement on 20/11/2025 "
         "(first at row 2)"],
        ["ofsted.xlsx", "Inspections", 5, "Inspection date",
         "Inspection date: URN 990202 has more than one 'Overall' judgement on 01/03/2023 "
         "(first at row 4)"],
    ]
    refused_everywhere(capsys, db, one, two, inspections)


def test_visits_on_one_day_with_different_focus_both_import(tmp_path, capsys, db):
    path = write_csv(tmp_path / "visits.csv", [
        VISIT_HEAD,
        ["D01", "07/10/2024", "0.5", "Leadership", "Green", "Morning", "", "Checked"],
        ["D01", "07/10/2024", "0.5", "Curriculum", "Green", "Afternoon", "", "Checked"],
    ])
    assert main(["validate", str(path), "--db", db]) == 0
    assert "2 visits" in capsys.readouterr().out
    assert main(["import", str(path), "--db", db, "--user", "t"]) == 0
    capsys.readouterr()
    visits = Store(db).load().visits
    day = visits[(visits["deployment_id"] == "D01")
                 & (pd.to_datetime(visits["visit_date"]) == pd.Timestamp("2024-10-07"))]
    assert sorted(day["focus_area"]) == ["Curriculum", "Leadership"] and day["days"].sum() == 1.0


def test_the_upload_and_the_store_use_the_same_natural_keys():
    """A key the store replaces by but the upload does not check would let the last row win."""
    for kind, key in KEYS.items():
        assert NATURAL_KEYS[kind] == key, kind


# ---- the sample still imports; the broken files still say what their README says -----------

def test_sample_and_next_term_import_cleanly(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    assert main(["import", str(SAMPLE / "riverside_trust.xlsx"), "--db", url]) == 0
    next_term = sorted(str(p) for p in (SAMPLE / "next_term").iterdir())
    assert main(["validate", *next_term, "--db", url]) == 0
    assert main(["import", *next_term, "--db", url]) == 0
    out, err = capsys.readouterr()
    assert err == "" and "Imported as upload 2" in out


def test_a_milestone_for_a_stored_target_takes_its_measure(tmp_path, capsys, db):
    """T01 is stored (reading_exs): a milestone of -5 for it alone is below 0, not within a gap's
    range; the same milestone with T01 uploaded again as a gap target is fine."""
    path = write_csv(tmp_path / "milestones.csv", [
        ["Target ID", "Period", "Value"], ["T01", "2024/25 Spring 2", "-5"],
        ["T01", "2024/25 Summer 1", "60"]])
    assert problems_of(path) == []  # the file alone cannot know T01's measure
    lines = refused_everywhere(capsys, db, path)
    assert lines == ["milestones.csv, row 2: Value: -5 is below 0 (reading_exs is a percentage, "
                     "0 to 100)"]
    gap = write_csv(tmp_path / "targets.csv", [
        TARGET_HEAD, ["T01", "990201", "D02", "disadvantaged_gap_reading_exs", "All", 10,
                      "2023/24 Summer 2", 2, "2024/25 Summer 2"]])
    assert main(["validate", str(path), str(gap), "--db", db]) == 0
    capsys.readouterr()
