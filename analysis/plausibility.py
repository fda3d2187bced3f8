"""Values a file can hold but no school's data does: a 555% baseline, a 400-day visit, 1900.

`implausible(frames, sources, headers)` applies the data contract's limits (schema.LIMITS,
schema.DATE_WINDOWS, the period years) to typed frames of COLUMNS[kind] and returns one problem
per value outside them: file, sheet, row (as the spreadsheet numbers it), column (as written),
message. It works on frames, not cells, so a restore can put stored rows through the same
rules as an upload (without sources, rows are numbered from 1 and file and sheet are None).

Every check is a column mask; only the values refused are formatted.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from analysis import periods
from analysis.schema import (
    DATE_WINDOWS,
    FIELDS,
    LIMITS,
    MEASURES,
    PERIOD_YEARS_AFTER,
    PERIOD_YEARS_BEFORE,
    UNIT_RANGES,
    UNIT_WORDS,
    Limit,
)

PROBLEM_COLUMNS = ["file", "sheet", "row", "column", "message"]
# A measure we cannot name (a milestone whose target is stored, not uploaded): every measure
# is a percentage or a gap, so the value lies in the widest of their ranges.
_ANY_MEASURE = (min(r[0] for r in UNIT_RANGES.values()), max(r[1] for r in UNIT_RANGES.values()))


def implausible(frames: dict[str, pd.DataFrame], sources: dict[str, pd.DataFrame] | None = None,
                headers: dict | None = None, today: dt.date | None = None) -> pd.DataFrame:
    """Problems (file, sheet, row, column, message) for numbers, dates and periods outside
    their limits. sources[kind]: file, sheet, row per frame row; headers[(file, sheet)]: column
    -> the header as written."""
    today = today or dt.date.today()
    sources, headers = sources or {}, headers or {}
    found: list[pd.DataFrame] = []

    def report(kind: str, col: str, mask: np.ndarray, messages: pd.Series) -> None:
        if mask.any():
            found.append(_problems(frames[kind], sources.get(kind), headers, col, mask, messages))

    first, last = _years_in_use(frames, today)
    this_year = _start_year(today)
    for kind, frame in frames.items():
        if frame is None or frame.empty:
            continue
        for col, spec in FIELDS.get(kind, {}).items():
            if col not in frame:
                continue
            limit = LIMITS.get((kind, col))
            if limit is not None:
                mask, messages = _outside_limit(kind, col, limit, frame, frames)
                report(kind, col, mask, messages)
            window = DATE_WINDOWS.get((kind, col))
            if window is not None:
                start = dt.date(first - window.before, 9, 1)
                end = dt.date(last + 1 + window.after, 8, 31)
                mask, messages = _outside_dates(frame[col], start, end, window)
                report(kind, col, mask, messages)
            if spec.type == "period":
                mask, messages = _outside_periods(frame[col], this_year)
                report(kind, col, mask, messages)
    return _table(found)


def implausible_milestones(milestones: pd.DataFrame, target_measures: dict[str, str],
                           source: pd.DataFrame | None = None, headers: dict | None = None
                           ) -> pd.DataFrame:
    """Problems for milestones whose target is stored, not in the upload (target_measures: its
    target_id -> measure): the value against that measure's range. Values outside every
    measure's range (-100..100) are left to `implausible`, which has already named them."""
    if milestones is None or milestones.empty or not target_measures:
        return _table([])
    stored = milestones["target_id"].isin(list(target_measures)).to_numpy()
    values = pd.to_numeric(milestones["value"], errors="coerce")
    within_any = values.between(*_ANY_MEASURE).to_numpy()
    keep = stored & within_any
    if not keep.any():
        return _table([])
    sub = milestones[keep].reset_index(drop=True)
    sub_source = None if source is None or len(source) != len(milestones) else \
        source[keep].reset_index(drop=True)
    targets = pd.DataFrame({"target_id": list(target_measures),
                            "measure": list(target_measures.values())})
    mask, messages = _outside_limit("milestones", "value", LIMITS[("milestones", "value")], sub,
                                    {"targets": targets})
    if not mask.any():
        return _table([])
    return _table([_problems(sub, sub_source, headers or {}, "value", mask, messages)])


