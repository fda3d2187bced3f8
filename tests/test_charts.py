"""Charts: the traces each figure draws, hidden small cohorts, period order, status shapes and words."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from analysis import chart_tables, charts, style
from analysis.periods import period_range

BASELINE, TARGET = "2023/24 Summer 2", "2024/25 Summer 2"
PERIODS = period_range(BASELINE, TARGET)
HIDDEN_VALUE = 37.5  # a figure from a cohort of 4: must never reach the figure


def everything_in(fig: go.Figure) -> tuple[list[float], list[str]]:
    """Every number and every string anywhere in the figure's dict (data and layout)."""
    numbers: list[float] = []
    strings: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list | tuple | np.ndarray):
            for value in list(node):
                walk(value)
        elif isinstance(node, str):
            strings.append(node)
        elif isinstance(node, int | float | np.number) and not isinstance(node, bool):
            numbers.append(float(node))

    figure = fig.to_dict()
    figure["layout"].pop("template", None)  # the theme's own colours, not this chart's content
    walk(figure)
    return numbers, strings


def trace(fig: go.Figure, name: str):
    matches = [t for t in fig.data if t.name == name]
    assert len(matches) == 1, f"expected one trace named {name!r}, got {[t.name for t in fig.data]}"
    return matches[0]


@pytest.fixture
def at_risk_row() -> dict:
    return {
        "target_id": "T1", "client_urn": "100001", "measure": "reading_exs",
        "subgroup": "Disadvantaged", "baseline_value": 50.0, "baseline_period": BASELINE,
        "target_value": 70.0, "target_period": TARGET, "latest_period": "2024/25 Spring 2",
        "latest_value": 58.0, "cohort": 20, "expected_value": 63.3, "projected_value": 66.0,
        "status": "At risk",
        "rule": "At risk: below the planned line, by no more than a quarter of the rise.",
    }


@pytest.fixture
def expected_line() -> pd.DataFrame:
    return pd.DataFrame({"period": PERIODS, "expected": [50 + 20 * i / 6 for i in range(7)]})


@pytest.fixture
def at_risk_band(expected_line) -> pd.DataFrame:
    return pd.DataFrame({"period": PERIODS, "lower": expected_line["expected"] - 5,
                         "upper": expected_line["expected"]})


@pytest.fixture
def actuals_with_small_cohort() -> pd.DataFrame:
    # Written out of order and in other accepted forms: the chart must order and canonicalise.
    return pd.DataFrame({
        "period": ["Spring 2 2024/25", "2023/24 Summer 2", "2024/25 T3", "Autumn 2 2024/25"],
        "value": [58.0, 50.0, HIDDEN_VALUE, 55.0],
        "cohort": [20, 20, 4, 21],
    })


@pytest.fixture
def support() -> pd.DataFrame:
    return pd.DataFrame({
        "deployment_id": ["D1"], "leader_name": ["A. Khan"], "leader_role": ["NLE"],
        "start_date": [dt.date(2024, 9, 5)], "end_date": [pd.NaT],
    })


@pytest.fixture
def leader_visits() -> pd.DataFrame:
    return pd.DataFrame({"visit_date": pd.to_datetime(["2024-09-20", "2024-10-03", "2025-01-15"])})


# ----------------------------------------------------------------------------- style


def test_every_status_has_colour_shape_and_words():
    assert style.STATUS_ORDER == ["Off track", "Missed", "At risk", "On track", "Achieved",
                                  "No data yet"]
    for table in (style.STATUS_COLOURS, style.STATUS_SYMBOLS, style.STATUS_GLYPHS):
        assert list(table) == style.STATUS_ORDER
        assert len(set(table.values())) == len(style.STATUS_ORDER)  # none shared
    assert style.STATUS_SYMBOLS["Achieved"] == "star"
    assert style.STATUS_SYMBOLS["Off track"] == "x"
    assert style.STATUS_SYMBOLS["No data yet"] == "circle-open"
    assert style.status_badge_text("At risk") == "▲ At risk"
    assert style.status_badge_text("Achieved") == "★ Achieved"
    assert style.status_badge_text("Something else") == "Something else"
    assert style.rating_badge_text("Red") == "✖ Red"
    assert style.small_cohort_text(5) == "fewer than 5 pupils"
    assert style.BASE_FONT_SIZE >= 16


