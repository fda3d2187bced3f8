"""Refuse dangerous or mislabelled uploads before any parser sees them.

`check_file(name, data)` looks only at the name, the bytes and the zip index of an upload and
returns None when the file is safe to hand to a reader, else one sentence a person can act on.
It never raises: anything it cannot make sense of is refused, not passed on.

What it guards against, and why:
- zip bombs: an .xlsx is a zip archive. We compare the sizes its index declares with our limits,
  then inflate each part with a hard cap to prove the index told the truth (Python's zipfile
  stops at the declared size, but other readers such as calamine's may not).
- XML entity bombs ("billion laughs"): Excel never writes a DTD, so any <!DOCTYPE or <!ENTITY
  in any XML part is refused, whatever the parser downstream would have done with it.
- macros: we never open macro-enabled workbooks, even to read their cells.
- lies about type: a PDF, an old .xls or a CSV renamed to .xlsx; a binary file named .csv.
- huge shapes: a sheet's <dimension> is what some readers allocate for, so an absurd one is
  refused before the reader trusts it.
- odd names: the name is shown back to the user and may be written to logs and the store.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import struct
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What we accept. Generous for a trust's termly upload; far below what would hurt the server."""

    max_file_bytes: int = 50 * MB  # the upload itself
    max_uncompressed_bytes: int = 500 * MB  # an .xlsx, all its parts inflated
    max_ratio: float = 100.0  # inflated size / file size; real workbooks are about 5 to 30
    max_rows: int = 1_500_000  # per sheet or CSV
    max_columns: int = 200  # per sheet or CSV; the widest record kind has 15
    max_members: int = 1000  # parts inside an .xlsx; a plain workbook has about 10 to 40


ACCEPTED_EXTENSIONS = (".xlsx", ".csv")
MAX_NAME_LENGTH = 255
UTF8_BOM = b"\xef\xbb\xbf"  # the byte order mark Excel writes at the start of a UTF-8 CSV

# Save-as advice for spreadsheet types we could read if only they were .xlsx or .csv.
_SAVE_AS_XLSX = ("save it as a plain .xlsx workbook (Excel: File > Save As > Excel Workbook) "
                 "and upload it again")
_MACRO_EXTENSIONS = (".xlsm", ".xltm", ".xlam")
_OTHER_SPREADSHEETS = {
    ".xls": "an old-format Excel workbook (.xls)",
    ".xlsb": "an Excel binary workbook (.xlsb)",
    ".xltx": "an Excel template (.xltx)",
    ".ods": "an OpenDocument spreadsheet (.ods)",
    ".numbers": "an Apple Numbers spreadsheet",
}

# How many bytes of each XML part we read to find its declaration and <dimension>.
_HEAD_BYTES = 64 * 1024
_CHUNK = 1 * MB
# Real Excel writes none of these; every one is how an entity bomb or external entity starts.
_DTD = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
# The same markers as UTF-16 text, since an XML part may legally be UTF-16 encoded.
_DTD_UTF16 = [
    re.compile(re.escape(word.encode(codec)), re.IGNORECASE)
    for word in ("<!DOCTYPE", "<!ENTITY")
    for codec in ("utf-16-le", "utf-16-be")
]
_XML_ENCODING = re.compile(rb"""<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._\-]+)["']""")
# Declared encodings that keep ASCII bytes as ASCII, so the byte search above stays valid. (A part
# that really is UTF-16 starts with a BOM or '<\0' and is searched as UTF-16 instead.)
_READABLE_XML_ENCODINGS = {"utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1"}
_DIMENSION = re.compile(rb"""<(?:\w+:)?dimension\s+ref\s*=\s*["']([A-Za-z$0-9:]+)["']""")
_CELL = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,9})")
_OLE2 = bytes.fromhex("D0CF11E0A1B11AE1")


def check_file(name: str, data: bytes, limits: Limits = Limits()) -> str | None:
    """An upload's name and bytes -> None when safe to read, else one sentence saying why not."""
    try:
        return check_name(name) or _check_size(name, data, limits) or (
            _check_xlsx(name, data, limits) if name.lower().endswith(".xlsx")
            else _check_csv(name, data, limits)
        )
    except Exception:  # refusing is the safe answer to anything unforeseen
        return (f"{_quoted(name)} could not be checked, so we will not open it; "
                "save it again and upload it again.")


# ---- names ------------------------------------------------------------------------------------

