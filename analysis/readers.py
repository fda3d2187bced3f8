"""Uploaded bytes -> raw sheets: frames of strings, row i being the spreadsheet's row i + 1.

The first step of an import, and the only one that looks at bytes. What the bytes are is
sniffed, not trusted from the name (a PDF, a CSV renamed .xlsx); then:
- a workbook is read with fastexcel (Arrow underneath), every cell as text, every sheet;
- a CSV is decoded (UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1252), its
  separator sniffed, and it is parsed by pyarrow's CSV reader into Arrow strings.
Nothing here knows about record kinds, headers or checks (analysis.sheets and analysis.cells
do); a file that cannot be read becomes one problem in the log, never an exception.

The raw frames keep their text in Arrow (pandas' `str` dtype, pyarrow storage): a 1M-row CSV
is ~100 MB of Arrow buffers rather than a million Python strings per column.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.safety import is_utf8

# Only plain .xlsx: analysis.safety refuses macro-enabled, legacy and other spreadsheet formats.
EXCEL_EXTENSIONS = {".xlsx"}
# Rows pyarrow could not fit to the sheet's width, mended one by one; more than this and the
# file is read by pandas' C reader instead (the same result, more time and memory).
MAX_MENDED_ROWS = 10_000
_UTF8_BOM = b"\xef\xbb\xbf"
# pandas' default text dtype (pyarrow storage, NaN for missing): what the rest of ingest reads.
_STR = pd.StringDtype("pyarrow", na_value=np.nan)


def what_is(name: str, data: bytes, log) -> str | None:
    """'workbook', 'csv', or None (with the problem logged) for bytes we will not read."""
    suffix = Path(name).suffix.lower()
    if not data or data.isspace():  # as `not data.strip()`, without copying the bytes
        log.problem(name, None, None, None, f"{name} is empty")
        return None
    if data[:5] == b"%PDF-":
        log.problem(name, None, None, None,
                    f"{name} is a PDF, not a spreadsheet; save the data as .xlsx or .csv")
        return None
    is_zip = data[:4] == b"PK\x03\x04"
    is_old_excel = data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    if is_zip or is_old_excel:
        return "workbook"
    if suffix in EXCEL_EXTENSIONS:
        log.problem(name, None, None, None,
                    f"{name} is not an Excel workbook, although its name ends {suffix}; "
                    "open it in Excel and save it as .xlsx, or upload a .csv")
        return None
    return "csv"


def release_memory() -> None:
    """Hand memory freed by Arrow (its mimalloc pool keeps freed pages) and glibc back to the
    system. Called once a sheet's raw text is let go and after a read: otherwise the pages the
    raw text held stay in the pool while numpy asks glibc for new ones, and the peak of a
    1M-row import is the two added together."""
    try:
        import pyarrow

        pyarrow.default_memory_pool().release_unused()
    except (ImportError, AttributeError):  # pragma: no cover - pyarrow is pinned
        pass
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (macOS, Windows): nothing to trim
        pass


# ---- workbooks ------------------------------------------------------------------------------

def workbook_sheets(name: str, data: bytes, log) -> Iterator[tuple[str, pd.DataFrame]]:
    """Every visible sheet of a workbook as (sheet name, raw frame of strings)."""
    import fastexcel  # measured fastest here: ~1.2 s for 200k rows x 14 columns

    try:
        reader = fastexcel.read_excel(data)
    except Exception as error:  # noqa: BLE001 - damaged, encrypted or not a workbook at all
        log.problem(name, None, None, None,
                    f"{name} could not be read as an Excel workbook (is it damaged, "
                    f"password-protected or another kind of file?): {error}")
        return
    for sheet_name in reader.sheet_names:
        try:
            # Every cell as text: one type per column, and Excel's own numbers, dates and
            # booleans arrive as '123456', '2024-09-03 00:00:00', 'true'. skip_rows=0 keeps
            # leading blank rows so that row numbers stay the spreadsheet's.
            sheet = reader.load_sheet(sheet_name, header_row=None, dtypes="string",
                                      skip_rows=0, whitespace_as_null=True)
            if sheet.visible != "visible":
                log.notice(name, sheet_name, f"Sheet '{sheet_name}' is hidden and was skipped.")
                continue
            raw = _frame(sheet.to_arrow())
        except Exception as error:  # noqa: BLE001 - one broken sheet must not hide the others
            log.problem(name, sheet_name, None, None,
                        f"Sheet '{sheet_name}' could not be read: {error}")
            continue
        yield sheet_name, raw


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


# ---- CSV ------------------------------------------------------------------------------------

def utf8_bytes(name: str, data: bytes, log) -> bytes | memoryview | None:
    """CSV bytes -> the same text as UTF-8 bytes without a BOM (the input itself when it
    already is): UTF-16 with a BOM, UTF-8 with or without one, else Windows-1252. None when
    it is not text at all."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        text = data.decode("utf-16")
        return None if "\x00" in text else text.encode("utf-8")
    if b"\x00" in data:
        return None
    if is_utf8(data):
        return memoryview(data)[len(_UTF8_BOM):] if data.startswith(_UTF8_BOM) else data
    # Excel's plain "CSV" on Windows writes Windows-1252 (e.g. '£', 'é').
    log.notice(name, None, f"{name} is not UTF-8, so it was read as Windows-1252 text.")
    return data.decode("cp1252", errors="replace").encode("utf-8")


