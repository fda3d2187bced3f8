"""Published national figures for England, for reference lines beside a school's own figures.

The table is analysis/national_figures.csv (measure, subgroup, academic_year, value,
approximate, source, and an optional phase: All, Primary, Secondary or Special);
docs/national-figures.md says where each figure comes from. They are for reference only: a
school's termly figure is not the same thing as a national end-of-year one.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pandas as pd

from analysis.periods import PeriodError, academic_year

FIGURES_PATH = Path(__file__).resolve().parent / "national_figures.csv"
NATIONAL_COLUMNS = ["measure", "subgroup", "academic_year", "value", "approximate", "source",
                    "phase"]


@lru_cache(maxsize=1)
def _read() -> pd.DataFrame:
    frame = pd.read_csv(FIGURES_PATH, dtype={"academic_year": "str"})
    frame["value"] = frame["value"].astype("float64")
    frame["approximate"] = frame["approximate"].astype("str").str.lower().eq("yes")
    # A figure for every phase (England, all state-funded schools) unless a phase is named.
    frame["phase"] = frame["phase"].fillna("All") if "phase" in frame else "All"
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


def national_row(measure: str, academic_year: str, subgroup: str = "All",
                 phase: str | None = None) -> pd.Series | None:
    """The national row for a measure in a year (else the nearest earlier year's), for the
    school's phase where one is published, else for all phases; None when there is none."""
    wanted = _year_start(academic_year)
    if wanted is None:
        return None
    figures = _read()
    rows = figures[(figures["measure"] == measure) & (figures["subgroup"] == subgroup)]
    for which in ([phase] if phase and phase != "All" else []) + ["All"]:
        mine = rows[rows["phase"] == which]
        earlier = mine[mine["academic_year"].str[:4].astype(int) <= wanted]
        if not earlier.empty:
            # The latest year not after the one asked for: national figures arrive late.
            return earlier.loc[earlier["academic_year"].str[:4].astype(int).idxmax()]
    return None


def national_reference(measure: str, academic_year: str, subgroup: str = "All",
                       phase: str | None = None) -> float | None:
    """The national value for a measure in a year, else the nearest earlier year's, else None."""
    row = national_row(measure, academic_year, subgroup, phase)
    return None if row is None else float(row["value"])


def national_points(measure: str, periods: list[str], subgroup: str = "All",
                    phase: str | None = None) -> tuple[list[tuple[str, float]], str]:
    """Periods -> ([(period, national value)], the sources in words) for a chart's national line;
    ([], '') when nothing is published for the measure."""
    points, sources = [], []
    for period in periods:
        row = national_row(measure, period, subgroup, phase)
        if row is None:
            continue
        points.append((period, float(row["value"])))
        where = "" if row["phase"] == "All" else f" ({str(row['phase']).lower()} schools)"
        text = (f"{row['academic_year']}{where}: {row['source']}"
                + (" (approximate)" if row["approximate"] else ""))
        if text not in sources:
            sources.append(text)
    return points, "; ".join(sources)


def national_series(measure: str, subgroup: str = "All", phase: str | None = None) -> pd.DataFrame:
    """National figures by academic year for a measure (national_figures' columns): the
    school's phase where that year is published by phase, else all phases; empty when none."""
    figures = _read()
    rows = figures[(figures["measure"] == measure) & (figures["subgroup"] == subgroup)]
    everyone = rows[rows["phase"] == "All"]
    if not phase or phase == "All":
        return everyone.reset_index(drop=True)
    mine = rows[rows["phase"] == phase]
    rest = everyone[~everyone["academic_year"].isin(mine["academic_year"])]
    out = pd.concat([mine, rest]).sort_values("academic_year")
    return out.reset_index(drop=True)
