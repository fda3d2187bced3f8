"""Targets judged against measures: every status boundary, both directions, milestones, projection."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.periods import format_period, period_index
from analysis.progress import (
    PROGRESS_COLUMNS,
    STATUS_ORDER,
    STATUS_RULES,
    expected_line,
    judge_progress,
    status_rules,
    tolerance_band,
)
from analysis.schema import Settings

SCHOOL = "100001"
BASELINE = "2023/24 Summer 2"  # p0
P0 = period_index(BASELINE)
DEADLINE = format_period(P0 + 6)  # 2024/25 Summer 2
MIDWAY = format_period(P0 + 3)  # 2024/25 Spring 1, where the straight line expects the halfway value


def maths_target(**changes) -> dict:
    """Maths EXS from 50% to 70% over six half terms: 60% expected midway, tolerance 5 points."""
    return {
        "target_id": "T1", "client_urn": SCHOOL, "deployment_id": "D1", "measure": "maths_exs",
        "subgroup": "All", "baseline_value": 50.0, "baseline_period": BASELINE,
        "target_value": 70.0, "target_period": DEADLINE, **changes,
    }


def absence_target(**changes) -> dict:
    """Persistent absence down from 20% to 10%: 15% expected midway, tolerance 2.5 points."""
    return maths_target(target_id="T2", measure="persistent_absence", baseline_value=20.0,
                        target_value=10.0, **changes)


def figures(points: list[tuple[int, float]], measure: str = "maths_exs", urn: str = SCHOOL,
            subgroup: str = "All", cohort: int = 30) -> pd.DataFrame:
    """Measures rows at (half terms after the baseline, value)."""
    return pd.DataFrame({
        "urn": urn, "period": [format_period(P0 + k) for k, _ in points], "measure": measure,
        "subgroup": subgroup, "value": [float(v) for _, v in points], "cohort": cohort,
    })


NO_MILESTONES = pd.DataFrame(columns=["target_id", "period", "value"])


def judge(target: dict, measures: pd.DataFrame, milestones=NO_MILESTONES,
          settings: Settings | None = None) -> pd.Series:
    progress = judge_progress(pd.DataFrame([target]), milestones, measures, settings or Settings())
    assert len(progress) == 1
    return progress.iloc[0]


@pytest.mark.parametrize(
    ("after", "value", "status"),
    [
        (3, 70.0, "Achieved"),  # exactly the target, before the deadline
        (3, 75.0, "Achieved"),
        (3, 60.0, "On track"),  # exactly on the expected line
        (3, 62.0, "On track"),
        (3, 55.0, "At risk"),  # shortfall exactly the tolerance (5 points)
        (3, 54.9, "Off track"),  # just over it
        (6, 70.0, "Achieved"),  # at the deadline
        (6, 69.9, "Missed"),  # at the deadline, not achieved (even though near the line)
        (8, 65.0, "Missed"),  # after the deadline
    ],
)
def test_status_boundaries_when_higher_is_better(after, value, status):
    row = judge(maths_target(), figures([(after, value)]))
    assert row["status"] == status
    assert row["latest_period"] == format_period(P0 + after)
    assert row["latest_value"] == value


@pytest.mark.parametrize(
    ("value", "status"),
    [(10.0, "Achieved"), (9.0, "Achieved"), (15.0, "On track"), (14.0, "On track"),
     (17.5, "At risk"), (17.6, "Off track")],
)
def test_status_boundaries_when_lower_is_better(value, status):
    row = judge(absence_target(), figures([(3, value)], measure="persistent_absence"))
    assert row["status"] == status
    assert row["expected_value"] == pytest.approx(15.0)


def test_float_noise_on_the_boundary_lands_where_the_contract_says():
    # Midway from 11.4 to 11.8 is 11.600000000000001 in floating point; 11.6 is on the line.
    target = maths_target(baseline_value=11.4, target_value=11.8)
    assert judge(target, figures([(3, 11.6)]))["status"] == "On track"
    # Midway from 10 to 11.6 is 10.8; 10.4 falls short by 0.40000000000000036 and the
    # tolerance 0.25 * 1.6 is 0.3999999999999999: exactly at the tolerance, so at risk.
    target = maths_target(baseline_value=10.0, target_value=11.6)
    assert judge(target, figures([(3, 10.4)]))["status"] == "At risk"


def test_no_data_yet_when_figures_are_only_at_or_before_the_baseline():
    row = judge(maths_target(), figures([(0, 55.0), (-2, 40.0)]))
    assert row["status"] == "No data yet"
    assert pd.isna(row["latest_value"]) and row["latest_period"] is None
    assert row["rule"] == "No data yet: there is no figure for this measure after 2023/24 Summer 2."


def test_only_the_targets_own_school_measure_and_subgroup_count():
    others = pd.concat([
        figures([(3, 70.0)], urn="999999"),
        figures([(3, 70.0)], measure="reading_exs"),
        figures([(3, 70.0)], subgroup="Disadvantaged"),
    ])
    assert judge(maths_target(), others)["status"] == "No data yet"
    row = judge(maths_target(subgroup="Disadvantaged"), others)
    assert row["status"] == "Achieved" and row["subgroup"] == "Disadvantaged"


def test_a_missing_subgroup_means_all():
    row = judge(maths_target(subgroup=None), figures([(3, 60.0)]))
    assert row["subgroup"] == "All" and row["status"] == "On track"


def test_the_latest_figure_is_judged_and_its_cohort_carried():
    measures = pd.concat([figures([(1, 40.0)], cohort=28), figures([(3, 61.0)], cohort=27)])
    row = judge(maths_target(), measures.iloc[::-1])  # row order must not matter
    assert row["latest_period"] == MIDWAY and row["latest_value"] == 61.0
    assert row["cohort"] == 27


def test_milestones_replace_the_straight_line():
    # Slow start agreed: 52% after two half terms, 60% after four. Midway expects 56%, not 60%.
    milestones = pd.DataFrame({"target_id": ["T1", "T1"],
                               "period": [format_period(P0 + 4), format_period(P0 + 2)],
                               "value": [60.0, 52.0]})
    row = judge(maths_target(), figures([(3, 56.0)]), milestones)
    assert row["expected_value"] == pytest.approx(56.0)
    assert row["status"] == "On track"
    straight = judge(maths_target(), figures([(3, 56.0)]))
    assert straight["status"] == "At risk"
    line = expected_line(maths_target(), milestones)
    assert line["expected"].tolist() == pytest.approx([50, 51, 52, 56, 60, 65, 70])


def test_milestones_of_another_target_are_ignored():
    milestones = pd.DataFrame({"target_id": ["T9"], "period": [MIDWAY], "value": [51.0]})
    assert judge(maths_target(), figures([(3, 56.0)]), milestones)["expected_value"] == 60.0


def test_projection_is_a_least_squares_line_through_baseline_and_actuals():
    # (0, 50), (1, 52), (2, 57): slope 3.5 through the mean (1, 53), so 53 + 3.5 * 5 at the deadline.
    row = judge(maths_target(), figures([(1, 52.0), (2, 57.0)]))
    assert row["projected_value"] == pytest.approx(70.5)


def test_projection_with_one_actual_is_the_line_from_the_baseline():
    row = judge(maths_target(), figures([(2, 53.0)]))  # 1.5 points a half term
    assert row["projected_value"] == pytest.approx(59.0)


def test_the_tolerance_setting_changes_the_status():
    measures = figures([(3, 55.0)])
    assert judge(maths_target(), measures, settings=Settings(status_tolerance=0.25))["status"] == "At risk"
    row = judge(maths_target(), measures, settings=Settings(status_tolerance=0.2))
    assert row["status"] == "Off track"
    assert row["rule"] == (
        "Off track: 55% is 5 points below the 60% expected by 2024/25 Spring 1, "
        "more than the tolerance of 4 points (20% of the planned change)."
    )


def test_rules_say_why_with_the_numbers():
    def rule(target, points, measure="maths_exs"):
        return judge(target, figures(points, measure=measure))["rule"]

    assert rule(maths_target(), [(3, 57.0)]) == (
        "At risk: 57% is 3 points below the 60% expected by 2024/25 Spring 1, "
        "within the tolerance of 5 points (25% of the planned change)."
    )
    assert rule(maths_target(), [(3, 61.5)]) == (
        "On track: 61.5% is at or above the 60% expected by 2024/25 Spring 1, "
        "on the way to 70% by 2024/25 Summer 2."
    )
    assert rule(absence_target(), [(3, 16.0)], "persistent_absence") == (
        "At risk: 16% is 1 point above the 15% expected by 2024/25 Spring 1, "
        "within the tolerance of 2.5 points (25% of the planned change)."
    )
    assert rule(maths_target(), [(6, 66.0)]) == (
        "Missed: 66% in 2024/25 Summer 2 did not reach the target of 70% due by 2024/25 Summer 2."
    )
    assert rule(maths_target(), [(2, 71.0)]) == (
        "Achieved: 71% in 2024/25 Autumn 2 has reached the target of 70%."
    )


def test_progress_frame_columns_and_empty_targets():
    assert list(judge_progress(pd.DataFrame(), NO_MILESTONES, figures([]), Settings()).columns) == (
        PROGRESS_COLUMNS
    )
    progress = judge_progress(pd.DataFrame([maths_target(), absence_target()]), NO_MILESTONES,
                              figures([(3, 60.0)]), Settings())
    assert list(progress.columns) == PROGRESS_COLUMNS
    assert progress["status"].tolist() == ["On track", "No data yet"]


def test_a_target_without_a_baseline_value_or_a_readable_period_is_not_judged():
    row = judge(maths_target(baseline_value=None), figures([(3, 60.0)]))
    assert row["status"] == "No data yet"
    assert row["rule"] == (
        "No data yet: the target has no baseline value, so progress cannot be judged.")
    row = judge(maths_target(target_period="next summer"), figures([(3, 60.0)]))
    assert row["rule"] == ("No data yet: the target period 'next summer' is not a period we "
                           "recognise, so progress cannot be judged.")


def test_expected_line_covers_every_half_term_and_the_band_lies_on_the_worse_side():
    line = expected_line(maths_target())
    assert line["period"].tolist()[0] == BASELINE and line["period"].tolist()[-1] == DEADLINE
    assert len(line) == 7
    band = tolerance_band(maths_target(), NO_MILESTONES, Settings())
    midway = band[band["period"] == MIDWAY].iloc[0]
    assert (midway["lower"], midway["expected"], midway["upper"]) == (55.0, 60.0, 60.0)
    band = tolerance_band(absence_target(), NO_MILESTONES, Settings(status_tolerance=0.5))
    midway = band[band["period"] == MIDWAY].iloc[0]
    assert (midway["lower"], midway["upper"]) == (15.0, 20.0)


def test_status_order_and_rules_in_plain_words():
    assert STATUS_ORDER == ["Off track", "Missed", "At risk", "On track", "Achieved", "No data yet"]
    assert set(STATUS_RULES) == set(STATUS_ORDER)
    assert "25% of the planned change" in STATUS_RULES["At risk"]
    assert "10% of the planned change" in status_rules(Settings(status_tolerance=0.1))["Off track"]
