"""analysis.readers and raw_frames: CSV bytes read by pyarrow as the spreadsheet numbers its
rows (issue 14).

Each test reads a file as a user would upload it and asserts on what comes out: the rows read,
the values, and problems naming the row a person sees in Excel (blank lines count).
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pandas as pd
import pytest

from analysis import raw_frames, readers
from analysis.ingest import read_files
from tests.ingest_fixtures import OUTCOMES, SCHOOLS, csv_bytes

BAD_URN = "URN: '12345' is not a 6-digit URN"


class _Log:
    def __init__(self) -> None:
        self.problems: list[tuple] = []
        self.notices: list[tuple] = []

    def problem(self, *args) -> None:
        self.problems.append(args)

    def notice(self, *args) -> None:
        self.notices.append(args)


def lines(*rows: str, newline: str = "\r\n") -> bytes:
    return (newline.join(rows) + newline).encode("utf-8")


HEADER = ",".join(OUTCOMES[0])
GOOD = "100001,2024/25 Autumn,P{},6,Y,N,EXS,WTS,GDS,140,130,0"
BAD = "12345,2024/25 Autumn,P{},6,Y,N,EXS,WTS,GDS,140,130,0"


def raw_csv(name: str, data: bytes, log: _Log) -> pd.DataFrame | None:
    """A CSV as the two stages make it: parsed (readers), then a raw frame (raw_frames)."""
    notes = readers.Notes()
    sheet = readers.parse_csv(name, data, notes)
    notes.log_into(log)
    return None if sheet is None else raw_frames.raw_frame(name, sheet, log)


def bad_rows(upload) -> list[int]:
    p = upload.problems
    return p.loc[p["message"] == BAD_URN, "row"].tolist()


@pytest.fixture
def arrow_only(monkeypatch):
    """Fail if the pandas fallback is used: these files must take pyarrow's path."""
    def refuse(*args, **kwargs):
        raise AssertionError("read by the pandas fallback")
    monkeypatch.setattr(raw_frames, "_read_pandas", refuse)


def test_blank_lines_count_for_row_numbers(arrow_only):
    data = lines("", HEADER, GOOD.format(1), "", "", BAD.format(2), GOOD.format(3), "",
                 BAD.format(4), "", "")
    upload = read_files([("outcomes.csv", data)])
    assert upload.frames["outcomes"]["pupil_id"].tolist() == ["P1", "P2", "P3", "P4"]
    assert bad_rows(upload) == [6, 9]
    assert upload.sources["outcomes"]["row"].tolist() == [3, 6, 7, 9]


def test_title_rows_and_a_short_row_keep_their_places(arrow_only):
    data = lines("Pupil outcomes export", "Printed 01/10/2024", "", HEADER, GOOD.format(1),
                 "100001,2024/25 Autumn,P2,6", BAD.format(3))
    upload = read_files([("outcomes.csv", data)])
    frame = upload.frames["outcomes"]
    assert frame["pupil_id"].tolist() == ["P1", "P2", "P3"]
    # The short row's missing cells are blank, not shifted from another row.
    assert frame["reading"].isna().tolist() == [False, True, False]
    assert frame["sessions_possible"].tolist()[0] == 140
    assert pd.isna(frame["sessions_possible"].tolist()[1])
    assert bad_rows(upload) == [7]


def test_a_row_wider_than_the_first_lines_is_named():
    # The width is the widest of the first 50 lines; a wider row further down is an error.
    data = lines(HEADER, *(GOOD.format(i) for i in range(60)), GOOD.format(60) + ",extra,cells")
    upload = read_files([("outcomes.csv", data)])
    assert upload.problems[["row", "message"]].values.tolist() == [
        [62, "This row has 14 cells, more than the 12 of the rows before it; look for an extra "
             "separator, or a cell holding a comma without quotes around it"]]
    assert upload.frames == {}


def test_a_quote_never_closed_is_named_on_its_row():
    data = lines(HEADER, GOOD.format(1), '100001,"2024/25 Autumn,P2,6', GOOD.format(3))
    upload = read_files([("outcomes.csv", data)])
    assert upload.problems[["row", "message"]].values.tolist() == [
        [3, 'A quoted cell starts in this row and its closing quote (") never comes, so the '
            "rest of the file would be one cell; add the missing quote or remove the stray one"]]
    assert upload.frames == {}


