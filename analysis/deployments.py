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
    "last_visit_date", "visit_count", "day_rate", "spend_to_date", "days_over", "over_delivered",
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
    # One day rate everywhere (issue 13): the funding over the days committed. Spend to date is
    # that rate times the days delivered, capped at the funding (days beyond the commitment are
    # flagged as over-delivery, not charged). cost_per_day keeps its name for the CLI's report.
    summary["day_rate"] = day_rate(funding, committed)
    summary["spend_to_date"] = spend_to_date(funding, committed, delivered)
    summary["cost_per_day"] = summary["day_rate"]
    summary["days_over"] = (delivered - committed).clip(lower=0).fillna(0.0)
    summary["over_delivered"] = (delivered > committed).fillna(False).astype(bool)
    for column in SUMMARY_COLUMNS:
        if column not in summary:
            summary[column] = pd.NA
    return summary[SUMMARY_COLUMNS].reset_index(drop=True)


def day_rate(funding: pd.Series, committed: pd.Series) -> pd.Series:
    """funding_amount / days_committed: what one day of the agreed support costs (NaN if unknown)."""
    funding = pd.to_numeric(funding, errors="coerce").astype("float64")
    committed = pd.to_numeric(committed, errors="coerce").astype("float64")
    return (funding / committed).where(committed > 0)


def spend_to_date(funding: pd.Series, committed: pd.Series, delivered: pd.Series) -> pd.Series:
    """day rate x days delivered, never more than the funding agreed (NaN where no funding)."""
    delivered = pd.to_numeric(delivered, errors="coerce").astype("float64").fillna(0.0)
    committed = pd.to_numeric(committed, errors="coerce").astype("float64")
    return day_rate(funding, committed) * delivered.clip(upper=committed)


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


# ---- the impact chain (issue 13): as of the data, delivery flags, targets per £1,000 and per day --

IMPACT_COLUMNS = [
    "deployment_id", "targets", "achieved", "on_track", "good", "statuses", "spend_to_date",
    "days_delivered", "good_per_1000", "good_per_day", "sentence",
]


def data_date(measures: pd.DataFrame | None, visits: pd.DataFrame | None = None,
              today: dt.date | None = None) -> tuple[dt.date, str]:
    """-> (the date the data runs to, how it is said): the end of the latest period with figures,
    else the latest visit, else today. "Active" and "past its end" are judged at this date, so a
    term's data read a year later still says what was running then."""
    from analysis.periods import period_end_date, period_index, try_parse_period

    periods = [] if measures is None or measures.empty else [
        p for p in (try_parse_period(x) for x in measures["period"].dropna().unique()) if p]
    if periods:
        latest = max(periods, key=period_index)
        end = period_end_date(latest)
        return end, f"the end of {latest} ({end:%d/%m/%Y}), the latest period with figures"
    v = _visits(visits)
    if not v.empty and v["visit_date"].notna().any():
        last = v["visit_date"].max().date()
        return last, f"{last:%d/%m/%Y}, the latest visit record"
    day = today or dt.date.today()
    return day, f"today ({day:%d/%m/%Y}): there are no figures or visits yet"


