"""One number format and one date format (analysis/formats.py), whichever part writes them.

-0.04 is "0 pp" (never "-0 pp") in the sentences, the charts, the pack's tables, the pages'
tables and the axis ticks; dates are 07/10/2024 everywhere.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from analysis import charts, formats, narrative, pack, presenters, progress, style

GAP = "disadvantaged_gap_reading_exs"  # a measure in percentage points


@pytest.mark.parametrize(("value", "measure", "words"), [
    (-0.04, GAP, "0 pp"), (0.04, GAP, "0 pp"), (-0.05, GAP, "-0.1 pp"), (-3.26, GAP, "-3.3 pp"),
    (-0.04, "reading_exs", "0%"), (60.0, "reading_exs", "60%"), (60.46, "reading_exs", "60.5%"),
    (None, GAP, "no figure"),
])
def test_one_formatter_writes_every_value(value, measure, words):
    assert formats.format_value(value, measure) == words
    assert narrative.format_value(value, measure) == words  # the sentences' name for it
    if value is not None:
        assert charts._fmt(value, formats.unit_of(measure)) == words  # chart labels and hover
        assert pack.printed(value, measure) == words  # the pack's tables


def test_changes_and_days_never_read_minus_zero():
    assert formats.format_change(-0.04) == "less than 0.1 points"
    assert formats.format_change(-3) == "3 points"
    assert formats.format_days(-0.04) == "0 days" and formats.format_days(1) == "1 day"
    assert formats.number(-0.0) == "0"


def test_the_rule_sentence_uses_it(monkeypatch):
    # progress writes its rule with format_value/format_change: a -0.04 pp gap is "0 pp" there too.
    assert progress.format_value is formats.format_value
    assert progress.format_change is formats.format_change


def test_a_gap_chart_writes_minus_zero_as_zero():
    measures = pd.DataFrame({
        "urn": ["1"] * 4, "measure": ["reading_exs"] * 4,
        "subgroup": ["Disadvantaged", "Not disadvantaged"] * 2,
        "period": ["2024/25 Autumn 2"] * 2 + ["2024/25 Spring 2"] * 2,
        "value": [60.02, 60.0, 61.0, 60.96], "cohort": [20, 20, 20, 20],
    })
    fig = charts.subgroup_chart(measures, "1", "reading_exs", small_cohort=5)
    words = [a.text for a in fig.layout.annotations] + [str(fig.layout.title.text)]
    assert any("Gap 0 pp" in w for w in words), words
    assert not any("-0" in w for w in words), words


def test_moved_table_and_dates_use_the_one_format():
    moved = pd.DataFrame({
        "client_urn": ["1"], "measure": [GAP], "subgroup": ["All"], "status_before": ["At risk"],
        "status_after": ["On track"], "latest_value_after": [-0.04],
        "latest_period_after": ["2024/25 Spring 2"], "cohort": [30],
    })
    table = presenters.moved_table(moved, {"1": "Oak"}, small=5)
    assert table["Latest figure"].tolist() == ["0 pp in 2024/25 Spring 2"]
    # Issue 13: no '(All)' after a measure, and a gap says lower is better.
    assert table["Target"].iloc[0].endswith("(lower is better)")
    assert "(All)" not in table["Target"].iloc[0]
    assert formats.format_date(dt.date(2024, 10, 7)) == "07/10/2024"
    assert formats.format_date(None) == "–"
    assert style.DATE_FORMAT == formats.DATE_FORMAT == "%d/%m/%Y"
    visits = presenters.visit_table(pd.DataFrame({"visit_date": [pd.Timestamp("2024-10-07")],
                                                  "summary": ["x"]}))
    assert visits["Visit date"].tolist() == ["07/10/2024"]


def test_one_money_format_in_every_place_that_writes_pounds():
    """formats.format_money is the one home for money: the register, the overview's table, the
    pack, the text report and the app's change lines all write the same amount the same way."""
    from pathlib import Path

    from analysis import pack_tables, report

    assert formats.format_money(49150) == "£49,150"
    assert formats.format_money(599.5) == "£600"
    assert formats.format_money(None) == "no funding recorded"
    assert formats.format_money(float("nan"), missing="–") == "–"
    assert pack_tables._money(1234567.4) == "£1,234,567" and pack_tables._money(None) == "–"
    assert report._cell("cost_per_day", 612.4) == "£612"
    assert not hasattr(__import__("analysis.plain_words").plain_words, "format_money")
    root = Path(formats.__file__).parent.parent
    writers = [str(p.relative_to(root)) for folder in ("analysis", "app_pages")
               for p in (root / folder).rglob("*.py")
               if p.name != "formats.py" and "£{" in p.read_text(encoding="utf-8")]
    assert writers == [], f"pounds written outside formats.format_money: {writers}"


@pytest.mark.parametrize(("value", "text"), [
    (1234.5, "1,234.5"), (1200.04, "1,200"), (-0.04, "0"), (111.5, "111.5"), (12.0, "12")])
def test_table_cells_and_day_counts_use_the_one_number_format(value, text):
    from analysis import chart_tables

    assert formats.number(value, thousands=True) == text
    assert chart_tables.html_cell(value) == text