def test_a_row_longer_than_the_parse_block_is_read():
    # pyarrow reads in 1 MB blocks and cannot hold a longer row ("straddles two block
    # boundaries"); such a file is read by pandas' C reader, whole.
    long_id = "P" + "7" * 1_500_000
    data = lines(HEADER, GOOD.format(1), GOOD.format(2).replace("P2", long_id), GOOD.format(3))
    upload = read_files([("outcomes.csv", data)])
    assert upload.ok, upload.problems
    assert upload.frames["outcomes"]["pupil_id"].tolist() == ["P1", long_id, "P3"]


@pytest.mark.parametrize("data", [b"\xef\xbb\xbf", b"\xef\xbb\xbf\r\n\r\n", b" \n\t\n"])
def test_a_file_of_nothing_but_a_byte_order_mark_or_spaces_is_empty(data):
    upload = read_files([("outcomes.csv", data)])
    assert upload.problems["message"].tolist() == [
        "'outcomes.csv' is empty; check you chose the right file and upload it again."]


@pytest.mark.parametrize("sep", [";", "\t", "|"])
def test_other_separators_read_the_same(sep, arrow_only):
    comma = read_files([("outcomes.csv", csv_bytes(OUTCOMES))])
    data = lines(*(sep.join(str(v) for v in row) for row in OUTCOMES))
    other = read_files([("outcomes.csv", data)])
    assert other.ok
    pd.testing.assert_frame_equal(other.frames["outcomes"], comma.frames["outcomes"])


def test_semicolons_with_decimal_commas_in_quotes():
    # Excel in a comma-decimal locale: ';' between cells, so a decimal comma needs no quotes.
    rows = [";".join(OUTCOMES[0]), "100001;2024/25 Autumn;P1;6;Y;N;EXS;WTS;GDS;140;130,5;0"]
    upload = read_files([("outcomes.csv", lines(*rows))])
    assert upload.problems["row"].tolist() == [2]
    assert "130,5" in upload.problems["message"].iloc[0]


def test_windows_1252_is_read_with_a_notice():
    rows = [SCHOOLS[0], [100001, "St Thérèse £ School", "Primary", "Northshire", "Client"]]
    upload = read_files([("schools.csv", csv_bytes(rows, encoding="cp1252"))])
    assert upload.frames["schools"]["school_name"].tolist() == ["St Thérèse £ School"]
    assert upload.notices["message"].tolist() == [
        "schools.csv is not UTF-8, so it was read as Windows-1252 text."]


def test_utf16_unicode_text_from_excel():
    text = "\r\n".join("\t".join(str(v) for v in row) for row in
                       [SCHOOLS[0], [100001, "Ysgol Gymraeg Tŷ Gwyn", "Primary", "Powys",
                                     "Client"]]) + "\r\n"
    upload = read_files([("schools.csv", text.encode("utf-16"))])
    assert upload.ok
    assert upload.frames["schools"]["school_name"].tolist() == ["Ysgol Gymraeg Tŷ Gwyn"]


def test_utf8_bom_is_not_part_of_the_first_header(arrow_only):
    upload = read_files([("schools.csv", csv_bytes(SCHOOLS, bom=True))])
    assert upload.ok
    assert upload.frames["schools"]["urn"].tolist() == ["100001", "100002", "100003"]


def test_quoted_line_break_is_one_row():
    data = lines(HEADER, GOOD.format(1), '100001,2024/25 Autumn,"P\n2",6,Y,N,EXS,WTS,GDS,140,130,0',
                 BAD.format(3))
    upload = read_files([("outcomes.csv", data)])
    assert upload.frames["outcomes"]["pupil_id"].tolist() == ["P1", "P\n2", "P3"]
    # Excel shows the cell with a line break as one row, so the next record is row 4.
    assert bad_rows(upload) == [4]


