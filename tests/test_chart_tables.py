"""Each chart's figures as a table (analysis/chart_tables.py): what was plotted, hidden in words."""
# ruff: noqa: F811  (the chart tests' fixtures, imported by name, are the parameters below)

from __future__ import annotations

import datetime as dt

import pandas as pd

from analysis import chart_tables, charts
from tests.test_charts import (  # noqa: F401  (fixtures)
    BASELINE,
    HIDDEN_VALUE,
    actuals_with_small_cohort,
    at_risk_band,
    at_risk_row,
    expected_line,
    leader_visits,
    support,
)


def cells(table: pd.DataFrame) -> str:
    return " | ".join(table.astype(str).to_numpy().ravel())


def test_target_table_has_each_period_the_plan_band_actuals_and_target(
    at_risk_row, expected_line, at_risk_band, actuals_with_small_cohort, support, leader_visits
):
    fig = charts.target_chart(at_risk_row, actuals_with_small_cohort, expected_line,
                              at_risk_band, None, deployments=support, visits=leader_visits,
                              small_cohort=5)

    table = chart_tables.figure_table(fig, "reading_exs").set_index("Period")

    # No projection column: it is fitted through the hidden 4-pupil figure, which it would give
    # away (analysis/disclosure.py); the projection's cell is checked below with nothing hidden.
    assert list(table.columns[:4]) == ["Actual", "Target", "Planned line", "At risk band"]
    assert "Projection (current rate)" not in table.columns
    assert table.index[0] == BASELINE and table.index[-1] == "2024/25 Summer 2"
    assert table.loc[BASELINE, "Actual"] == "50%"
    assert table.loc["2024/25 Spring 2", "Actual"] == "58%"
    assert table.loc["2024/25 Summer 2", "Target"] == "70%"
    assert table.loc["2024/25 Summer 2", "Planned line"] == "70%"
    assert table.loc["2024/25 Summer 2", "At risk band"] == "65% to 70%"
    visible = charts.target_chart(at_risk_row, actuals_with_small_cohort.assign(cohort=20),
                                  expected_line, at_risk_band, None, small_cohort=5)
    shown = chart_tables.figure_table(visible, "reading_exs").set_index("Period")
    assert shown.loc["2024/25 Summer 2", "Projection (current rate)"] == "66%"
    # The hidden figure is the chart's words, never its value.
    assert table.loc["2024/25 Spring 1", "Actual"] == "fewer than 5 pupils"
    assert str(HIDDEN_VALUE) not in cells(table) and "38%" not in cells(table)
    # Support (shaded) and visits per half term, as the chart draws them.
    assert table.loc["2024/25 Autumn 1", "Support"] == (
        "A. Khan (national leader of education): 05/09/2024 to now")
    assert table.loc[BASELINE, "Support"] == ""  # before the deployment started
    assert table.loc["2024/25 Autumn 1", "Leader visits per half term"] == "2"


def test_a_hidden_latest_figure_leaves_no_projection_in_the_table(
    at_risk_row, expected_line, at_risk_band
):
    row = {**at_risk_row, "latest_value": 41.25, "projected_value": 55.5, "cohort": 3}
    actuals = pd.DataFrame({"period": [BASELINE, "2024/25 Spring 2"], "value": [50.0, 41.25],
                            "cohort": [20, 3]})
    fig = charts.target_chart(row, actuals, expected_line, at_risk_band, None, small_cohort=5)

    table = chart_tables.figure_table(fig, "reading_exs")

    text = cells(table)
    assert "41" not in text and "55.5" not in text
    assert "Projection (current rate)" not in table.columns
    assert table.set_index("Period").loc["2024/25 Spring 2", "Actual"] == "fewer than 5 pupils"


def test_bar_charts_give_a_row_per_school_and_a_column_per_status():
    counts = pd.DataFrame({
        "urn": ["1", "2"], "school_name": ["Ash", "Beech"], "Off track": [0, 2], "Missed": [0, 0],
        "At risk": [1, 1], "On track": [3, 1], "Achieved": [1, 0], "No data yet": [0, 0],
    })
    table = chart_tables.figure_table(charts.status_strip(counts))

    by_school = table.set_index(table.columns[0])
    assert list(by_school.index) == ["Beech", "Ash"]  # the chart's order: exceptions first
    assert by_school.loc["Beech", "✖ Off track"] == "2"
    assert by_school.loc["Ash", "● On track"] == "3"
    assert by_school.loc["Ash", "✖ Off track"] == "0"


def test_marks_over_dates_give_one_row_per_mark_in_words():
    visits = pd.DataFrame({
        "deployment_id": ["D1", "D1"], "progress": ["Green", "Amber"],
        "visit_date": [dt.date(2024, 11, 2), dt.date(2024, 9, 20)],
    })
    table = chart_tables.figure_table(charts.progress_ratings_chart(visits, {"D1": "A. Khan"}))

    assert list(table["Date"]) == ["20/09/2024", "02/11/2024"]
    assert list(table["What"]) == ["Amber", "Green"]
    assert set(table.iloc[:, 1]) == {"A. Khan"}


def test_a_chart_with_nothing_drawn_says_so():
    empty = charts.status_strip(pd.DataFrame(columns=["urn", "school_name"]))
    assert "no figures" in cells(chart_tables.figure_table(empty))


def test_html_table_escapes_uploaded_text_and_keeps_caption_and_headers():
    frame = pd.DataFrame({"Leader": ["<b>A</b> [link](javascript:alert(1)) **bold**"],
                          "Days": [12.5]})
    markup = chart_tables.html_table(frame, "Figures & more")

    assert "<b>A</b>" not in markup and "&lt;b&gt;A&lt;/b&gt;" in markup
    assert "<caption>Figures &amp; more</caption>" in markup
    assert '<th scope="col">Leader</th>' in markup and "<td>12.5</td>" in markup
    assert 'tabindex="0"' in markup  # a narrow screen scrolls the box by keyboard


def test_uploaded_names_read_as_written_once_the_chart_has_escaped_them():
    visits = pd.DataFrame({"deployment_id": ["D1"], "progress": ["Green"],
                           "visit_date": [dt.date(2024, 11, 2)]})
    fig = charts.progress_ratings_chart(visits, {"D1": "O'Neil & <Co>"})

    table = chart_tables.figure_table(fig)
    assert list(table.iloc[:, 1]) == ["O'Neil & <Co>"]
    markup = chart_tables.html_table(table, "Ratings")
    assert "O&#x27;Neil &amp; &lt;Co&gt;" in markup and "<Co>" not in markup
