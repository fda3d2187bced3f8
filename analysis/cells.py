"""One column of a sheet: its texts -> the column's type, every bad cell a problem.

Each column is held as its distinct cell texts (trimmed) and a code per row (`Column`), so every
conversion runs once per distinct value (periods, year groups, grades), never row by row, and a
1M-row sheet costs little more than a small one. `convert` does one column by its `Field` in
analysis.schema; `empty_column` stands in for a column the sheet does not have.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis import periods
from analysis.factorize import factorize
from analysis.numbers import read_numbers
from analysis.schema import (
    MEASURES,
    NO_WORDS,
    SEND_WORDS,
    SUBGROUP_WORDS,
    SUBGROUPS,
    TA_WORDS,
    YES_WORDS,
    Field,
    normalise_name,
)
from analysis.upload_log import Log

# Cells that mean "nothing here" (after trimming spaces).
BLANK_TOKENS = ["", "-", "–", "—", "n/a", "N/A", "N/a", "#N/A", "null", "NULL"]
_DATE_FORMATS = [
    "%Y-%m-%d %H:%M:%S",  # how an Excel date cell arrives from the reader
    "%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d %b %Y", "%d %B %Y",
    "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "ISO8601",
]
_MEASURE_NAMES: dict[str, str] = {
    **{normalise_name(m.label): key for key, m in MEASURES.items()},
    **{normalise_name(key): key for key in MEASURES},
}
_SUBGROUP_NAMES = {**SUBGROUP_WORDS, **{normalise_name(s): s for s in SUBGROUPS}}


@dataclass
class Column:
    """One column of a sheet: its distinct cell texts, and which one each row holds."""

    codes: np.ndarray  # per row: index into `values`, -1 for an empty cell
    values: pd.Series  # distinct texts, trimmed; NaN where the text means blank ('-', 'n/a')

    @classmethod
    def of(cls, cells: pd.Series) -> Column:
        # Arrow's dictionary encoding: int32 codes, no Python object per cell; the distinct
        # values come out in order of first appearance.
        codes, uniques = factorize(cells.astype("str"))
        values = pd.Series(uniques, dtype="str").str.strip()
        return cls(codes, values.mask(values.isin(BLANK_TOKENS)))

    def subset(self, keep: np.ndarray) -> Column:
        return Column(self.codes[keep], self.values)

    def present(self) -> np.ndarray:
        """Per row: does the cell hold anything?"""
        return expand(self.values.notna().to_numpy(), self.codes, False)

    def rows_text(self) -> pd.Series:
        """Per row: the cell's trimmed text (for messages)."""
        return take(self.values, self.codes)


def expand(per_value: np.ndarray, codes: np.ndarray, empty) -> np.ndarray:
    """A numpy array with one entry per distinct value -> one per row (`empty` where blank)."""
    return np.append(per_value, np.array([empty], dtype=per_value.dtype))[codes]


def take(per_value: pd.Series, codes: np.ndarray) -> pd.Series:
    """A Series with one entry per distinct value -> one per row, missing where blank."""
    return pd.Series(per_value.array.take(codes, allow_fill=True), copy=False)


def _each(values: pd.Series, fn: Callable[[str], object], dtype: str) -> pd.Series:
    """fn on each distinct non-blank text (None for blank) -> Series of dtype."""
    return pd.Series([None if pd.isna(v) else fn(v) for v in values], dtype=dtype)


def empty_column(spec: Field, n: int) -> pd.Series:
    """A column the sheet does not have: its default, else missing, in the column's type."""
    if spec.default is not None:
        return pd.Series(pd.array([spec.default], dtype="str").take(np.zeros(n, dtype=np.intp)),
                         copy=False)
    dtype = {"yesno": "boolean", "number": "float64", "whole": "float64", "percent": "float64",
             "money": "float64", "grade": "float64", "date": "datetime64[ns]"}.get(spec.type, "str")
    # Built whole, not from a list of n Nones (a third of a second per column at 1M rows).
    return pd.Series(pd.array([None], dtype=dtype).take(np.zeros(n, dtype=np.intp)), copy=False)


