"""Downloads (CSV and XLSX) that never carry a live formula.

Uploaded text ends up in exports: a school name, a visit summary, a column header. A cell that
starts with = + - @ tab or CR is run as a formula by Excel or LibreOffice when the file is opened
(CSV injection), so every such text gets a leading apostrophe. Numbers are left alone: a
negative number is a number, not a formula.
"""

from __future__ import annotations

import io
import re

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Characters Excel forbids in sheet names, and its length limit.
_BAD_SHEET_CHARACTERS = re.compile(r"[\[\]:*?/\\]")
_MAX_SHEET_NAME = 31


def escape_formula(value: object) -> object:
    """A text starting with = + - @ tab or CR -> the same text after an apostrophe; else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Any frame -> a copy whose text cells and column names are escaped; numbers untouched."""
    out = frame.copy()
    out.columns = [escape_formula(c) for c in out.columns]
    for position in range(out.shape[1]):
        column = out.iloc[:, position]
        # Numeric, boolean and date columns cannot hold text, so they cannot hold a formula.
        if (pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column)
                or pd.api.types.is_datetime64_any_dtype(column)):
            continue
        if isinstance(column.dtype, pd.CategoricalDtype):
            column = column.astype(object)
        out.isetitem(position, column.map(escape_formula))
    return out


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """A frame -> CSV bytes, escaped, UTF-8 with a BOM so Excel shows £ and accents correctly."""
    # CRLF line ends also make the csv writer quote any cell holding a bare CR. With pandas'
    # default '\n' it does not, and Excel splits the row at that CR: 'x\r=1+1' would start a new
    # line with a live formula that escaping the cell's first character never saw.
    return safe_frame(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def to_xlsx_bytes(tables: dict[str, pd.DataFrame]) -> bytes:
    """Named frames -> one XLSX workbook with a sheet each, escaped, in which no cell is a formula."""
    buffer = io.BytesIO()
    # Belt and braces: besides escaping, tell xlsxwriter never to turn text into formulas or links.
    options = {"strings_to_formulas": False, "strings_to_urls": False}
    with pd.ExcelWriter(buffer, engine="xlsxwriter", engine_kwargs={"options": options}) as writer:
        used: set[str] = set()
        for name, frame in tables.items():
            sheet = _sheet_name(str(name), used)
            table = _without_timezones(safe_frame(frame))
            table.to_excel(writer, sheet_name=sheet, index=False)
            writer.sheets[sheet].set_column(0, max(table.shape[1] - 1, 0), 16)
    return buffer.getvalue()


def _sheet_name(name: str, used: set[str]) -> str:
    """A table name -> a sheet name Excel accepts: no []:*?/\\, at most 31 characters, unique."""
    base = _BAD_SHEET_CHARACTERS.sub("_", name).strip("'") or "Sheet"
    base = base[:_MAX_SHEET_NAME]
    sheet, number = base, 1
    while sheet.lower() in used:  # Excel compares sheet names ignoring case
        number += 1
        suffix = f" ({number})"
        sheet = base[:_MAX_SHEET_NAME - len(suffix)] + suffix
    used.add(sheet.lower())
    return sheet


def _without_timezones(frame: pd.DataFrame) -> pd.DataFrame:
    """Excel has no time zones, and xlsxwriter refuses aware datetimes: drop the zone, keep the clock."""
    for position in range(frame.shape[1]):
        column = frame.iloc[:, position]
        if isinstance(column.dtype, pd.DatetimeTZDtype):
            frame.isetitem(position, column.dt.tz_localize(None))
    return frame
