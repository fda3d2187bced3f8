"""Write the hostile test files: each one a way an upload can hurt a server or fool a reader.

Run `.venv/bin/python tests/hostile/make_hostile.py` to (re)write them next to this script.
Every file is built byte by byte with fixed timestamps and a seeded generator, so two runs give
identical files, and each is small on disk (the bombs are small only while compressed).
EXPECTED.md lists each file and the sentence `analysis.safety.check_file` refuses it with.
"""

from __future__ import annotations

import random
import struct
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
STAMP = (2025, 1, 1, 0, 0, 0)  # fixed, so the zip bytes never depend on the clock

# Names that are refused before the bytes are looked at: not files, just names to test.
ODD_NAMES = [
    "../x.csv",
    "../../etc/passwd.csv",
    "a/b.xlsx",
    "a\\b.xlsx",
    "C:x.csv",
    ".hidden.csv",
    "con\x00.csv",
    "line\nbreak.csv",
    "evil\u202excs.xlsx",  # right-to-left override: shows as "evilxslx.sc" in some views
    "a\uff0fb.csv",  # fullwidth solidus, which NFKC turns into '/'
    "report.xlsm",
    "old.xls",
    "data.exe",
    "no_extension",
    "x" * 252 + ".csv",
    "",
]

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="{workbook_type}"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
WORKBOOK_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
MACRO_WORKBOOK_TYPE = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="schools" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)
SHEET_BODY = (
    '<sheetData>'
    '<row r="1"><c r="A1" t="inlineStr"><is><t>urn</t></is></c>'
    '<c r="B1" t="inlineStr"><is><t>school_name</t></is></c></row>'
    '<row r="2"><c r="A2" t="inlineStr"><is><t>100001</t></is></c>'
    '<c r="B2" t="inlineStr"><is><t>Alpha Primary</t></is></c></row>'
    "</sheetData></worksheet>"
)
PLAIN_SHEET = SHEET_HEAD + '<dimension ref="A1:B2"/>' + SHEET_BODY

# The classic "billion laughs": ten levels of ten references, 10^9 'lol's once expanded.
BILLION_LAUGHS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<!DOCTYPE worksheet [\n<!ENTITY lol0 "lol">\n'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">\n' for i in range(1, 10))
    + "]>\n"
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>'
)


def workbook_parts(sheet: str | bytes = PLAIN_SHEET, workbook_type: str = WORKBOOK_TYPE) -> dict:
    """The five parts of the smallest real workbook: one sheet named 'schools' with two rows."""
    return {
        "[Content_Types].xml": CONTENT_TYPES.format(workbook_type=workbook_type),
        "_rels/.rels": ROOT_RELS,
        "xl/workbook.xml": WORKBOOK,
        "xl/_rels/workbook.xml.rels": WORKBOOK_RELS,
        "xl/worksheets/sheet1.xml": sheet,
    }


def zip_bytes(parts: dict) -> bytes:
    """Parts (name -> text or bytes, in order) -> zip bytes, deflated, with a fixed timestamp."""
    from io import BytesIO

    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in parts.items():
            info = zipfile.ZipInfo(name, date_time=STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, content.encode("utf-8") if isinstance(content, str) else content,
                             compresslevel=9)
    return buffer.getvalue()


def lie_about_size(data: bytes, member: str, claimed: int) -> bytes:
    """Rewrite one part's uncompressed size, in its local header and the central directory."""
    out = bytearray(data)
    name = member.encode("utf-8")
    # (signature, offset of the name length, offset of the name, offset of the uncompressed size)
    for signature, length_at, name_at, size_at in ((b"PK\x03\x04", 26, 30, 22), (b"PK\x01\x02", 28, 46, 24)):
        start = 0
        while (start := out.find(signature, start)) != -1:
            length = struct.unpack("<H", out[start + length_at:start + length_at + 2])[0]
            if bytes(out[start + name_at:start + name_at + length]) == name:
                out[start + size_at:start + size_at + 4] = struct.pack("<I", claimed)
            start += 4
    return bytes(out)