def convert(spec: Field, column: Column, label: str, file, sheet, rows: np.ndarray,
             log: Log) -> pd.Series:
    """One column's texts -> the column's type; every bad cell logged as a problem."""
    values = column.values
    has = values.notna().to_numpy()
    found: list[tuple[np.ndarray, pd.Series]] = []  # (bad distinct values, their messages)

    def bad(mask, what: str, quote: bool = True) -> None:
        mask = np.asarray(mask, dtype=bool) & has
        if mask.any():
            q = "'" if quote else ""
            found.append((mask, f"{label}: {q}" + values + f"{q} {what}"))

    kind = spec.type
    if kind in ("text", "id"):
        out = values
    elif kind == "urn":
        # Excel may hand a URN over as the number 123456.0. Full-width digits (pasted from a
        # Japanese or Chinese keyboard) are read as the digits they show (NFKC); any other
        # script's digits are refused: Python's \d would take them and store a second school.
        text = values.str.normalize("NFKC").str.replace(r"\.0+$", "", regex=True)
        ok = text.str.fullmatch(r"[0-9]{6}").fillna(False).to_numpy(dtype=bool)
        bad(~ok, "is not a 6-digit URN")
        out = text.where(ok)
    elif kind == "period":
        errors: dict[str, str] = {}

        def period(value: str) -> str | None:
            try:
                return periods.parse_period(value)
            except periods.PeriodError as error:
                errors[value] = str(error)
                return None

        out = _each(values, period, "str")
        # Every label read by a rule rather than written out gets a notice (issue 13), so
        # "2024/25 Autumn" being Autumn 2 is said, not silently assumed.
        for value in values.dropna().unique():
            rule = periods.reading_rule(value)
            if rule:
                log.notice(file, sheet, f"{label}: '{value}' was {rule}.", column=label)
        mask = has & out.isna().to_numpy()
        if mask.any():
            found.append((mask, f"{label}: " + values.map(errors).fillna("")))
    elif kind == "date":
        out = _parse_dates(values)
        bad(out.isna(), "is not a date; write it as dd/mm/yyyy")
    elif kind in ("number", "whole", "percent", "money"):
        out, separators = read_numbers(values, percent=kind == "percent", money=kind == "money")
        number = out.notna().to_numpy()
        wrong = separators.notna().to_numpy() & has
        if wrong.any():  # a decimal comma or a full stop grouping thousands: never rescaled
            found.append((wrong, f"{label}: " + separators.fillna("")))
        bad(~number & ~wrong, "is not a number")
        if kind == "whole":
            bad(number & (out % 1 != 0).to_numpy(), "is not a whole number")
        if kind == "percent" and number.any() and 0 < out.max() <= 1 \
                and not values.str.contains("%", regex=False).fillna(False).any():
            # Excel cells formatted as percentages hold fractions: 0.935 is 93.5%.
            out = out * 100
            log.notice(file, sheet, f"{label}: every value was between 0 and 1, so they were "
                       "read as fractions (0.935 = 93.5%).", column=label)
    elif kind == "yesno":
        out = _each(values, lambda v: True if normalise_name(v) in YES_WORDS
                    else False if normalise_name(v) in NO_WORDS else None, "boolean")
        bad(out.isna(), "is not Y or N (Yes/No, True/False, 1/0 also work)")
    elif kind == "send":
        out = _each(values, lambda v: SEND_WORDS.get(normalise_name(v)), "str")
        bad(out.isna(), "is not a SEND code; use N, K (SEN support) or E (EHC plan)")
    elif kind == "ta":
        out = _each(values, lambda v: TA_WORDS.get(normalise_name(v)), "str")
        bad(out.isna(), "is not a teacher assessment; use PKS, WTS, EXS or GDS")
    elif kind == "grade":
        out = _each(values, _grade, "float64")
        bad(out.isna(), "is not a grade; use 1 to 9 or U")
    elif kind == "year_group":
        out = _each(values, _year_group, "str")
        bad(out.isna(), "is not a year group; use R or 1 to 13")
    elif kind == "choice":
        names = {normalise_name(c): c for c in spec.choices} | dict(spec.values)
        out = _each(values, lambda v: names.get(normalise_name(v)), "str")
        bad(out.isna(), f"is not one of {', '.join(spec.choices)}")
    elif kind == "measure":
        out = _each(values, lambda v: _MEASURE_NAMES.get(normalise_name(v)), "str")
        bad(out.isna(), "is not a measure we know (e.g. reading_exs, attendance, eng_maths_4plus)")
    elif kind == "subgroup":
        out = _each(values, lambda v: _SUBGROUP_NAMES.get(normalise_name(v)), "str")
        bad(out.isna(), f"is not one of {', '.join(SUBGROUPS)}")
    else:  # pragma: no cover - a schema typo, not user input
        raise ValueError(f"unknown column type {kind!r}")

    codes = column.codes
    for mask, messages in found:
        at = expand(mask, codes, False)
        log.cell_problems(file, sheet, rows[at], label,
                          messages.to_numpy(dtype=object)[codes[at]])
    result = take(out.reset_index(drop=True), codes)
    present = column.present()
    if spec.required and not present.all():
        log.cell_problems(file, sheet, rows[~present], label,
                          repeated([(f"{label} is blank", int((~present).sum()))]))
    elif spec.default is not None:
        result = result.where(present, spec.default)
    return result


def _grade(value: str) -> float | None:
    """'U' -> 0, '1'..'9' (and 4.5, '7.0') -> the number; anything else None."""
    text = value.strip().upper()
    if text == "U":
        return 0.0
    try:
        number = float(text)
    except ValueError:
        return None
    return number if 1 <= number <= 9 else None


def _year_group(value: str) -> str | None:
    """'R', 'Reception', 'Year 6', 'Y6', '6', '6.0' -> 'R' or '6'; None for anything else."""
    text = value.strip().lower()
    if re.fullmatch(r"\d+(\.0+)?", text):
        number = int(float(text))
    else:
        m = re.fullmatch(r"(?:year|yr|y|nc\s*year)?\s*(r|rec|reception|\d{1,2})", text)
        if not m:
            return None
        if not m.group(1).isdigit():
            return "R"
        number = int(m.group(1))
    return str(number) if 1 <= number <= 13 else None


def _parse_dates(values: pd.Series) -> pd.Series:
    """UK text dates, ISO dates, Excel date cells and Excel serial numbers -> datetime64[ns]."""
    text = values.astype(object)
    found = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    for fmt in _DATE_FORMATS:
        todo = found.isna() & text.notna()
        if not todo.any():
            break
        found[todo] = pd.to_datetime(text[todo], format=fmt, errors="coerce")
    # A date column exported as plain numbers: Excel counts days from 30/12/1899.
    todo = found.isna() & text.notna()
    serial = pd.to_numeric(text[todo], errors="coerce")
    serial = serial[serial.between(20000, 80000)]
    if len(serial):
        found[serial.index] = pd.Timestamp("1899-12-30") + pd.to_timedelta(serial, unit="D")
    return found.dt.normalize()


def repeated(runs: list[tuple[object, int]]) -> np.ndarray:
    """(value, count) runs -> one object array holding each value itself `count` times: one
    file name shared by a million rows, not (as np.full makes) a million copies of it."""
    out = np.empty(sum(n for _, n in runs), dtype=object)
    start = 0
    for value, n in runs:
        out[start:start + n] = value
        start += n
    return out
