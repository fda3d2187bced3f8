"""analysis.periods: every accepted label form, ordering, and clear errors for the rest."""

import datetime as dt

import pandas as pd
import pytest

from analysis.periods import (
    PeriodError,
    academic_year,
    format_period,
    parse_period,
    period_end_date,
    period_index,
    period_of_date,
    period_range,
    period_start_date,
    try_parse_period,
)

ACCEPTED = [
    ("2024/25 Autumn", "2024/25 Autumn 2"),  # a termly label means the term's end
    ("Autumn 2024/25", "2024/25 Autumn 2"),
    ("2024-25 Aut 1", "2024/25 Autumn 1"),
    ("Aut1 2024/25", "2024/25 Autumn 1"),
    ("Autumn 2024", "2024/25 Autumn 2"),  # calendar year: autumn starts the academic year
    ("Spring 2025", "2024/25 Spring 2"),
    ("Summer 2025", "2024/25 Summer 2"),
    ("2024/25 T2", "2024/25 Autumn 2"),
    ("2024/25 T6", "2024/25 Summer 2"),
    ("2024/25 HT3", "2024/25 Spring 1"),
    ("2024/25 Term 4", "2024/25 Spring 2"),
    ("Term 5 2024/25", "2024/25 Summer 1"),
    ("2024/25 Spring 2", "2024/25 Spring 2"),
    ("Spring 2 2024/25", "2024/25 Spring 2"),
    ("spring 1 2025", "2024/25 Spring 1"),
    ("2024/2025 Summer 1", "2024/25 Summer 1"),
    ("24/25 Summer", "2024/25 Summer 2"),
    ("Autumn term 2024/25", "2024/25 Autumn 2"),
    ("  2024/25   autumn  ", "2024/25 Autumn 2"),
    ("1999/00 Autumn 1", "1999/00 Autumn 1"),
]


@pytest.mark.parametrize(("label", "canonical"), ACCEPTED)
def test_every_accepted_form_parses_to_its_canonical_label(label, canonical):
    assert parse_period(label) == canonical


BAD = ["2024/25", "Autumn", "Easter 2025", "2024/25 T7", "Spring 3 2024/25", "Summer 2025/27",
       "2024/26 Autumn", "2024/25 Autumn 3", "13/13/2024", "Term 2"]  # 13/09/2024: a date, below


@pytest.mark.parametrize("label", BAD)
def test_bad_labels_are_errors_that_name_the_label(label):
    with pytest.raises(PeriodError, match="is not a period we recognise") as error:
        parse_period(label)
    assert f"'{label}'" in str(error.value)
    assert try_parse_period(label) is None


@pytest.mark.parametrize("missing", [None, float("nan"), pd.NA, "", "   "])
def test_missing_period_says_it_is_missing(missing):
    with pytest.raises(PeriodError, match="a period is missing"):
        parse_period(missing)


def test_index_orders_half_terms_across_years():
    labels = ["2024/25 Summer 2", "2024/25 Autumn 1", "2025/26 Autumn 1", "2024/25 Spring 1"]
    assert sorted(labels, key=period_index) == [
        "2024/25 Autumn 1", "2024/25 Spring 1", "2024/25 Summer 2", "2025/26 Autumn 1"]
    assert period_index("2025/26 Autumn 1") - period_index("2024/25 Autumn 1") == 6
    assert format_period(period_index("Spring 2025")) == "2024/25 Spring 2"


def test_range_and_academic_year():
    assert period_range("2024/25 Summer 1", "2025/26 Autumn 1") == [
        "2024/25 Summer 1", "2024/25 Summer 2", "2025/26 Autumn 1"]
    assert academic_year("Spring 2025") == "2024/25"


@pytest.mark.parametrize(("day", "label"), [
    (dt.date(2024, 9, 2), "2024/25 Autumn 1"),
    (dt.date(2024, 11, 4), "2024/25 Autumn 2"),
    (dt.date(2025, 2, 15), "2024/25 Spring 1"),
    (dt.date(2025, 2, 16), "2024/25 Spring 2"),
    (dt.date(2025, 4, 22), "2024/25 Summer 1"),
    (dt.date(2025, 7, 18), "2024/25 Summer 2"),
])
def test_period_of_date(day, label):
    assert period_of_date(day) == label


def test_start_and_end_dates_bracket_the_half_term():
    assert period_start_date("2024/25 Spring 2") == dt.date(2025, 2, 16)
    assert period_end_date("2024/25 Spring 2") == dt.date(2025, 3, 31)
    assert period_of_date(period_end_date("2024/25 Autumn 1")) == "2024/25 Autumn 1"


def test_period_indexes_parse_each_distinct_label_once_and_agree_with_period_index(monkeypatch):
    import pandas as pd

    from analysis import periods

    labels = pd.Series(["2024/25 Spring 2", "Autumn 1 2023/24", "2024/25 Spring 2", "2023-24 Summer 1"]
                       * 1000, index=range(10, 4010))
    expected = labels.map(periods.period_index)
    calls = []
    original = periods.period_index
    monkeypatch.setattr(periods, "period_index", lambda label: calls.append(label) or original(label))
    got = periods.period_indexes(labels)
    assert got.equals(expected) and got.index.equals(labels.index)
    assert sorted(calls) == sorted(set(labels))  # each distinct label parsed once
    with pytest.raises(periods.PeriodError):
        periods.period_indexes(pd.Series(["2024/25 Spring 2", None]))


@pytest.mark.parametrize(("text", "written"), [
    ("2025-06-01 00:00:00", "01/06/2025"),  # an Excel date cell, as the reader gives it
    ("2025-06-01", "01/06/2025"), ("01/06/2025", "01/06/2025"), ("3/11/2024", "03/11/2024"),
])
def test_a_date_where_a_period_belongs_is_said_as_a_date_with_its_half_term(text, written):
    with pytest.raises(PeriodError) as error:
        parse_period(text)
    expected = period_of_date(dt.date(int(written[6:]), int(written[3:5]), int(written[:2])))
    assert str(error.value) == (f"{written} is a date, not a period; write the half term the "
                                f"figures are for, like '{expected}'")


def test_a_date_that_is_no_day_is_an_unrecognised_period():
    with pytest.raises(PeriodError, match="is not a period we recognise"):
        parse_period("2025-02-30")
