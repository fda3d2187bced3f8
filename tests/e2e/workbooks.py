"""Tiny workbooks built at test time: one new client school with everything its page needs.

Written with openpyxl the way a school data manager's file looks (a sheet per record kind,
headers as in docs/formats.md), so the upload tests read a real .xlsx, not a frame.
"""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import Workbook

NEW_URN = "990301"
NEW_SCHOOL = "Test Valley Primary"
NEW_DEPLOYMENT = "D90"
NEW_TARGET = "T90"
PERIODS = ["2024/25 Autumn 2", "2024/25 Spring 2"]
# Pupils at the expected standard in reading, per period, out of COHORT: the target's actuals.
COHORT = 20
AT_EXPECTED = {"2024/25 Autumn 2": 10, "2024/25 Spring 2": 13}


def new_school_sheets() -> dict[str, list[list]]:
    """Each sheet's rows (header first) for the new school, its deployment, target and pupils."""
    outcomes = [["urn", "period", "pupil_id", "year_group", "disadvantaged", "send", "reading",
                 "writing", "maths", "sessions_possible", "sessions_attended", "suspensions"]]
    for period in PERIODS:
        for i in range(COHORT):
            reading = "EXS" if i < AT_EXPECTED[period] else "WTS"
            outcomes.append([NEW_URN, period, f"TV{i:04d}", "6", "Y" if i % 3 == 0 else "N", "N",
                             reading, "EXS" if i % 2 else "WTS", "EXS", 120, 110 + i % 10, 0])
    return {
        "schools": [
            ["urn", "school_name", "phase", "local_authority", "role"],
            [NEW_URN, NEW_SCHOOL, "Primary", "Riverford", "Client"],
        ],
        "deployments": [
            ["deployment_id", "client_urn", "leader_name", "leader_role", "home_urn", "focus_areas",
             "start_date", "end_date", "days_committed", "funding_source", "funding_amount"],
            [NEW_DEPLOYMENT, NEW_URN, "Sam Tester", "SLE", "", "Reading",
             dt.datetime(2024, 9, 2), dt.datetime(2025, 7, 18), 12, "Trust", 4800],
        ],
        "targets": [
            ["target_id", "client_urn", "deployment_id", "measure", "subgroup", "baseline_value",
             "baseline_period", "target_value", "target_period"],
            [NEW_TARGET, NEW_URN, NEW_DEPLOYMENT, "reading_exs", "All", 45, "2023/24 Summer 2", 75,
             "2025/26 Summer 2"],
        ],
        "visits": [
            ["deployment_id", "visit_date", "days", "focus_area", "progress", "summary", "next_steps",
             "qa_status"],
            [NEW_DEPLOYMENT, dt.datetime(2024, 10, 7), 1, "Reading", "Amber",
             "Observed guided reading in Year 6.", "Daily fluency sessions.", "Pending"],
        ],
        "outcomes": outcomes,
    }


def workbook_bytes(sheets: dict[str, list[list]]) -> bytes:
    """An .xlsx file holding the given sheets, in order."""
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def new_school_workbook() -> bytes:
    return workbook_bytes(new_school_sheets())