# ----------------------------------------------------------------------------- target chart


def test_target_chart_draws_plan_band_actuals_projection_and_target(
    at_risk_row, expected_line, at_risk_band, actuals_with_small_cohort, support, leader_visits
):
    fig = charts.target_chart(at_risk_row, actuals_with_small_cohort, expected_line,
                              at_risk_band, None, support, leader_visits,
                              national=("National 2024", 61.0), small_cohort=5)

    names = [t.name for t in fig.data]
    # No projection: it is fitted through the 4-pupil figure, which it would let a reader
    # solve for (analysis.disclosure: a projection inherits every actual it is fitted through).
    assert names == ["At risk band", "Planned line", "National 2024: 61%",
                     "Actual", "Target", "▲ At risk", "Leader visits per half term"]
    assert list(fig.layout.xaxis.categoryarray) == PERIODS
    assert fig.layout.xaxis.type == "category"
    # Short two-line ticks that stay level even on a long axis.
    assert fig.layout.xaxis.ticktext[0] == "Sum 2<br>23/24"
    assert fig.layout.xaxis.ticktext[-1] == "Sum 2<br>24/25"
    assert fig.layout.xaxis.tickangle == 0

    actual = trace(fig, "Actual")
    assert list(actual.x) == ["2023/24 Summer 2", "2024/25 Autumn 2", "2024/25 Spring 2"]
    assert list(actual.y) == [50.0, 55.0, 58.0]
    # Labels on the first and latest points only (a phone would overlap the rest); the hover
    # and the chart's table give every value.
    assert list(actual.text) == ["50%", "", "58%"]
    assert "55%" in actual.hovertext[1]

    # Where nothing is hidden the projection runs from the latest figure to the deadline.
    unhidden = charts.target_chart(at_risk_row, actuals_with_small_cohort, expected_line,
                                   at_risk_band, None, support, leader_visits)
    projection = trace(unhidden, "Projection (current rate)")
    assert list(projection.x) == ["2024/25 Spring 2", TARGET]
    assert list(projection.y) == [58.0, 66.0]
    assert projection.line.dash == "dot"

    target = trace(fig, "Target")
    assert list(target.x) == [TARGET] and list(target.y) == [70.0]
    assert list(target.text) == ["Target 70%"]

    band = trace(fig, "At risk band")
    assert band.fill == "toself"
    assert len(band.x) == 2 * len(PERIODS)

    status = trace(fig, "▲ At risk")
    assert status.marker.symbol == "triangle-up"
    assert status.marker.color == style.STATUS_COLOURS["At risk"]
    assert status.showlegend is False  # the badge above the plot already says the words

    # Wrapped (plotly titles never wrap) to lines a 390 px phone shows whole.
    assert fig.layout.title.text == "Reading at the expected<br>standard: disadvantaged pupils"
    # The status is said once, as a one-line badge; the rule sentence is the page's to say.
    assert fig.layout.title.subtitle.text == "<b>▲ At risk</b>"
    _, strings = everything_in(fig)
    assert not [s for s in strings if "below the planned line" in s or "Baseline" in s]
    assert fig.layout.yaxis.title.text == "% of pupils"
    # Headroom above the highest value (70) for its label; ticks only on round values.
    low, high = fig.layout.yaxis.range
    assert high > 70.0 + 2 and low < 45.0
    assert list(fig.layout.yaxis.tickvals) == [45.0, 50.0, 55.0, 60.0, 65.0, 70.0]
    assert fig.layout.yaxis.ticktext[0] == "45%"


