"""Build small xlsx and csv uploads in memory for the ingest tests (and anyone else's)."""

from __future__ import annotations

import datetime as dt
import io

import xlsxwriter

Rows = list[list[object]]

SCHOOLS: Rows = [
    ["URN", "School name", "Phase", "Local authority", "Role"],
    [100001, "Riverside Primary", "Primary", "Northshire", "Client"],
    [100002, "Hillside Academy", "Secondary", "Northshire", "Client"],
    [100003, "Lakeside Primary", "Primary", "Northshire", "Home"],
]
DEPLOYMENTS: Rows = [
    ["Deployment ID", "Client URN", "Leader name", "Leader role", "Home URN", "Focus areas",
     "Start date", "End date", "Days committed", "Funding source", "Funding amount"],
    ["D1", 100001, "Sam Leader", "NLE", 100003, "Maths; Assessment", "01/09/2024",
     "31/07/2025", 26, "Trust", 9100],
]
TARGETS: Rows = [
    ["Target ID", "Client URN", "Deployment ID", "Measure", "Subgroup", "Baseline",
     "Baseline period", "Target value", "Target period"],
    ["T1", 100001, "D1", "maths_exs", "", 52, "2023/24 Summer", 65, "2024/25 Summer"],
]
MILESTONES: Rows = [["Target ID", "Period", "Value"], ["T1", "2024/25 Autumn", 56]]
OUTCOMES: Rows = [
    ["URN", "Term", "UPN", "Year group", "PP", "SEN", "Reading TA", "Writing TA", "Maths TA",
     "Possible sessions", "Attended sessions", "Suspensions"],
    [100001, "2024/25 Autumn", "P001", "6", "Y", "N", "EXS", "WTS", "GDS", 140, 130, 0],
    [100001, "2024/25 Autumn", "P002", "6", "N", "K", "WTS", "WTS", "EXS", 140, 120, 1],
]
MEASURES: Rows = [
    ["URN", "Period", "Measure", "Subgroup", "Value", "Cohort"],
    [100002, "2024/25 Autumn", "eng_maths_4plus", "All", 61.5, 180],
]
VISITS: Rows = [
    ["Deployment ID", "Visit date", "Days", "Focus area", "Progress", "Summary", "Next steps",
     "QA status"],
    ["D1", "12/09/2024", 1, "Maths", "Green", "Met maths lead", "Observe Y6", "Checked"],
]
INSPECTIONS: Rows = [
    ["URN", "Inspection date", "Area", "Judgement"],
    [100001, "14/03/2023", "Overall", "Requires improvement"],
]
TRUST: dict[str, Rows] = {
    "Schools": SCHOOLS, "Deployments": DEPLOYMENTS, "Targets": TARGETS,
    "Milestones": MILESTONES, "Outcomes": OUTCOMES, "Measures": MEASURES, "Visits": VISITS,
    "Inspections": INSPECTIONS,
}


def xlsx_bytes(sheets: dict[str, Rows]) -> bytes:
    """A workbook: one sheet per item; None cells are left empty, dates written as Excel dates."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    date_format = book.add_format({"num_format": "dd/mm/yyyy"})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, dt.date):
                    if not isinstance(value, dt.datetime):
                        value = dt.datetime(value.year, value.month, value.day)
                    sheet.write_datetime(r, c, value, date_format)
                elif isinstance(value, bool):
                    sheet.write_boolean(r, c, value)
                elif isinstance(value, int | float):
                    sheet.write_number(r, c, value)
                else:
                    sheet.write_string(r, c, str(value))
    book.close()
    return buffer.getvalue()


def csv_bytes(rows: Rows, encoding: str = "utf-8", bom: bool = False) -> bytes:
    """A CSV file: None cells empty; encoding as Excel would write it."""
    def cell(value: object) -> str:
        text = "" if value is None else str(value)
        return f'"{text}"' if any(ch in text for ch in ',"\n') else text

    text = "\r\n".join(",".join(cell(v) for v in row) for row in rows) + "\r\n"
    data = text.encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def with_rows(rows: Rows, *extra: list[object]) -> Rows:
    """The header and rows of a fixture plus more rows."""
    return [*rows, *extra]
