"""The sample trust: deterministic, on contract, free of pupil names, and every status shows."""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import re
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from analysis.periods import parse_period
from analysis.schema import COLUMNS, KINDS, Settings

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
sys.path.insert(0, str(SAMPLE))
import generate  # noqa: E402

STATUSES = {"Achieved", "On track", "At risk", "Off track", "Missed", "No data yet"}
# The story the sample tells with the main workbook, and what changes with next term's files.
MAIN_STATUS = {
    "T01": "On track", "T02": "Achieved", "T03": "On track", "T04": "At risk",
    "T05": "Off track", "T06": "At risk", "T07": "Off track", "T08": "Off track",
    "T09": "At risk", "T10": "Missed", "T11": "On track", "T12": "On track",
    "T13": "Off track", "T14": "Achieved", "T15": "No data yet", "T16": "At risk",
}
MOVED_NEXT_TERM = {"T01": "Achieved", "T04": "Missed", "T09": "Achieved", "T15": "On track"}
NAME_LIKE = re.compile(r"(^|_)(name|forename|surname|firstname|lastname|dob|dateofbirth|"
                       r"address|postcode)($|_)")
BROKEN = ["missing_columns.xlsx", "bad_periods.csv", "attendance_over_100.xlsx",
          "duplicate_pupils.csv", "unknown_school.csv", "not_a_spreadsheet.xlsx",
          "uk_dates_wrong.csv", "title_rows_and_names.xlsx", "empty.csv", "decimal_commas.csv",
          "implausible_values.xlsx", "same_day_visits.csv"]


@pytest.fixture(scope="module")
def sample() -> generate.Sample:
    return generate.build_sample()


@pytest.fixture(scope="module")
def workbook_sheets() -> dict[str, pd.DataFrame]:
    return pd.read_excel(SAMPLE / "riverside_trust.xlsx", sheet_name=None, engine="calamine")