def check_name(name: str) -> str | None:
    """A file name -> None when it is a plain .xlsx or .csv name, else why it is refused."""
    if not isinstance(name, str) or not name.strip():
        return "A file without a name cannot be read; give it a name and upload it again."
    if len(name) > MAX_NAME_LENGTH:
        return (f"{_quoted(name)} has a name longer than {MAX_NAME_LENGTH} characters; "
                "rename it and upload it again.")
    # NFKC turns look-alikes such as the fullwidth solidus into the '/' they imitate.
    folded = unicodedata.normalize("NFKC", name)
    path_like = any(sep in text for text in (name, folded) for sep in ("/", "\\", ":", ".."))
    hidden = name.startswith(".") or name != name.strip()
    # Control and format characters (NUL, newline, right-to-left override) hide a name's real end.
    odd = any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") for ch in name)
    if path_like or hidden or odd:
        return f"{_quoted(name)} is not a plain file name; rename it and upload it again."
    lower = name.lower()
    if lower.endswith(ACCEPTED_EXTENSIONS):
        return None
    if lower.endswith(_MACRO_EXTENSIONS):
        return f"{_quoted(name)} is a macro-enabled workbook, which we never open; {_SAVE_AS_XLSX}."
    for extension, what in _OTHER_SPREADSHEETS.items():
        if lower.endswith(extension):
            return f"{_quoted(name)} is {what}, which we do not read; {_SAVE_AS_XLSX}."
    return (f"{_quoted(name)} is not a file we read; upload Excel workbooks (.xlsx) "
            "or CSV files (.csv).")


def _quoted(name: object) -> str:
    """A name as it is safe to show: control characters as '?', long names cut short, in quotes."""
    text = "".join("?" if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") else ch
                   for ch in str(name))
    if len(text) > 80:
        text = text[:60] + "…" + text[-15:]
    return f"'{text}'"


def _blank(data: bytes) -> bool:
    """No bytes, or nothing but white space after a UTF-8 byte order mark: empty to a person
    (Excel saves an empty sheet as CSV as just the mark). A real file's first 4 KB show it
    is not, so the whole is only read when those are blank."""
    start = len(UTF8_BOM) if data.startswith(UTF8_BOM) else 0
    return not data[start:start + 4096].strip() and not data[start:].strip()


def _check_size(name: str, data: bytes, limits: Limits) -> str | None:
    if _blank(data):
        return f"{_quoted(name)} is empty; check you chose the right file and upload it again."
    if len(data) > limits.max_file_bytes:
        return (f"{_quoted(name)} is {_megabytes(len(data))}, larger than the "
                f"{_megabytes(limits.max_file_bytes)} we accept; split it into smaller files "
                "(for example one per term) and upload them.")
    return None


def _megabytes(n: int) -> str:
    return f"{n / MB:,.1f} MB" if n < 10 * MB else f"{n / MB:,.0f} MB"


# ---- what the bytes really are ----------------------------------------------------------------

