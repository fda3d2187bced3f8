"""Uploaded bytes -> Arrow tables of text, parsed on a worker thread one file ahead. No pandas.

The first step of an import, and the only one that looks at bytes. Each file is hashed and
refused if dangerous (analysis.safety), then what it is is sniffed, not trusted from the name
(a PDF, a CSV renamed .xlsx):
- a workbook is read with fastexcel (Arrow underneath), every cell as text, every sheet;
- a CSV is decoded (UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1252), its
  separator sniffed, and it is parsed by pyarrow's CSV reader into Arrow strings.
The result is a `ParsedFile`: its sheets as Arrow tables, and the problems and notices found on
the way, kept in order to be logged by the reader of the result (never an exception).
analysis.raw_frames turns the tables into frames; analysis.ingest does the rest.

Why a thread, and why no pandas: fastexcel and pyarrow parse with the GIL released. So while one
file is parsed, analysis.ingest checks the one before; and the command line loads pandas and
SQLAlchemy (0.4 s of a 200,000-row import) while its first file is parsed, which it could not
if this module needed pandas.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from analysis.safety import UTF8_BOM, check_file, is_utf8

# Only plain .xlsx: analysis.safety refuses macro-enabled, legacy and other spreadsheet formats.
EXCEL_EXTENSIONS = {".xlsx"}
# Rows pyarrow could not fit to the sheet's width, mended one by one; more than this and the
# file is read by pandas' C reader instead (the same result, more time and memory).
MAX_MENDED_ROWS = 10_000


class Notes:
    """Problems and notices found while parsing (on the worker thread), in the order found;
    `log_into` hands them to the upload's log (analysis.upload_log.Log) in that order."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple]] = []

    def problem(self, file, sheet, row, column, message) -> None:
        self.calls.append(("problem", (file, sheet, row, column, message)))

    def notice(self, file, sheet, message) -> None:
        self.calls.append(("notice", (file, sheet, message)))

    def log_into(self, log) -> None:
        for method, args in self.calls:
            getattr(log, method)(*args)


@dataclass
class ParsedSheet:
    """One sheet as parsed (a CSV is one sheet, named None): row i of the table is the
    spreadsheet's row i + 1, every cell text or null."""

    name: str | None
    table: object | None  # a pyarrow Table; None once taken, or when `text` is left to pandas
    # A CSV's narrow rows pyarrow skipped, as (line number, text): put back in their places.
    mended: list[tuple[int, str]] = field(default_factory=list)
    separator: str = ","
    width: int = 0
    text: bytes | memoryview | None = None  # an irregular CSV, left to pandas' C reader

    def take_table(self):
        """The table, let go of here: the raw text is ~150 MB at 1M rows, and the checks drop
        it column by column (analysis.sheets), which they cannot while this holds it."""
        table, self.table = self.table, None
        return table


@dataclass
class ParsedFile:
    """One uploaded file: name, content hash, size, what it is, its sheets and its notes."""

    name: str
    sha256: str
    size: int
    refused: bool = False  # by the safety check (analysis.safety): not parsed at all
    kind: str | None = None  # 'workbook' or 'csv'; None when refused or not a spreadsheet
    sheets: list[ParsedSheet] = field(default_factory=list)
    notes: Notes = field(default_factory=Notes)


def _checked(name: str, data: bytes) -> tuple[ParsedFile, bytes]:
    """The file hashed and safety-checked: (the ParsedFile to fill, its bytes)."""
    name, data = str(name), bytes(data or b"")
    parsed = ParsedFile(name, hashlib.sha256(data).hexdigest(), len(data))
    # Refuse dangerous or disguised files (zip bombs, macros, DTDs, odd names) before parsing.
    refusal = check_file(name, data)
    if refusal:
        parsed.refused = True
        parsed.notes.problem(name, None, None, None, refusal)
    return parsed, data


def _parse(parsed: ParsedFile, data: bytes) -> ParsedFile:
    """A checked file's sheets parsed. Never raises for what a user uploads."""
    name, notes = parsed.name, parsed.notes
    try:
        parsed.kind = what_is(name, data, notes)
        if parsed.kind == "workbook":
            parsed.sheets = _workbook_sheets(name, data, notes)
        elif parsed.kind == "csv":
            sheet = parse_csv(name, data, notes)
            parsed.sheets = [sheet] if sheet is not None else []
    except Exception as error:  # noqa: BLE001 - a file we cannot read is a problem, not a crash
        notes.problem(name, None, None, None, f"{name} could not be read: {error}")
    return parsed


