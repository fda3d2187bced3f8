"""The one way every number and date is written, on screen, in charts, in the pack and exports.

One decimal place at most, none when it is .0, and never "-0": -0.04 rounds to 0 and prints
"0 pp" / "0%" / "0 points" everywhere (a sign on a figure that rounds to nothing would be noise).
Money is whole pounds with thousands separators ('£49,150'). Dates are UK day/month/year.
narrative.py, charts.py, pack.py and analysis/presenters.py all
format through here, so the same figure reads the same on every page and in every file.
"""

from __future__ import annotations

import pandas as pd

from analysis.schema import MEASURES

DATE_FORMAT = "%d/%m/%Y"  # strftime and plotly's d3 formats agree for these codes
DATETIME_FORMAT = "%d/%m/%Y %H:%M"
DATETIME_SECONDS_FORMAT = "%d/%m/%Y %H:%M:%S"
AXIS_DATE_FORMAT = "%b %Y"
MISSING_DATE = "–"


def _missing(value: object) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value))


def number(value: float, thousands: bool = False) -> str:
    """60.0 -> '60', 60.46 -> '60.5', -0.04 -> '0': one decimal place, none when it is .0.
    With thousands=True a count or a table cell: 1234.5 -> '1,234.5'."""
    rounded = round(float(value), 1)
    if rounded == 0:
        return "0"  # never "-0"
    text = f"{rounded:,.1f}" if thousands else f"{rounded:.1f}"
    return text[:-2] if text.endswith(".0") else text


def unit_of(measure: str | None) -> str:
    """'%' for a percentage, 'pp' (percentage points) for a gap; '%' for an unknown measure."""
    return MEASURES[measure].unit if measure in MEASURES else "%"


def with_unit(value: float, unit: str = "%") -> str:
    """64.0 -> '64%', 94.34 -> '94.3%', a gap -> '12 pp'."""
    return f"{number(value)} pp" if unit == "pp" else f"{number(value)}%"


def format_value(value: object, measure: str | None = None) -> str:
    """A measure's value as people read it: '60%', '60.5%', or '3.2 pp' (percentage points) for a gap."""
    if _missing(value):
        return "no figure"
    return with_unit(value, unit_of(measure))


def format_change(points: float) -> str:
    """A difference between two percentages: '3 points', '0.5 points', '1 point'."""
    if _missing(points):
        return "no figure"
    if points != 0 and round(abs(float(points)), 1) == 0:
        return "less than 0.1 points"  # a real difference that rounding would hide as "0"
    text = number(abs(float(points)))
    return f"{text} point" if text == "1" else f"{text} points"


def format_days(days: object) -> str:
    """12.0 -> '12 days', 0.5 -> '0.5 days', 1 -> '1 day'."""
    if _missing(days):
        return "no days"
    text = number(days)
    return f"{text} day" if text == "1" else f"{text} days"


NO_FUNDING = "no funding recorded"


def format_money(value: object, missing: str = NO_FUNDING) -> str:
    """Whole pounds everywhere: 49150 -> '£49,150', 599.5 -> '£600'; missing -> `missing`
    ('no funding recorded' unless a table cell or a change line wants '–' or 'none')."""
    if _missing(value):
        return missing
    return f"£{float(value):,.0f}"


def format_date(value: object) -> str:
    """Any date or timestamp -> '07/10/2024'; missing -> '–'."""
    if _missing(value):
        return MISSING_DATE
    return pd.Timestamp(value).strftime(DATE_FORMAT)


def date_column(values: pd.Series) -> pd.Series:
    """A column of dates -> UK dates as text (missing stays missing)."""
    return pd.to_datetime(values).dt.strftime(DATE_FORMAT)
