"""Across every client school: the executive principal's overview, exceptions first."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from analysis.deployments import active_deployments, spend_to_date
from analysis.periods import period_index, period_indexes
from analysis.schema import OLD_SCALE, REPORT_CARD_GRADES, STATUS_ORDER


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
    old = judgements[judgements.isin(OLD_SCALE)].value_counts()
    if not judgements.isin(REPORT_CARD_GRADES).any() and not old.empty:
        # Key judgements with no overall grade (September 2024 to November 2025), as written.
        return "Key judgements, no overall grade: " + ", ".join(
            f"{old[g]} {g}" for g in OLD_SCALE if g in old)
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
    creep_flags, qa_pending, over_delivered, ended_unused. `today` is the date deployments are
    judged at: pass deployments.data_date (the end of the latest data period), not the clock.
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
    table = add_policy_columns(table, clients, inspections)

    summary = deployment_summary.copy()
    if summary.empty:
        summary = pd.DataFrame(columns=list(deployment_summary.columns) + ["active"])
    summary["active"] = summary.index.isin(active_deployments(summary, today).index)
    if "spend_to_date" not in summary:
        # Spend to date: the one day rate (deployments.day_rate) times the days delivered,
        # capped at the funding agreed.
        summary["spend_to_date"] = spend_to_date(
            summary["funding_amount"], summary["days_committed"], summary["days_delivered"])
    summary["over"] = (pd.to_numeric(summary["days_delivered"]) > pd.to_numeric(
        summary["days_committed"])).fillna(False).astype(bool)
    ended = pd.to_datetime(summary["end_date"], errors="coerce") < pd.Timestamp(today)
    summary["unused"] = (ended & (pd.to_numeric(summary["days_delivered"]) < pd.to_numeric(
        summary["days_committed"]))).fillna(False).astype(bool)
    per_school = summary.groupby("client_urn").agg(
        active_deployments=("active", "sum"),
        deployments=("deployment_id", "count"),
        days_committed=("days_committed", "sum"),
        days_delivered=("days_delivered", "sum"),
        funding=("funding_amount", "sum"),
        spend_to_date=("spend_to_date", "sum"),
        creep_flags=("creep_flag", "sum"),
        qa_pending=("qa_pending", "sum"),
        over_delivered=("over", "sum"),
        ended_unused=("unused", "sum"),
    )
    table = table.merge(per_school, left_on="urn", right_index=True, how="left")
    for column in ["active_deployments", "deployments", "creep_flags", "qa_pending",
                   "over_delivered", "ended_unused"]:
        table[column] = table[column].fillna(0).astype(int)
    for column in ["days_committed", "days_delivered", "funding", "spend_to_date"]:
        table[column] = table[column].astype(float).fillna(0.0)

    # Exceptions first: most targets off track or missed, then at risk, then by name.
    table = table.sort_values(
        ["Off track", "Missed", "At risk", "school_name"], ascending=[False, False, False, True]
    )
    return table.reset_index(drop=True)


def add_policy_columns(table: pd.DataFrame, schools: pd.DataFrame,
                       inspections: pd.DataFrame | None) -> pd.DataFrame:
    """table (urn) -> the same plus rise (the RISE tier in a few words, '' when none) and stuck
    (bool: requires improvement at the latest inspection and below good at the one before)."""
    from analysis.policy import rise_tier_short, stuck_urns

    columns = [c for c in ("urn", "rise_tier", "rise_tier_start") if c in schools]
    rise = {r["urn"]: rise_tier_short(r) for r in schools[columns].to_dict("records")}
    stuck = stuck_urns(inspections)
    return table.assign(
        rise=table["urn"].map(lambda u: rise.get(u, "")),
        stuck=table["urn"].isin(stuck).astype(bool),
    )


def filter_by_year(progress: pd.DataFrame, academic_year: str | None) -> pd.DataFrame:
    """progress -> the targets whose baseline-to-target span overlaps the academic year."""
    if not academic_year or progress.empty:
        return progress
    first = period_index(f"{academic_year} Autumn 1")
    last = first + 5
    start = period_indexes(progress["baseline_period"])
    end = period_indexes(progress["target_period"])
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


SCHOOL_VALUE_COLUMNS = ["urn", "targets", "good", "spend_to_date", "days_delivered",
                        "good_per_1000", "good_per_day", "sentence"]


def school_value(progress: pd.DataFrame, deployment_summary: pd.DataFrame,
                 urns: list[str]) -> pd.DataFrame:
    """progress + deployment_summary -> per school: targets, good (achieved or on track),
    spend_to_date, days_delivered, good_per_1000, good_per_day and a sentence."""
    from analysis.formats import format_money
    from analysis.narrative import format_days
    from analysis.plain_words import targets_good_words

    rows = []
    for urn in urns:
        mine = progress[progress["client_urn"] == urn] if not progress.empty else progress
        support = deployment_summary[deployment_summary["client_urn"] == urn]
        good = int(mine["status"].isin(["Achieved", "On track"]).sum()) if len(mine) else 0
        spend = float(support["spend_to_date"].sum(min_count=1)) if len(support) else float("nan")
        days = float(support["days_delivered"].sum()) if len(support) else 0.0
        per_1000 = good / spend * 1000 if len(mine) and spend and spend > 0 else float("nan")
        per_day = good / days if len(mine) and days > 0 else float("nan")
        if support.empty:
            sentence = "No deployments are recorded, so there is no spend or time to set beside the targets."
        else:
            money = f" costing {format_money(spend)} so far" if pd.notna(spend) else ""
            sentence = f"{format_days(days)} of support delivered{money}; "
            if mine.empty:
                sentence += "no targets are recorded to set them against."
            else:
                rates = [f"{_rate(per_1000)} per £1,000" if pd.notna(per_1000) else None,
                         f"{_rate(per_day)} per day" if pd.notna(per_day) else None]
                rates = [r for r in rates if r]
                sentence += (targets_good_words(good, len(mine)).replace("its ", "the school's ", 1)
                             + (f" ({' and '.join(rates)})." if rates and good else "."))
        rows.append({"urn": urn, "targets": len(mine), "good": good, "spend_to_date": spend,
                     "days_delivered": days, "good_per_1000": per_1000, "good_per_day": per_day,
                     "sentence": sentence})
    return pd.DataFrame(rows, columns=SCHOOL_VALUE_COLUMNS)


def _rate(value: float) -> str:
    return "0" if value == 0 else f"{value:.2f}"


def overview_display(table: pd.DataFrame) -> pd.DataFrame:
    """school_overview -> the overview's columns as people read them, spend and days beside the
    statuses (not off-screen), money in the one format ('£49,150'), the flags in words."""
    from analysis.formats import NO_FUNDING, format_money
    from analysis.narrative import format_days

    def flags(over: int, unused: int) -> str:
        parts = []
        if over:
            parts.append(f"⚑ {over} over-delivered")
        if unused:
            parts.append(f"⚑ {unused} ended with days unused")
        return "; ".join(parts)

    return pd.DataFrame({
        "School": table["school_name"],
        "Phase": table["phase"],
        **{s: table[s] for s in STATUS_ORDER},
        "Days used": [f"{format_days(u).removesuffix(' days').removesuffix(' day')} of "
                      f"{format_days(c)}" for u, c in
                      zip(table["days_delivered"], table["days_committed"], strict=True)],
        "Spend to date": [f"{format_money(s)} of {format_money(f)}" if f else NO_FUNDING
                          for s, f in zip(table["spend_to_date"], table["funding"], strict=True)],
        "Running": table["active_deployments"],
        "Delivery": [flags(o, u) for o, u in
                     zip(table["over_delivered"], table["ended_unused"], strict=True)],
        "Latest inspection": table["inspection"].fillna("none recorded"),
        "RISE support": table["rise"] if "rise" in table else "",
        "Stuck": table["stuck"].map({True: "⚑ Stuck", False: ""}) if "stuck" in table else "",
        "Local authority": table["local_authority"],
        "Creep flags": table["creep_flags"],
        "Visit records awaiting QA": table["qa_pending"],
    }).reset_index(drop=True)
