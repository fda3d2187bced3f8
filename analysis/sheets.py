"""One raw sheet -> the records of one kind it holds: which kind, where the header is, which
column is which, and every column converted (analysis.cells) and checked.

A sheet's kind comes from its name first (an "Outcomes" sheet), else the columns it has; the
header is the best matching row of the first HEADER_SEARCH_ROWS (MIS exports put title rows
above it). Pupil-identifying columns (names, dates of birth, addresses) are dropped here,
before any value is copied out of the raw sheet.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import readers
from analysis.cells import Column, convert, empty_column
from analysis.schema import (
    FIELDS,
    KINDS,
    PUPIL_IDENTIFYING,
    REQUIRED,
    SHEET_ALIASES,
    normalise_name,
)
from analysis.upload_checks import check_rows
from analysis.upload_log import Log

# MIS exports put title rows above the header: look this far down for it.
HEADER_SEARCH_ROWS = 20
HEADER_ALIASES: dict[str, dict[str, str]] = {
    kind: {
        normalise_name(name): col
        for col, f in FIELDS[kind].items()
        for name in (col, *f.aliases)
    }
    for kind in KINDS
}
_SHEET_KINDS: dict[str, str] = {
    normalise_name(name): kind for kind in KINDS for name in (kind, *SHEET_ALIASES[kind])
}


@dataclass
class Part:
    """One sheet read as one kind: its converted frame and where each row came from."""

    kind: str
    file: str
    sheet: str | None
    frame: pd.DataFrame
    rows: np.ndarray
    headers: dict[str, str]


@dataclass
class RawSheet:
    """A raw sheet, held so that read_sheet can let it go once its columns are taken out
    (at 1M rows the raw text is ~150 MB that the rest of the import does not need)."""

    frame: pd.DataFrame | None


def read_sheet_guarded(file: str, sheet: str | None, holder: RawSheet, log: Log) -> Part | None:
    try:
        return read_sheet(file, sheet, holder, log)
    except Exception as error:  # noqa: BLE001 - a bug on odd input must not lose other files
        where = f"Sheet '{sheet}'" if sheet is not None else file
        log.problem(file, sheet, None, None, f"{where} could not be read: {error}")
        return None


def _kind_in_file_name(file: str) -> str | None:
    """'pupil_outcomes_autumn.csv' -> 'outcomes': the longest kind name inside the file name."""
    stem = normalise_name(Path(file).stem)
    hits = [(len(alias), kind) for alias, kind in _SHEET_KINDS.items() if alias in stem]
    return max(hits)[1] if hits else None


def _header_scores(cells: list[list[str]], kind: str) -> tuple[int, int, int]:
    """(columns matched, required columns matched, -row) of the best header row for a kind."""
    aliases = HEADER_ALIASES[kind]
    best = (0, 0, 0)
    for i, row in enumerate(cells):
        matched = {aliases[c] for c in row if c in aliases}
        score = (len(matched), len(matched & set(REQUIRED[kind])), -i)
        best = max(best, score)
    return best


def _choose(file: str, sheet: str | None, cells: list[list[str]], log: Log
            ) -> tuple[str, int] | None:
    """The sheet's kind and header row: its name first, else the columns it has."""
    scores = {kind: _header_scores(cells, kind) for kind in KINDS}
    complete = [k for k in KINDS if scores[k][1] == len(REQUIRED[k])]
    by_columns = max(KINDS, key=lambda k: (scores[k][0], scores[k][1], -KINDS.index(k)))
    where = f"Sheet '{sheet}'" if sheet is not None else file
    named = _SHEET_KINDS.get(normalise_name(sheet)) if sheet is not None else None
    if named is not None:
        if scores[named][0] == 0:
            expected = _column_names(named, REQUIRED[named])
            log.problem(file, sheet, None, None,
                        f"{where} has no header row: none of its first {HEADER_SEARCH_ROWS} rows "
                        f"names the columns (expected {expected})")
            return None
        # A sheet named for one kind that plainly holds another: trust its columns.
        if (named not in complete and by_columns in complete
                and scores[by_columns][0] > scores[named][0]):
            log.notice(file, sheet, f"{where} is named like {named} but its columns are "
                       f"{by_columns}, so it was read as {by_columns}.")
            return by_columns, -scores[by_columns][2]
        return named, -scores[named][2]
    hinted = _kind_in_file_name(file) if sheet is None else None
    if hinted is not None and scores[hinted][0] >= 2:
        return hinted, -scores[hinted][2]
    if scores[by_columns][0] >= 2:
        return by_columns, -scores[by_columns][2]
    if sheet is None:
        log.problem(file, None, None, None,
                    f"{file}: could not tell what records these are; name the file after its "
                    f"kind (e.g. outcomes.csv) or use the template's headers")
    else:
        log.notice(file, sheet, f"{where} was skipped: it is not one of the record kinds "
                   f"({', '.join(KINDS)}).")
    return None