def hostile_files() -> dict[str, bytes]:
    """Every hostile file: name -> bytes."""
    rng = random.Random(4)  # seeded: the 'binary' bytes are the same on every run
    files: dict[str, bytes] = {}

    # 20 MB of spaces inside a sheet: about 20 KB on disk, 1000 times that unpacked.
    padded = SHEET_HEAD + '<dimension ref="A1:B2"/>' + " " * (20 * 1024 * 1024) + SHEET_BODY
    files["zip_bomb.xlsx"] = zip_bytes(workbook_parts(padded))

    # An honest index that lies: the sheet claims 2,000 bytes but unpacks to 4 MB.
    liar = zip_bytes(workbook_parts(SHEET_HEAD + " " * (4 * 1024 * 1024) + SHEET_BODY))
    files["lying_sizes.xlsx"] = lie_about_size(liar, "xl/worksheets/sheet1.xml", 2000)

    many = workbook_parts()
    many.update({f"xl/media/{i}": b"" for i in range(1000)})
    files["too_many_members.xlsx"] = zip_bytes(many)

    files["entity_bomb.xlsx"] = zip_bytes(workbook_parts(BILLION_LAUGHS))
    # The same bomb in UTF-16, so a search for the ASCII bytes '<!DOCTYPE' alone would miss it.
    utf16 = BILLION_LAUGHS.replace('encoding="UTF-8"', 'encoding="UTF-16"')
    files["entity_bomb_utf16.xlsx"] = zip_bytes(workbook_parts(utf16.encode("utf-16")))
    # An external entity (XXE) that would read a server file into a cell.
    xxe = (SHEET_HEAD.replace("\n", '\n<!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n')
           + '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&x;</t></is></c></row>'
           "</sheetData></worksheet>")
    files["external_entity.xlsx"] = zip_bytes(workbook_parts(xxe))

    with_macros = workbook_parts()
    with_macros["xl/vbaProject.bin"] = bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504)
    files["macro_enabled.xlsx"] = zip_bytes(with_macros)
    files["macro_content_type.xlsx"] = zip_bytes(workbook_parts(workbook_type=MACRO_WORKBOOK_TYPE))

    files["renamed_pdf.xlsx"] = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n"
    files["renamed_xls.xlsx"] = bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504)
    files["text_as_xlsx.xlsx"] = b"urn,school_name\r\n100001,Alpha Primary\r\n"
    files["docx_as_xlsx.xlsx"] = zip_bytes({
        "[Content_Types].xml": CONTENT_TYPES.format(workbook_type=WORKBOOK_TYPE),
        "word/document.xml": '<?xml version="1.0"?><document/>',
    })
    files["truncated.xlsx"] = zip_bytes(workbook_parts())[:300]

    files["huge_dimension.xlsx"] = zip_bytes(workbook_parts(
        SHEET_HEAD + '<dimension ref="A1:ZZ2000000"/>' + SHEET_BODY))

    noise = bytes(rng.randrange(256) for _ in range(2048))
    files["binary_as_csv.csv"] = b"urn,school_name\n" + noise
    files["empty.csv"] = b""
    files["broken_utf16.csv"] = b"\xff\xfe" + "urn\r\n".encode("utf-16-le") + b"\x00\xd8\x41"
    files["xlsx_as_csv.csv"] = zip_bytes(workbook_parts())
    files["wide.csv"] = (",".join(f"c{i}" for i in range(250)) + "\n"
                         + ",".join("1" for _ in range(250)) + "\n").encode("ascii")
    return files


def main(folder: Path = HERE) -> list[Path]:
    """Write every hostile file into folder; returns the paths written."""
    written = []
    for name, data in hostile_files().items():
        path = folder / name
        path.write_bytes(data)
        written.append(path)
    return written


if __name__ == "__main__":
    for path in main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE):
        print(f"{path.stat().st_size:>8,} bytes  {path.name}")