def judge_delivery(summary: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """deployment_summary -> the same rows plus active (bool), ended (bool), days_unused,
    ended_unused (past its end date with days unused, bool) and delivery (words; '' when on plan),
    all judged at as_of."""
    out = summary.copy()
    day = pd.Timestamp(as_of)
    start = pd.to_datetime(out["start_date"], errors="coerce")
    end = pd.to_datetime(out["end_date"], errors="coerce")
    out["active"] = ((start.isna() | (start <= day)) & (end.isna() | (end >= day))).astype(bool)
    out["ended"] = (end.notna() & (end < day)).astype(bool)
    committed = pd.to_numeric(out["days_committed"], errors="coerce")
    delivered = pd.to_numeric(out["days_delivered"], errors="coerce").fillna(0.0)
    out["days_unused"] = (committed - delivered).clip(lower=0).fillna(0.0)
    out["ended_unused"] = (out["ended"] & (out["days_unused"] > 0)).astype(bool)
    out["delivery"] = [delivery_words(r) for _, r in out.iterrows()]
    return out


def delivery_words(row: pd.Series) -> str:
    """One deployment's delivery flag in words: over-delivered, or ended with days unused; else ''."""
    from analysis.narrative import format_days
    from analysis.plain_words import days_of

    committed, delivered = row.get("days_committed"), row.get("days_delivered")
    if bool(row.get("over_delivered", False)) and pd.notna(committed) and committed:
        return (f"⚑ Over-delivered: {days_of(delivered, committed)} committed "
                f"({delivered / committed:.0%}); the extra "
                f"{format_days(delivered - committed)} "
                f"{'is' if delivered - committed == 1 else 'are'} not funded")
    if bool(row.get("ended_unused", False)):
        end = pd.Timestamp(row["end_date"])
        return (f"⚑ Ended {end:%d/%m/%Y} with {days_of(row['days_unused'], committed)} "
                "unused")
    return ""


def _per(good: int, amount: float, unit: float = 1.0) -> float:
    return good / amount * unit if amount and amount > 0 else float("nan")


def _rate_text(value: float) -> str:
    return "0" if value == 0 else f"{value:.2f}"


def deployment_impact(summary: pd.DataFrame, progress: pd.DataFrame) -> pd.DataFrame:
    """deployment_summary + progress -> per deployment: targets it owns, achieved, on_track,
    good (achieved or on track), statuses (words), spend_to_date, days_delivered, good_per_1000,
    good_per_day and a sentence. In the register's order: never ranked (no league table)."""
    from analysis.formats import format_money
    from analysis.plain_words import days_of, leader_with_role, targets_good_words
    from analysis.schema import STATUS_ORDER, measure_label
    from analysis.style import status_badge_text

    rows = []
    # Each deployment's targets found once, not by filtering every target per deployment (that
    # cost ~2.5 s per call at 1,000 deployments): sorted worst first, then by measure (a stable
    # sort, so each group keeps the order a per-deployment sort gave it).
    groups: dict[str, list[tuple]] = {}
    if progress is not None and not progress.empty:
        # Only these deployments' targets: the register asks for one page of 50 at a time, and
        # sorting every target of a 500-school trust for it grew with the trust (issue 14).
        wanted = summary["deployment_id"].astype(str).unique()
        progress = progress[progress["deployment_id"].astype(str).isin(wanted)]
        order = {s: i for i, s in enumerate(STATUS_ORDER)}
        keyed = progress.assign(_o=progress["status"].map(order)).sort_values(["_o", "measure"])
        for key, measure, subgroup, status in zip(
                keyed["deployment_id"].astype(str), keyed["measure"], keyed["subgroup"],
                keyed["status"], strict=True):
            groups.setdefault(key, []).append((measure, subgroup, status))
    for d in summary.to_dict("records"):
        mine = groups.get(str(d["deployment_id"]), [])
        achieved = sum(1 for _, _, status in mine if status == "Achieved")
        on_track = sum(1 for _, _, status in mine if status == "On track")
        good = achieved + on_track
        spend = d.get("spend_to_date")
        spend = float(spend) if pd.notna(spend) else float("nan")
        days = float(d["days_delivered"]) if pd.notna(d["days_delivered"]) else 0.0
        per_1000 = _per(good, spend, 1000.0) if len(mine) else float("nan")
        per_day = _per(good, days) if len(mine) else float("nan")
        statuses = "; ".join(
            f"{measure_label(m)}{'' if s == 'All' else f' ({s})'}: {status_badge_text(st)}"
            for m, s, st in mine)
        who = leader_with_role(d["leader_name"], d.get("leader_role"))
        used = f"{days_of(days, d['days_committed'])} delivered"
        money = ""
        if pd.notna(d.get("day_rate")):
            money = (f", {format_money(spend)} of {format_money(d['funding_amount'])} spent at "
                     f"{format_money(d['day_rate'])} a day")
        if not mine:
            outcome = "No target names this deployment, so its effect on outcomes is not measured."
        else:
            words = targets_good_words(good, len(mine))
            outcome = words[0].upper() + words[1:]
            rates = []
            if pd.notna(per_1000):
                rates.append(f"{_rate_text(per_1000)} per £1,000 spent")
            if pd.notna(per_day):
                rates.append(f"{_rate_text(per_day)} per day delivered")
            outcome += f" ({' and '.join(rates)})." if rates and good else "."
        rows.append({
            "deployment_id": d["deployment_id"], "targets": len(mine), "achieved": achieved,
            "on_track": on_track, "good": good, "statuses": statuses,
            "spend_to_date": spend, "days_delivered": days, "good_per_1000": per_1000,
            "good_per_day": per_day, "sentence": f"{who}: {used}{money}. {outcome}",
        })
    return pd.DataFrame(rows, columns=IMPACT_COLUMNS)


def owning_deployment_line(target: pd.Series, summary: pd.DataFrame) -> str:
    """A target's card line naming the deployment that owns it: leader, role spelled out, days
    and spend; or that no deployment is named."""
    from analysis.formats import format_money
    from analysis.plain_words import days_of, leader_with_role

    deployment_id = target.get("deployment_id")
    if deployment_id is None or pd.isna(deployment_id) or summary is None or summary.empty:
        return ("Support: no deployment is named for this target, so the chart shades all the "
                "support the school received.")
    match = summary[summary["deployment_id"].astype(str) == str(deployment_id)]
    if match.empty:
        return f"Support: deployment {deployment_id} (not in the register)."
    d = match.iloc[0]
    line = (f"Support: {leader_with_role(d['leader_name'], d.get('leader_role'))}, "
            f"{days_of(d['days_delivered'], d['days_committed'])} delivered")
    if pd.notna(d.get("spend_to_date")):
        line += f", {format_money(d['spend_to_date'])} spent of {format_money(d['funding_amount'])}"
    return line + "."


def register_table(summary: pd.DataFrame, progress: pd.DataFrame | None, names: dict[str, str],
                   as_of: dt.date) -> pd.DataFrame:
    """deployment_summary + progress -> the register as people read it: the role spelled out,
    UK dates, one money format, the day rate, the delivery flag and the targets' statuses."""
    from analysis.formats import format_money
    from analysis.plain_words import role_words

    judged = judge_delivery(summary, as_of)
    impact = deployment_impact(summary, progress if progress is not None else pd.DataFrame(
        columns=["deployment_id", "status", "measure", "subgroup"]))
    statuses = dict(zip(impact["deployment_id"], impact["statuses"], strict=True))

    def money(v: object) -> str:
        return format_money(v, missing="")

    table = pd.DataFrame({
        "Leader": judged["leader_name"],
        "Role": judged["leader_role"].map(role_words),
        "Home school": judged["home_urn"].map(lambda u: names.get(u, u)),
        "Client school": judged["client_urn"].map(lambda u: names.get(u, u)),
        "Focus": judged["focus_areas"],
        "Start": pd.to_datetime(judged["start_date"]).dt.strftime("%d/%m/%Y"),
        "End": pd.to_datetime(judged["end_date"]).dt.strftime("%d/%m/%Y"),
        "Active": judged["active"].map({True: "Running", False: "Not running"}),
        "Days committed": judged["days_committed"],
        "Days delivered": judged["days_delivered"],
        "Used": (judged["utilisation"] * 100).round(0).map(
            lambda v: "" if pd.isna(v) else f"{v:.0f}%"),
        "Delivery": judged["delivery"],
        "Funding": judged["funding_amount"].map(money),
        "Day rate": judged["day_rate"].map(money),
        "Spend to date": judged["spend_to_date"].map(money),
        "Targets": judged["deployment_id"].map(lambda d: statuses.get(d) or "no targets named"),
        "Off focus": (judged["creep_share"] * 100).round(0).map(
            lambda v: "" if pd.isna(v) else f"{v:.0f}%"),
        "Creep flag": judged["creep_flag"].map({True: "⚑ Yes", False: ""}),
        "Awaiting QA": judged["qa_pending"],
        "Last visit": pd.to_datetime(judged["last_visit_date"]).dt.strftime("%d/%m/%Y"),
    })
    text = table.select_dtypes(exclude="number").columns
    table[text] = table[text].fillna("")
    # What a reader asks first (who, where, which targets, delivered, cost) on screen; the
    # bookkeeping after.
    first = ["Leader", "Role", "Client school", "Targets", "Delivery", "Days committed",
             "Days delivered", "Used", "Day rate", "Spend to date", "Funding", "Active"]
    return table[first + [c for c in table.columns if c not in first]].reset_index(drop=True)
