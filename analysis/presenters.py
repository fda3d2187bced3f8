"""Tables and words as the pages show them: pure pandas, no Streamlit (testable without a page).

Each takes what it needs (the school names, the small-cohort setting) as arguments; the pages
pass them from app_pages/loads.py.
"""

from __future__ import annotations

import pandas as pd

from analysis import access, disclosure, formats, national, style
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


def national_series(measure: str, subgroup: str) -> pd.DataFrame:
    """Published national figures by academic year for a measure (empty where there are none)."""
    figures = national.national_figures()
    return figures[(figures["measure"] == measure) & (figures["subgroup"] == subgroup)]


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
    return table.sort_values(["File", "Sheet", "Row"], na_position="first", kind="stable")


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
        "Target": moved["measure"].map(measure_label) + " (" + moved["subgroup"] + ")",
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


def deployment_table(summary: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """The deployment register as people read it: names, dates in UK format, money in pounds."""
    table = pd.DataFrame({
        "Leader": summary["leader_name"],
        "Role": summary["leader_role"],
        "Home school": summary["home_urn"].map(lambda u: names.get(u, u)),
        "Client school": summary["client_urn"].map(lambda u: names.get(u, u)),
        "Focus": summary["focus_areas"],
        "Start": formats.date_column(summary["start_date"]),
        "End": formats.date_column(summary["end_date"]),
        "Days committed": summary["days_committed"],
        "Days delivered": summary["days_delivered"],
        "Used": (summary["utilisation"] * 100).round(0).map(lambda v: f"{v:.0f}%"),
        "Funding": summary["funding_amount"].map(lambda v: "" if pd.isna(v) else f"£{v:,.0f}"),
        "Cost per day": summary["cost_per_day"].map(lambda v: "" if pd.isna(v) else f"£{v:,.0f}"),
        "Off focus": (summary["creep_share"] * 100).round(0).map(lambda v: f"{v:.0f}%"),
        "Creep flag": summary["creep_flag"].map({True: "⚑ Yes", False: ""}),
        "Awaiting QA": summary["qa_pending"],
        "Last visit": formats.date_column(summary["last_visit_date"]),
    })
    text = table.select_dtypes(exclude="number").columns
    table[text] = table[text].fillna("")
    return table


def visit_table(visits: pd.DataFrame) -> pd.DataFrame:
    """Visit records with UK dates and the columns an administrator checks."""
    table = visits.copy()
    table["visit_date"] = formats.date_column(table["visit_date"])
    columns = [c for c in ["visit_date", "leader_name", "deployment_id", "days", "focus_area",
                           "progress", "summary", "next_steps", "qa_status"] if c in table]
    return table[columns].rename(columns=lambda c: c.replace("_", " ").capitalize())