def _sniff(data: bytes) -> str | None:
    """The first bytes of a file -> what it really is, in words, when we can tell."""
    head = data[:2048]
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"%PDF"):
        return "a PDF document"
    if head.startswith(_OLE2):
        # Both old .xls files and password-protected .xlsx files are OLE2 containers.
        return "an old-format .xls workbook or a password-protected file"
    if stripped.startswith((b"<!doctype html", b"<html")) or b"<html" in stripped[:512]:
        return "a web page (HTML)"
    if stripped.startswith(b"<?xml"):
        return "an XML file (perhaps an Excel 2003 XML spreadsheet)"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16 text (perhaps Excel's 'Unicode Text')"
    if head.startswith(b"PK\x03\x04"):
        return "a zip archive"
    if b"\x00" not in head and _looks_like_text(head):
        return "plain text (perhaps a CSV)"
    return None


def _looks_like_text(head: bytes) -> bool:
    """True when under 1% of the bytes are control characters other than tab, CR, LF and FF."""
    if not head:
        return True
    controls = sum(1 for b in head if (b < 32 and b not in (9, 10, 12, 13)) or b == 127)
    return controls <= len(head) // 100


def _not_a_workbook(name: str, what: str | None) -> str:
    if what is None:
        return (f"{_quoted(name)} is not really an Excel workbook: its contents are not a .xlsx file "
                "(it may be a renamed PDF, CSV or old .xls file).")
    if what.startswith("plain text"):
        advice = "if it is a CSV, rename it to .csv, otherwise " + _SAVE_AS_XLSX
    elif what.startswith("an old-format"):
        advice = "open it in Excel, remove any password, then " + _SAVE_AS_XLSX
    elif what.startswith(("a web page", "an XML file")):
        # Some school systems export an HTML or XML table with an Excel name; Excel opens those.
        advice = "open it in Excel, then " + _SAVE_AS_XLSX
    else:
        advice = "upload the original .xlsx file instead"
    return f"{_quoted(name)} is not really an Excel workbook: its contents are {what}; {advice}."


# ---- .xlsx ------------------------------------------------------------------------------------

def _check_xlsx(name: str, data: bytes, limits: Limits) -> str | None:
    if not data.startswith(b"PK\x03\x04"):
        what = _sniff(data)
        return _not_a_workbook(name, None if what == "a zip archive" else what)
    damaged = (f"{_quoted(name)} is damaged or incomplete, so we cannot read it safely; "
               "open it in Excel, save it again and upload it again.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except Exception:  # BadZipFile, struct errors, bad UTF-8 names: all unreadable
        return damaged
    if len(members) > limits.max_members:
        return (f"{_quoted(name)} holds {len(members):,} parts, more than the {limits.max_members:,} "
                f"a workbook needs; {_SAVE_AS_XLSX}.")
    # The index's own claims first: cheap, and enough to refuse an honest zip bomb.
    declared = sum(m.file_size for m in members)
    if declared > limits.max_uncompressed_bytes:
        return (f"{_quoted(name)} would unpack to {_megabytes(declared)}, more than the "
                f"{_megabytes(limits.max_uncompressed_bytes)} we accept; split it into smaller workbooks "
                "and upload them.")
    if declared > limits.max_ratio * len(data):
        return (f"{_quoted(name)} unpacks to {declared / len(data):,.0f} times its size, which real "
                f"workbooks never do (a zip bomb does); {_SAVE_AS_XLSX}.")
    names = {m.filename for m in members}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        return _not_a_workbook(name, _zip_kind(archive, names))
    if any(m.flag_bits & 0x1 for m in members):
        return (f"{_quoted(name)} is password-protected; open it in Excel, remove the password, "
                f"then {_SAVE_AS_XLSX}.")
    if any(m.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) for m in members):
        return damaged
    if _has_macros(archive, names):
        return f"{_quoted(name)} contains macros, which we never open; {_SAVE_AS_XLSX}."
    for member in members:
        problem = _inspect_part(data, member, limits)
        if problem == "lies":
            return (f"{_quoted(name)} is damaged: its parts unpack to more than its index says, "
                    f"a trick used by zip bombs, so we will not open it; {_SAVE_AS_XLSX}.")
        if problem == "dtd":
            return (f"{_quoted(name)} contains an XML document type declaration, which Excel never "
                    f"writes and which can hide an entity bomb; {_SAVE_AS_XLSX}.")
        if problem == "encoding":
            return (f"{_quoted(name)} uses a text encoding Excel never writes, so we will not open it; "
                    f"{_SAVE_AS_XLSX}.")
        if problem == "damaged":
            return damaged
        if problem:  # a dimension "rows x columns" too large
            return (f"{_quoted(name)} has a sheet whose used range is {problem}, more than we read "
                    f"(at most {limits.max_rows:,} rows and {limits.max_columns:,} columns); delete the "
                    "empty rows and columns beyond your data, or split the sheet, and upload it again.")
    return None


def _zip_kind(archive: zipfile.ZipFile, names: set[str]) -> str:
    """A zip that is not a workbook -> what it probably is, in words."""
    if "word/document.xml" in names:
        return "a Word document"
    if "ppt/presentation.xml" in names:
        return "a PowerPoint presentation"
    if "mimetype" in names and archive.getinfo("mimetype").file_size < 200:
        if b"opendocument.spreadsheet" in archive.read("mimetype"):
            return "an OpenDocument spreadsheet (.ods)"
    return "a zip archive with no workbook inside"


def _has_macros(archive: zipfile.ZipFile, names: set[str]) -> bool:
    """True for a VBA project, Excel 4.0 macro sheets, or a macro content type anywhere."""
    for part in names:
        lower = part.lower()
        if lower.endswith("vbaproject.bin") or lower.startswith(("xl/macrosheets/", "xl/activex/")):
            return True
    # Read at most the head of [Content_Types].xml; its size was bounded by the checks above.
    with archive.open("[Content_Types].xml") as stream:
        types = stream.read(_HEAD_BYTES * 4).lower()
    return any(word in types for word in (b"macroenabled", b"vbaproject", b"macrosheet"))


def _inspect_part(data: bytes, member: zipfile.ZipInfo, limits: Limits) -> str | None:
    """Inflate one part with a hard cap -> None, or 'lies', 'dtd', 'encoding', 'damaged', or 'R x C'.

    The cap is the size the index declared, so a part that keeps producing bytes past it is
    caught without ever holding more than one chunk in memory.
    """
    if member.is_dir():
        return None
    raw = _raw_stream(data, member)
    if raw is None:
        return "damaged"
    is_xml = member.filename.lower().endswith((".xml", ".rels", ".vml"))
    is_sheet = member.filename.lower().startswith("xl/worksheets/") and is_xml
    inflater = zlib.decompressobj(-15) if member.compress_type == zipfile.ZIP_DEFLATED else None
    # Any part can be declared XML by [Content_Types].xml whatever its name, so every part is
    # searched; parts not named as XML are searched for both the UTF-8 and the UTF-16 markers.
    patterns = [_DTD] if is_xml else [_DTD, *_DTD_UTF16]
    produced, head, tail, position = 0, b"", b"", 0
    while True:
        if inflater is not None:
            # Feed the compressed bytes a chunk at a time; max_length bounds what one call returns.
            pending = inflater.unconsumed_tail
            if not pending:
                pending = raw[position:position + _CHUNK]
                position += len(pending)
            try:
                chunk = inflater.decompress(pending, _CHUNK)
            except zlib.error:
                return "damaged"
            finished = inflater.eof or (not pending and not chunk)
        else:
            chunk = raw[position:position + _CHUNK]
            position += len(chunk)
            finished = position >= len(raw)
        produced += len(chunk)
        if produced > member.file_size:
            return "lies"
        if is_xml and not head and chunk:
            flavour = _xml_flavour(chunk)
            if flavour is None:
                return "encoding"
            patterns = _DTD_UTF16 if flavour == "utf-16" else [_DTD]
        if len(head) < _HEAD_BYTES:
            head += chunk[:_HEAD_BYTES - len(head)]
        # Keep a little of the previous chunk so a marker split across two chunks is still found.
        window = tail + chunk
        if any(p.search(window) for p in patterns):
            return "dtd"
        tail = window[-32:]
        if finished:
            break
    if is_xml:
        encoding = _XML_ENCODING.search(head[:512])
        if encoding and encoding.group(1).decode("ascii").lower() not in _READABLE_XML_ENCODINGS:
            return "encoding"
    if is_sheet:
        return _dimension_problem(head, limits)
    return None


def _xml_flavour(first: bytes) -> str | None:
    """The first bytes of an XML part -> 'utf-8' or 'utf-16' (what we can scan), else None.

    Markers are searched for as bytes, so a part in an encoding where '<' is not the byte '<'
    (UTF-32, EBCDIC, UTF-7) would slip past the search: Excel never writes those, so refuse them.
    """
    if first.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff", b"<\x00\x00\x00", b"\x00\x00\x00<")):
        return None
    if first.startswith((b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<")):
        return "utf-16"
    if first.removeprefix(UTF8_BOM).lstrip(b" \t\r\n").startswith(b"<"):
        return "utf-8"
    return None


def _raw_stream(data: bytes, member: zipfile.ZipInfo) -> bytes | None:
    """The compressed bytes of one part, found through its local header; None when out of bounds."""
    start = member.header_offset
    header = data[start:start + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        return None
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    begin = start + 30 + name_length + extra_length
    end = begin + member.compress_size
    if end > len(data):
        return None
    return data[begin:end]


def _dimension_problem(head: bytes, limits: Limits) -> str | None:
    """A sheet's first bytes -> 'R rows and C columns' when its <dimension> is beyond the limits."""
    found = _DIMENSION.search(head)
    if not found:
        return None
    last = found.group(1).decode("ascii").split(":")[-1]
    cell = _CELL.fullmatch(last)
    if not cell:
        return None
    rows, columns = int(cell.group(2)), _column_number(cell.group(1))
    if rows > limits.max_rows or columns > limits.max_columns:
        return f"{rows:,} rows by {columns:,} columns"
    return None


def _column_number(letters: str) -> int:
    """'A' -> 1, 'Z' -> 26, 'AA' -> 27, 'XFD' -> 16384."""
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


# ---- .csv -------------------------------------------------------------------------------------

def _check_csv(name: str, data: bytes, limits: Limits) -> str | None:
    head = data[:_HEAD_BYTES]
    if head.startswith(b"PK\x03\x04"):
        return (f"{_quoted(name)} is really an Excel workbook or other zip file, not a CSV; if it is a "
                "workbook, rename it to .xlsx and upload it again.")
    what = _sniff(data)
    if what in ("a PDF document", "an old-format .xls workbook or a password-protected file"):
        return (f"{_quoted(name)} is not really a CSV: its contents are {what}; export the data "
                "as CSV and upload that.")
    # Excel's "Unicode Text" is UTF-16 with a byte order mark: the reader accepts it, so do we,
    # and judge its text rather than its bytes (which are half NULs).
    is_utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))
    if not is_utf16 and (b"\x00" in data or not _looks_like_text(head)):
        return _binary(name)
    if is_utf16:
        text = _decode(data)
        if text is None:
            return (f"{_quoted(name)} claims to be UTF-16 text but is not; save it as "
                    "'CSV UTF-8 (Comma delimited)' and upload it again.")
        if "\x00" in text or not _looks_like_text(text[:_HEAD_BYTES].encode("utf-8")):
            return _binary(name)
        # Quoted line breaks inside cells make this an overcount, which only errs on the safe side.
        rows = max(text.count("\n"), text.count("\r")) + (0 if text.endswith(("\n", "\r")) else 1)
        head = text[:_HEAD_BYTES]
    else:
        # UTF-8 and Windows-1252 keep CR and LF as the bytes 13 and 10 (never inside another
        # character), so the lines are counted in the bytes: the same count as in the decoded
        # text, without decoding 50 MB. Only the head is decoded, as the reader decodes it.
        rows = max(data.count(b"\n"), data.count(b"\r")) + (
            0 if data.endswith((b"\n", b"\r")) else 1)
        if is_utf8(data):
            # 4 bytes per character at most (+3 for a BOM): enough for the first _HEAD_BYTES.
            head = data[:4 * _HEAD_BYTES + 3].decode("utf-8-sig", errors="ignore")[:_HEAD_BYTES]
        else:
            head = data[:_HEAD_BYTES].decode("cp1252", errors="replace")
    if rows > limits.max_rows:
        return (f"{_quoted(name)} has {rows:,} lines, more than the {limits.max_rows:,} rows we read; "
                "split it into smaller files and upload them.")
    columns = _csv_columns(head)
    if columns > limits.max_columns:
        return (f"{_quoted(name)} has {columns:,} columns, more than the {limits.max_columns:,} we read; "
                "check it is the right file, and remove the columns we do not need.")
    return None


def _binary(name: str) -> str:
    return (f"{_quoted(name)} looks like a binary file, not a CSV; export the data from your "
            "spreadsheet as CSV and upload that.")


def is_utf8(data: bytes) -> bool:
    """Is the whole of `data` valid UTF-8? Arrow checks the bytes in place (no decoded copy);
    without pyarrow, Python decodes them."""
    try:
        import numpy as np
        import pyarrow as pa
    except ImportError:  # pragma: no cover - pyarrow is pinned
        try:
            codecs.decode(data, "utf-8")
        except UnicodeDecodeError:
            return False
        return True
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64))
    text = pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, pa.py_buffer(data)])
    try:
        text.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _decode(data: bytes) -> str | None:
    """CSV bytes -> text as the reader decodes it: UTF-16 with a BOM, UTF-8, else Windows-1252.

    Windows-1252 leaves five bytes undefined; the reader replaces them rather than refusing
    (an old Mac's CSV writes 'è' as one of them), so they are not a reason to refuse here either.
    """
    try:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return codecs.decode(data, "utf-16")
        return codecs.decode(data, "utf-8-sig")
    except UnicodeDecodeError:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return None
        return codecs.decode(data, "cp1252", errors="replace")


def _csv_columns(head: str) -> int:
    """The widest of the first 20 rows, split on whichever of , ; or tab is commonest in the header."""
    lines = head.splitlines()
    if not lines:
        return 0
    first = lines[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    widest = 0
    try:
        for number, row in enumerate(csv.reader(io.StringIO(head), delimiter=delimiter)):
            widest = max(widest, len(row))
            if number >= 20:
                break
    except csv.Error:
        # A malformed or oversized quoted field: count the header's delimiters instead.
        widest = max(widest, first.count(delimiter) + 1)
    return widest
