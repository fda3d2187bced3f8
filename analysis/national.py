"""Published national figures for England, for reference lines beside a school's own figures.

The table is analysis/national_figures.csv (measure, subgroup, academic_year, value,
approximate, source); docs/national-figures.md says where each figure comes from. They are for
reference only: a school's termly figure is not the same thing as a national end-of-year one.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pandas as pd

from analysis.periods import PeriodError, academic_year

FIGURES_PATH = Path(__file__).resolve().parent / "national_figures.csv"
NATIONAL_COLUMNS = ["measure", "subgroup", "academic_year", "value", "approximate", "source"]


@lru_cache(maxsize=1)
def _read() -> pd.DataFrame:
    frame = pd.read_csv(FIGURES_PATH, dtype={"academic_year": "str"})
    frame["value"] = frame["value"].astype("float64")
    frame["approximate"] = frame["approximate"].astype("str").str.lower().eq("yes")
    return frame[NATIONAL_COLUMNS]


def national_figures() -> pd.DataFrame:
    """-> measure, subgroup, academic_year ('2023/24'), value, approximate (bool), source."""
    # A copy, so a caller changing it cannot change what the next caller gets from the cache.
    return _read().copy()


def _year_start(year: str) -> int | None:
    """'2024/25' or any period label ('2024/25 Spring 2', 'Spring 2025') -> 2024; else None."""
    text = str(year).strip()
    if not re.fullmatch(r"\d{4}/\d{2}", text):
        try:
            text = academic_year(text)
        except PeriodError:
            return None
    return int(text[:4])


def national_reference(measure: str, academic_year: str, subgroup: str = "All") -> float | None:
    """The national value for a measure in a year, else the nearest earlier year's, else None."""
    wanted = _year_start(academic_year)
    if wanted is None:
        return None
    figures = _read()
    rows = figures[(figures["measure"] == measure) & (figures["subgroup"] == subgroup)]
    starts = rows["academic_year"].str[:4].astype(int)
    earlier = rows[starts <= wanted]
    if earlier.empty:
        return None
    # The latest year not after the one asked for: national figures arrive a year or more late.
    return float(earlier.loc[earlier["academic_year"].str[:4].astype(int).idxmax(), "value"])