def test_target_chart_shades_support_and_counts_visits_by_half_term(
    at_risk_row, expected_line, at_risk_band, actuals_with_small_cohort, support, leader_visits
):
    fig = charts.target_chart(at_risk_row, actuals_with_small_cohort, expected_line,
                              at_risk_band, None, support, leader_visits)

    (shape,) = [s for s in fig.layout.shapes if s.type == "rect"]
    # Started September 2024 (Autumn 1, position 1), still running: shaded to the axis end.
    assert (shape.x0, shape.x1) == (0.5, len(PERIODS) - 0.5)
    assert shape.name == "Support (shaded)"
    (label,) = [a for a in fig.layout.annotations if "Support" in a.text]
    # The name alone fits above a phone-width plot; the role and dates are in the hover.
    assert label.text == "▼ Support: A. Khan"
    assert label.hovertext == "A. Khan (national leader of education): 05/09/2024 to now"
    # Above the plot area (paper y 1, anchored at its bottom): never over a value.
    assert (label.yref, label.y, label.yanchor) == ("paper", 1, "bottom")
    # The support runs to the axis end, so the label ends there: on a phone it reads leftwards
    # over the shaded half terms instead of running off the plot's right edge.
    assert (label.x, label.xanchor) == (len(PERIODS) - 0.5, "right")

    visits = trace(fig, "Leader visits per half term")
    assert list(visits.x) == ["2024/25 Autumn 1", "2024/25 Spring 1"]
    assert list(visits.text) == ["2", "1"]
    assert "20/09/2024" in visits.hovertext[0]  # UK dates
    # The counts sit on the axis floor, below every plotted value, in their own strip.
    floor = fig.layout.yaxis.range[0]
    assert list(visits.y) == [floor, floor]
    lowest = min(min(t.y) for t in fig.data if t.name != visits.name)
    assert floor < lowest - 2
    assert min(fig.layout.yaxis.tickvals) >= lowest - 5  # no gridlines through the strip


def test_a_target_below_every_figure_gets_a_deeper_visit_strip_for_its_label(
    at_risk_row, expected_line, at_risk_band, actuals_with_small_cohort, support, leader_visits
):
    def strip_share(row: dict) -> float:
        """How much of the value axis lies below the lowest plotted value."""
        fig = charts.target_chart(row, actuals_with_small_cohort, expected_line, at_risk_band,
                                  None, support, leader_visits)
        floor, top = fig.layout.yaxis.range
        lowest = min(min(t.y) for t in fig.data if t.name != "Leader visits per half term")
        return (lowest - floor) / (top - floor)

    # The target's label runs left of its marker at its height: when that is the lowest value,
    # the strip under it is deeper, so the label's lower half clears the visit counts.
    low_target = {**at_risk_row, "target_value": 30.0, "baseline_value": 60.0}
    assert strip_share(low_target) > strip_share(at_risk_row) * 1.25


def test_a_team_of_overlapping_deployments_gets_one_band_and_one_label(
    at_risk_row, expected_line, at_risk_band, actuals_with_small_cohort
):
    team = pd.DataFrame({
        "deployment_id": ["D1", "D2", "D3", "D4"],
        "leader_name": ["A. Khan", "B. Lee", "C. Roy", "D. Shaw"],
        "leader_role": ["NLE", "SLE", "SLE", "Deputy head"],
        "start_date": [dt.date(2024, 9, 5), dt.date(2024, 9, 5), dt.date(2024, 11, 4),
                       dt.date(2025, 1, 6)],
        "end_date": [pd.NaT, dt.date(2025, 2, 10), pd.NaT, pd.NaT],
    })

    fig = charts.target_chart(at_risk_row, actuals_with_small_cohort, expected_line,
                              at_risk_band, None, team)

    (shape,) = [s for s in fig.layout.shapes if s.type == "rect"]
    assert (shape.x0, shape.x1) == (0.5, len(PERIODS) - 0.5)
    labels = [a for a in fig.layout.annotations if "Support" in a.text]
    assert [a.text for a in labels] == ["▼ Support: 4 leaders"]
    assert "B. Lee (specialist leader of education): 05/09/2024 to 10/02/2025" in labels[0].hovertext
    assert "D. Shaw (deputy headteacher): 06/01/2025 to now" in labels[0].hovertext