def test_quoted_line_break_and_a_short_row_fall_back_with_the_same_rows():
    data = lines(HEADER, '100001,2024/25 Autumn,"P\n1",6,Y,N,EXS,WTS,GDS,140,130,0',
                 "100001,2024/25 Autumn,P2,6", BAD.format(3))
    upload = read_files([("outcomes.csv", data)])
    assert upload.frames["outcomes"]["pupil_id"].tolist() == ["P\n1", "P2", "P3"]
    assert bad_rows(upload) == [4]


def test_every_cell_quoted_with_a_title_line(arrow_only):
    # Some MIS exports quote every cell and put a title line above the header.
    def quoted(row: str) -> str:
        return ",".join(f'"{c}"' for c in row.split(","))
    data = lines('"Pupil outcomes, Autumn 2024"', "", quoted(HEADER), quoted(GOOD.format(1)),
                 "", quoted(BAD.format(2)))
    upload = read_files([("outcomes.csv", data)])
    assert upload.frames["outcomes"]["pupil_id"].tolist() == ["P1", "P2"]
    assert bad_rows(upload) == [6]


@pytest.mark.parametrize("newline", ["\n", "\r"])
def test_unix_and_old_mac_line_endings(newline, arrow_only):
    data = lines(HEADER, GOOD.format(1), "", BAD.format(2), newline=newline)
    upload = read_files([("outcomes.csv", data)])
    assert bad_rows(upload) == [4]


def test_raw_csv_text_stays_in_arrow(arrow_only):
    """The raw frame holds Arrow strings, not a Python object per cell (the memory of 1M rows)."""
    data = lines(HEADER, *(GOOD.format(i) for i in range(1000)))
    raw = raw_csv("outcomes.csv", data, _Log())
    assert raw.shape == (1001, 12)
    for column in raw.columns:
        assert raw[column].dtype == "str"
        assert raw[column].array._pa_array is not None  # pyarrow storage
    assert raw[2].tolist()[:3] == ["UPN", "P0", "P1"]


def test_binary_with_nul_bytes_is_not_read():
    log = _Log()
    assert raw_csv("data.csv", b"URN,Name\r\n1\x00,2\r\n", log) is None
    assert log.problems == [("data.csv", None, None, None,
                             "data.csv is not a spreadsheet or CSV file; upload .xlsx or .csv")]


def test_many_short_rows_are_left_to_the_pandas_reader(monkeypatch):
    monkeypatch.setattr(readers, "MAX_MENDED_ROWS", 2)
    data = lines(HEADER, *(f"100001,2024/25 Autumn,P{i},6" for i in range(5)),
                 BAD.format(9))
    upload = read_files([("outcomes.csv", data)])
    assert upload.frames["outcomes"]["pupil_id"].tolist() == [*(f"P{i}" for i in range(5)), "P9"]
    assert bad_rows(upload) == [7]


def _as_pandas(data: bytes, encoding: str = "utf-8") -> list[list[str]]:
    """pandas' C reader, as the reader before pyarrow: every cell text, short rows padded."""
    import io

    width = max(len(r) for r in __import__("csv").reader(data.decode(encoding).splitlines()))
    frame = pd.read_csv(io.BytesIO(data), header=None, names=range(width), dtype=str,
                        keep_default_na=False, encoding=encoding, skip_blank_lines=False)
    return frame.values.tolist()


def _as_readers(data: bytes) -> list[list[str]]:
    frame = raw_csv("x.csv", data, _Log())
    return frame.fillna("").values.tolist()


@pytest.mark.parametrize("data", [
    # every field quoted, a short row in the middle and at the end
    b'"URN","Pupil","Mark"\r\n"100001","P1","5"\r\n"100002","P2"\r\n"100003","P3","7"\r\n'
    b'"100004"\r\n',
    # a title line above a quoted header, then a short row
    b'"Results 2025"\r\n"URN","Pupil","Mark"\r\n"100001","P1","5"\r\n"100002","P2"\r\n',
    # a UTF-8 BOM before quoted fields with a short row
    b'\xef\xbb\xbf"URN","Pupil","Mark"\n"100001","P1","5"\n"100002"\n',
    # ids with spaces inside the quotes and around unquoted values: kept as read here
    b'URN,Pupil,Mark\r\n 100001 ,"  P1  ",5\r\n100002,P2\r\n',
])
def test_quoted_files_with_short_rows_give_the_cells_pandas_gives(data):
    expected = _as_pandas(data.removeprefix(b"\xef\xbb\xbf"))
    assert _as_readers(data) == expected