def _table(found: list[pd.DataFrame]) -> pd.DataFrame:
    if not found:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in PROBLEM_COLUMNS}).astype(
            {"row": "Int64"})
    return pd.concat(found, ignore_index=True)[PROBLEM_COLUMNS]


def _problems(frame: pd.DataFrame, source: pd.DataFrame | None, headers: dict, col: str,
              mask: np.ndarray, messages: pd.Series) -> pd.DataFrame:
    """One problem per True in mask, each message after the column's name as written."""
    if source is None or len(source) != len(frame):
        source = pd.DataFrame({"file": None, "sheet": None,
                               "row": pd.array(np.arange(1, len(frame) + 1), dtype="Int64")})
    where = source[mask].reset_index(drop=True)
    labels = pd.Series([headers.get((f, s), {}).get(col, col)
                        for f, s in zip(where["file"], where["sheet"], strict=True)],
                       dtype=object)
    return pd.DataFrame({
        "file": where["file"].astype(object), "sheet": where["sheet"].astype(object),
        "row": pd.array(where["row"], dtype="Int64"), "column": labels,
        "message": (labels + ": " + pd.Series(np.asarray(messages, dtype=object))).to_numpy(),
    })


def _show(value: float) -> str:
    """555.0 -> '555', 0.5 -> '0.5', 1200000.5 -> '1200000.5' (never '1.2e+06')."""
    return f"{value:.10g}" if abs(value) < 1e10 else f"{value:,.0f}"


def _start_year(day: dt.date) -> int:
    """The year the academic year holding `day` starts (September to August)."""
    return day.year if day.month >= 9 else day.year - 1


def _years_in_use(frames: dict[str, pd.DataFrame], today: dt.date) -> tuple[int, int]:
    """First and last academic start year of every plausible period in the frames, and today's."""
    this_year = _start_year(today)
    years = {this_year}
    for kind, frame in frames.items():
        if frame is None or frame.empty:
            continue
        for col, spec in FIELDS.get(kind, {}).items():
            if spec.type == "period" and col in frame:
                for label in frame[col].dropna().unique():
                    year = periods.period_index(label) // 6
                    # An implausible period is refused on its own; it must not widen the window.
                    if this_year - PERIOD_YEARS_BEFORE <= year <= this_year + PERIOD_YEARS_AFTER:
                        years.add(year)
    return min(years), max(years)


def _measure_of(kind: str, frame: pd.DataFrame, frames: dict[str, pd.DataFrame]) -> pd.Series:
    """Per row: the measure its value is a figure of (a milestone's: its target's), or NA."""
    if "measure" in frame:
        return frame["measure"]
    if kind == "milestones":
        targets = frames.get("targets")
        if targets is not None and {"target_id", "measure"} <= set(targets.columns):
            by_target = dict(zip(targets["target_id"], targets["measure"], strict=True))
            return frame["target_id"].map(by_target)
    return pd.Series(pd.NA, index=frame.index, dtype=object)


