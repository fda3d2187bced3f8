"""Parsed sheets (analysis.readers' Arrow tables) -> raw frames of strings for analysis.sheets.

Row i of a raw frame is the spreadsheet's row i + 1; its columns are 0..n-1. The frames keep
their text in Arrow (pandas' `str` dtype, pyarrow storage): a 1M-row CSV is ~100 MB of Arrow
buffers rather than a million Python strings per column. A CSV's narrow rows that pyarrow
skipped are put back in their places here, and an irregular CSV is read by pandas' C reader.
"""

from __future__ import annotations

import csv
import re

import numpy as np
import pandas as pd

from analysis.readers import ParsedSheet

# pandas' default text dtype (pyarrow storage, NaN for missing): what the rest of ingest reads.
_STR = pd.StringDtype("pyarrow", na_value=np.nan)


def raw_frame(file: str, sheet: ParsedSheet, log) -> pd.DataFrame | None:
    """The sheet as a raw frame (None, with the problem logged, for a CSV pandas cannot read).
    The sheet lets go of its table: the frame holds the text from here on."""
    if sheet.text is not None:
        text, sheet.text = sheet.text, None
        return _read_pandas(file, text, sheet.separator, sheet.width, log)
    frame = _frame(sheet.take_table())
    if sheet.mended:
        return _put_back(frame, sheet.mended, sheet.separator, sheet.width)
    return frame


def _frame(table) -> pd.DataFrame:
    """An Arrow table of strings -> a frame with columns 0..n-1 that keeps the Arrow buffers."""
    import pyarrow as pa

    columns = {}
    for i, column in enumerate(table.columns):
        if not pa.types.is_large_string(column.type):
            # pandas keeps large_string; an all-blank sheet column arrives as null-typed.
            column = column.cast(pa.large_string())
        columns[i] = pd.Series(pd.arrays.ArrowStringArray(column, dtype=_STR), copy=False)
    return pd.DataFrame(columns, copy=False) if columns else pd.DataFrame(index=range(0))


def _put_back(frame: pd.DataFrame, mended: list[tuple[int, str]], sep: str,
              width: int) -> pd.DataFrame:
    """Insert the narrow rows (line number, text) pyarrow skipped, each padded to `width`."""
    lines = np.array([number for number, _ in mended])
    cells = [next(csv.reader([line], delimiter=sep), []) for _, line in mended]
    total = len(frame) + len(mended)
    at = lines - 1  # record i is line i + 1 (analysis.readers made sure they are the same)
    others = np.setdiff1d(np.arange(total), at, assume_unique=True)
    out = {}
    for i in range(width):
        values = pd.Series([row[i] if i < len(row) and row[i] != "" else None
                            for row in cells], dtype="str")
        column = pd.concat([frame[i], values], ignore_index=True)
        order = np.empty(total, dtype=np.int64)
        order[others] = np.arange(len(frame))
        order[at] = len(frame) + np.arange(len(mended))
        out[i] = column.take(order).reset_index(drop=True)
    return pd.DataFrame(out)


def _read_pandas(name: str, text, sep: str, width: int, log) -> pd.DataFrame | None:
    """The reader of last resort for irregular files: pandas' C reader, which pads short rows
    and names a row too wide. The same frame as pyarrow's path, in more time and memory."""
    import io

    try:
        return pd.read_csv(io.BytesIO(text), header=None, names=range(width), sep=sep,
                           dtype="str", keep_default_na=False, na_values=[""],
                           skip_blank_lines=False, engine="c", encoding="utf-8")
    except (pd.errors.ParserError, ValueError) as error:
        _log_csv_error(name, str(error), log)
        return None


_TOO_WIDE = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_OPEN_QUOTE = re.compile(r"EOF inside string starting at row (\d+)")


def _log_csv_error(name: str, error: str, log) -> None:
    """pandas' C reader's error in a user's words, on the row it names ('C error: Expected 12
    fields in line 62, saw 14' is row 62 of the spreadsheet; its 'row N' counts from 0)."""
    if wide := _TOO_WIDE.search(error):
        width, line, seen = (int(g) for g in wide.groups())
        log.problem(name, None, line, None,
                    f"This row has {seen} cells, more than the {width} of the rows before it; "
                    "look for an extra separator, or a cell holding a comma without quotes "
                    "around it")
    elif quote := _OPEN_QUOTE.search(error):
        row = int(quote.group(1)) + 1
        log.problem(name, None, row, None,
                    'A quoted cell starts in this row and its closing quote (") never comes, '
                    "so the rest of the file would be one cell; add the missing quote or "
                    "remove the stray one")
    else:
        log.problem(name, None, None, None, f"{name} could not be read as CSV: {error.strip()}")
