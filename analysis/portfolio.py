"""Across every client school: the executive principal's overview, exceptions first."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from analysis.deployments import active_deployments
from analysis.periods import period_index
from analysis.schema import REPORT_CARD_GRADES, STATUS_ORDER


def latest_inspection(inspections: pd.DataFrame) -> pd.DataFrame:
    """inspections -> urn, inspection_date, inspection (one plain-words line per school)."""
    columns = ["urn", "inspection_date", "inspection"]
    if inspections is None or inspections.empty:
        return pd.DataFrame(columns=columns)
    frame = inspections.copy()
    frame["inspection_date"] = pd.to_datetime(frame["inspection_date"], errors="coerce")
    # Vectorised over every school at once (a loop per school cost ~1 s at 500 schools): keep
    # each school's rows of its latest date, then its Overall judgement or its report card.
    latest_date = frame.groupby("urn")["inspection_date"].transform("max")
    latest = frame[frame["inspection_date"] == latest_date]
    dates = latest.groupby("urn", sort=True)["inspection_date"].first()
    overall = latest[latest["area"].astype(str).str.lower() == "overall"]
    text = overall.groupby("urn")["judgement"].first().astype(str)
    cards = latest[~latest["urn"].isin(text.index)]
    if not cards.empty:
        text = pd.concat([text, cards.groupby("urn").apply(_report_card_line)])
    out = pd.DataFrame({"urn": dates.index.astype(str), "inspection_date": dates.to_numpy(),
                        "inspection": text.reindex(dates.index).to_numpy(dtype=object)})
    return out[columns].reset_index(drop=True)


def _report_card_line(card: pd.DataFrame) -> str:
    # Report cards are never converted into the old four-point scale: summarise the grades.
    """A report card's rows -> 'Report card: 1 Needs attention, 4 Expected standard; safeguarding met'."""
    judgements = card["judgement"].astype(str)
    safeguarding = card[card["area"].astype(str).str.lower() == "safeguarding"]["judgement"]
    counts = judgements[judgements.isin(REPORT_CARD_GRADES)].value_counts()
    parts = [f"{counts[g]} {g}" for g in REPORT_CARD_GRADES if g in counts]
    line = "Report card: " + ", ".join(parts) if parts else "Report card"
    if not safeguarding.empty:
        line += f"; safeguarding {str(safeguarding.iloc[0]).lower()}"
    return line


def status_counts(progress: pd.DataFrame) -> pd.DataFrame:
    """progress -> client_urn plus one count column per status (all six, zero-filled)."""
    if progress is None or progress.empty:
        return pd.DataFrame(columns=["client_urn", *STATUS_ORDER])
    counts = pd.crosstab(progress["client_urn"], progress["status"])
    counts = counts.reindex(columns=STATUS_ORDER, fill_value=0).reset_index()
    counts.columns.name = None
    return counts


def school_overview(
    schools: pd.DataFrame,
    progress: pd.DataFrame,
    deployment_summary: pd.DataFrame,
    inspections: pd.DataFrame,
    today: dt.date | None = None,
) -> pd.DataFrame:
    """One row per client school, exceptions first.

    Returns urn, school_name, phase, local_authority, the six status counts, targets,
    inspection, active_deployments, days_committed, days_delivered, funding, spend_to_date,
    creep_flags, qa_pending.
    """
    today = today or dt.date.today()
    clients = schools[schools["role"].astype(str).str.lower() == "client"]
    table = clients[["urn", "school_name", "phase", "local_authority"]].copy()

    counts = status_counts(progress).rename(columns={"client_urn": "urn"})
    table = table.merge(counts, on="urn", how="left")
    table[STATUS_ORDER] = table[STATUS_ORDER].fillna(0).astype(int)
    table["targets"] = table[STATUS_ORDER].sum(axis=1)

    table = table.merge(
        latest_inspection(inspections)[["urn", "inspection"]], on="urn", how="left"
    )

    summary = deployment_summary.copy()
    if summary.empty:
        summary = pd.DataFrame(columns=list(deployment_summary.columns) + ["active"])
    summary["active"] = summary.index.isin(active_deployments(summary, today).index)
    # Spend to date: funding is drawn as days are delivered, capped at the funding agreed.
    delivered_share = (summary["days_delivered"] / summary["days_committed"]).clip(upper=1)
    summary["spend_to_date"] = summary["funding_amount"] * delivered_share
    per_school = summary.groupby("client_urn").agg(
        active_deployments=("active", "sum"),
        deployments=("deployment_id", "count"),
        days_committed=("days_committed", "sum"),
        days_delivered=("days_delivered", "sum"),
        funding=("funding_amount", "sum"),
        spend_to_date=("spend_to_date", "sum"),
        creep_flags=("creep_flag", "sum"),
        qa_pending=("qa_pending", "sum"),
    )
    table = table.merge(per_school, left_on="urn", right_index=True, how="left")
    for column in ["active_deployments", "deployments", "creep_flags", "qa_pending"]:
        table[column] = table[column].fillna(0).astype(int)
    for column in ["days_committed", "days_delivered", "funding", "spend_to_date"]:
        table[column] = table[column].astype(float).fillna(0.0)

    # Exceptions first: most targets off track or missed, then at risk, then by name.
    table = table.sort_values(
        ["Off track", "Missed", "At risk", "school_name"], ascending=[False, False, False, True]
    )
    return table.reset_index(drop=True)


