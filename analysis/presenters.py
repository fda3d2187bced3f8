"""Tables and words as the pages show them: pure pandas, no Streamlit (testable without a page).

Each takes what it needs (the school names, the small-cohort setting) as arguments; the pages
pass them from app_pages/loads.py.
"""

from __future__ import annotations

import pandas as pd

from analysis import access, disclosure, formats, national, style
from analysis.plain_words import subgroup_suffix, with_direction
from analysis.schema import STATUS_ORDER, measure_label

STATUS_LEGEND = (
    "★ Achieved · ● On track · ▲ At risk (behind plan, within the tolerance) · "
    "✖ Off track · ■ Missed (deadline passed) · ○ No data yet"
)


def status_badge(status: str) -> str:
    """A status in words with its shape, so it never depends on colour."""
    return style.status_badge_text(status)


def exceptions_first(progress: pd.DataFrame) -> pd.DataFrame:
    order = {status: i for i, status in enumerate(STATUS_ORDER)}
    ranked = progress.assign(_rank=progress["status"].map(order))
    return ranked.sort_values(["_rank", "measure"]).drop(columns="_rank")


def governor_rule(target: pd.Series, small: int) -> str:
    """The status rule in words, unless its figures rest on a small cohort (then say so instead)."""
    cohort = target.get("cohort")
    if pd.notna(cohort) and cohort < small:
        return (f"{target['status']}: the latest figure is based on fewer than {small} pupils, "
                "so it is not shown.")
    return str(target["rule"])


def national_series(measure: str, subgroup: str, phase: str | None = None) -> pd.DataFrame:
    """Published national figures by academic year for a measure, by phase where published."""
    return national.national_series(measure, subgroup, phase)


def audit_table(log: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """The audit log as an administrator reads it: UK local time, the action in words."""
    when = pd.to_datetime(log["at"], utc=True).dt.tz_convert("Europe/London")
    return pd.DataFrame({
        "When": when.dt.strftime(formats.DATETIME_SECONDS_FORMAT),
        "Who": log["who"],
        "What": log["action"].map(lambda a: access.ACTION_WORDS.get(a, a)),
        "School": log["urn"].map(lambda u: "" if u is None or pd.isna(u)
                                 else f"{names.get(u, u)} ({u})"),
        "Detail": log["detail"],
    })


def problems_table(problems: pd.DataFrame) -> pd.DataFrame:
    """Problems as the administrator reads them, in spreadsheet order: file, sheet, row, column."""
    table = problems.rename(
        columns={"file": "File", "sheet": "Sheet", "row": "Row", "column": "Column",
                 "message": "Problem"}
    )
    table["Row"] = table["Row"].astype("Int64")
    table = table.sort_values(["File", "Sheet", "Row"], na_position="first", kind="stable")
    # A CSV has no sheet and a whole-file problem no column: blank, where the grid said "None".
    return table.fillna({"Sheet": "", "Column": ""})


KIND_WORDS = {
    "outcomes": "Pupil outcomes", "schools": "Schools", "deployments": "Deployments",
    "targets": "Targets", "milestones": "Milestones", "visits": "Visit records",
    "inspections": "Inspections", "school_measures": "School-level figures", "batch": "Upload",
}
CHANGE_WORDS = {"new": "Add", "replace": "Replace", "changed": "Change", "unchanged": "No change",
                "duplicate": "Already imported"}


def preview_table(changes: pd.DataFrame) -> pd.DataFrame:
    """Store.preview's lines in words: what kind of record, what happens, the detail."""
    return pd.DataFrame({
        "Records": changes["kind"].map(lambda k: KIND_WORDS.get(k, k)),
        "Change": changes["what"].map(lambda w: CHANGE_WORDS.get(w, w)),
        "Detail": changes["detail"],
    })


def history_table(history: pd.DataFrame) -> pd.DataFrame:
    """Upload history with UK local times and plain column names."""
    when = pd.to_datetime(history["created_at"], utc=True).dt.tz_convert("Europe/London")
    return pd.DataFrame({
        "Upload": history["batch_id"],
        "When": when.dt.strftime(formats.DATETIME_FORMAT),
        "Who": history["user"],
        "Files": history["files"],
        "What it did": history["summary"],
        "Undone": history["undone"].map({True: "Undone", False: ""}),
    })


def batch_label(history: pd.DataFrame, batch_id) -> str:
    row = history[history["batch_id"] == batch_id].iloc[0]
    when = pd.Timestamp(row["created_at"]).tz_convert("Europe/London")
    return f"Upload {batch_id}: {when.strftime(formats.DATETIME_FORMAT)} by {row['user']}: {row['summary']}"


def moved_table(moved: pd.DataFrame, names: dict[str, str], small: int) -> pd.DataFrame:
    """The targets an import moved (portfolio.compare_progress): status before and after."""
    return pd.DataFrame({
        "School": moved["client_urn"].map(lambda u: names.get(u, u)),
        # Never '(All)' after a measure; 'lower is better' beside such measures (plain_words).
        "Target": [with_direction(measure_label(m) + subgroup_suffix(g), m)
                   for m, g in zip(moved["measure"], moved["subgroup"], strict=True)],
        "Was": moved["status_before"].fillna("new target").map(
            lambda s: status_badge(s) if s != "new target" else s),
        "Now": moved["status_after"].map(status_badge),
        "Latest figure": [
            # The one rule (analysis.disclosure): a small or unknown cohort is hidden.
            style.small_cohort_text(small) if pd.notna(v) and disclosure.is_hidden(c, small)
            else "no figure yet" if pd.isna(v)
            else f"{formats.format_value(v, m)} in {p}"
            for v, m, p, c in zip(moved["latest_value_after"], moved["measure"],
                                  moved["latest_period_after"], moved["cohort"], strict=True)
        ],
    })


def deployment_table(summary: pd.DataFrame, names: dict[str, str],
                     progress: pd.DataFrame | None = None, as_of=None) -> pd.DataFrame:
    """The deployment register as people read it: the role spelled out, UK dates, one money
    format, the day rate, delivery flags and the targets' statuses (deployments.register_table),
    judged at as_of (the data's date; today when not given)."""
    import datetime as dt

    from analysis.deployments import register_table

    return register_table(summary, progress, names, as_of or dt.date.today())


def visit_table(visits: pd.DataFrame) -> pd.DataFrame:
    """Visit records with UK dates and the columns an administrator checks."""
    table = visits.copy()
    table["visit_date"] = formats.date_column(table["visit_date"])
    columns = [c for c in ["visit_date", "leader_name", "deployment_id", "days", "focus_area",
                           "progress", "summary", "next_steps", "qa_status"] if c in table]
    return table[columns].rename(columns=lambda c: c.replace("_", " ").capitalize())
