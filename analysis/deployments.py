"""Deployments + visit records -> days delivered, utilisation, creep, QA backlog and cost per day."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from analysis.schema import COLUMNS, Settings

SUMMARY_COLUMNS = [
    "deployment_id", "client_urn", "leader_name", "leader_role", "home_urn", "focus_areas",
    "start_date", "end_date", "days_committed", "days_delivered", "utilisation", "creep_days",
    "creep_share", "creep_flag", "qa_pending", "funding_source", "funding_amount", "cost_per_day",
    "last_visit_date", "visit_count",
]
HOME_COLUMNS = [
    "home_urn", "home_school_name", "leader_name", "leader_role", "client_urn",
    "client_school_name", "days_committed", "days_delivered",
]


def _focus_key(text: object) -> str:
    """'  Early  Reading ' -> 'earlyreading': focus areas match ignoring case and spaces."""
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return ""
    return re.sub(r"\s+", "", str(text)).lower()


def _agreed_focus(focus_areas: object) -> frozenset[str]:
    """'Maths; Assessment' -> {'maths', 'assessment'}."""
    if focus_areas is None or (not isinstance(focus_areas, str) and pd.isna(focus_areas)):
        return frozenset()
    return frozenset(k for k in (_focus_key(part) for part in str(focus_areas).split(";")) if k)


def agreed_focus_list(focus_areas: object) -> list[str]:
    """'Maths; Assessment' -> ['Maths', 'Assessment'] as written (blank parts dropped)."""
    if focus_areas is None or (not isinstance(focus_areas, str) and pd.isna(focus_areas)):
        return []
    return [part.strip() for part in str(focus_areas).split(";") if part.strip()]


def on_agreed_focus(focus_area: object, focus_areas: object) -> bool:
    """Whether one visit's focus is among a deployment's agreed focus areas (the creep rule)."""
    key = _focus_key(focus_area)
    return bool(key) and key in _agreed_focus(focus_areas)


def _visits(visits: pd.DataFrame | None) -> pd.DataFrame:
    """visits -> the same rows with days as float (missing = 0) and visit_date as datetime."""
    if visits is None or visits.empty:
        return pd.DataFrame(columns=COLUMNS["visits"]).astype({"days": "float64"})
    frame = visits.copy()
    frame["days"] = pd.to_numeric(frame["days"], errors="coerce").fillna(0.0).astype("float64")
    frame["visit_date"] = pd.to_datetime(frame["visit_date"], errors="coerce")
    frame["deployment_id"] = frame["deployment_id"].astype("str")
    return frame


def _is_pending(visits: pd.DataFrame) -> pd.Series:
    """visits -> True where qa_status is Pending (any case)."""
    status = visits["qa_status"].astype("string").str.strip().str.lower()
    return status.eq("pending").fillna(False).astype(bool)


def _off_focus_mask(deployments: pd.DataFrame, visits: pd.DataFrame) -> pd.Series:
    """visits -> True where the visit's focus_area is not one of its deployment's focus areas.

    A visit that names no focus, or whose deployment has no agreed focus, counts as off focus:
    nothing shows the time went on what was agreed, and the list of such visits is where an
    administrator would go to put that right.
    """
    agreed = dict(
        zip(
            deployments["deployment_id"].astype("str"),
            deployments["focus_areas"].map(_agreed_focus),
            strict=True,
        )
    )
    keys = visits["focus_area"].map(_focus_key)
    on_focus = [
        bool(key) and key in agreed.get(deployment, frozenset())
        for deployment, key in zip(visits["deployment_id"], keys, strict=True)
    ]
    return pd.Series(np.logical_not(on_focus), index=visits.index, dtype=bool)


def summarise_deployments(
    deployments: pd.DataFrame, visits: pd.DataFrame | None, settings: Settings | None = None
) -> pd.DataFrame:
    """deployments + visits -> deployment_summary (deployment columns, days_delivered, utilisation,
    creep_days, creep_share, creep_flag, qa_pending, cost_per_day, last_visit_date, visit_count)."""
    settings = settings or Settings()
    if deployments is None or deployments.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    summary = deployments.copy()
    summary["deployment_id"] = summary["deployment_id"].astype("str")
    v = _visits(visits)
    pending = _is_pending(v)
    # Settings.visits_counted: days and creep from every record, or from checked ones only;
    # the QA backlog always counts every record still waiting.
    counted = ~pending if settings.visits_counted == "checked" else pd.Series(True, index=v.index)
    days = v["days"].where(counted, 0.0)
    v = v.assign(
        days=days,
        off_days=days.where(_off_focus_mask(summary, v), 0.0),
        pending=pending.astype("int64"),
        counted=counted.astype("int64"),
    )
    per_deployment = v.groupby("deployment_id").agg(
        days_delivered=("days", "sum"),
        creep_days=("off_days", "sum"),
        qa_pending=("pending", "sum"),
        last_visit_date=("visit_date", "max"),
        visit_count=("counted", "sum"),
    )
    summary = summary.merge(per_deployment, left_on="deployment_id", right_index=True, how="left")

    # A deployment with no visits yet has delivered nothing; that is a zero, not a gap.
    for column in ("days_delivered", "creep_days"):
        summary[column] = summary[column].astype("float64").fillna(0.0)
    for column in ("qa_pending", "visit_count"):
        summary[column] = summary[column].fillna(0).astype("int64")
    summary["last_visit_date"] = pd.to_datetime(summary["last_visit_date"])

    committed = pd.to_numeric(summary["days_committed"], errors="coerce").astype("float64")
    funding = pd.to_numeric(summary["funding_amount"], errors="coerce").astype("float64")
    delivered = summary["days_delivered"]
    summary["days_committed"] = committed
    summary["funding_amount"] = funding
    # Ratios over nothing are unknown (NaN), never 0 or infinity: no days delivered yet means
    # no cost per day and no creep share to speak of.
    summary["utilisation"] = (delivered / committed).where(committed > 0)
    summary["creep_share"] = (summary["creep_days"] / delivered).where(delivered > 0)
    summary["creep_flag"] = (summary["creep_share"] > settings.creep_threshold).fillna(False)
    summary["creep_flag"] = summary["creep_flag"].astype(bool)
    summary["cost_per_day"] = (funding / delivered).where(delivered > 0)
    for column in SUMMARY_COLUMNS:
        if column not in summary:
            summary[column] = pd.NA
    return summary[SUMMARY_COLUMNS].reset_index(drop=True)


def off_focus_visits(deployments: pd.DataFrame, visits: pd.DataFrame | None) -> pd.DataFrame:
    """deployments + visits -> the visit rows (visit columns plus leader_name, focus_areas) off focus."""
    v = _visits(visits)
    if v.empty or deployments is None or deployments.empty:
        return v.assign(leader_name=pd.Series(dtype="str"), focus_areas=pd.Series(dtype="str"))
    off = v[_off_focus_mask(deployments, v)]
    context = deployments[["deployment_id", "leader_name", "focus_areas"]].astype(
        {"deployment_id": "str"}
    )
    # A visit for a deployment we do not hold has no agreed focus to be off; the upload
    # checks report it as an unknown deployment instead.
    off = off.merge(context, on="deployment_id", how="inner")
    return off.sort_values("visit_date", kind="stable").reset_index(drop=True)


def qa_backlog(visits: pd.DataFrame | None, deployments: pd.DataFrame) -> pd.DataFrame:
    """visits + deployments -> Pending visits, oldest first, with leader_name and client_urn."""
    v = _visits(visits)
    pending = v[_is_pending(v)]
    if deployments is not None and not deployments.empty:
        context = deployments[["deployment_id", "leader_name", "client_urn"]].astype(
            {"deployment_id": "str"}
        )
        pending = pending.merge(context, on="deployment_id", how="left")
    else:
        pending = pending.assign(leader_name=pd.NA, client_urn=pd.NA)
    # Oldest first: the record waiting longest is the one to check next; undated ones last.
    return pending.sort_values("visit_date", kind="stable", na_position="last").reset_index(drop=True)


def home_school_view(
    deployments: pd.DataFrame, visits: pd.DataFrame | None, schools: pd.DataFrame | None
) -> pd.DataFrame:
    """deployments + visits + schools -> one row per leader lent: home_urn, home_school_name,
    leader_name, leader_role, client_urn, client_school_name, days_committed, days_delivered."""
    if deployments is None or deployments.empty:
        return pd.DataFrame(columns=HOME_COLUMNS)
    summary = summarise_deployments(deployments, visits)
    # Only leaders who come from a known home school are "lent"; the rest have no home to credit.
    lent = summary[summary["home_urn"].notna() & (summary["home_urn"].astype("str").str.strip() != "")]
    names = {}
    if schools is not None and not schools.empty:
        names = dict(zip(schools["urn"].astype("str"), schools["school_name"], strict=False))
    grouped = (
        lent.groupby(["home_urn", "leader_name", "leader_role", "client_urn"], dropna=False, sort=True)
        [["days_committed", "days_delivered"]]
        .sum(min_count=1)
        .reset_index()
    )
    grouped["home_school_name"] = grouped["home_urn"].astype("str").map(names)
    grouped["client_school_name"] = grouped["client_urn"].astype("str").map(names)
    return grouped[HOME_COLUMNS]


def active_deployments(deployments: pd.DataFrame, on_date: dt.date | pd.Timestamp) -> pd.DataFrame:
    """deployments -> the rows that have started and not yet ended on on_date (open ends count)."""
    if deployments is None or deployments.empty:
        return deployments
    start = pd.to_datetime(deployments["start_date"], errors="coerce")
    end = pd.to_datetime(deployments["end_date"], errors="coerce")
    day = pd.Timestamp(on_date)
    return deployments[(start.isna() | (start <= day)) & (end.isna() | (end >= day))]