def _head(data: bytes | memoryview) -> list[str]:
    """The first (up to) 50 lines of the first 20,000 characters, for sniffing the layout."""
    # 20,000 characters are at most 80,000 bytes of UTF-8; a character cut in two at the end
    # lies beyond the 20,000th and is dropped with the rest.
    text = bytes(data[:80_000]).decode("utf-8", errors="ignore")[:20_000]
    return text.splitlines()[:50]


def read_csv(name: str, data: bytes, log) -> pd.DataFrame | None:
    """CSV bytes -> raw frame of strings, row i being record i + 1 (blank lines kept)."""
    text = utf8_bytes(name, data, log)
    if text is None:
        log.problem(name, None, None, None,
                    f"{name} is not a spreadsheet or CSV file; upload .xlsx or .csv")
        return None
    head = _head(text)
    try:
        sep = csv.Sniffer().sniff("\n".join(head), delimiters=",;\t|").delimiter
    except csv.Error:
        sep = ","
    # The widest of the first lines: title rows above the header are narrower than the data.
    width = max(max((len(r) for r in csv.reader(head, delimiter=sep)), default=1), 1)
    try:
        frame = _read_arrow(text, sep, width)
    except _Irregular:
        frame = None
    except Exception as error:  # noqa: BLE001 - pyarrow's words for a broken CSV
        log.problem(name, None, None, None, f"{name} could not be read as CSV: {error}")
        return None
    if frame is None:
        return _read_pandas(name, text, sep, width, log)
    return frame


class _Irregular(Exception):
    """Rows pyarrow cannot place: left to pandas' C reader, which pads and reports them."""


def _read_arrow(text, sep: str, width: int) -> pd.DataFrame:
    """pyarrow's CSV reader, every column text, `width` columns, blank lines kept as rows.

    A row narrower than `width` (a title line above the header, say) is handed to the
    invalid-row handler: the file is then read again on one thread, where the handler learns
    each such row's line number, reads it with Python's csv module and puts it back in its
    place, padded. A wider row, or one whose place is unsure (a quoted line break in the file
    makes line numbers and record numbers differ), raises _Irregular.
    """
    import pyarrow as pa

    irregular: list[bool] = []

    def first(row) -> str:
        irregular.append(True)
        return "error"  # stop here; read again below, where rows have line numbers

    try:
        return _frame(_arrow_table(text, sep, width, first, threads=True))
    except pa.ArrowInvalid:
        if not irregular:
            raise
    mended: list[tuple[int, str]] = []

    def again(row) -> str:
        if row.actual_columns > width or row.number is None or len(mended) >= MAX_MENDED_ROWS:
            irregular.append(False)
            return "error"
        mended.append((row.number, row.text))
        return "skip"

    irregular.clear()
    try:
        table = _arrow_table(text, sep, width, again, threads=False)
    except pa.ArrowInvalid:
        if irregular:
            raise _Irregular from None
        raise
    # Line numbers are record numbers only if no quoted cell holds a line break: then there
    # are exactly as many records as lines.
    raw = text.obj if isinstance(text, memoryview) else text  # a BOM holds no line break
    lines = raw.count(b"\n") + raw.count(b"\r") - raw.count(b"\r\n")
    if len(text) and not raw.endswith((b"\n", b"\r")):
        lines += 1
    if table.num_rows + len(mended) != lines:
        raise _Irregular
    return _put_back(_frame(table), mended, sep, width)


def _arrow_table(text, sep: str, width: int, handler, threads: bool):
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [str(i) for i in range(width)]
    return pacsv.read_csv(
        pa.py_buffer(text),
        read_options=pacsv.ReadOptions(column_names=names, use_threads=threads),
        parse_options=pacsv.ParseOptions(delimiter=sep, quote_char='"', double_quote=True,
                                          escape_char=False, newlines_in_values=True,
                                          ignore_empty_lines=False, invalid_row_handler=handler),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.large_string() for n in names}, null_values=[""],
            strings_can_be_null=True, quoted_strings_can_be_null=True),
    )


def _put_back(frame: pd.DataFrame, mended: list[tuple[int, str]], sep: str,
              width: int) -> pd.DataFrame:
    """Insert the narrow rows (line number, text) pyarrow skipped, each padded to `width`."""
    if not mended:
        return frame
    mended.sort()
    lines = np.array([number for number, _ in mended])
    cells = [next(csv.reader([line], delimiter=sep), []) for _, line in mended]
    total = len(frame) + len(mended)
    at = lines - 1  # record i is line i + 1: no quoted line breaks, so they are the same
    if at.max(initial=-1) >= total:  # pragma: no cover - pyarrow numbered beyond the file
        raise _Irregular
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
    and names a row too wide. Same frame as _read_arrow, more time and memory."""
    import io

    try:
        return pd.read_csv(io.BytesIO(text), header=None, names=range(width), sep=sep,
                           dtype="str", keep_default_na=False, na_values=[""],
                           skip_blank_lines=False, engine="c", encoding="utf-8")
    except (pd.errors.ParserError, ValueError) as error:
        log.problem(name, None, None, None, f"{name} could not be read as CSV: {error}")
        return None