def test_windows_1252_quoted_file_with_a_short_row_gives_the_cells_pandas_gives():
    data = '"URN","School"\r\n"100001","St Thérèse £"\r\n"100002"\r\n'.encode("cp1252")
    assert _as_readers(data) == _as_pandas(data, encoding="cp1252")


def test_ids_are_trimmed_whole_after_reading(arrow_only):
    rows = [OUTCOMES[0], ["  100001 ", *OUTCOMES[1][1:2], "  P1  ", *OUTCOMES[1][3:]]]
    upload = read_files([("outcomes.csv", csv_bytes(rows))])
    frame = upload.frames["outcomes"]
    assert frame["urn"].tolist() == ["100001"]
    assert frame["pupil_id"].tolist() == ["P1"]


def test_quoted_ids_are_trimmed_whole_after_reading(arrow_only):
    data = csv_bytes(OUTCOMES[:2]).replace(b"100001,", b'"  100001 ",', 1).replace(
        b"P001", b'"  P1  "', 1)
    upload = read_files([("outcomes.csv", data)])
    assert upload.frames["outcomes"]["urn"].tolist() == ["100001"]
    assert upload.frames["outcomes"]["pupil_id"].tolist() == ["P1"]


# ---- the parse's thread (analysis.readers.ParseAhead) ------------------------------------------

HOSTILE = Path(__file__).resolve().parent / "hostile"


@pytest.fixture
def parses(monkeypatch):
    """Each parse as (file name, thread name), recorded as it begins; `begun` is set then."""
    seen: list[tuple[str, str]] = []
    begun = threading.Event()
    real = readers._parse

    def spy(parsed, data):
        seen.append((parsed.name, threading.current_thread().name))
        begun.set()
        return real(parsed, data)

    monkeypatch.setattr(readers, "_parse", spy)
    return seen, begun


def test_the_first_file_is_parsed_on_the_worker_before_anyone_asks(parses):
    seen, begun = parses
    parsing = readers.ParseAhead([("schools.csv", csv_bytes(SCHOOLS)),
                                  ("outcomes.csv", lines(HEADER, GOOD.format(1)))])
    assert begun.wait(10), "the first file's parse had not begun"
    files = list(parsing)
    assert [f.name for f in files] == ["schools.csv", "outcomes.csv"]
    assert [len(f.sheets) for f in files] == [1, 1]
    assert files[1].sheets[0].table.num_rows == 2
    assert [name for name, _ in seen] == ["schools.csv", "outcomes.csv"]
    assert all(thread.startswith("parse") for _, thread in seen)
    assert threading.current_thread().name not in {thread for _, thread in seen}


def test_a_refused_file_is_never_parsed(parses):
    """The safety check comes first on every path: a zip bomb never reaches fastexcel."""
    seen, _ = parses
    bomb = (HOSTILE / "zip_bomb.xlsx").read_bytes()
    upload = read_files([("zip_bomb.xlsx", bomb), ("schools.csv", csv_bytes(SCHOOLS))])
    assert [name for name, _ in seen] == ["schools.csv"]
    assert upload.problems["message"].str.contains("zip bomb").tolist() == [True]
    assert [f.name for f in upload.files] == ["zip_bomb.xlsx", "schools.csv"]
    assert len(upload.frames["schools"]) == len(SCHOOLS) - 1


def test_the_parse_needs_no_pandas():
    """The command line begins the parse and then loads pandas: if analysis.readers needed
    pandas, the two would run one after the other again."""
    code = ("import sys; from analysis.readers import ParseAhead; "
            "print(sorted(m for m in ('pandas', 'sqlalchemy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parent.parent, check=True)
    assert out.stdout.strip() == "[]"
