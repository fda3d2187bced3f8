"""One client school whose figures of every kind rest on a chosen cohort: the disclosure cases.

Each kind of figure the disclosure rule governs has its own target, with distinctive planted
values (61.37, 47.93, ...) so a test can search every renderer's output for them:
- latest: reading's latest figure rests on the case's cohort;
- baseline: maths' baseline period has the case's cohort (its plan line, expected value and
  projection start from it);
- milestone: writing's milestone period has the case's cohort;
- gap: the disadvantaged group's latest maths figure (and so the gap, from its smaller group);
- sustainability: persistent absence after an ended deployment.
Everything else rests on 30 or more pupils. The cohort None is an uploaded figure with no cohort.
"""

from __future__ import annotations

import datetime as dt

from tests.e2e.workbooks import workbook_bytes

URN = "990901"
SCHOOL = "Disclosure Test Primary"
BASE, MID, MILE, LATEST, TARGET = ("2023/24 Summer 2", "2024/25 Autumn 2", "2024/25 Summer 2",
                                   "2025/26 Autumn 2", "2026/27 Summer 2")
COHORTS = [None, 3, 5, 12]  # unknown, hidden, at the limit (shown), comfortably shown
LIMIT = 5

# kind -> (target id, the planted figures that rest on the case's cohort)
PLANTED = {
    "latest": ("T-LATEST", [61.37]),
    "baseline": ("T-BASE", [47.93]),
    "milestone": ("T-MILE", [52.64, 58.71]),  # the figure at the milestone, the milestone
    "gap": ("T-GAP", [36.19, 33.81]),  # the gap, and its smaller group (disadvantaged)
    "sustainability": ("T-SUS", [23.46, 5.46]),  # the figure since, and the change from 18
}


def hidden(cohort) -> bool:
    """The expectation, written out (not the rule under test): unknown or below 5 is hidden."""
    return cohort is None or cohort < LIMIT


def sheets(cohort, urn: str = URN, school: str = SCHOOL, prefix: str = ""
           ) -> dict[str, list[list]]:
    """The workbook's sheets with the case's cohort (None = left blank) on every planted figure.

    urn, school and prefix (put before every target and deployment id) let one store hold
    several cases side by side."""
    c = "" if cohort is None else cohort
    gap_c = "" if cohort is None else min(cohort, 40)  # a gap carries its smaller group
    measures = [["urn", "period", "measure", "subgroup", "value", "cohort"]]

    def add(period, measure, value, n, subgroup="All"):
        measures.append([urn, period, measure, subgroup, value, n])

    add(BASE, "reading_exs", 40.0, 30)
    add(MID, "reading_exs", 50.0, 30)
    add(LATEST, "reading_exs", 61.37, c)
    add(BASE, "maths_exs", 47.93, c)
    add(LATEST, "maths_exs", 55.0, 30)
    add(MILE, "writing_exs", 52.64, c)
    add(LATEST, "writing_exs", 60.0, 30)
    add(MID, "maths_exs", 30.0, 30, "Disadvantaged")
    add(MID, "maths_exs", 68.0, 40, "Not disadvantaged")
    add(MID, "disadvantaged_gap_maths_exs", 38.0, 30)
    add(LATEST, "maths_exs", 33.81, c, "Disadvantaged")
    add(LATEST, "maths_exs", 70.0, 40, "Not disadvantaged")
    add(LATEST, "disadvantaged_gap_maths_exs", 36.19, gap_c)
    add(BASE, "persistent_absence", 20.0, 30)
    add(MID, "persistent_absence", 18.0, 30)
    add(LATEST, "persistent_absence", 23.46, c)
    target_head = ["target_id", "client_urn", "deployment_id", "measure", "subgroup",
                   "baseline_value", "baseline_period", "target_value", "target_period"]
    return {
        "schools": [["urn", "school_name", "phase", "local_authority", "role"],
                    [urn, school, "Primary", "Testshire", "Client"]],
        "deployments": [
            ["deployment_id", "client_urn", "leader_name", "leader_role", "home_urn",
             "focus_areas", "start_date", "end_date", "days_committed", "funding_source",
             "funding_amount"],
            [prefix + "DT1", urn, "Robin Running", "NLE", "", "Reading; Maths; Writing",
             dt.datetime(2024, 9, 2), dt.datetime(2027, 7, 16), 20, "Trust", 8000],
            [prefix + "DT2", urn, "Alex Ended", "SLE", "", "Attendance",
             dt.datetime(2024, 9, 2), dt.datetime(2024, 12, 18), 6, "Trust", 2400],
        ],
        "targets": [
            target_head,
            [prefix + "T-LATEST", urn, prefix + "DT1", "reading_exs", "All", 40, BASE, 80,
             TARGET],
            [prefix + "T-BASE", urn, prefix + "DT1", "maths_exs", "All", 47.93, BASE, 71,
             TARGET],
            [prefix + "T-MILE", urn, prefix + "DT1", "writing_exs", "All", 42, BASE, 75,
             TARGET],
            [prefix + "T-GAP", urn, prefix + "DT1", "disadvantaged_gap_maths_exs", "All", 40, BASE,
             19, TARGET],
            [prefix + "T-SUS", urn, prefix + "DT2", "persistent_absence", "All", 20, BASE, 12,
             TARGET],
        ],
        "milestones": [["target_id", "period", "value"], [prefix + "T-MILE", MILE, 58.71]],
        "measures": measures,
        "visits": [
            ["deployment_id", "visit_date", "days", "focus_area", "progress", "summary",
             "next_steps", "qa_status"],
            [prefix + "DT1", dt.datetime(2024, 10, 7), 1, "Reading", "Amber", "Guided reading.",
             "Fluency.", "Checked"],
            [prefix + "DT2", dt.datetime(2024, 11, 4), 1, "Attendance", "Green", "Registers.", "",
             "Checked"],
        ],
    }


def workbook(cohort, **school) -> bytes:
    return workbook_bytes(sheets(cohort, **school))