def filter_by_year(progress: pd.DataFrame, academic_year: str | None) -> pd.DataFrame:
    """progress -> the targets whose baseline-to-target span overlaps the academic year."""
    if not academic_year or progress.empty:
        return progress
    first = period_index(f"{academic_year} Autumn 1")
    last = first + 5
    start = progress["baseline_period"].map(period_index)
    end = progress["target_period"].map(period_index)
    return progress[(start <= last) & (end >= first)]


def deployments_in_year(deployments: pd.DataFrame, academic_year: str | None) -> pd.DataFrame:
    """deployments -> those running at some point in the academic year (1 Sep to 31 Aug)."""
    if not academic_year or deployments.empty:
        return deployments
    start_year = int(academic_year[:4])
    first, last = pd.Timestamp(start_year, 9, 1), pd.Timestamp(start_year + 1, 8, 31)
    start = pd.to_datetime(deployments["start_date"], errors="coerce")
    end = pd.to_datetime(deployments["end_date"], errors="coerce")
    return deployments[(start.isna() | (start <= last)) & (end.isna() | (end >= first))]


def compare_progress(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Two progress frames -> the targets whose status or latest figure changed (or are new).

    Returns target_id, client_urn, measure, subgroup, status_before, status_after,
    latest_period_before, latest_period_after, latest_value_before, latest_value_after, cohort.
    """
    keep = ["target_id", "status", "latest_period", "latest_value"]
    merged = after.merge(
        before[keep] if not before.empty else pd.DataFrame(columns=keep),
        on="target_id", how="left", suffixes=("_after", "_before"),
    )
    # Missing periods may arrive as None, NaN or NA: compare them all as "".
    def text(column: str) -> pd.Series:
        return merged[column].astype(object).where(merged[column].notna(), "").astype(str)

    moved = (text("status_after") != text("status_before")) | (
        text("latest_period_after") != text("latest_period_before"))
    columns = [
        "target_id", "client_urn", "measure", "subgroup", "status_before", "status_after",
        "latest_period_before", "latest_period_after", "latest_value_before", "latest_value_after",
        "cohort",
    ]
    return merged.loc[moved, columns].reset_index(drop=True)


def filter_portfolio(
    schools: pd.DataFrame,
    deployments: pd.DataFrame,
    progress: pd.DataFrame,
    deployment_summary: pd.DataFrame,
    academic_year: str | None = None,
    phases: list[str] | None = None,
    authorities: list[str] | None = None,
    leader_roles: list[str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The overview's filters -> (schools, progress, deployment_summary) that pass them all.

    A leader-role filter keeps the schools those leaders work in; empty filters keep everything.
    """
    if phases:
        schools = schools[schools["phase"].isin(phases)]
    if authorities:
        schools = schools[schools["local_authority"].isin(authorities)]
    deployments = deployments_in_year(deployments, academic_year)
    if leader_roles:
        deployments = deployments[deployments["leader_role"].isin(leader_roles)]
        schools = schools[schools["urn"].isin(deployments["client_urn"])]
    summary = deployment_summary[
        deployment_summary["deployment_id"].isin(deployments["deployment_id"])]
    return schools, filter_by_year(progress, academic_year), summary