def _normalised(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Sample outcomes as written -> the normalised frame ingest produces (DEVELOPING.md)."""
    o = outcomes.copy()
    o["disadvantaged"] = o["disadvantaged"].map({"Y": True, "N": False}).astype("boolean")
    o["year_group"] = o["year_group"].astype(str)
    for column in ("english_grade", "maths_grade"):
        o[column] = pd.to_numeric(o[column].replace("U", 0), errors="coerce").astype("float64")
    for column in ("sessions_possible", "sessions_attended", "attendance_pct", "suspensions"):
        o[column] = pd.to_numeric(o[column], errors="coerce").astype("float64")
    return o


def test_same_seed_gives_identical_frames_and_another_seed_does_not(sample):
    again = generate.build_sample(generate.SEED)
    for part in ("main", "next_term"):
        for kind, frame in getattr(sample, part).items():
            pd.testing.assert_frame_equal(frame, getattr(again, part)[kind], obj=kind)
    other = generate.build_outcomes(generate.SEED + 1)
    assert not other["pupil_id"].equals(generate.build_outcomes()["pupil_id"])


def test_committed_files_are_what_the_generator_writes(tmp_path):
    generate.write_all(root=tmp_path)
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert written, "the generator wrote nothing"
    for relative in written:
        assert (SAMPLE / relative).read_bytes() == (tmp_path / relative).read_bytes(), (
            f"sample_data/{relative} is out of date: run .venv/bin/python sample_data/generate.py")


def test_workbook_has_every_sheet_with_the_contract_headers(workbook_sheets, sample):
    expected = ["schools", "deployments", "targets", "milestones", "outcomes", "visits",
                "inspections"]
    assert list(workbook_sheets) == expected
    for kind, frame in workbook_sheets.items():
        assert list(frame.columns) == COLUMNS[kind], kind
    assert len(workbook_sheets["outcomes"]) == len(sample.main["outcomes"])
    assert len(workbook_sheets["outcomes"]) + len(sample.next_term["outcomes"]) < 40_000


def test_workbook_dates_are_real_excel_dates():
    book = openpyxl.load_workbook(SAMPLE / "riverside_trust.xlsx", read_only=True)
    for sheet, column in (("deployments", 7), ("visits", 2), ("inspections", 2)):
        cell = next(book[sheet].iter_rows(min_row=2, max_row=2, min_col=column,
                                          max_col=column, values_only=True))[0]
        assert isinstance(cell, dt.datetime), (sheet, cell)
    book.close()


def test_sample_covers_the_trust_it_describes(sample):
    schools = sample.main["schools"]
    assert schools["urn"].str.fullmatch(r"\d{6}").all()
    assert (schools["role"] == "Client").sum() == 8 and (schools["role"] == "Home").sum() == 3
    assert set(schools["phase"]) == {"Primary", "Secondary", "All-through"}
    deployments = sample.main["deployments"]
    assert set(deployments["leader_role"]) == {"NLE", "SLE", "NLG", "LLE", "Deputy head"}
    team = deployments.groupby("client_urn").size()
    assert team.max() == 4 and team.idxmax() == "990201"
    assert set(sample.main["outcomes"]["period"]) == set(generate.PERIODS[:-1])
    assert set(sample.next_term["outcomes"]["period"]) == {generate.NEXT_PERIOD}


def test_templates_headers_equal_the_contract():
    book = pd.read_excel(SAMPLE / "templates" / "impact_template.xlsx", sheet_name=None,
                         engine="calamine")
    assert list(book) == ["Instructions", *KINDS]
    for kind in KINDS:
        assert list(book[kind].columns) == COLUMNS[kind], kind
        assert book[kind].empty, f"the {kind} template sheet should be blank"
        with open(SAMPLE / "templates" / f"{kind}.csv", newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        assert rows == [COLUMNS[kind]], kind
    instructions = " ".join(str(v) for v in book["Instructions"].to_numpy().ravel())
    for kind in KINDS:
        assert kind in instructions


def test_pupil_ids_are_pseudonymous_and_no_column_looks_like_a_name(sample, workbook_sheets):
    pupils = pd.concat([sample.main["outcomes"], sample.next_term["outcomes"]])
    assert pupils["pupil_id"].str.fullmatch(r"P\d{6}").all()
    files = {"riverside_trust.xlsx": workbook_sheets,
             "outcomes_2024-25_summer2.xlsx": pd.read_excel(
                 SAMPLE / "next_term" / "outcomes_2024-25_summer2.xlsx", sheet_name=None,
                 engine="calamine"),
             "visits.csv": {"visits": pd.read_csv(SAMPLE / "next_term" /
                                                  "visits_2024-25_summer.csv")}}
    for name, sheets in files.items():
        for sheet, frame in sheets.items():
            for column in frame.columns:
                key = re.sub(r"[^a-z]+", "_", column.lower()).strip("_")
                # Staff and school names may be shown; pupils' never are.
                if key in ("leader_name", "school_name"):
                    continue
                assert not NAME_LIKE.search(key), f"{name}/{sheet} has column {column}"
    # No pupil id repeats within a school and period.
    assert not pupils.duplicated(["urn", "period", "pupil_id"]).any()


def test_small_cohort_creep_and_qa_backlog_are_there(sample):
    measures = sample.measures
    send = measures[(measures["urn"] == "990204") & (measures["subgroup"] == "SEND")]
    assert not send.empty and (send["cohort"] < 5).all()
    visits, deployments = sample.main["visits"], sample.main["deployments"]
    focus = {r.deployment_id: {a.strip() for a in r.focus_areas.split(";")}
             for r in deployments.itertuples()}
    off = visits[[a not in focus[d] for d, a in zip(visits["deployment_id"],
                                                      visits["focus_area"], strict=True)]]
    share = off.groupby("deployment_id")["days"].sum() / visits.groupby("deployment_id")[
        "days"].sum()
    share = share.fillna(0)
    assert share["D06"] > 0.2
    assert (share.drop("D06") <= 0.2).all()
    pending = visits[visits["qa_status"] == "Pending"]
    assert (pending["visit_date"] < generate.MAIN_CUTOFF - dt.timedelta(weeks=8)).any()
    assert set(visits["progress"]) == {"Green", "Amber", "Red"}


def test_inspection_journey_and_report_card(sample):
    inspections = sample.main["inspections"]
    kingfisher = inspections[inspections["urn"] == "990201"].sort_values("inspection_date")
    assert list(kingfisher["judgement"]) == ["Special measures", "Requires improvement", "Good"]
    cards = inspections[inspections["inspection_date"] >= dt.date(2025, 11, 1)]
    assert set(cards["urn"]) == {"990206", "990203"}
    assert "Overall" not in set(cards["area"])
    safeguarding = cards[cards["area"] == "Safeguarding"]
    assert list(safeguarding["judgement"]) == ["Met", "Met"]


def test_generator_statuses_cover_all_six(sample):
    main = generate.judge_sample(sample.main["targets"], sample.main["milestones"],
                                 sample.measures, generate.MAIN_LAST)
    assert main == MAIN_STATUS
    assert set(main.values()) == STATUSES


@pytest.mark.skipif(importlib.util.find_spec("analysis.progress") is None,
                    reason="analysis.progress is not written yet")
def test_engine_agrees_with_the_sample_story(sample):
    from analysis.measures import compute_measures
    from analysis.progress import judge_progress

    measures = compute_measures(_normalised(sample.main["outcomes"]))
    # The generator's own reading of the contract gives the same figures as the engine.
    mine = sample.measures[sample.measures["period"] != generate.NEXT_PERIOD]
    both = measures.merge(mine, on=["urn", "period", "measure", "subgroup"], how="outer",
                          suffixes=("", "_sample"), indicator=True)
    assert (both["_merge"] == "both").all()
    assert (both["value"] - both["value_sample"]).abs().max() < 1e-9
    assert (both["cohort"] == both["cohort_sample"]).all()

    targets, milestones = sample.main["targets"], sample.main["milestones"]
    progress = judge_progress(targets, milestones, measures, Settings())
    assert dict(zip(progress["target_id"], progress["status"], strict=True)) == MAIN_STATUS

    everything = pd.concat([sample.main["outcomes"], sample.next_term["outcomes"]])
    after = judge_progress(targets, milestones, compute_measures(_normalised(everything)),
                           Settings())
    after_status = dict(zip(after["target_id"], after["status"], strict=True))
    moved = {t: s for t, s in after_status.items() if s != MAIN_STATUS[t]}
    for target_id, status in MOVED_NEXT_TERM.items():
        assert moved[target_id] == status


def test_next_term_files_use_the_forms_a_school_sends():
    outcomes = pd.read_excel(SAMPLE / "next_term" / "outcomes_2024-25_summer2.xlsx",
                             engine="calamine")
    assert set(outcomes["period"].map(parse_period)) == {generate.NEXT_PERIOD}
    visits = pd.read_csv(SAMPLE / "next_term" / "visits_2024-25_summer.csv", dtype=str)
    assert list(visits.columns)[:2] == ["Deployment ID", "Visit date"]
    dates = [dt.datetime.strptime(d, "%d/%m/%Y").date() for d in visits["Visit date"]]
    assert min(dates) > generate.MAIN_CUTOFF and max(dates) <= generate.NEXT_CUTOFF


def test_broken_files_exist_and_are_documented():
    readme = (SAMPLE / "broken" / "README.md").read_text(encoding="utf-8")
    for name in BROKEN:
        assert (SAMPLE / "broken" / name).exists(), name
        assert f"`{name}`" in readme, name
    assert (SAMPLE / "broken" / "empty.csv").stat().st_size == 0
    assert not (SAMPLE / "broken" / "not_a_spreadsheet.xlsx").read_bytes().startswith(b"PK")
    export = pd.read_excel(SAMPLE / "broken" / "title_rows_and_names.xlsx", header=None,
                           engine="calamine")
    assert list(export.iloc[3, :3]) == ["Forename", "Surname", "DOB"]


# What each broken file must produce: (problem columns expected, or None for a whole-file
# problem). title_rows_and_names.xlsx is valid and only gives notices.
BROKEN_PROBLEMS = {
    "missing_columns.xlsx": [None],
    "bad_periods.csv": ["period"] * 5,
    "attendance_over_100.xlsx": ["attendance_pct", "sessions_attended", "sessions_attended"],
    "duplicate_pupils.csv": ["pupil_id"],
    "not_a_spreadsheet.xlsx": [None],
    "uk_dates_wrong.csv": ["visit_date"] * 5,
    "empty.csv": [None],
    "decimal_commas.csv": ["days_committed", "funding_amount"],
    "implausible_values.xlsx": ["baseline_value", "baseline_value", "value", "visit_date",
                                "visit_date", "days", "days"],
    "same_day_visits.csv": ["visit_date"],
}


@pytest.fixture(scope="module")
def ingest():
    return pytest.importorskip("analysis.ingest", reason="analysis.ingest is not written yet")


def test_sample_files_read_cleanly_and_give_the_story_through_the_engine(ingest):
    from analysis.measures import compute_measures
    from analysis.progress import judge_progress

    upload = ingest.read_paths([SAMPLE / "riverside_trust.xlsx"])
    assert upload.problems.empty and upload.notices.empty
    assert upload.check_references().empty
    frames = upload.frames
    progress = judge_progress(frames["targets"], frames["milestones"],
                              compute_measures(frames["outcomes"]), Settings())
    assert dict(zip(progress["target_id"], progress["status"], strict=True)) == MAIN_STATUS

    nxt = ingest.read_paths(sorted((SAMPLE / "next_term").iterdir()))
    assert nxt.problems.empty
    assert set(nxt.frames) == {"outcomes", "visits"}
    assert set(nxt.frames["outcomes"]["period"]) == {generate.NEXT_PERIOD}


@pytest.mark.parametrize("name", sorted(BROKEN_PROBLEMS))
def test_each_broken_file_gives_the_documented_problems(ingest, name):
    upload = ingest.read_paths([SAMPLE / "broken" / name])
    columns = [None if pd.isna(c) else c for c in upload.problems["column"]]
    assert sorted(columns, key=str) == sorted(BROKEN_PROBLEMS[name], key=str)


def test_mis_export_drops_names_and_unknown_school_is_caught(ingest):
    upload = ingest.read_paths([SAMPLE / "broken" / "title_rows_and_names.xlsx"])
    assert upload.problems.empty
    assert "Forename" not in upload.frames["outcomes"].columns
    notices = " ".join(upload.notices["message"])
    assert "'Forename', 'Surname'" in notices and "'DOB'" in notices
    unknown = ingest.read_paths([SAMPLE / "broken" / "unknown_school.csv"])
    known = {"urns": set(generate.build_schools()["urn"]), "deployment_ids": set(),
             "target_ids": set()}
    problems = unknown.check_references(known)
    assert len(problems) == 1 and "990999" in problems["message"].iloc[0]


def test_national_reference_uses_the_nearest_earlier_year():
    from analysis.national import national_figures, national_reference

    assert national_reference("rwm_exs", "2023/24") == 61.0
    assert national_reference("rwm_exs", "2025/26 Spring 2") == 62.0  # latest published
    assert national_reference("attendance", "2024/25") == 92.9  # 2024/25 not in the table
    assert national_reference("rwm_exs", "2019/20") is None  # nothing that early
    assert national_reference("eng_maths_5plus", "2023/24", "Disadvantaged") == 26.0
    assert national_reference("suspension_rate", "2024/25") is None
    figures = national_figures()
    assert set(figures["measure"]) <= set(generate.MEASURES)
    assert figures["source"].str.len().gt(10).all()