def _outside_limit(kind: str, col: str, limit: Limit, frame: pd.DataFrame,
                   frames: dict[str, pd.DataFrame]) -> tuple[np.ndarray, pd.Series]:
    """Rows whose number is outside the column's limit, and what to say about each."""
    values = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    has = values.notna().to_numpy()
    if not has.any():
        return has, pd.Series(dtype=object)
    if limit.per_measure:
        # Targets, milestones and school figures: a few thousand rows at most.
        measure = _measure_of(kind, frame, frames).astype(object).tolist()
        unit = [MEASURES[m].unit if isinstance(m, str) and m in MEASURES else None
                for m in measure]
        ranges = [UNIT_RANGES[u] if u else _ANY_MEASURE for u in unit]
        low = pd.Series([r[0] for r in ranges], index=frame.index, dtype="float64")
        high = pd.Series([r[1] for r in ranges], index=frame.index, dtype="float64")
        what = pd.Series([f"{m} is {UNIT_WORDS[u]}" if u
                          else "every measure is a percentage or a gap"
                          for m, u in zip(measure, unit, strict=True)],
                         index=frame.index, dtype=object)
        too_low = has & (values < low).to_numpy()
        too_high = has & (values > high).to_numpy()
        mask = too_low | too_high
        if not mask.any():
            return mask, pd.Series(dtype=object)
        v = values[mask]
        lo, hi, why = low[mask], high[mask], what[mask]
        side = np.where(too_low[mask], "is below " + lo.map(_show), "is above " + hi.map(_show))
        messages = (v.map(_show) + " " + pd.Series(side, index=v.index) + " (" + why + ", "
                    + lo.map(_show) + " to " + hi.map(_show) + ")")
        return mask, messages.reset_index(drop=True)
    too_low = np.zeros(len(values), dtype=bool)
    too_high = np.zeros(len(values), dtype=bool)
    if limit.low is not None:
        too_low = has & ((values <= limit.low) if limit.above_low else (values < limit.low)
                         ).to_numpy()
    if limit.high is not None:
        too_high = has & (values > limit.high).to_numpy()
    mask = too_low | too_high
    if not mask.any():
        return mask, pd.Series(dtype=object)
    if limit.above_low:
        low_words = f"must be more than {_show(limit.low)}"
    elif limit.low == 0:
        low_words = "is negative"
    else:
        low_words = f"is below {_show(limit.low)}"
    high_words = f"is above {_show(limit.high)}" if limit.high is not None else ""
    side = np.where(too_low[mask], low_words, high_words)
    if limit.low == 0:  # -0.5 days reads better as negative than as "must be more than 0"
        side = np.where(too_low[mask] & (values[mask] < 0).to_numpy(), "is negative", side)
    why = f" ({limit.why})" if limit.why else ""
    messages = values[mask].map(_show) + " " + pd.Series(side, index=values[mask].index) + why
    return mask, messages.reset_index(drop=True)


def _outside_dates(values: pd.Series, start: dt.date, end: dt.date, window
                   ) -> tuple[np.ndarray, pd.Series]:
    """Rows whose date lies outside start..end, and what to say about each."""
    days = pd.to_datetime(values, errors="coerce")
    mask = (days.notna() & ((days < pd.Timestamp(start)) | (days > pd.Timestamp(end)))).to_numpy()
    if not mask.any():
        return mask, pd.Series(dtype=object)
    messages = (days[mask].dt.strftime("%d/%m/%Y") + f" is outside {start:%d/%m/%Y} to "
                f"{end:%d/%m/%Y} ({window.before} years before to {window.after} after the "
                "academic years this upload and today cover); check the year")
    return mask, messages.reset_index(drop=True)


def _outside_periods(values: pd.Series, this_year: int) -> tuple[np.ndarray, pd.Series]:
    """Rows whose period's academic year is too far from today's, and what to say."""
    labels = values.dropna().unique()
    if not len(labels):
        return np.zeros(len(values), dtype=bool), pd.Series(dtype=object)
    first, last = this_year - PERIOD_YEARS_BEFORE, this_year + PERIOD_YEARS_AFTER
    far = {p for p in labels if not first <= periods.period_index(p) // 6 <= last}
    mask = values.isin(far).to_numpy()
    if not mask.any():
        return mask, pd.Series(dtype=object)
    span = (f" is outside the academic years {first}/{(first + 1) % 100:02d} to "
            f"{last}/{(last + 1) % 100:02d}; check the year")
    return mask, (values[mask].astype(str) + span).reset_index(drop=True)