def test_target_chart_never_shows_a_small_cohort_figure(
    at_risk_row, expected_line, at_risk_band, actuals_with_small_cohort
):
    fig = charts.target_chart(at_risk_row, actuals_with_small_cohort, expected_line,
                              at_risk_band, None, small_cohort=5)

    numbers, strings = everything_in(fig)
    assert HIDDEN_VALUE not in numbers
    assert not [s for s in strings if "37.5" in s or "38%" in s]
    notes = [a for a in fig.layout.annotations if a.text == "fewer than 5 pupils"]
    assert [a.x for a in notes] == ["2024/25 Spring 1"]


def test_target_chart_shows_small_cohorts_when_not_asked_to_hide(
    at_risk_row, expected_line, at_risk_band, actuals_with_small_cohort
):
    fig = charts.target_chart(at_risk_row, actuals_with_small_cohort, expected_line,
                              at_risk_band, None)

    assert HIDDEN_VALUE in list(trace(fig, "Actual").y)
    assert "fewer than 5 pupils" not in [a.text for a in fig.layout.annotations]


def test_a_hidden_latest_figure_takes_its_projection_status_marker_and_rule_with_it(
    at_risk_row, expected_line, at_risk_band
):
    row = {**at_risk_row, "latest_value": 41.25, "projected_value": 55.5, "cohort": 3,
           "rule": "Latest 41.25% is below the planned 63%."}
    actuals = pd.DataFrame({"period": [BASELINE, "2024/25 Spring 2"], "value": [50.0, 41.25],
                            "cohort": [20, 3]})

    fig = charts.target_chart(row, actuals, expected_line, at_risk_band, None, small_cohort=5)

    numbers, strings = everything_in(fig)
    assert 41.25 not in numbers and 55.5 not in numbers
    assert not [s for s in strings if "41" in s]
    names = [t.name for t in fig.data]
    assert "Projection at the current rate" not in names and "▲ At risk" not in names
    assert list(trace(fig, "Actual").y) == [50.0]
    assert fig.layout.title.subtitle.text == "<b>▲ At risk</b>"


def test_a_gap_target_is_in_percentage_points(at_risk_row):
    row = {**at_risk_row, "measure": "disadvantaged_gap_reading_exs", "subgroup": "All",
           "baseline_value": 20.0, "target_value": 10.0, "status": "On track",
           "latest_value": 14.0, "projected_value": 9.0}
    actuals = pd.DataFrame({"period": [BASELINE, "2024/25 Spring 2"], "value": [20.0, 14.0],
                            "cohort": [30, 30]})

    fig = charts.target_chart(row, actuals, pd.DataFrame(), pd.DataFrame(), None)

    assert fig.layout.yaxis.title.text == "Gap (percentage points)"
    assert list(trace(fig, "Actual").text) == ["20 pp", "14 pp"]
    # No expected frame: the plan is the straight line from baseline to target.
    assert list(trace(fig, "Planned line").y) == [20.0, 10.0]
    assert trace(fig, "● On track").marker.symbol == "circle"
    assert fig.layout.title.text == "Disadvantaged gap: reading at<br>the expected standard"


def test_a_target_with_no_results_says_no_data_yet(at_risk_row, expected_line, at_risk_band):
    row = {**at_risk_row, "status": "No data yet", "latest_period": None, "latest_value": None,
           "projected_value": None}

    fig = charts.target_chart(row, pd.DataFrame(), expected_line, at_risk_band, None)

    assert "Actual" not in [t.name for t in fig.data]
    assert "No data yet: no results since the baseline" in [a.text for a in fig.layout.annotations]
    assert fig.layout.title.subtitle.text == "<b>○ No data yet</b>"


# ----------------------------------------------------------------------------- subgroups


