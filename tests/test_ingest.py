"""analysis.ingest: reading uploads into the normalised frames, and every problem at once."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from analysis.ingest import check_references, read_files, read_paths
from analysis.schema import COLUMNS, FIELDS, KINDS
from tests.ingest_fixtures import (
    DEPLOYMENTS,
    OUTCOMES,
    SCHOOLS,
    TARGETS,
    TRUST,
    VISITS,
    csv_bytes,
    with_rows,
    xlsx_bytes,
)

OUTCOME_HEAD = ["URN", "Term", "UPN"]


def read_xlsx(sheets, name="upload.xlsx"):
    return read_files([(name, xlsx_bytes(sheets))])


def read_csv(rows, name="upload.csv", **kw):
    return read_files([(name, csv_bytes(rows, **kw))])


def problem(upload, **where) -> pd.DataFrame:
    """The problems matching file/sheet/row/column given."""
    p = upload.problems
    for key, value in where.items():
        p = p[p[key] == value]
    return p


def messages(upload) -> list[str]:
    return upload.problems["message"].tolist()


def one_outcome_column(header: str, *values) -> pd.DataFrame:
    """Read an outcomes sheet whose only extra column is `header` with these values."""
    rows = [[*OUTCOME_HEAD, header]]
    rows += [[100001, "2024/25 Autumn", f"P{i}", v] for i, v in enumerate(values)]
    return read_xlsx({"Outcomes": rows})


# ---- every kind, xlsx and csv --------------------------------------------------------------

def test_trust_workbook_reads_every_kind_with_exactly_the_contract_columns():
    upload = read_xlsx(TRUST, "trust.xlsx")
    assert upload.ok, upload.problems
    assert list(upload.frames) == KINDS
    for kind, frame in upload.frames.items():
        assert list(frame.columns) == COLUMNS[kind]
    assert upload.frames["schools"]["urn"].tolist() == ["100001", "100002", "100003"]
    assert upload.files[0].name == "trust.xlsx"
    assert upload.files[0].kinds == KINDS
    assert len(upload.files[0].sha256) == 64


@pytest.mark.parametrize("sheet", list(TRUST))
def test_each_kind_reads_from_its_own_csv(sheet):
    kind = {"Measures": "school_measures"}.get(sheet, sheet.lower())
    upload = read_csv(TRUST[sheet], name=f"{kind}.csv")
    assert upload.ok, upload.problems
    assert list(upload.frames) == [kind]
    assert len(upload.frames[kind]) == len(TRUST[sheet]) - 1


def test_normalised_values_of_a_trust_workbook():
    frames = read_xlsx(TRUST).frames
    deployment = frames["deployments"].iloc[0]
    assert deployment["client_urn"] == "100001"
    assert deployment["start_date"] == pd.Timestamp("2024-09-01")
    assert deployment["days_committed"] == 26.0
    target = frames["targets"].iloc[0]
    assert target["subgroup"] == "All"  # blank subgroup defaults to All
    assert target["baseline_period"] == "2023/24 Summer 2"
    pupils = frames["outcomes"]
    assert pupils["disadvantaged"].tolist() == [True, False]
    assert pupils["send"].tolist() == ["N", "K"]
    assert pupils["maths"].tolist() == ["GDS", "EXS"]
    assert str(frames["visits"]["visit_date"].dtype) == "datetime64[ns]"
    assert frames["inspections"]["judgement"].tolist() == ["Requires improvement"]


# ---- kind detection ------------------------------------------------------------------------

@pytest.mark.parametrize(("sheet", "kind"), [
    ("Pupil outcomes", "outcomes"), ("pupil_outcomes", "outcomes"), ("VISIT RECORDS", "visits"),
    ("Action plan targets", "targets"), ("Action-plan targets", "targets"),
    ("measures", "school_measures"), ("School measures", "school_measures"),
    ("Ofsted", "inspections"),
])
def test_sheet_names_are_matched_loosely(sheet, kind):
    fixture = {"outcomes": OUTCOMES, "visits": VISITS, "targets": TARGETS,
               "school_measures": TRUST["Measures"], "inspections": TRUST["Inspections"]}[kind]
    upload = read_xlsx({sheet: fixture})
    assert list(upload.frames) == [kind]


def test_export_sheet_with_pupil_columns_is_outcomes():
    upload = read_xlsx({"Export": OUTCOMES})
    assert list(upload.frames) == ["outcomes"]
    assert upload.ok


def test_csv_named_anything_is_recognised_by_its_columns():
    upload = read_csv(VISITS, name="from_sam_march.csv")
    assert list(upload.frames) == ["visits"]


def test_csv_file_name_names_the_kind():
    upload = read_csv(OUTCOMES, name="pupil_outcomes_autumn_2024.csv")
    assert list(upload.frames) == ["outcomes"]
    assert upload.files[0].kinds == ["outcomes"]


def test_unrecognised_csv_is_a_problem():
    upload = read_csv([["Colour", "Size"], ["red", "big"]], name="stuff.csv")
    assert messages(upload) == [
        "stuff.csv: could not tell what records these are; name the file after its kind "
        "(e.g. outcomes.csv) or use the template's headers"]


def test_instruction_sheets_are_skipped_with_a_notice():
    upload = read_xlsx({"Instructions": [["How to fill this in"], ["Put one pupil per row"]],
                        "Read me": [["Column", "Meaning"], ["URN", "the school"]],
                        "Schools": SCHOOLS})
    assert upload.ok
    assert list(upload.frames) == ["schools"]
    notices = upload.notices["message"].tolist()
    assert "Sheet 'Instructions' was skipped: it is not one of the record kinds" in notices[0]
    assert "Sheet 'Read me' was skipped" in notices[1]


def test_multi_kind_workbook_with_two_outcome_sheets_combines_them():
    second = [OUTCOMES[0], [100001, "2024/25 Spring", "P001", "6", "Y", "N", "EXS", "EXS",
                            "GDS", 120, 118, 0]]
    upload = read_xlsx({"Schools": SCHOOLS, "Autumn": OUTCOMES, "Spring outcomes": second})
    assert upload.ok, upload.problems
    assert len(upload.frames["outcomes"]) == 3
    assert upload.sources["outcomes"]["sheet"].tolist() == ["Autumn", "Autumn", "Spring outcomes"]
    assert upload.sources["outcomes"]["row"].tolist() == [2, 3, 2]


def test_several_files_of_one_kind_are_combined():
    upload = read_files([("a.csv", csv_bytes(OUTCOMES)),
                         ("b.xlsx", xlsx_bytes({"Outcomes": [OUTCOMES[0], [
                             100002, "Spring 2025", "Q1", "R", "N", "", "", "", "", 10, 9, 0]]}))])
    assert upload.ok, upload.problems
    assert upload.frames["outcomes"]["pupil_id"].tolist() == ["P001", "P002", "Q1"]
    assert [f.kinds for f in upload.files] == [["outcomes"], ["outcomes"]]


# ---- headers -------------------------------------------------------------------------------

ALIASES = [
    ("outcomes", "URN", "urn"), ("outcomes", "School URN", "urn"), ("outcomes", "Term", "period"),
    ("outcomes", "Period", "period"), ("outcomes", "Pupil ID", "pupil_id"),
    ("outcomes", "UPN", "pupil_id"), ("outcomes", "Year Group", "year_group"),
    ("outcomes", "Year", "year_group"), ("outcomes", "Attendance %", "attendance_pct"),
    ("outcomes", "PP", "disadvantaged"), ("outcomes", "Pupil premium", "disadvantaged"),
    ("outcomes", "SEN", "send"), ("outcomes", "SEND", "send"), ("outcomes", "SEN status", "send"),
    ("outcomes", "Maths TA", "maths"), ("outcomes", "Reading TA", "reading"),
    ("outcomes", "English grade", "english_grade"),
    ("outcomes", "Possible sessions", "sessions_possible"),
    ("outcomes", "Attended sessions", "sessions_attended"),
    ("outcomes", "Suspensions", "suspensions"), ("outcomes", "Fixed term exclusions", "suspensions"),
    ("outcomes", "year_group", "year_group"), ("outcomes", "ATTENDANCE_PCT", "attendance_pct"),
    ("targets", "client_urn", "client_urn"), ("targets", "URN", "client_urn"),
    ("targets", "School URN", "client_urn"), ("deployments", "URN", "client_urn"),
    ("deployments", "Client URN", "client_urn"),
]


@pytest.mark.parametrize(("kind", "header", "column"), ALIASES)
def test_header_aliases(kind, header, column):
    from analysis.ingest import _HEADER_ALIASES
    from analysis.schema import normalise_name

    assert _HEADER_ALIASES[kind][normalise_name(header)] == column


def test_aliased_headers_read_into_canonical_columns():
    rows = [["School URN", "Period", "Pupil ID", "Year", "Pupil premium", "SEN status",
             "Maths TA", "English grade", "Attendance %", "Fixed term exclusions"],
            [100001, "Autumn 2024", "A1", "Year 6", "Yes", "SEN support", "exs", "U", "93.5%", 2]]
    upload = read_xlsx({"Data": rows})
    assert upload.ok, upload.problems
    row = upload.frames["outcomes"].iloc[0]
    assert (row["urn"], row["period"], row["pupil_id"], row["year_group"]) == (
        "100001", "2024/25 Autumn 2", "A1", "6")
    assert row["disadvantaged"] is True or bool(row["disadvantaged"]) is True
    assert (row["send"], row["maths"], row["english_grade"]) == ("K", "EXS", 0.0)
    assert (row["attendance_pct"], row["suspensions"]) == (93.5, 2.0)


def test_every_canonical_column_name_is_its_own_alias():
    from analysis.ingest import _HEADER_ALIASES

    for kind in KINDS:
        assert list(FIELDS[kind]) == COLUMNS[kind]
        for col in COLUMNS[kind]:
            assert _HEADER_ALIASES[kind][col.replace("_", "")] == col


def test_header_found_below_title_rows_and_rows_numbered_as_the_spreadsheet():
    rows = [["Pupil outcomes export"], ["Printed 03/04/2025 by SIMS"], [None], OUTCOMES[0],
            OUTCOMES[1], [None], [None], OUTCOMES[2],
            [100001, "2024/25 Autumn", "P003", "6", "Y", "N", "EXS", "EXS", "EXS", 140, 150, 0]]
    upload = read_xlsx({"Export": rows})
    assert len(upload.frames["outcomes"]) == 3  # blank rows ignored
    assert upload.sources["outcomes"]["row"].tolist() == [5, 8, 9]
    bad = problem(upload, row=9)
    assert bad["column"].tolist() == ["Attended sessions"]
    assert bad["message"].tolist() == ["Attended sessions: 150 is more than Possible sessions (140)"]


def test_header_below_title_rows_in_a_csv():
    rows = [["Visit log for 2024/25"], [], *VISITS, [], ["D1", "31/02/2025", 1, "Maths", "Green",
                                                          "", "", "Pending"]]
    upload = read_csv(rows, name="log.csv")
    assert len(upload.frames["visits"]) == 2
    assert problem(upload, row=6)["message"].tolist() == [
        "Visit date: '31/02/2025' is not a date; write it as dd/mm/yyyy"]
    assert problem(upload, row=6)["sheet"].tolist() == [None]


def test_two_headers_meaning_one_column_is_a_problem():
    upload = read_xlsx({"Outcomes": [[*OUTCOME_HEAD, "Maths", "Maths TA"],
                                     [100001, "Autumn 2024", "P1", "EXS", "EXS"]]})
    assert messages(upload) == ["Columns 'Maths' and 'Maths TA' both mean maths; keep one"]
    assert problem(upload, row=1)["column"].tolist() == ["Maths TA"]


def test_unknown_columns_are_ignored_with_a_notice():
    upload = read_xlsx({"Outcomes": [[*OUTCOME_HEAD, "Gender"], [100001, "2024/25 Autumn 2", "P1", "F"]]})
    assert upload.ok
    assert "Gender" not in upload.frames["outcomes"].columns
    assert upload.notices["message"].tolist() == [
        "Sheet 'Outcomes': column 'Gender' is not used and was ignored."]


# ---- pupil-identifying columns -------------------------------------------------------------

def test_names_dates_of_birth_and_addresses_are_dropped_and_never_stored():
    header = [*OUTCOME_HEAD, "Forename", "Surname", "Legal surname", "Preferred name",
              "Pupil name", "First name", "Last name", "Name", "DOB", "Date of birth",
              "Address", "Postcode", "Street", "Reading"]
    secret = ["Zebedee", "Quixote", "Quixote-Legal", "Zeb", "Zebedee Quixote", "Zebby",
              "Quixy", "ZQ Name", dt.date(2013, 5, 17), "17/05/2013", "1 Secret Lane",
              "ZZ9 9ZZ", "Secret Street", "EXS"]
    upload = read_xlsx({"Outcomes": [header, [100001, "Autumn 2024", "P1", *secret]]})
    assert upload.ok, upload.problems
    frame = upload.frames["outcomes"]
    assert list(frame.columns) == COLUMNS["outcomes"]
    text = frame.astype(str).to_string() + upload.problems.to_string()
    for value in ["Zebedee", "Quixote", "Zeb", "Quixy", "ZQ", "2013", "Secret", "ZZ9"]:
        assert value not in text
    assert frame["reading"].tolist() == ["EXS"]
    notices = upload.notices["message"].tolist()
    assert notices[0] == (
        "Columns 'Forename', 'Surname', 'Legal surname', 'Preferred name', 'Pupil name', "
        "'First name', 'Last name', 'Name' look like pupil names and were dropped; they are "
        "never stored.")
    assert notices[1] == ("Columns 'DOB', 'Date of birth' look like dates of birth and were "
                          "dropped; they are never stored.")
    assert notices[2] == ("Columns 'Address', 'Postcode', 'Street' look like addresses and "
                          "were dropped; they are never stored.")


def test_csv_with_a_single_name_column():
    upload = read_csv([["UPN", "Pupil name", "URN", "Period"], ["P1", "Zebedee", 100001,
                                                                 "Autumn 2024"]])
    assert "Zebedee" not in upload.frames["outcomes"].to_string()
    assert upload.notices["message"].tolist() == [
        "Column 'Pupil name' looks like a pupil name and was dropped; it is never stored.",
        # Every label read by a rule is said (issue 13).
        "Period: 'Autumn 2024' was read as 2024/25 Autumn 2 (Autumn alone means its second half "
        "term, Autumn 2; 2024 is a calendar year, so Autumn 2024 falls in the 2024/25 academic "
        "year)."]


def test_leader_names_in_deployments_are_staff_and_kept():
    upload = read_xlsx({"Deployments": DEPLOYMENTS})
    assert upload.frames["deployments"]["leader_name"].tolist() == ["Sam Leader"]
    assert upload.notices.empty


# ---- values --------------------------------------------------------------------------------

def test_urn_from_an_excel_number_and_a_text_float():
    upload = read_csv([["URN", "School name", "Phase", "Role"], ["123456.0", "A", "Primary",
                                                                  "Client"]], name="schools.csv")
    assert upload.frames["schools"]["urn"].tolist() == ["123456"]
    upload = read_xlsx({"Schools": [SCHOOLS[0], [123456.0, "A", "Primary", "NE", "Client"]]})
    assert upload.frames["schools"]["urn"].tolist() == ["123456"]


def test_a_urn_is_ascii_digits_full_width_ones_read_as_what_they_show():
    # Python's \d takes any script's digits: '٩٩٠٢٠١' would have been stored as a second school.
    upload = read_csv([["URN", "School name", "Phase", "Role"],
                       ["\uff19\uff19\uff10\uff12\uff10\uff11", "A", "Primary", "Client"],
                       ["\u0669\u0669\u0660\u0662\u0660\u0661", "B", "Primary", "Client"]],
                      name="schools.csv")
    assert upload.problems[["row", "message"]].values.tolist() == [
        [3, "URN: '\u0669\u0669\u0660\u0662\u0660\u0661' is not a 6-digit URN"]]
    assert upload.frames["schools"]["urn"].tolist()[0] == "990201"


@pytest.mark.parametrize(("value", "expected"), [
    ("Y", True), ("y", True), ("Yes", True), ("TRUE", True), ("1", True), (1, True),
    (True, True), ("N", False), ("no", False), ("False", False), ("0", False), (0, False),
    (False, False), (None, None),
])
def test_yes_no_forms(value, expected):
    frame = one_outcome_column("PP", value).frames["outcomes"]
    got = frame["disadvantaged"].iloc[0]
    assert (None if pd.isna(got) else bool(got)) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("93.5%", 93.5), (93.5, 93.5), ("93.5", 93.5), (" 100 % ".strip(), 100.0), ("0%", 0.0),
])
def test_percent_forms(value, expected):
    frame = one_outcome_column("Attendance %", value).frames["outcomes"]
    assert frame["attendance_pct"].iloc[0] == expected


def test_fractions_from_percent_formatted_cells_are_read_as_percentages():
    upload = one_outcome_column("Attendance %", 0.935, 0.88)
    assert upload.frames["outcomes"]["attendance_pct"].round(6).tolist() == [93.5, 88.0]
    assert upload.notices["message"].str.contains("read as fractions").any()
    assert upload.notices["message"].str.contains(
        "'2024/25 Autumn' was read as 2024/25 Autumn 2").any()


@pytest.mark.parametrize(("value", "expected"), [
    ("03/09/2024", "2024-09-03"), ("3/9/2024", "2024-09-03"), ("3/9/24", "2024-09-03"),
    ("2024-09-03", "2024-09-03"), (dt.date(2024, 9, 3), "2024-09-03"),
    (dt.datetime(2024, 9, 3, 14, 30), "2024-09-03"), ("3 Sep 2024", "2024-09-03"),
    ("45538", "2024-09-03"),  # an Excel serial number in a text cell
])
def test_date_forms(value, expected):
    upload = read_xlsx({"Visits": [VISITS[0], ["D1", value, 1, "Maths", "Green", "", "",
                                                "Checked"]]})
    assert upload.ok, upload.problems
    assert upload.frames["visits"]["visit_date"].iloc[0] == pd.Timestamp(expected)


def test_dates_in_a_csv_are_uk_order():
    upload = read_csv([VISITS[0], ["D1", "01/02/2025", 1, "Maths", "Green", "", "", ""]])
    assert upload.frames["visits"]["visit_date"].iloc[0] == pd.Timestamp("2025-02-01")
    assert upload.frames["visits"]["qa_status"].iloc[0] == "Pending"  # blank QA is pending


def test_numbers_stored_as_text():
    upload = read_csv([DEPLOYMENTS[0], ["D1", "100001", "Sam", "SLE", "", "Maths", "1/9/2024",
                                        "", " 26 ", "Trust", "£1,200.50"]])
    assert upload.ok, upload.problems
    row = upload.frames["deployments"].iloc[0]
    assert (row["days_committed"], row["funding_amount"]) == (26.0, 1200.5)
    assert pd.isna(row["end_date"]) and pd.isna(row["home_urn"])


def test_csv_with_a_bom_and_a_cp1252_csv():
    rows = [["URN", "School name", "Phase", "Role"], [100001, "Ysgol Gŵyr £", "Primary", "Home"]]
    upload = read_csv(rows, name="schools.csv", bom=True)
    assert upload.ok
    assert upload.frames["schools"]["school_name"].tolist() == ["Ysgol Gŵyr £"]
    rows = [["URN", "School name", "Phase", "Role"], [100001, "St Mary’s Café £", "Primary",
                                                      "Client"]]
    upload = read_csv(rows, name="schools.csv", encoding="cp1252")
    assert upload.ok
    assert upload.frames["schools"]["school_name"].tolist() == ["St Mary’s Café £"]
    assert "read as Windows-1252" in upload.notices["message"].iloc[0]


@pytest.mark.parametrize(("value", "expected"), [
    ("N", "N"), ("k", "K"), ("E", "E"), ("SEN support", "K"), ("EHCP", "E"), ("EHC plan", "E"),
    (None, "N"),
])
def test_send_forms(value, expected):
    assert one_outcome_column("SEND", value).frames["outcomes"]["send"].iloc[0] == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("PKS", "PKS"), ("wts", "WTS"), ("Exs", "EXS"), ("GDS", "GDS"), ("Expected", "EXS"),
    ("Working towards", "WTS"), ("Greater depth", "GDS"), (None, None),
])
def test_teacher_assessment_forms(value, expected):
    got = one_outcome_column("Reading TA", value).frames["outcomes"]["reading"].iloc[0]
    assert (None if pd.isna(got) else got) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (1, 1.0), ("9", 9.0), ("U", 0.0), ("u", 0.0), (4.5, 4.5), (None, None)])
def test_grade_forms(value, expected):
    got = one_outcome_column("Maths grade", value).frames["outcomes"]["maths_grade"].iloc[0]
    assert (None if pd.isna(got) else got) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("R", "R"), ("Reception", "R"), (1, "1"), ("13", "13"), ("Year 6", "6"), ("Y6", "6"),
    ("6.0", "6"), ("Yr 11", "11")])
def test_year_group_forms(value, expected):
    assert one_outcome_column("Year", value).frames["outcomes"]["year_group"].iloc[0] == expected


@pytest.mark.parametrize("label", ["2024/25 Autumn", "Autumn 2024/25", "2024-25 Aut 1",
                                   "Aut1 2024/25", "Autumn 2024", "2024/25 T2"])
def test_every_period_form_in_a_sheet(label):
    upload = read_xlsx({"Outcomes": [OUTCOME_HEAD, [100001, label, "P1"]]})
    assert upload.ok
    assert upload.frames["outcomes"]["period"].iloc[0].startswith("2024/25 Autumn")


def test_subgroup_and_measure_spellings():
    rows = [TRUST["Measures"][0], [100002, "Autumn 2024", "Reading EXS", "pp", 50, 20],
            [100002, "Autumn 2024", "Attendance", "", 95, 200]]
    frame = read_xlsx({"Measures": rows}).frames["school_measures"]
    assert frame["measure"].tolist() == ["reading_exs", "attendance"]
    assert frame["subgroup"].tolist() == ["Disadvantaged", "All"]


# ---- problems: every one at once, with row and column as the user sees them ----------------

def test_bad_values_each_give_a_problem_with_row_column_and_message():
    header = [*OUTCOME_HEAD, "Attendance %", "English grade", "Reading TA", "SEN", "Year",
              "PP", "Suspensions", "Possible sessions", "Attended sessions"]
    rows = [header,
            [100001, "Autumn 2024", "P1", 120, 10, "XYZ", "Q", "Nursery", "maybe", -1, 140, 141],
            [12345, "Autum 2024", "P2", "high", "A*", "EXS", "N", "6", "Y", 1.5, 140, 100]]
    upload = read_xlsx({"Outcomes": rows}, "bad.xlsx")
    got = {(r.row, r.column): r.message for r in upload.problems.itertuples()}
    assert got == {
        (2, "Attendance %"): "Attendance %: 120 is above 100",
        (2, "English grade"): "English grade: '10' is not a grade; use 1 to 9 or U",
        (2, "Reading TA"): "Reading TA: 'XYZ' is not a teacher assessment; use PKS, WTS, EXS "
                           "or GDS",
        (2, "SEN"): "SEN: 'Q' is not a SEND code; use N, K (SEN support) or E (EHC plan)",
        (2, "Year"): "Year: 'Nursery' is not a year group; use R or 1 to 13",
        (2, "PP"): "PP: 'maybe' is not Y or N (Yes/No, True/False, 1/0 also work)",
        (2, "Suspensions"): "Suspensions: -1 is negative",
        (2, "Attended sessions"): "Attended sessions: 141 is more than Possible sessions (140)",
        (3, "URN"): "URN: '12345' is not a 6-digit URN",
        (3, "Term"): "Term: 'Autum 2024' is not a period we recognise; write it like "
                     "'2024/25 Spring 2' (or 'Spring 2 2024/25', '2024/25 T4', 'Spring 2025')",
        (3, "Attendance %"): "Attendance %: 'high' is not a number",
        (3, "English grade"): "English grade: 'A*' is not a grade; use 1 to 9 or U",
        (3, "Suspensions"): "Suspensions: '1.5' is not a whole number",
    }
    assert set(upload.problems["file"]) == {"bad.xlsx"}
    assert set(upload.problems["sheet"]) == {"Outcomes"}
    assert not upload.ok


def test_missing_required_columns_is_one_problem_naming_them():
    upload = read_xlsx({"Targets": [["Target ID", "URN", "Baseline"], ["T1", 100001, 50]]})
    assert upload.problems[["sheet", "row", "column"]].values.tolist() == [["Targets", 1, None]]
    assert messages(upload) == [
        "Sheet 'Targets' is missing required columns: Measure (measure), Baseline period "
        "(baseline_period), Target value (target_value), Target period (target_period)"]


def test_blank_required_cells():
    upload = read_csv([OUTCOME_HEAD, [100001, "Autumn 2024", ""], ["", "Autumn 2024", "P2"]],
                      name="outcomes.csv")
    got = upload.problems[["row", "column", "message"]].values.tolist()
    assert got == [[3, "URN", "URN is blank"], [2, "UPN", "UPN is blank"]]


def test_duplicate_ids():
    deployments = with_rows(DEPLOYMENTS, ["D1", 100002, "Alex", "SLE", "", "English",
                                          "01/01/2025", "", 10, "", ""])
    schools = with_rows(SCHOOLS, [100001, "Copy", "Primary", "", "Client"])
    targets = with_rows(TARGETS, TARGETS[1])
    upload = read_xlsx({"Schools": schools, "Deployments": deployments, "Targets": targets})
    got = upload.problems[["sheet", "row", "column", "message"]].values.tolist()
    assert got == [
        ["Schools", 5, "URN", "URN: '100001' appears more than once (first at row 2)"],
        ["Deployments", 3, "Deployment ID",
         "Deployment ID: 'D1' appears more than once (first at row 2)"],
        ["Targets", 3, "Target ID", "Target ID: 'T1' appears more than once (first at row 2)"],
    ]


def test_duplicate_pupil_rows_across_files():
    upload = read_files([("autumn.csv", csv_bytes(OUTCOMES)),
                         ("again.xlsx", xlsx_bytes({"Outcomes": OUTCOMES[:2]}))])
    assert upload.problems[["file", "sheet", "row", "column", "message"]].values.tolist() == [[
        "again.xlsx", "Outcomes", 2, "UPN",
        "UPN: 'P001' appears more than once for URN 100001 in 2024/25 Autumn 2 "
        "(first at row 2 of autumn.csv)"]]


def test_same_pupil_in_two_periods_is_not_a_duplicate():
    rows = [OUTCOME_HEAD, [100001, "Autumn 2024", "P1"], [100001, "Spring 2025", "P1"]]
    assert read_xlsx({"Outcomes": rows}).ok


@pytest.mark.parametrize(("sheet", "header", "row", "value", "message"), [
    ("Deployments", "Days committed", 8, 0, "Days committed: 0 must be more than 0 (the days agreed for the "
     "whole deployment; 2 days a week for a term is 26)"),
    ("Deployments", "Leader role", 3, "Head", "Leader role: 'Head' is not one of NLE, SLE, NLG, "
                                              "LLE, Deputy head, Other"),
    ("Deployments", "Start date", 6, "next week", "Start date: 'next week' is not a date; "
                                                  "write it as dd/mm/yyyy"),
    ("Visits", "Days", 2, -0.5, "Days: -0.5 is negative (one visit record is the time spent, "
                                "at most a school week; 0.5 is half a day)"),
    ("Visits", "Progress", 4, "Purple", "Progress: 'Purple' is not one of Green, Amber, Red"),
    ("Visits", "QA status", 7, "Maybe", "QA status: 'Maybe' is not one of Checked, Pending"),
    ("Schools", "Phase", 2, "Middle", "Phase: 'Middle' is not one of Primary, Secondary, "
                                      "All-through, Special"),
    ("Schools", "Role", 4, "Partner", "Role: 'Partner' is not one of Client, Home"),
    ("Targets", "Measure", 3, "happiness", "Measure: 'happiness' is not a measure we know "
                                           "(e.g. reading_exs, attendance, eng_maths_4plus)"),
    ("Targets", "Subgroup", 4, "Boys", "Subgroup: 'Boys' is not one of All, Disadvantaged, "
                                       "Not disadvantaged, SEND, No SEND"),
])
def test_unknown_choices_and_out_of_range_values(sheet, header, row, value, message):
    fixture = {"Deployments": DEPLOYMENTS, "Visits": VISITS, "Schools": SCHOOLS,
               "Targets": TARGETS}[sheet]
    record = list(fixture[1])
    record[fixture[0].index(header)] = value
    upload = read_xlsx({sheet: [fixture[0], record]})
    assert upload.problems[["row", "column", "message"]].values.tolist() == [[2, header, message]]
    del row  # the column's position in the fixture, documented for the reader


def test_end_before_start_and_target_before_baseline():
    deployments = [DEPLOYMENTS[0], ["D1", 100001, "Sam", "NLE", "", "Maths", "01/09/2024",
                                    dt.date(2024, 8, 1), 10, "", ""]]
    targets = [TARGETS[0], ["T1", 100001, "", "maths_exs", "", 50, "Summer 2025", 60,
                            "Autumn 2024"]]
    upload = read_xlsx({"Deployments": deployments, "Targets": targets})
    assert messages(upload) == [
        "End date: 01/08/2024 is before Start date (01/09/2024)",
        "Target period: Autumn 2024 is not after Baseline period (Summer 2025)"]


# ---- files that are not spreadsheets -------------------------------------------------------

# The refusal sentences come from analysis.safety, which every file passes before parsing.
@pytest.mark.parametrize(("name", "data", "message"), [
    ("report.xlsx", b"%PDF-1.7\n...", "'report.xlsx' is not really an Excel workbook: its "
     "contents are a PDF document; upload the original .xlsx file instead."),
    ("outcomes.xlsx", bytes(range(256)) * 4, "'outcomes.xlsx' is not really an Excel workbook: "
     "its contents are not a .xlsx file (it may be a renamed PDF, CSV or old .xls file)."),
    ("empty.csv", b"", "'empty.csv' is empty; check you chose the right file and upload it again."),
    ("empty.xlsx", b"", "'empty.xlsx' is empty; check you chose the right file and upload it again."),
    ("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "'photo.csv' looks like a binary file, not "
     "a CSV; export the data from your spreadsheet as CSV and upload that."),
])
def test_not_a_spreadsheet_is_one_problem_never_an_exception(name, data, message):
    upload = read_files([(name, data)])
    assert upload.problems[["file", "sheet", "column", "message"]].values.tolist() == [
        [name, None, None, message]]
    assert upload.problems["row"].isna().all()  # a whole-file problem has no row
    assert upload.frames == {}
    assert upload.files[0].size == len(data)


def test_a_zip_that_is_not_a_workbook_is_a_problem():
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("word/document.xml", "<w/>")
    upload = read_files([("letter.xlsx", buffer.getvalue())])
    assert len(upload.problems) == 1
    assert upload.problems["message"].iloc[0] == (
        "'letter.xlsx' is not really an Excel workbook: its contents are a Word document; "
        "upload the original .xlsx file instead.")


def test_a_broken_file_does_not_stop_the_others():
    upload = read_files([("bad.xlsx", b"garbage"), ("schools.csv", csv_bytes(SCHOOLS))])
    assert len(upload.problems) == 1
    assert len(upload.frames["schools"]) == 3


def test_read_paths_reads_files_and_reports_missing_ones(tmp_path):
    (tmp_path / "schools.csv").write_bytes(csv_bytes(SCHOOLS))
    upload = read_paths([tmp_path / "schools.csv", tmp_path / "nope.xlsx"])
    assert len(upload.frames["schools"]) == 3
    assert messages(upload) == [f"{tmp_path / 'nope.xlsx'} was not found"]
    assert len(read_paths([tmp_path]).frames["schools"]) == 3
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("not a spreadsheet")
    assert messages(read_paths([tmp_path / "empty"])) == [
        f"The folder {tmp_path / 'empty'} holds no .xlsx or .csv files"]


# ---- references ----------------------------------------------------------------------------

def test_check_references_names_unknown_schools_deployments_and_targets():
    visits = with_rows(VISITS, ["D9", "01/10/2024", 1, "", "", "", "", ""])
    outcomes = with_rows(OUTCOMES, [999999, "Autumn 2024", "X1", "", "", "", "", "", "", "", "",
                                    ""], [999999, "Autumn 2024", "X2"])
    milestones = [["Target ID", "Period", "Value"], ["T1", "Spring 2025", 58],
                  ["T7", "Spring 2025", 58]]
    upload = read_xlsx({"Schools": SCHOOLS, "Deployments": DEPLOYMENTS, "Targets": TARGETS,
                        "Milestones": milestones, "Outcomes": outcomes, "Visits": visits})
    assert upload.ok, upload.problems
    got = check_references(upload.frames).values.tolist()
    assert got == [
        ["upload.xlsx", "Milestones", 3, "Target ID",
         "Target ID: T7 is not a target in this upload or already stored"],
        ["upload.xlsx", "Outcomes", 4, "URN", "URN: 999999 is not a school in this upload or "
         "already stored; add it to the schools sheet (and 1 more rows)"],
        ["upload.xlsx", "Visits", 3, "Deployment ID",
         "Deployment ID: D9 is not a deployment in this upload or already stored"],
    ]


def test_check_references_uses_what_is_already_stored():
    upload = read_xlsx({"Outcomes": OUTCOMES, "Visits": VISITS})
    assert len(check_references(upload.frames)) == 2
    known = {"urns": {"100001"}, "deployment_ids": {"D1"}, "target_ids": set()}
    assert check_references(upload.frames, known).empty
    assert upload.check_references(known).empty


def test_check_references_on_plain_frames_without_origin():
    frames = {"deployments": pd.DataFrame({"deployment_id": ["D1"], "client_urn": ["100009"],
                                           "home_urn": [None]})}
    got = check_references(frames, {"urns": {"100001"}})
    assert got["message"].tolist() == [
        "client_urn: 100009 is not a school in this upload or already stored; add it to the "
        "schools sheet"]
    assert got["row"].isna().all()


# ---- speed ---------------------------------------------------------------------------------

def test_twenty_thousand_pupil_rows_are_checked_quickly():
    import time

    rows = [OUTCOMES[0]] + [
        [100001 + i % 7, "2024/25 Autumn", f"P{i:06d}", str(i % 6 + 1), "YN"[i % 2],
         "NKE"[i % 3], "EXS", "WTS", "GDS", 140, 130 - i % 20, i % 2] for i in range(20000)]
    data = csv_bytes(rows)
    started = time.perf_counter()
    upload = read_files([("outcomes.csv", data)])
    elapsed = time.perf_counter() - started
    assert upload.ok
    assert len(upload.frames["outcomes"]) == 20000
    assert elapsed < 2.0


def test_hidden_sheets_are_skipped_with_a_notice():
    import io

    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    shown = book.add_worksheet("Schools")
    for r, row in enumerate(SCHOOLS):
        shown.write_row(r, 0, row)
    lists = book.add_worksheet("Lists")  # drop-down lists in a template: not records
    lists.write_row(0, 0, ["URN", "Phase"])
    lists.write_row(1, 0, ["not a urn", "Primary"])
    lists.hide()
    book.close()
    upload = read_files([("trust.xlsx", buffer.getvalue())])
    assert upload.ok
    assert list(upload.frames) == ["schools"]
    assert upload.notices["message"].tolist() == ["Sheet 'Lists' is hidden and was skipped."]


def test_a_blank_template_has_no_problems_only_notices():
    upload = read_xlsx({"Schools": SCHOOLS[:1], "Visits": VISITS[:1]})
    assert upload.ok
    assert upload.frames == {}
    assert upload.notices["message"].tolist() == [
        "Sheet 'Schools' has a header but no rows.", "Sheet 'Visits' has a header but no rows."]


def test_a_sheet_named_for_a_kind_without_a_header_is_a_problem():
    upload = read_xlsx({"Outcomes": [["a", "b"], [1, 2]]})
    assert messages(upload) == [
        "Sheet 'Outcomes' has no header row: none of its first 20 rows names the columns "
        "(expected URN (urn), Period (period), Pupil ID (pupil_id))"]