def _identifying(norm: str) -> str | None:
    """Which kind of pupil-identifying column a normalised header looks like, if any."""
    for what, parts in PUPIL_IDENTIFYING.items():
        if any(p in norm for p in parts):
            return what
    return None
_ONE_OF = {"pupil names": "a pupil name", "dates of birth": "a date of birth",
           "addresses": "an address", "contact details": "contact details"}


def _column_names(kind: str, columns: list[str]) -> str:
    """'URN (urn), Period (period)': the header a person writes, then the template's name."""
    return ", ".join(f"{FIELDS[kind][c].aliases[0]} ({c})" for c in columns)


def _quoted(names: list[str]) -> str:
    return ", ".join(f"'{n}'" for n in names)


def read_sheet(file: str, sheet: str | None, holder: RawSheet, log: Log) -> Part | None:
    """A raw sheet of strings -> the part of one kind it holds, with its problems logged."""
    raw = holder.frame
    where = f"Sheet '{sheet}'" if sheet is not None else file
    raw.columns = range(raw.shape[1])
    if raw.shape[1] == 0 or not any(raw[c].notna().any() for c in raw.columns):
        log.notice(file, sheet, f"{where} is empty and was skipped.")
        return None
    head = raw.iloc[:HEADER_SEARCH_ROWS]
    cells = [[normalise_name(v) if isinstance(v, str) else "" for v in row]
             for row in head.itertuples(index=False)]
    chosen = _choose(file, sheet, cells, log)
    if chosen is None:
        return None
    kind, header_at = chosen
    log.recognised += 1
    header_row = header_at + 1  # as the spreadsheet numbers it

    # Map headers to columns. Pupil-identifying columns are dropped here, before any value
    # is copied out of the raw sheet.
    aliases = HEADER_ALIASES[kind]
    keep: dict[int, str] = {}
    written: dict[str, str] = {}
    dropped: dict[str, list[str]] = {}
    ignored: list[str] = []
    for pos, cell in raw.iloc[header_at].items():
        if not isinstance(cell, str) or not cell.strip():
            continue
        text, norm = cell.strip(), normalise_name(cell)
        col = aliases.get(norm)
        if col is not None and col in written:
            log.problem(file, sheet, header_row, text,
                        f"Columns '{written[col]}' and '{text}' both mean {col}; keep one")
        elif col is not None:
            keep[pos], written[col] = col, text
        elif (what := _identifying(norm)) is not None:
            dropped.setdefault(what, []).append(text)
        else:
            ignored.append(text)
    for what, names in dropped.items():
        if len(names) == 1:
            look = f"Column {_quoted(names)} looks like {_ONE_OF[what]} and was dropped; it is"
        else:
            look = f"Columns {_quoted(names)} look like {what} and were dropped; they are"
        log.notice(file, sheet, f"{look} never stored.")
    if ignored:
        log.notice(file, sheet, f"{where}: column{'s' if len(ignored) > 1 else ''} "
                   f"{_quoted(ignored)} {'are' if len(ignored) > 1 else 'is'} not used and "
                   f"{'were' if len(ignored) > 1 else 'was'} ignored.")
    missing = [c for c in REQUIRED[kind] if c not in written]
    if missing:
        names = _column_names(kind, missing)
        log.problem(file, sheet, header_row, None,
                    f"{where} is missing required column{'s' if len(missing) > 1 else ''}: "
                    f"{names}")

    # Each column as its distinct values (trimmed) and a code per row: every conversion below
    # then runs once per distinct value, and a 200,000-row sheet costs little more than a small one.
    # One column at a time, each taken out of the raw sheet as it is encoded, so that the raw
    # text and its codes are not both held whole.
    body_rows = max(len(raw) - header_at - 1, 0)
    del head
    columns = {col: Column.of(raw.pop(pos).iloc[header_at + 1:]) for pos, col in keep.items()}
    del raw
    holder.frame = None
    if body_rows > 100_000:
        readers.release_memory()
    rows = np.arange(header_row + 1, header_row + 1 + body_rows)
    filled = np.zeros(body_rows, dtype=bool)
    for column in columns.values():
        filled |= column.present()
    if not filled.all():  # blank rows (and the blank tail some exports add) are not records
        rows = rows[filled]
        columns = {col: c.subset(filled) for col, c in columns.items()}
    if not len(rows):
        log.notice(file, sheet, f"{where} has a header but no rows.")
        return None

    converted = {}
    for col, spec in FIELDS[kind].items():
        if col in columns:
            converted[col] = convert(spec, columns[col], written[col], file, sheet, rows, log)
        else:
            converted[col] = empty_column(spec, len(rows))
    frame = pd.DataFrame(converted, copy=False)
    check_rows(kind, frame, columns, written, file, sheet, rows, log)
    return Part(kind, file, sheet, frame, rows, written)