@pytest.fixture
def subgroup_measures() -> pd.DataFrame:
    return pd.DataFrame({
        "urn": "100001",
        "period": ["2024/25 Summer 2", "2024/25 Summer 2", "2024/25 Autumn 2", "2024/25 Autumn 2",
                   "2024/25 Spring 2", "2024/25 Spring 2"],
        "measure": "reading_exs",
        "subgroup": ["Disadvantaged", "Not disadvantaged"] * 3,
        "value": [HIDDEN_VALUE, 64.0, 40.0, 60.0, 45.0, 62.0],
        "cohort": [4, 20, 10, 20, 11, 20],
    })


def test_subgroup_chart_draws_both_groups_and_the_latest_gap(subgroup_measures):
    fig = charts.subgroup_chart(subgroup_measures, "100001", "reading_exs", small_cohort=5)

    assert [t.name for t in fig.data] == ["Disadvantaged", "Not disadvantaged"]
    assert list(trace(fig, "Disadvantaged").y) == [40.0, 45.0]
    assert list(trace(fig, "Not disadvantaged").x) == [
        "2024/25 Autumn 2", "2024/25 Spring 2", "2024/25 Summer 2"]
    assert list(fig.layout.xaxis.categoryarray) == period_range("2024/25 Autumn 2",
                                                                "2024/25 Summer 2")
    texts = [a.text for a in fig.layout.annotations]
    # The latest period with both shown is Spring 2: Summer 2's gap would reveal the hidden figure.
    assert "Gap 17 pp" in texts and "fewer than 5 pupils" in texts
    assert fig.layout.title.subtitle.text == (
        "Gap in 2024/25 Spring 2: 17 pp (Disadvantaged below Not disadvantaged); "
        "20 pp in 2024/25 Autumn 2, so narrower")
    numbers, strings = everything_in(fig)
    assert HIDDEN_VALUE not in numbers and not [s for s in strings if "37.5" in s or "38%" in s]


def test_subgroup_chart_compares_send_and_handles_no_figures(subgroup_measures):
    send = subgroup_measures.assign(
        subgroup=subgroup_measures["subgroup"].map({"Disadvantaged": "SEND",
                                                    "Not disadvantaged": "No SEND"}))

    fig = charts.subgroup_chart(send, "100001", "reading_exs", pair="send")

    assert [t.name for t in fig.data] == ["SEND", "No SEND"]
    assert list(trace(fig, "SEND").y) == [40.0, 45.0, HIDDEN_VALUE]
    assert "pupils with and without SEND" in fig.layout.title.text

    empty = charts.subgroup_chart(send, "999999", "reading_exs", pair="send")
    assert len(empty.data) == 0
    assert [a.text for a in empty.layout.annotations] == [
        "No figures yet for pupils with and without SEND."]


# ----------------------------------------------------------------------------- inspections


@pytest.fixture
def inspections() -> pd.DataFrame:
    return pd.DataFrame({
        "urn": "100001",
        "inspection_date": ["01/02/2019", "12/03/2015", "10/10/2023", "15/01/2026", "15/01/2026",
                            "15/01/2026"],
        "area": ["Overall", "Overall", "Overall", "Achievement", "Safeguarding", "Inclusion"],
        "judgement": ["Requires improvement", "Good", "Special measures", "Needs attention",
                      "Met", "Expected standard"],
    })


def test_inspection_journey_keeps_the_two_scales_apart(inspections):
    fig = charts.inspection_journey(inspections)

    old = trace(fig, "Overall judgement")
    assert list(old.x) == [dt.date(2015, 3, 12), dt.date(2019, 2, 1), dt.date(2023, 10, 10)]
    assert list(old.y) == ["Good", "Requires improvement", "Inadequate"]
    assert list(old.text) == ["Good", "Requires improvement", "Inadequate (special measures)"]
    assert list(old.marker.symbol) == ["circle", "triangle-up", "x"]
    assert old.line.shape == "hv"
    assert list(fig.layout.yaxis.categoryarray) == charts.OLD_SCALE

    cards = trace(fig, "Report card grade")
    assert list(cards.text) == ["Needs attention", "Met", "Expected standard"]
    assert set(cards.x) == {"15/01/2026"}
    assert cards.yaxis == "y2"  # its own axis: never on the four-point scale
    assert list(fig.layout.yaxis2.categoryarray) == ["Safeguarding", "Achievement", "Inclusion"]


