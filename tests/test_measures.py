"""Measures from pupil rows, checked against figures worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analysis.measures import combine_measures, compute_measures
from analysis.schema import COLUMNS, MEASURE_COLUMNS

PRIMARY = "100001"
SECONDARY = "100002"
AUTUMN = "2024/25 Autumn 2"
SUMMER = "2024/25 Summer 2"


def pupils(rows: list[dict]) -> pd.DataFrame:
    """Pupil rows in the normalised outcomes shape; unspecified columns are missing."""
    frame = pd.DataFrame(rows).reindex(columns=COLUMNS["outcomes"])
    for column in ("reading", "writing", "maths", "send", "urn", "period", "pupil_id"):
        frame[column] = frame[column].astype("string")
    for column in ("english_grade", "maths_grade", "sessions_possible", "sessions_attended",
                   "attendance_pct", "suspensions"):
        frame[column] = frame[column].astype("float64")
    frame["disadvantaged"] = frame["disadvantaged"].astype("boolean")
    return frame


@pytest.fixture
def four_primary_pupils() -> pd.DataFrame:
    """Four Year 6 pupils; every figure in the tests below is worked out from this table."""
    base = {"urn": PRIMARY, "period": AUTUMN, "year_group": "6"}
    return pupils([
        {**base, "pupil_id": "A", "disadvantaged": True, "send": "N", "reading": "EXS",
         "writing": "EXS", "maths": "GDS", "sessions_possible": 100, "sessions_attended": 95,
         "suspensions": 0},
        {**base, "pupil_id": "B", "disadvantaged": True, "send": "K", "reading": "WTS",
         "writing": "EXS", "maths": "EXS", "sessions_possible": 100, "sessions_attended": 85,
         "suspensions": 1},
        {**base, "pupil_id": "C", "disadvantaged": False, "send": "N", "reading": "GDS",
         "writing": "GDS", "maths": "GDS", "sessions_possible": 100, "sessions_attended": 100,
         "suspensions": 0},
        # D was not assessed in writing and has no suspensions figure.
        {**base, "pupil_id": "D", "disadvantaged": False, "send": "E", "reading": "EXS",
         "writing": None, "maths": "PKS", "sessions_possible": 200, "sessions_attended": 178},
    ])


@pytest.fixture
def four_secondary_pupils() -> pd.DataFrame:
    """Four Year 11 pupils with grades and attendance given as percentages only."""
    base = {"urn": SECONDARY, "period": SUMMER, "year_group": "11", "send": "N"}
    return pupils([
        {**base, "pupil_id": "S1", "disadvantaged": True, "english_grade": 5, "maths_grade": 4,
         "attendance_pct": 95},
        {**base, "pupil_id": "S2", "disadvantaged": True, "english_grade": 0, "maths_grade": 9,
         "attendance_pct": 80},
        {**base, "pupil_id": "S3", "disadvantaged": False, "english_grade": 6, "maths_grade": 7,
         "attendance_pct": 90},
        # S4 has no English grade, so is left out of both English-and-maths measures.
        {**base, "pupil_id": "S4", "disadvantaged": False, "english_grade": None,
         "maths_grade": 5},
    ])


def figure(measures: pd.DataFrame, measure: str, subgroup: str = "All", urn: str = PRIMARY,
           period: str = AUTUMN) -> tuple[float, int]:
    """The (value, cohort) of one figure; fails the test if it is not there exactly once."""
    rows = measures[
        (measures["urn"] == urn) & (measures["period"] == period)
        & (measures["measure"] == measure) & (measures["subgroup"] == subgroup)
    ]
    assert len(rows) == 1, f"{measure}/{subgroup}: {len(rows)} rows"
    return float(rows["value"].iloc[0]), int(rows["cohort"].iloc[0])


def test_teacher_assessment_measures_count_only_assessed_pupils(four_primary_pupils):
    m = compute_measures(four_primary_pupils)
    assert figure(m, "reading_exs") == (75.0, 4)  # A, C, D of 4
    assert figure(m, "writing_exs") == (100.0, 3)  # D was not assessed
    assert figure(m, "maths_exs") == (75.0, 4)  # D is PKS
    value, cohort = figure(m, "rwm_exs")  # A, B, C assessed in all three; A and C EXS+
    assert cohort == 3 and value == pytest.approx(200 / 3)
    value, cohort = figure(m, "rwm_gds")  # only C is GDS in all three
    assert cohort == 3 and value == pytest.approx(100 / 3)


def test_attendance_absence_and_suspensions_from_sessions(four_primary_pupils):
    m = compute_measures(four_primary_pupils)
    # (95 + 85 + 100 + 178) / (100 + 100 + 100 + 200) = 458 / 500
    assert figure(m, "attendance") == (pytest.approx(91.6), 4)
    assert figure(m, "persistent_absence") == (50.0, 4)  # B at 85%, D at 89%
    value, cohort = figure(m, "suspension_rate")  # B of A, B, C (D has no figure)
    assert cohort == 3 and value == pytest.approx(100 / 3)


def test_subgroups_split_by_disadvantage_and_send(four_primary_pupils):
    m = compute_measures(four_primary_pupils)
    assert figure(m, "reading_exs", "Disadvantaged") == (50.0, 2)  # A yes, B no
    assert figure(m, "reading_exs", "Not disadvantaged") == (100.0, 2)
    assert figure(m, "reading_exs", "SEND") == (50.0, 2)  # B (K) no, D (E) yes
    assert figure(m, "reading_exs", "No SEND") == (100.0, 2)
    assert figure(m, "attendance", "Disadvantaged") == (pytest.approx(90.0), 2)


def test_disadvantaged_gap_is_the_difference_with_the_smaller_cohort(four_primary_pupils):
    extra = pupils([{"urn": PRIMARY, "period": AUTUMN, "pupil_id": "E", "disadvantaged": False,
                     "send": "N", "reading": "WTS"}])
    m = compute_measures(pd.concat([four_primary_pupils, extra], ignore_index=True))
    # Not disadvantaged: C, D yes, E no = 2/3; disadvantaged: A yes, B no = 1/2.
    value, cohort = figure(m, "disadvantaged_gap_reading_exs")
    assert value == pytest.approx(200 / 3 - 50) and cohort == 2
    gaps = m[m["measure"].str.startswith("disadvantaged_gap_")]
    assert set(gaps["subgroup"]) == {"All"}


def test_grade_measures_for_a_secondary_school(four_secondary_pupils):
    m = compute_measures(four_secondary_pupils)
    where = {"urn": SECONDARY, "period": SUMMER}
    value, cohort = figure(m, "eng_maths_4plus", **where)  # S1 and S3 of S1-S3 (U is 0)
    assert cohort == 3 and value == pytest.approx(200 / 3)
    value, cohort = figure(m, "eng_maths_5plus", **where)  # only S3
    assert cohort == 3 and value == pytest.approx(100 / 3)
    # Percentages only: their mean; exactly 90% attendance (10% missed) is persistent absence,
    # as DfE defines it (missing 10% or more of possible sessions).
    value, cohort = figure(m, "attendance", **where)
    assert cohort == 3 and value == pytest.approx(265 / 3)
    value, cohort = figure(m, "persistent_absence", **where)
    assert cohort == 3 and value == pytest.approx(200 / 3)


def test_a_measure_appears_only_where_pupils_count_towards_it(four_primary_pupils,
                                                               four_secondary_pupils):
    m = compute_measures(pd.concat([four_primary_pupils, four_secondary_pupils]))
    primary = set(m[m["urn"] == PRIMARY]["measure"])
    secondary = set(m[m["urn"] == SECONDARY]["measure"])
    assert "eng_maths_4plus" not in primary and "disadvantaged_gap_eng_maths_4plus" not in primary
    assert "reading_exs" not in secondary and "rwm_exs" not in secondary
    assert "suspension_rate" not in secondary  # no suspensions column filled in
    assert (m["cohort"] > 0).all()


def test_output_shape_and_types(four_primary_pupils):
    m = compute_measures(four_primary_pupils)
    assert list(m.columns) == MEASURE_COLUMNS
    assert m["value"].dtype == "float64" and m["cohort"].dtype == "int64"
    assert not m.duplicated(["urn", "period", "measure", "subgroup"]).any()
    # Full precision is stored; rounding is for display only.
    assert figure(m, "rwm_exs")[0] != round(figure(m, "rwm_exs")[0], 1)


def test_periods_are_ordered_in_time_not_alphabetically():
    rows = [{"urn": PRIMARY, "period": p, "pupil_id": "A", "reading": "EXS"}
            for p in ("2024/25 Summer 2", "2024/25 Autumn 1", "2023/24 Spring 2")]
    m = compute_measures(pupils(rows))
    assert m[m["measure"] == "reading_exs"]["period"].drop_duplicates().tolist() == [
        "2023/24 Spring 2", "2024/25 Autumn 1", "2024/25 Summer 2"]


def test_sessions_win_over_percentages_and_missing_groups_stay_out():
    rows = [
        {"urn": PRIMARY, "period": AUTUMN, "pupil_id": "A", "disadvantaged": None, "send": None,
         "sessions_possible": 100, "sessions_attended": 80, "attendance_pct": 99},
        {"urn": PRIMARY, "period": AUTUMN, "pupil_id": "B", "disadvantaged": True, "send": "N",
         "attendance_pct": 50},
        # No sessions possible: the percentage is used for this pupil's absence.
        {"urn": PRIMARY, "period": AUTUMN, "pupil_id": "C", "disadvantaged": True, "send": "N",
         "sessions_possible": 0, "sessions_attended": 0, "attendance_pct": 95},
    ]
    m = compute_measures(pupils(rows))
    # The school has sessions for A, so attendance is A's sessions: 80 / 100.
    assert figure(m, "attendance") == (80.0, 1)
    # Persistent absence uses each pupil's own figure: A 80%, B 50%, C 95%.
    value, cohort = figure(m, "persistent_absence")
    assert cohort == 3 and value == pytest.approx(200 / 3)
    # The disadvantaged group has no sessions, so it takes the mean percentage of B and C.
    assert figure(m, "attendance", "Disadvantaged") == (72.5, 2)
    # A has no disadvantaged or SEND flag: in All only.
    assert figure(m, "persistent_absence", "Disadvantaged")[1] == 2
    assert figure(m, "persistent_absence", "No SEND")[1] == 2


def test_grades_written_as_text_with_u():
    rows = [{"urn": SECONDARY, "period": SUMMER, "pupil_id": "A", "english_grade": "U",
             "maths_grade": "6"},
            {"urn": SECONDARY, "period": SUMMER, "pupil_id": "B", "english_grade": "5",
             "maths_grade": "5"}]
    frame = pd.DataFrame(rows).reindex(columns=COLUMNS["outcomes"]).astype(
        {"english_grade": "object", "maths_grade": "object"})
    m = compute_measures(frame)
    assert figure(m, "eng_maths_5plus", urn=SECONDARY, period=SUMMER) == (50.0, 2)


def test_no_pupils_gives_an_empty_frame_with_the_columns():
    m = compute_measures(pupils([]))
    assert m.empty and list(m.columns) == MEASURE_COLUMNS


def test_combine_keeps_the_pupil_computed_figure_and_adds_uploaded_ones(four_primary_pupils):
    computed = compute_measures(four_primary_pupils)
    uploaded = pd.DataFrame({
        "urn": [PRIMARY, PRIMARY], "period": [AUTUMN, "2023/24 Summer 2"],
        "measure": ["reading_exs", "reading_exs"], "subgroup": ["All", "All"],
        "value": [10.0, 62.0], "cohort": [30, 28],
    })
    combined = combine_measures(computed, uploaded)
    assert figure(combined, "reading_exs") == (75.0, 4)  # computed wins over 10.0
    assert figure(combined, "reading_exs", period="2023/24 Summer 2") == (62.0, 28)
    assert len(combined) == len(computed) + 1
    # The earlier period sorts first.
    assert combined["period"].iloc[0] == "2023/24 Summer 2"


def test_combined_figures_sort_by_school_time_contract_measure_then_subgroup():
    uploaded = pd.DataFrame({
        "urn": ["200002", "100001", "100001", "100001", "100001", "100001"],
        "period": ["2023/24 Autumn 1", "2024/25 Autumn 1", "2023/24 Summer 2", "2023/24 Summer 2",
                   "2023/24 Summer 2", "2023/24 Summer 2"],
        "measure": ["attendance", "attendance", "a_local_measure", "attendance", "reading_exs",
                    "reading_exs"],
        "subgroup": ["All", "All", "All", "All", "Not disadvantaged", "All"],
        "value": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "cohort": [10] * 6,
    })
    combined = combine_measures(compute_measures(pupils([])), uploaded)
    # School first; then time (Summer 2023/24 before Autumn 2024/25, not alphabetical); then the
    # contract's measure order, with a name outside the contract last; then subgroup order.
    assert combined["value"].tolist() == [6.0, 5.0, 4.0, 3.0, 2.0, 1.0]


def test_combine_with_only_uploaded_figures_keeps_a_missing_cohort_missing():
    uploaded = pd.DataFrame({
        "urn": [PRIMARY], "period": [AUTUMN], "measure": ["attendance"], "subgroup": ["All"],
        "value": [94.1], "cohort": [np.nan],
    })
    combined = combine_measures(compute_measures(pupils([])), uploaded)
    assert combined["value"].tolist() == [94.1]
    assert combined["cohort"].isna().all()
    assert math.isclose(combined["value"].iloc[0], 94.1)


def test_persistent_and_severe_absence_count_exactly_ten_and_fifty_percent_missed():
    """DfE: persistent absence is missing 10% or more of possible sessions, severe 50% or more;
    171 of 190 sessions attended is exactly 90% and counts, 172 does not."""
    rows = [{"urn": PRIMARY, "period": AUTUMN, "pupil_id": pid, "disadvantaged": False,
             "send": "N", "sessions_possible": 190, "sessions_attended": attended}
            for pid, attended in [("A", 171), ("B", 172), ("C", 95), ("D", 96)]]
    m = compute_measures(pupils(rows))
    assert figure(m, "persistent_absence") == (75.0, 4)  # A, C, D
    assert figure(m, "severe_absence") == (25.0, 4)  # C missed exactly half
