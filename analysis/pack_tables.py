"""The tables behind the governors' pack: governor-safe by construction.

Made only from governed facts (analysis.governed: every figure the disclosure rule hides is
already missing there) and school-level frames (never pupil rows); the visit records' free text
(a leader may have named a pupil there) is left out. A hidden figure is written as the words
`fewer than 5 pupils`. `pack_tables` is what the XLSX/CSV downloads write; analysis/pack.py
prints the PDF from the same tables.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial

import pandas as pd

from analysis import disclosure, formats, governed, narrative, portfolio
from analysis.agreed_plan import plan_history, target_sentences
from analysis.plain_words import role_words
from analysis.progress import judge_progress
from analysis.schema import Settings, measure_label
from analysis.style import STATUS_ORDER


def hidden_text(settings: Settings) -> str:
    """The words shown instead of a figure whose cohort is too small (or unknown)."""
    return disclosure.hidden_words(settings.small_cohort)


# ---- the facts behind the pack ----------------------------------------------------------------

@dataclass
class PackFacts:
    """Everything one pack needs, computed once: the dataset's frames, progress, the governed
    progress (hidden figures removed), the deployment summary and the overview."""

    dataset: object
    settings: Settings
    progress: pd.DataFrame
    summary: pd.DataFrame
    overview: pd.DataFrame
    governed: pd.DataFrame
    # The date the data runs to (deployments.data_date): "running" and "ended" are judged here.
    as_of: dt.date | None = None


def pack_facts(dataset, settings: Settings, progress: pd.DataFrame | None = None,
               deployment_summary: pd.DataFrame | None = None,
               today: dt.date | None = None) -> PackFacts:
    """Dataset -> PackFacts; pass progress / deployment_summary when a caller has them cached."""
    if progress is None:
        progress = judge_progress(dataset.targets, dataset.milestones, dataset.measures, settings)
    if deployment_summary is None:
        from analysis.deployments import summarise_deployments

        deployment_summary = summarise_deployments(dataset.deployments, dataset.visits, settings)
    from analysis.deployments import data_date

    as_of = today or data_date(dataset.measures, dataset.visits)[0]
    overview = portfolio.school_overview(
        dataset.schools, progress, deployment_summary, dataset.inspections, today=as_of
    )
    safe = governed.governed_progress(progress, dataset.measures, dataset.milestones, settings)
    return PackFacts(dataset, settings, progress, deployment_summary, overview, safe, as_of)


def _missing(value) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value))


def _number(value) -> float | None:
    if value is None or isinstance(value, str) or pd.isna(value):
        return None
    return float(value)


def printed(value, measure: str) -> str:
    """A table cell -> printed: numbers as narrative formats them, the hidden words unchanged."""
    if isinstance(value, str):
        return value
    if value is None or pd.isna(value):
        return "–"
    return narrative.format_value(float(value), measure)


# The pack's tables and boxes write a missing amount as "–"; the format is formats.format_money's.
_money = partial(formats.format_money, missing="–")


def _days(value) -> str:
    return formats.number(0.0 if value is None or pd.isna(value) else float(value))


def _date(value) -> str:
    return formats.format_date(value)


# ---- governor-safe tables ---------------------------------------------------------------------

def _school_names(dataset) -> dict[str, str]:
    return dict(zip(dataset.schools["urn"], dataset.schools["school_name"], strict=False))


def _status_key(status: str) -> int:
    return STATUS_ORDER.index(status) if status in STATUS_ORDER else len(STATUS_ORDER)


def _targets_table(facts: PackFacts, urns: list[str]) -> pd.DataFrame:
    """governed progress -> the targets table, exceptions first; hidden figures in words."""
    settings, names = facts.settings, _school_names(facts.dataset)
    hide = hidden_text(settings)
    progress = facts.governed[facts.governed["client_urn"].isin(urns)]
    # When the plan was agreed and every later change to a target: never silent (issue 11).
    plan = plan_history(facts.dataset.target_plan, facts.dataset.targets)
    rows = []
    for _, row in progress.iterrows():
        rows.append({
            "URN": row["client_urn"],
            "School": names.get(row["client_urn"], row["client_urn"]),
            "Target": row["target_id"],
            "Deployment": row.get("deployment_id"),
            "Measure": measure_label(row["measure"]),
            "Subgroup": row["subgroup"],
            "Status": row["status"],
            "Rule": row["rule"],
            "Baseline": hide if row["baseline_hidden"] else _number(row["baseline_value"]),
            "Baseline period": row["baseline_period"],
            "Target value": _number(row["target_value"]),
            "Target period": row["target_period"],
            "Latest": hide if row["latest_hidden"] else _number(row.get("latest_value")),
            "Latest period": row.get("latest_period"),
            "Pupils": hide if row["latest_hidden"] else _number(row.get("cohort")),
            "Expected": hide if row["plan_hidden"] else _number(row.get("expected_value")),
            "Projected": (hide if row["projection_hidden"] and not _missing(
                row.get("latest_period")) else _number(row.get("projected_value"))),
            "Sentence": row["sentence"],
            "Plan history": "; ".join(target_sentences(plan, row["target_id"])),
            "_measure": row["measure"],
        })
    table = pd.DataFrame(rows, columns=[
        "URN", "School", "Target", "Deployment", "Measure", "Subgroup", "Status",
        "Rule", "Baseline", "Baseline period", "Target value", "Target period", "Latest",
        "Latest period", "Pupils", "Expected", "Projected", "Sentence", "Plan history", "_measure",
    ])
    if table.empty:
        return table
    order = table["Status"].map(_status_key)
    return table.assign(_o=order).sort_values(["_o", "School", "Target"]).drop(columns="_o")


def _measures_table(facts: PackFacts, targets: pd.DataFrame) -> pd.DataFrame:
    """governed figures -> every period of each targeted measure and subgroup, hidden in words."""
    hide, rows = hidden_text(facts.settings), []
    seen, series_rows = set(), governed.series_rows(facts.dataset.measures)
    for _, target in targets.iterrows():
        key = (target["URN"], target["_measure"], target["Subgroup"])
        if key in seen:
            continue
        seen.add(key)
        series = governed.series_frame(series_rows.get(tuple(map(str, key)), []), facts.settings)
        for _, point in series.iterrows():
            rows.append({
                "URN": key[0], "School": target["School"], "Measure": target["Measure"],
                "Subgroup": key[2], "Period": point["period"],
                "Value": hide if point["hidden"] else _number(point["value"]),
                "Pupils": hide if point["hidden"] else _number(point["cohort"]),
                "_measure": key[1],
            })
    return pd.DataFrame(rows, columns=["URN", "School", "Measure", "Subgroup", "Period",
                                       "Value", "Pupils", "_measure"])

def _ratings(visits: pd.DataFrame) -> pd.DataFrame:
    """visits -> deployment_id, latest rating, Green/Amber/Red counts (leaders' own ratings)."""
    columns = ["deployment_id", "Latest rating", "Green", "Amber", "Red"]
    if visits is None or visits.empty:
        return pd.DataFrame(columns=columns)
    frame = visits.assign(_date=pd.to_datetime(visits["visit_date"], errors="coerce"))
    rows = []
    for deployment_id, group in frame.groupby("deployment_id"):
        rated = group.dropna(subset=["progress"]).sort_values("_date")
        counts = rated["progress"].value_counts()
        rows.append({
            "deployment_id": deployment_id,
            "Latest rating": rated["progress"].iloc[-1] if not rated.empty else None,
            **{c: int(counts.get(c, 0)) for c in ("Green", "Amber", "Red")},
        })
    return pd.DataFrame(rows, columns=columns)


def _deployments_table(facts: PackFacts, urns: list[str]) -> pd.DataFrame:
    """deployment_summary + visits -> one governor-safe row per deployment (no visit free text)."""
    names = _school_names(facts.dataset)
    summary = facts.summary[facts.summary["client_urn"].isin(urns)]
    summary = summary.merge(_ratings(facts.dataset.visits), on="deployment_id", how="left")
    rows = []
    for _, d in summary.iterrows():
        rows.append({
            "URN": d["client_urn"], "School": names.get(d["client_urn"], d["client_urn"]),
            "Deployment": d["deployment_id"], "Leader": d["leader_name"],
            "Role": role_words(d["leader_role"]),
            "Home school": names.get(d.get("home_urn"), d.get("home_urn")),
            "Focus": d["focus_areas"], "Start": _date(d["start_date"]), "End": _date(d["end_date"]),
            "Days committed": _number(d["days_committed"]),
            "Days delivered": _number(d["days_delivered"]),
            "Utilisation (%)": None if pd.isna(d["utilisation"]) else round(
                100 * float(d["utilisation"]), 1),
            "Off-focus days": _number(d["creep_days"]),
            "Off-focus share (%)": None if pd.isna(d["creep_share"]) else round(
                100 * float(d["creep_share"]), 1),
            "Creep flagged": "Yes" if bool(d["creep_flag"]) else "No",
            "Visits": int(d["visit_count"]) if not pd.isna(d["visit_count"]) else 0,
            "Latest rating": d.get("Latest rating") if not pd.isna(d.get("Latest rating")) else None,
            "Green": int(d["Green"]) if not pd.isna(d.get("Green")) else 0,
            "Amber": int(d["Amber"]) if not pd.isna(d.get("Amber")) else 0,
            "Red": int(d["Red"]) if not pd.isna(d.get("Red")) else 0,
            "QA pending": int(d["qa_pending"]) if not pd.isna(d["qa_pending"]) else 0,
            "Funding source": d["funding_source"],
            "Funding (£)": _number(d["funding_amount"]),
            "Cost per day (£)": None if pd.isna(d["cost_per_day"]) else round(
                float(d["cost_per_day"]), 2),
            "_start": d["start_date"], "_end": d["end_date"],
        })
    columns = ["URN", "School", "Deployment", "Leader", "Role", "Home school", "Focus", "Start",
               "End", "Days committed", "Days delivered", "Utilisation (%)", "Off-focus days",
               "Off-focus share (%)", "Creep flagged", "Visits", "Latest rating", "Green",
               "Amber", "Red", "QA pending", "Funding source", "Funding (£)",
               "Cost per day (£)", "_start", "_end"]
    return pd.DataFrame(rows, columns=columns)


def _summary_table(facts: PackFacts, urns: list[str]) -> pd.DataFrame:
    """school_overview -> one row per school with readable headings."""
    overview = facts.overview[facts.overview["urn"].isin(urns)]
    inspections = portfolio.latest_inspection(facts.dataset.inspections)
    overview = overview.merge(inspections[["urn", "inspection_date"]], on="urn", how="left")
    table = pd.DataFrame({
        "URN": overview["urn"], "School": overview["school_name"], "Phase": overview["phase"],
        "Targets": overview["targets"],
        **{s: overview[s] for s in STATUS_ORDER},
        "Days committed": overview["days_committed"],
        "Days delivered": overview["days_delivered"],
        "Funding (£)": overview["funding"].round(2),
        "Spend to date (£)": overview["spend_to_date"].round(2),
        "Latest inspection": overview["inspection"],
        "Inspection date": overview["inspection_date"].map(_date),
        "Creep flags": overview["creep_flags"], "QA pending": overview["qa_pending"],
    })
    return table.reset_index(drop=True)


def _client_urns(facts: PackFacts) -> list[str]:
    return list(facts.overview["urn"])


def _tables(facts: PackFacts, urns: list[str]) -> dict[str, pd.DataFrame]:
    from analysis.sustainability import sustainability

    targets = _targets_table(facts, urns)
    return {
        "summary": _summary_table(facts, urns),
        "targets": targets,
        "measures": _measures_table(facts, targets),
        "deployments": _deployments_table(facts, urns),
        "sustainability": sustainability(facts, urns),  # analysis/sustainability.py
    }


def _public(table: pd.DataFrame) -> pd.DataFrame:
    """Drop the helper columns (named with a leading underscore) that only the PDF uses."""
    return table[[c for c in table.columns if not str(c).startswith("_")]].reset_index(drop=True)


def pack_tables(dataset, settings: Settings, urn: str | None = None,
                progress: pd.DataFrame | None = None,
                deployment_summary: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """Dataset -> the governor-safe tables behind the pack (one school, or every client school).

    Keys: summary, targets, measures, deployments, sustainability.
    """
    facts = pack_facts(dataset, settings, progress, deployment_summary)
    urns = [urn] if urn else _client_urns(facts)
    return {name: _public(table) for name, table in _tables(facts, urns).items()}