def test_inspection_journey_with_only_a_report_card_or_nothing(inspections):
    fig = charts.inspection_journey(inspections[inspections["area"] != "Overall"])
    assert [t.name for t in fig.data] == ["Report card grade"]

    empty = charts.inspection_journey(inspections.iloc[0:0])
    assert len(empty.data) == 0
    assert "No inspections recorded for this school." in [a.text for a in empty.layout.annotations]


# ----------------------------------------------------------------------------- portfolio


def test_status_strip_stacks_statuses_exceptions_first_with_counts_written_in():
    counts = pd.DataFrame({
        "urn": ["1", "2", "3"], "school_name": ["Ash", "Beech", "Cedar"],
        "Off track": [0, 2, 0], "Missed": [0, 0, 1], "At risk": [1, 1, 0],
        "On track": [3, 1, 2], "Achieved": [1, 0, 0], "No data yet": [0, 0, 1],
    })

    fig = charts.status_strip(counts)

    assert [t.name for t in fig.data] == [style.status_badge_text(s) for s in style.STATUS_ORDER]
    assert fig.layout.barmode == "stack"
    off = trace(fig, "✖ Off track")
    assert list(off.y) == ["Beech", "Cedar", "Ash"]  # most off track, then missed, then at risk
    assert list(off.x) == [2, 0, 0]
    assert list(off.text) == ["2", "", ""]  # zero segments carry no label
    assert off.marker.pattern.shape == "x"
    assert list(trace(fig, "● On track").x) == [1, 2, 3]
    assert fig.layout.yaxis.autorange == "reversed"  # the first school at the top
    assert fig.layout.xaxis.title.text == "Number of targets"


def test_days_chart_shows_committed_delivered_and_flagged_creep():
    summary = pd.DataFrame({
        "deployment_id": ["D1", "D2"], "leader_name": ["A. Khan", "B. Lee"],
        "leader_role": ["NLE", "SLE"], "days_committed": [26.0, 10.0],
        "days_delivered": [18.5, 10.0], "creep_days": [5.0, 0.0], "creep_share": [5 / 18.5, 0.0],
        "creep_flag": [True, False],
    })

    fig = charts.days_chart(summary)

    labels = ["A. Khan (national leader of education), D1",
              "B. Lee (specialist leader of education), D2"]
    assert list(trace(fig, "Days committed").x) == [26.0, 10.0]
    on_focus = trace(fig, "Days on the agreed focus")
    assert list(on_focus.y) == labels and list(on_focus.x) == [13.5, 10.0]
    creep = trace(fig, "Days off the agreed focus (creep)")
    assert list(creep.x) == [5.0, 0.0] and list(creep.base) == [13.5, 10.0]
    # The delivered words sit at the end of the whole delivered bar: after the creep if any.
    assert list(on_focus.text) == ["", "10 delivered (100%)"]
    assert list(creep.text) == ["18.5 delivered (71%) · <b>27% off focus ⚑ flagged</b>", ""]
    # Outside the bars, never shrunk below a readable size, with room on the right.
    for bar in fig.data:
        assert bar.textposition == "outside" and bar.textfont.size >= 14
    assert fig.layout.uniformtext.minsize == 14
    assert fig.layout.xaxis.range[1] >= 26.0 * 1.5


