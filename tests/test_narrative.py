"""Sentences built from data and the number formats every page uses."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis.narrative import (
    describe_school,
    describe_target,
    format_change,
    format_days,
    format_value,
    measure_phrase,
)


def progress_row(**changes) -> dict:
    """A maths target at risk: 50% -> 60% since the baseline, 63% expected, 70% by the deadline."""
    return {
        "target_id": "T1", "client_urn": "100001", "deployment_id": "D1", "measure": "maths_exs",
        "subgroup": "All", "baseline_value": 50.0, "baseline_period": "2023/24 Summer 2",
        "target_value": 70.0, "target_period": "2024/25 Summer 2",
        "latest_period": "2024/25 Spring 2", "latest_value": 60.0, "cohort": 28,
        "expected_value": 63.0, "projected_value": 66.0, "status": "At risk", "rule": "",
        **changes,
    }


@pytest.mark.parametrize(
    ("value", "measure", "text"),
    [
        (60.0, "maths_exs", "60%"),
        (60.46, "maths_exs", "60.5%"),
        (59.96, "attendance", "60%"),
        (3.2, "disadvantaged_gap_maths_exs", "3.2 pp"),
        (-0.04, "disadvantaged_gap_maths_exs", "0 pp"),
        (math.nan, "maths_exs", "no figure"),
        (None, "maths_exs", "no figure"),
        (12.0, "not_a_measure", "12%"),
    ],
)
def test_format_value(value, measure, text):
    assert format_value(value, measure) == text


def test_format_change_and_days():
    assert format_change(3.0) == "3 points"
    assert format_change(-2.5) == "2.5 points"
    assert format_change(1.0) == "1 point"
    assert format_change(0.01) == "less than 0.1 points"
    assert format_days(12.0) == "12 days"
    assert format_days(0.5) == "0.5 days"
    assert format_days(1) == "1 day"


def test_measure_phrase_names_the_subgroup():
    assert measure_phrase("maths_exs") == "Maths at the expected standard"
    assert measure_phrase("reading_exs", "Disadvantaged") == (
        "Reading at the expected standard for disadvantaged pupils")
    assert measure_phrase("attendance", "No SEND") == "Attendance for pupils without SEND"


def test_describe_target_at_risk():
    assert describe_target(progress_row()) == (
        "Maths at the expected standard rose from 50% to 60% since 2023/24 Summer 2; "
        "63% was expected by now, so this target is at risk."
    )


def test_describe_target_fell_and_stayed():
    assert describe_target(progress_row(latest_value=45.5, status="Off track")) == (
        "Maths at the expected standard fell from 50% to 45.5% since 2023/24 Summer 2; "
        "63% was expected by now, so this target is off track."
    )
    # 50.04 reads as 50%, so the sentence must not claim a rise.
    assert describe_target(progress_row(latest_value=50.04, status="Off track")).startswith(
        "Maths at the expected standard stayed at 50% since 2023/24 Summer 2;")


def test_describe_target_lower_is_better():
    row = progress_row(measure="persistent_absence", baseline_value=20.0, target_value=10.0,
                       latest_value=14.0, expected_value=15.0, status="On track")
    assert describe_target(row) == (
        "Persistent absence (90% attendance or below) fell from 20% to 14% since 2023/24 Summer 2; "
        "no more than 15% was expected by now, so this target is on track."
    )
    achieved = dict(row, latest_value=9.0, status="Achieved")
    assert describe_target(achieved) == (
        "Persistent absence (90% attendance or below) fell from 20% to 9% since 2023/24 Summer 2; "
        "the target was 10% or lower by 2024/25 Summer 2, so this target has been achieved."
    )


def test_describe_target_missed_and_gap_measures():
    missed = progress_row(latest_period="2024/25 Summer 2", latest_value=66.0, status="Missed")
    assert describe_target(missed) == (
        "Maths at the expected standard rose from 50% to 66% since 2023/24 Summer 2; "
        "the target was 70% or higher by 2024/25 Summer 2, so this target was missed."
    )
    gap = progress_row(measure="disadvantaged_gap_maths_exs", baseline_value=20.0,
                       target_value=10.0, latest_value=16.5, expected_value=15.0)
    assert describe_target(gap) == (
        "Disadvantaged gap: maths at the expected standard fell from 20 pp to 16.5 pp since "
        "2023/24 Summer 2; no more than 15 pp was expected by now, so this target is at risk."
    )


def test_describe_target_no_data_yet():
    row = progress_row(status="No data yet", latest_period=None, latest_value=math.nan,
                       cohort=pd.NA, expected_value=math.nan, subgroup="SEND")
    assert describe_target(row) == (
        "Maths at the expected standard for pupils with SEND has no figure yet since the baseline "
        "of 50% in 2023/24 Summer 2; the target is 70% by 2024/25 Summer 2."
    )


def test_governor_safe_no_data_sentence_leaves_out_the_baseline():
    row = progress_row(status="No data yet", latest_period=None, latest_value=math.nan,
                       cohort=pd.NA, expected_value=math.nan)
    assert describe_target(row, small_cohort=5) == (
        "Maths at the expected standard has no figure yet since the baseline in 2023/24 Summer 2; "
        "the target is 70% by 2024/25 Summer 2."
    )


def test_governor_safe_sentence_hides_small_cohorts():
    small = progress_row(cohort=4)
    text = describe_target(small, small_cohort=5)
    assert text == (
        "Maths at the expected standard in 2024/25 Spring 2 covers fewer than 5 pupils, "
        "so no figures are shown; this target is at risk."
    )
    # Exactly at the limit is published, as is an ordinary sentence without the option.
    assert "60%" in describe_target(progress_row(cohort=5), small_cohort=5)
    assert "60%" in describe_target(small)
    # An unknown cohort cannot be shown to be safe.
    assert "fewer than 5 pupils" in describe_target(progress_row(cohort=pd.NA), small_cohort=5)


def test_describe_school():
    progress = pd.DataFrame({"status": ["At risk", "Achieved", "On track", "On track",
                                        "No data yet"]})
    summary = pd.DataFrame({"days_committed": [20.0, 6.0], "days_delivered": [10.0, 2.0],
                            "creep_flag": [True, False], "qa_pending": [2, 1]})
    assert describe_school(progress, summary) == describe_school(progress, summary, small_cohort=5)
    assert describe_school(progress, summary) == (
        "The school has 5 targets: 1 achieved, 2 on track, 1 at risk and 1 with no data yet. "
        "2 deployments have used 12 days of 26 days committed (46.2%). "
        "1 deployment is flagged for spending too much time outside the agreed focus. "
        "3 visit records await quality assurance."
    )


def test_describe_school_with_nothing_recorded():
    missed = pd.DataFrame({"status": ["Missed", "Missed"]})
    assert describe_school(missed, None) == (
        "The school has 2 targets: 2 missed. No deployments are recorded.")
    assert describe_school(pd.DataFrame(columns=["status"]), None) == (
        "No targets are recorded yet. No deployments are recorded."
    )
    one = pd.DataFrame({"status": ["Off track"]})
    summary = pd.DataFrame({"days_committed": [10.0], "days_delivered": [0.0],
                            "creep_flag": [False], "qa_pending": [0]})
    assert describe_school(one, summary) == (
        "The school has 1 target, which is off track. "
        "1 deployment has used 0 days of 10 days committed (0%)."
    )