class ParseAhead:
    """Files parsed on one worker thread, each begun as the caller takes the one before.

    The first file is checked and its parse begun when this is made, so that a caller can load
    what it needs next (pandas, the store) meanwhile. Iterate once for the ParsedFiles, in the
    files' order.
    """

    def __init__(self, files: Iterable[tuple[str, bytes]],
                 unread: list[tuple[str, str]] | None = None) -> None:
        # (path, why) for paths given on disk that hold no file to read (on_disk)
        self.unread = unread if unread is not None else []
        self._files = iter(files)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parse")
        self._ahead = self._begin_next()

    @classmethod
    def on_disk(cls, paths: Iterable[str | Path]) -> ParseAhead:
        """Files, or folders of .xlsx/.csv files, each read from disk when its turn comes."""
        unread: list[tuple[str, str]] = []  # filled as the paths are reached
        return cls(_files_on_disk(paths, unread), unread)

    def _begin_next(self) -> Future | None:
        item = next(self._files, None)
        if item is None:
            return None
        # The safety check runs here and the parse on the worker: the check is Python, which
        # on the worker would only take turns at the GIL with the caller (measured 0.17 s ->
        # 0.44 s beside pandas loading), while the parse releases it.
        parsed, data = _checked(*item)
        if parsed.refused:
            done: Future = Future()
            done.set_result(parsed)
            return done
        return self._pool.submit(_parse, parsed, data)

    def __iter__(self) -> Iterator[ParsedFile]:
        try:
            while self._ahead is not None:
                current = self._ahead
                self._ahead = self._begin_next()  # the next file parses while this one is checked
                yield current.result()
        finally:
            self._pool.shutdown(wait=False, cancel_futures=True)


def _files_on_disk(paths: Iterable[str | Path],
                   unread: list[tuple[str, str]]) -> Iterator[tuple[str, bytes]]:
    # One file's bytes at a time: each is let go once it is parsed (52 MB for 1M CSV rows).
    for path in map(Path, paths):
        if path.is_dir():
            found = sorted(p for p in path.iterdir()
                           if p.suffix.lower() in EXCEL_EXTENSIONS | {".csv"})
            if not found:
                unread.append((str(path), f"The folder {path} holds no .xlsx or .csv files"))
            for p in found:
                yield p.name, p.read_bytes()
        elif path.is_file():
            yield path.name, path.read_bytes()
        elif path.exists():  # a device, a pipe, a socket
            unread.append((str(path), f"{path} is not a file or a folder"))
        else:
            unread.append((str(path), f"{path} was not found"))