def test_progress_ratings_chart_uses_shapes_and_words():
    visits = pd.DataFrame({
        "deployment_id": ["D1", "D1", "D2", "D2"],
        "visit_date": [dt.date(2024, 11, 2), dt.date(2024, 9, 20), dt.date(2024, 10, 1),
                       dt.date(2024, 12, 1)],
        "progress": ["Green", "Amber", "Red", None],
    })

    fig = charts.progress_ratings_chart(visits, {"D1": "A. Khan (NLE)"})

    assert [t.name for t in fig.data] == ["● Green", "▲ Amber", "✖ Red", "○ No rating"]
    amber = trace(fig, "▲ Amber")
    assert amber.marker.symbol == "triangle-up" and list(amber.text) == ["Amber"]
    assert list(amber.y) == ["A. Khan (NLE)"] and list(amber.x) == [dt.date(2024, 9, 20)]
    assert list(trace(fig, "✖ Red").y) == ["D2"]
    assert fig.layout.xaxis.tickformat == "%b %Y"


@pytest.mark.parametrize("draw", [charts.status_strip, charts.days_chart,
                                  charts.progress_ratings_chart, charts.inspection_journey])
def test_empty_frames_give_a_figure_with_words(draw):
    fig = draw(pd.DataFrame())
    assert isinstance(fig, go.Figure) and len(fig.data) == 0
    assert fig.layout.annotations[0].text.startswith("No ")


def test_target_chart_takes_the_progress_modules_frames_and_national_figures_by_year(
    at_risk_row, actuals_with_small_cohort
):
    from analysis import progress

    national = pd.DataFrame({"academic_year": ["2023/24", "2024/25"], "value": [74.0, 75.0],
                             "approximate": [False, True]})

    fig = charts.target_chart(
        at_risk_row, actuals_with_small_cohort, progress.expected_line(at_risk_row),
        progress.tolerance_band(at_risk_row), national=national, small_cohort=5,
    )

    plan = trace(fig, "Planned line")
    assert list(plan.x) == PERIODS and plan.y[0] == 50.0 and plan.y[-1] == 70.0
    band = trace(fig, "At risk band")
    # Higher is better: the band lies below the line, 25% of the 20-point rise deep.
    assert band.y[len(PERIODS) - 1] == 70.0 and band.y[len(PERIODS)] == 65.0
    # A long legend name takes two lines: plotly makes every legend column as wide as the
    # widest entry, so one long name would stack the whole legend a row per entry.
    reference = trace(fig, "National 2024/25<br>(approximate): 75%")
    assert list(reference.x) == PERIODS
    assert list(reference.y) == [74.0] + [75.0] * 6
    assert max(len(line) for t in fig.data if t.showlegend is not False
               for line in str(t.name).split("<br>")) <= 27
    # The chart's figures table names the column in one line, without the year's value.
    assert "National 2024/25 (approximate)" in chart_tables.figure_table(fig, at_risk_row["measure"]).columns
    # The projection is fitted through the hidden 4-pupil figure, so it is not drawn; with
    # every figure visible it runs from the row's latest figure to its projected value.
    assert "Projection (current rate)" not in [t.name for t in fig.data]
    visible = actuals_with_small_cohort.assign(cohort=20)
    fig = charts.target_chart(at_risk_row, visible, progress.expected_line(at_risk_row),
                              progress.tolerance_band(at_risk_row), small_cohort=5)
    assert list(trace(fig, "Projection (current rate)").y) == [58.0, 66.0]


def test_progress_ratings_rows_are_named_by_leader_when_given():
    visits = pd.DataFrame({"deployment_id": ["D1", "D2", "D2"],
                           "leader_name": ["A. Khan", "B. Lee", "B. Lee"],
                           "visit_date": ["20/09/2024", "01/10/2024", "2024-11-05"],
                           "progress": ["Green", "Amber", "Amber"]})

    fig = charts.progress_ratings_chart(visits)

    assert list(trace(fig, "● Green").y) == ["A. Khan (D1)"]
    # UK text is day first (1 October); ISO text stays year-month-day (5 November).
    assert list(trace(fig, "▲ Amber").x) == [dt.date(2024, 10, 1), dt.date(2024, 11, 5)]


