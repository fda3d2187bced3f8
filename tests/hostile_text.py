"""The hostile-text fixture: a school whose every uploaded text is markup someone might try.

Every field a page, chart, notice or table shows is set to Markdown, a Streamlit directive,
LaTeX, HTML or a spreadsheet formula. Built with openpyxl at test time (tests/e2e/workbooks.py),
imported through the ordinary upload path, and shown on every page by
tests/test_hostile_pages.py (AppTest) and tests/e2e/test_hostile_text.py (Chromium).
"""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import Workbook

from tests.e2e.workbooks import NEW_DEPLOYMENT, NEW_URN, new_school_sheets

HOME_URN = "990302"
SCHOOL = "[re-enter your password](https://evil.example/x)"
HOME_SCHOOL = "<img src=https://evil.example/h.png> Home :streamlit:"
LEADER = "![x](https://evil.example/p.png)"
FOCUS = ":red[alert]"
LOCAL_AUTHORITY = "$x^2$"
SUMMARY = "<b>bold</b> =cmd|' /C calc'!A0"
NEXT_STEPS = "# Heading *em* www.evil.example mail@evil.example"
AREA = "<i>Leadership</i> https://evil.example/r"
HEADER = "![h](https://evil.example/header.png) :red[column]"  # echoed in the upload's notice
FORMULA = "=cmd|' /C calc'!A0"  # a live formula if a table's CSV download wrote it raw

# Every hostile text, and where each is shown (for the checks' messages).
TEXTS = {
    "school": SCHOOL, "home school": HOME_SCHOOL, "leader": LEADER, "focus": FOCUS,
    "local authority": LOCAL_AUTHORITY, "visit summary": SUMMARY, "next steps": NEXT_STEPS,
    "inspection area": AREA, "formula": FORMULA, "column header": HEADER,
}


def hostile_sheets() -> dict[str, list[list]]:
    sheets = new_school_sheets()
    sheets["schools"] = [
        [*sheets["schools"][0], HEADER],
        [NEW_URN, SCHOOL, "Primary", LOCAL_AUTHORITY, "Client", "x"],
        [HOME_URN, HOME_SCHOOL, "Primary", LOCAL_AUTHORITY, "Home", "y"],
    ]
    header, row = sheets["deployments"]
    row = dict(zip(header, row, strict=True)) | {
        "leader_name": LEADER, "home_urn": HOME_URN, "focus_areas": f"{FOCUS}; Reading"}
    sheets["deployments"] = [header, [row[c] for c in header]]
    header, row = sheets["visits"]
    visit = dict(zip(header, row, strict=True)) | {
        "focus_area": "Writing", "summary": SUMMARY, "next_steps": FORMULA}
    sheets["visits"] = [header, [visit[c] for c in header],
                        [NEW_DEPLOYMENT, dt.datetime(2024, 11, 4), 1, FOCUS, "Green", SUMMARY,
                         NEXT_STEPS, "Checked"]]
    sheets["inspections"] = [
        ["urn", "inspection_date", "area", "judgement"],
        [NEW_URN, dt.datetime(2023, 3, 1), "Overall", "Good"],
        [NEW_URN, dt.datetime(2025, 12, 1), AREA, "Secure"],
    ]
    return sheets


def hostile_workbook() -> bytes:
    """The sheets as an .xlsx; a text starting with '=' is stored as text, as a cell typed in
    Excel with a leading apostrophe is (openpyxl would otherwise write it as a formula)."""
    book = Workbook()
    book.remove(book.active)
    for name, rows in hostile_sheets().items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