def what_is(name: str, data: bytes, notes: Notes) -> str | None:
    """'workbook', 'csv', or None (with the problem logged) for bytes we will not read."""
    suffix = Path(name).suffix.lower()  # an empty file was refused by analysis.safety
    if data[:5] == b"%PDF-":
        notes.problem(name, None, None, None,
                      f"{name} is a PDF, not a spreadsheet; save the data as .xlsx or .csv")
        return None
    is_zip = data[:4] == b"PK\x03\x04"
    is_old_excel = data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    if is_zip or is_old_excel:
        return "workbook"
    if suffix in EXCEL_EXTENSIONS:
        notes.problem(name, None, None, None,
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

def _workbook_sheets(name: str, data: bytes, notes: Notes) -> list[ParsedSheet]:
    """Every visible sheet of a workbook, parsed."""
    import fastexcel  # measured fastest here: ~1.2 s for 200k rows x 14 columns

    try:
        reader = fastexcel.read_excel(data)
    except Exception as error:  # noqa: BLE001 - damaged, encrypted or not a workbook at all
        notes.problem(name, None, None, None,
                      f"{name} could not be read as an Excel workbook (is it damaged, "
                      f"password-protected or another kind of file?): {error}")
        return []
    sheets = []
    for sheet_name in reader.sheet_names:
        try:
            # Every cell as text: one type per column, and Excel's own numbers, dates and
            # booleans arrive as '123456', '2024-09-03 00:00:00', 'true'. skip_rows=0 keeps
            # leading blank rows so that row numbers stay the spreadsheet's.
            sheet = reader.load_sheet(sheet_name, header_row=None, dtypes="string",
                                      skip_rows=0, whitespace_as_null=True)
            if sheet.visible != "visible":
                notes.notice(name, sheet_name, f"Sheet '{sheet_name}' is hidden and was skipped.")
                continue
            sheets.append(ParsedSheet(sheet_name, sheet.to_arrow()))
        except Exception as error:  # noqa: BLE001 - one broken sheet must not hide the others
            notes.problem(name, sheet_name, None, None,
                          f"Sheet '{sheet_name}' could not be read: {error}")
    return sheets


# ---- CSV ------------------------------------------------------------------------------------

def utf8_bytes(name: str, data: bytes, notes: Notes) -> bytes | memoryview | None:
    """CSV bytes -> the same text as UTF-8 bytes without a BOM (the input itself when it
    already is): UTF-16 with a BOM, UTF-8 with or without one, else Windows-1252. None when
    it is not text at all."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        text = data.decode("utf-16")
        return None if "\x00" in text else text.encode("utf-8")
    if b"\x00" in data:
        return None
    if is_utf8(data):
        return memoryview(data)[len(UTF8_BOM):] if data.startswith(UTF8_BOM) else data
    # Excel's plain "CSV" on Windows writes Windows-1252 (e.g. '£', 'é').
    notes.notice(name, None, f"{name} is not UTF-8, so it was read as Windows-1252 text.")
    return data.decode("cp1252", errors="replace").encode("utf-8")


def _head(data: bytes | memoryview) -> list[str]:
    """The first (up to) 50 lines of the first 20,000 characters, for sniffing the layout."""
    # 20,000 characters are at most 80,000 bytes of UTF-8; a character cut in two at the end
    # lies beyond the 20,000th and is dropped with the rest.
    text = bytes(data[:80_000]).decode("utf-8", errors="ignore")[:20_000]
    return text.splitlines()[:50]


def parse_csv(name: str, data: bytes, notes: Notes) -> ParsedSheet | None:
    """CSV bytes -> the parsed sheet, row i being record i + 1 (blank lines kept)."""
    text = utf8_bytes(name, data, notes)
    if text is None:
        notes.problem(name, None, None, None,
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
        return _parse_arrow(text, sep, width)
    except _Irregular:
        return ParsedSheet(None, None, separator=sep, width=width, text=text)
    except Exception as error:  # noqa: BLE001 - pyarrow's words for a broken CSV
        notes.problem(name, None, None, None, f"{name} could not be read as CSV: {error}")
        return None


class _Irregular(Exception):
    """Rows pyarrow cannot place: left to pandas' C reader, which pads and reports them."""


def _parse_arrow(text, sep: str, width: int) -> ParsedSheet:
    """pyarrow's CSV reader, every column text, `width` columns, blank lines kept as rows.

    A row narrower than `width` (a title line above the header, say) is handed to the
    invalid-row handler: the file is then read again on one thread, where the handler learns
    each such row's line number and keeps its text, to be read with Python's csv module and
    put back in its place, padded (analysis.raw_frames). A wider row, or one whose place is
    unsure (a quoted line break in the file makes line numbers and record numbers differ),
    raises _Irregular.
    """
    import pyarrow as pa

    irregular: list[bool] = []

    def first(row) -> str:
        irregular.append(True)
        return "error"  # stop here; read again below, where rows have line numbers

    try:
        return ParsedSheet(None, _arrow_table(text, sep, width, first, threads=True),
                           separator=sep, width=width)
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
    total = table.num_rows + len(mended)
    if total != lines or max((n for n, _ in mended), default=0) > total:  # pyarrow numbered beyond the file
        raise _Irregular
    mended.sort()
    return ParsedSheet(None, table, mended, sep, width)


def _arrow_table(text, sep: str, width: int, handler, threads: bool):
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [str(i) for i in range(width)]
    try:
        return pacsv.read_csv(
            pa.py_buffer(text),
            read_options=pacsv.ReadOptions(column_names=names, use_threads=threads),
            parse_options=pacsv.ParseOptions(delimiter=sep, quote_char='"', double_quote=True,
                                              escape_char=False, newlines_in_values=True,
                                              ignore_empty_lines=False,
                                              invalid_row_handler=handler),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.large_string() for n in names}, null_values=[""],
                strings_can_be_null=True, quoted_strings_can_be_null=True),
        )
    except pa.ArrowInvalid as error:
        # A row longer than pyarrow's block (1 MB, "straddles two block boundaries"): pandas'
        # C reader has no such limit, and pyarrow's words would mean nothing to a user.
        if "straddl" in str(error):
            raise _Irregular from None
        raise