def test_percentages_are_clipped_to_0_100_and_gaps_to_plus_minus_100(at_risk_row):
    row = {**at_risk_row, "subgroup": "All", "target_value": 99.0, "latest_value": 96.0,
           "projected_value": 104.0, "status": "On track"}
    actuals = pd.DataFrame({"period": [BASELINE, "2024/25 Spring 2"], "value": [90.0, 96.0],
                            "cohort": [30, 30]})

    fig = charts.target_chart(row, actuals, pd.DataFrame(), pd.DataFrame(), None)

    projection = trace(fig, "Projection (current rate)")
    assert list(projection.y) == [96.0, 100.0]
    assert projection.hovertext[-1] == "2024/25 Summer 2: projected 100% (capped)"
    assert max(fig.layout.yaxis.tickvals) <= 100  # the axis never reads 105%

    gap = {**row, "measure": "disadvantaged_gap_reading_exs", "baseline_value": -5.0,
           "target_value": -20.0, "latest_value": -12.0, "projected_value": -130.0}
    gaps = pd.DataFrame({"period": [BASELINE, "2024/25 Spring 2"], "value": [-5.0, -12.0],
                         "cohort": [30, 30]})

    fig = charts.target_chart(gap, gaps, pd.DataFrame(), pd.DataFrame(), None)

    # A gap may be negative (the group is ahead): only held within -100..100.
    assert list(trace(fig, "Actual").y) == [-5.0, -12.0]
    assert list(trace(fig, "Projection (current rate)").y) == [-12.0, -100.0]


def test_the_latest_value_label_clears_its_status_marker(
    at_risk_row, expected_line, at_risk_band, actuals_with_small_cohort
):
    fig = charts.target_chart(at_risk_row, actuals_with_small_cohort, expected_line,
                              at_risk_band, None, small_cohort=5)

    actual, status = trace(fig, "Actual"), trace(fig, "▲ At risk")
    # Sized as the status marker, so plotly sets its label above that marker, and drawn clear
    # so only the status shape shows; labels are never clipped at the plot's top.
    assert actual.marker.size[-1] == status.marker.size > actual.marker.size[0]
    assert list(actual.marker.opacity) == [1.0, 1.0, 0.0]
    assert actual.cliponaxis is False and trace(fig, "Target").cliponaxis is False


def test_large_mode_is_taller_with_bigger_type(
    at_risk_row, expected_line, at_risk_band, actuals_with_small_cohort, support, leader_visits
):
    args = (at_risk_row, actuals_with_small_cohort, expected_line, at_risk_band, None, support,
            leader_visits)
    normal = charts.target_chart(*args, small_cohort=5)
    large = charts.target_chart(*args, small_cohort=5, large=True)

    # 560 and 660 px plots, each figure one title line taller: the title is wrapped in two.
    assert normal.layout.title.text.count("<br>") == large.layout.title.text.count("<br>") == 1
    assert (normal.layout.height, large.layout.height) == (560 + 32, 660 + 48)
    assert large.layout.xaxis.tickfont.size == 22 > normal.layout.xaxis.tickfont.size
    assert large.layout.legend.font.size >= 21 > normal.layout.legend.font.size
    assert trace(large, "Actual").textfont.size >= 24
    assert large.layout.title.subtitle.font.size >= 22
    # Large mode hides the same figures: the cohort of 4 stays out.
    numbers, _ = everything_in(large)
    assert HIDDEN_VALUE not in numbers


def test_titles_wrap_to_lines_a_phone_shows_whole():
    # Plotly titles never wrap; the figure does not know the screen, so lines are kept short.
    assert charts.wrap_words("Attendance: all pupils", 30) == "Attendance: all pupils"
    assert charts.wrap_words("Reading at the expected standard: all pupils", 30) == (
        "Reading at the expected<br>standard: all pupils")  # fewer lines than at the colon
    assert charts.wrap_words("Maths at the expected standard: disadvantaged pupils", 34) == (
        "Maths at the expected standard:<br>disadvantaged pupils")  # at the colon, same lines
    assert charts.wrap_words("Supercalifragilistic word", 10) == "Supercalifragilistic<br>word"
