"""The governed facts step: progress and figures after the disclosure rule, and one view per target.

`governed_progress` takes the engine's `progress` frame and applies `analysis.disclosure` once:
every hidden figure becomes missing (NA) and flag columns say which were hidden, the rule and
the sentence are rewritten so they quote no hidden figure. `target_view` builds everything one
target card needs (axis, plan, band, actual points, projection, support, visits, national line,
sentence, rule) from those governed facts. Screen charts, print charts, the PDF, Presentation
mode, the School page and the pack's exports all draw from a `TargetView` (or the governed
frames), so none of them ever receives a hidden number.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import pandas as pd

from analysis import disclosure, narrative
from analysis.periods import (
    format_period,
    period_index,
    period_of_date,
    try_parse_period,
)
from analysis.progress import status_rules, tolerance_band
from analysis.schema import MEASURES, Settings

# Columns governed_progress adds to progress.
FLAG_COLUMNS = ["latest_hidden", "baseline_hidden", "plan_hidden", "projection_hidden",
                "rule_hidden", "sentence"]


def _limit(settings: Settings | int | None) -> int | None:
    if settings is None or isinstance(settings, int):
        return settings
    return int(settings.small_cohort)


def _key(urn, measure, subgroup) -> tuple[str, str, str]:
    return str(urn), str(measure), str(subgroup)


def cohorts_by_series(measures: pd.DataFrame | None) -> dict[tuple[str, str, str], dict[str, object]]:
    """measures -> (urn, measure, subgroup) -> {period: cohort} for every stored figure."""
    return {key: {label: cohort for label, _, cohort in rows}
            for key, rows in series_rows(measures).items()}


def _missing(value) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value))


def governed_progress(progress: pd.DataFrame, measures: pd.DataFrame | None,
                      milestones: pd.DataFrame | None, settings: Settings | int | None
                      ) -> pd.DataFrame:
    """progress -> the same rows with every hidden figure NA, the flags, a safe rule and sentence.

    Hidden: latest_value and cohort (latest), projected_value (projection), baseline_value
    (baseline), expected_value (plan). The status is kept (see disclosure.STATUS_POLICY)."""
    limit = _limit(settings)
    frame = progress.copy()
    if frame.empty:
        for column in FLAG_COLUMNS:
            frame[column] = pd.Series(dtype=object if column == "sentence" else bool)
        return frame
    cohorts = cohorts_by_series(measures)
    own_milestones: dict[str, list[str]] = {}
    if milestones is not None and not milestones.empty:
        for target_id, period in zip(milestones["target_id"], milestones["period"], strict=True):
            label = try_parse_period(period)
            if label is not None:
                own_milestones.setdefault(str(target_id), []).append(label)
    rules = status_rules(settings if isinstance(settings, Settings) else None)
    rows = []
    for row in frame.to_dict("records"):
        series = cohorts.get(_key(row["client_urn"], row["measure"], row["subgroup"]), {})
        status = str(row["status"])
        judged = status != "No data yet" and not _missing(row.get("latest_period"))
        latest = judged and disclosure.is_hidden(row.get("cohort"), limit)
        baseline = disclosure.plan_figure_hidden(
            disclosure.plan_cohort(series, try_parse_period(row.get("baseline_period"))), limit)
        p0 = _index_or_none(row.get("baseline_period"))
        p1 = _index_or_none(row.get("target_period"))
        milestone = any(
            disclosure.plan_figure_hidden(disclosure.plan_cohort(series, m), limit)
            for m in own_milestones.get(str(row["target_id"]), [])
            if p0 is not None and p1 is not None and p0 < period_index(m) < p1
        )
        pl = _index_or_none(row.get("latest_period"))
        fitted = [c for p, c in series.items()
                  if p0 is not None and pl is not None and p0 < period_index(p) <= pl]
        any_actual = any(disclosure.is_hidden(c, limit) for c in fitted)
        flags = disclosure.derived_hidden(latest=latest, baseline=baseline, milestone=milestone,
                                          any_actual=any_actual)
        if flags["latest"]:
            row["latest_value"], row["cohort"] = math.nan, pd.NA
        if flags["baseline"]:
            row["baseline_value"] = math.nan
        if flags["plan"]:
            row["expected_value"] = math.nan
        if flags["projection"]:
            row["projected_value"] = math.nan
        rule_hidden = flags["rule"] and status != "No data yet"
        if rule_hidden:
            row["rule"] = f"{status}: {rules.get(status, '')}".strip()
        row.update(latest_hidden=flags["latest"], baseline_hidden=flags["baseline"],
                   plan_hidden=flags["plan"], projection_hidden=flags["projection"],
                   rule_hidden=rule_hidden)
        row["sentence"] = narrative.describe_governed(row, limit)
        rows.append(row)
    out = pd.DataFrame(rows, columns=[*frame.columns, *FLAG_COLUMNS])
    out["cohort"] = pd.to_numeric(out["cohort"], errors="coerce").astype("Int64")
    for column in ("baseline_value", "latest_value", "expected_value", "projected_value"):
        out[column] = out[column].astype("float64")
    return out


def _index_or_none(period) -> int | None:
    label = try_parse_period(period) if not _missing(period) else None
    return None if label is None else period_index(label)


def governed_series(measures: pd.DataFrame | None, urn: str, measure: str, subgroup: str,
                    settings: Settings | int | None) -> pd.DataFrame:
    """One school's figures for a measure and subgroup in time order: period, value, cohort,
    hidden; value and cohort are NA wherever the figure is hidden."""
    if measures is None or measures.empty:
        return series_frame([], settings)
    rows = measures[(measures["urn"].astype(str) == str(urn)) & (measures["measure"] == measure)
                    & (measures["subgroup"] == subgroup)]
    return series_frame(series_rows(rows).get(_key(urn, measure, subgroup), []), settings)


def series_rows(measures: pd.DataFrame | None
                ) -> dict[tuple[str, str, str], list[tuple[str, object, object]]]:
    """measures -> (urn, measure, subgroup) -> its (period label, value, cohort) rows that hold
    a value, in stored order. One pass over the frame, for a loop that asks for many series
    (the board pack at 500 schools: 2,465 of them, where filtering the 288k rows for each took
    most of its time); series_frame turns one into its governed series."""
    out: dict[tuple[str, str, str], list[tuple[str, object, object]]] = {}
    if measures is None or measures.empty:
        return out
    for urn, measure, subgroup, period, value, cohort in zip(
        measures["urn"], measures["measure"], measures["subgroup"], measures["period"],
        measures["value"], measures["cohort"], strict=True,
    ):
        if _missing(value):
            continue
        label = try_parse_period(period)
        if label is not None:
            out.setdefault(_key(urn, measure, subgroup), []).append((label, value, cohort))
    return out


def series_frame(rows: list[tuple[str, object, object]], settings: Settings | int | None
                 ) -> pd.DataFrame:
    """A series' (period label, value, cohort) rows -> period, value, cohort, hidden in time
    order; value and cohort are NA wherever the rule hides the figure."""
    limit = _limit(settings)
    by_period: dict[str, dict] = {}
    for label, value, cohort in rows:
        hidden = disclosure.is_hidden(cohort, limit)
        # A period given twice: the later row stands.
        by_period[label] = {"period": label, "value": None if hidden else float(value),
                            "cohort": None if hidden or _missing(cohort) else int(cohort),
                            "hidden": hidden}
    in_order = sorted(by_period.values(), key=lambda point: period_index(point["period"]))
    return pd.DataFrame(in_order, columns=["period", "value", "cohort", "hidden"])


def governed_measures(measures: pd.DataFrame | None, settings: Settings | int | None
                      ) -> pd.DataFrame:
    """measures with value and cohort NA wherever the rule hides a figure, and a hidden column."""
    limit = _limit(settings)
    if measures is None or measures.empty:
        return pd.DataFrame(columns=["urn", "period", "measure", "subgroup", "value", "cohort",
                                     "hidden"])
    hidden = measures["cohort"].map(lambda c: disclosure.is_hidden(c, limit)).astype(bool)
    out = measures.copy()
    out["value"] = out["value"].astype("float64").where(~hidden)
    out["cohort"] = pd.to_numeric(out["cohort"], errors="coerce").astype("Int64").where(~hidden)
    out["hidden"] = hidden.to_numpy()
    return out


# ---- the per-target view ----------------------------------------------------------------------

@dataclass(frozen=True)
class Point:
    """One actual figure on a target's chart: value and cohort are None when hidden."""

    period: str
    value: float | None
    cohort: int | None
    hidden: bool


@dataclass
class TargetView:
    """Everything one target card draws, governed: no field ever holds a hidden number."""

    target_id: str
    urn: str
    deployment_id: object
    measure: str
    subgroup: str
    unit: str  # "%" or "pp"
    status: str
    baseline_period: str | None
    baseline_value: float | None  # None when hidden
    target_period: str | None
    target_value: float | None
    latest_period: str | None
    latest_value: float | None  # None when hidden (or no result yet)
    cohort: int | None
    expected_value: float | None
    projected_value: float | None
    latest_hidden: bool
    baseline_hidden: bool
    plan_hidden: bool
    axis: list[str]  # every half term the chart spans, in order
    plan: list[tuple[str, float]]  # expected line; empty when hidden
    band: list[tuple[str, float, float]]  # at-risk band (period, lower, upper); empty when hidden
    actuals: list[Point]
    projection: list[tuple[str, float]]  # latest -> deadline; empty when hidden
    sentence: str
    rule: str
    hidden_label: str
    deployments: list[dict] = field(default_factory=list)  # the school's: leader, role, dates
    visits: list[dt.date] = field(default_factory=list)
    national: pd.DataFrame | None = None  # academic_year, value[, approximate]

    def hidden_periods(self) -> list[str]:
        return [p.period for p in self.actuals if p.hidden]


def _num(value) -> float | None:
    return None if _missing(value) else float(value)


def build_view(row: dict | pd.Series, series: pd.DataFrame, plan_source: pd.DataFrame | None,
               limit: int | None, deployments: pd.DataFrame | None = None,
               visits: pd.DataFrame | None = None, national: pd.DataFrame | None = None,
               projection: pd.DataFrame | None = None) -> TargetView:
    """A governed progress row + its governed series -> the TargetView.

    plan_source: period, expected[, lower, upper] (ignored when the row's plan is hidden).
    projection: period, value to draw instead of the row's latest -> projected_value."""
    row = dict(row)
    measure = str(row.get("measure", ""))
    unit = MEASURES[measure].unit if measure in MEASURES else "%"
    baseline_period = try_parse_period(row.get("baseline_period"))
    target_period = try_parse_period(row.get("target_period"))
    latest_period = try_parse_period(row.get("latest_period")) if not _missing(
        row.get("latest_period")) else None
    plan_hidden = bool(row.get("plan_hidden", False))
    latest_hidden = bool(row.get("latest_hidden", False))
    plan: list[tuple[str, float]] = []
    band: list[tuple[str, float, float]] = []
    if not plan_hidden and plan_source is not None and not plan_source.empty:
        for r in plan_source.to_dict("records"):
            period = try_parse_period(r.get("period"))
            if period is None or _missing(r.get("expected")):
                continue
            plan.append((period, float(r["expected"])))
            if not _missing(r.get("lower")) and not _missing(r.get("upper")):
                band.append((period, float(r["lower"]), float(r["upper"])))
        order = {p: period_index(p) for p, _ in plan}
        plan.sort(key=lambda x: order[x[0]])
        band.sort(key=lambda x: order[x[0]])
    baseline_value, target_value = _num(row.get("baseline_value")), _num(row.get("target_value"))
    if not plan and not plan_hidden and baseline_period and target_period and None not in (
            baseline_value, target_value) and plan_source is None:
        plan = [(baseline_period, baseline_value), (target_period, target_value)]
    actuals = [Point(p, None if h else _num(v), None if h or _missing(c) else int(c), bool(h))
               for p, v, c, h in zip(series["period"], series["value"], series["cohort"],
                                     series["hidden"], strict=True)] if not series.empty else []
    if latest_hidden and actuals and latest_period:
        # The row's latest figure is hidden: its point is hidden whatever the series says.
        actuals = [Point(a.period, None, None, True) if a.period == latest_period else a
                   for a in actuals]
    latest_value, projected = _num(row.get("latest_value")), _num(row.get("projected_value"))
    lines: list[tuple[str, float]] = []
    if projection is not None and not projection.empty:
        if not row.get("projection_hidden", False):
            lines = [(try_parse_period(p), float(v)) for p, v in
                     zip(projection["period"], projection["value"], strict=True)
                     if try_parse_period(p) and not _missing(v)]
    elif (latest_period and target_period and latest_value is not None and projected is not None
          and period_index(latest_period) < period_index(target_period)):
        lines = [(latest_period, latest_value), (target_period, projected)]
    known = [p for p in (baseline_period, target_period) if p]
    known += [a.period for a in actuals] + [p for p, _ in plan] + [p for p, _ in lines]
    axis = []
    if known:
        first = min(period_index(p) for p in known)
        last = max(period_index(p) for p in known)
        axis = [format_period(i) for i in range(first, last + 1)]
    dep_rows = [] if deployments is None or deployments.empty else [
        {k: d.get(k) for k in ("deployment_id", "leader_name", "leader_role", "start_date",
                               "end_date")} for d in deployments.to_dict("records")]
    visit_dates = [] if visits is None or visits.empty or "visit_date" not in visits else [
        d.date() for d in pd.to_datetime(visits["visit_date"], errors="coerce", dayfirst=True)
        if not pd.isna(d)]
    return TargetView(
        target_id=str(row.get("target_id", "")), urn=str(row.get("client_urn", "")),
        deployment_id=row.get("deployment_id"), measure=measure,
        subgroup=str(row.get("subgroup") or "All"), unit=unit,
        status=str(row.get("status") or "No data yet"), baseline_period=baseline_period,
        baseline_value=baseline_value, target_period=target_period, target_value=target_value,
        latest_period=latest_period, latest_value=latest_value,
        cohort=None if _missing(row.get("cohort")) else int(row["cohort"]),
        expected_value=_num(row.get("expected_value")), projected_value=projected,
        latest_hidden=latest_hidden, baseline_hidden=bool(row.get("baseline_hidden", False)),
        plan_hidden=plan_hidden, axis=axis, plan=plan, band=band, actuals=actuals,
        projection=lines, sentence=str(row.get("sentence") or ""), rule=str(row.get("rule") or ""),
        hidden_label=disclosure.hidden_words(limit or 5), deployments=dep_rows,
        visits=visit_dates, national=national,
    )


def target_view(row: pd.Series | dict, dataset, settings: Settings,
                national: pd.DataFrame | None = None) -> TargetView:
    """A governed progress row (from governed_progress) + the dataset -> its TargetView."""
    urn = str(row["client_urn"])
    series = governed_series(dataset.measures, urn, row["measure"], row["subgroup"], settings)
    plan_source = None
    if not row.get("plan_hidden", False) and try_parse_period(row.get("baseline_period")) and \
            try_parse_period(row.get("target_period")) and not _missing(row.get("target_value")):
        raw = dataset.targets[dataset.targets["target_id"] == row["target_id"]]
        if not raw.empty:
            target = raw.iloc[0].to_dict()
            target["subgroup"] = row["subgroup"]
            try:
                plan_source = tolerance_band(target, dataset.milestones, settings)
            except (TypeError, ValueError):
                plan_source = None
    deployments = dataset.deployments[dataset.deployments["client_urn"].astype(str) == urn]
    own = row.get("deployment_id")
    if not _missing(own) and (deployments["deployment_id"].astype(str) == str(own)).any():
        # The target's own deployment only (issue 13), not every leader at the school; a target
        # naming none (or one not stored) keeps all the school's support.
        deployments = deployments[deployments["deployment_id"].astype(str) == str(own)]
    visits = dataset.visits[dataset.visits["deployment_id"].isin(deployments["deployment_id"])]
    return build_view(row, series, plan_source, _limit(settings), deployments, visits, national)


def school_views(governed: pd.DataFrame, dataset, settings: Settings, urn: str,
                 national_for=None) -> list[TargetView]:
    """Every target of one school, exceptions first, as TargetViews (built once per page run).

    national_for: (measure, subgroup) -> national figures frame, or None for none."""
    from analysis.schema import STATUS_ORDER

    rows = governed[governed["client_urn"].astype(str) == str(urn)]
    order = {s: i for i, s in enumerate(STATUS_ORDER)}
    rows = rows.assign(_r=rows["status"].map(order)).sort_values(["_r", "measure"],
                                                                   kind="stable")
    return [target_view(r, dataset, settings,
                        national_for(r["measure"], r["subgroup"]) if national_for else None)
            for r in rows.drop(columns="_r").to_dict("records")]


def support_periods(view: TargetView, own_only: bool = False) -> list[tuple[str, str]]:
    """(first, last) half terms of each deployment in the view; a running one lasts to the
    deadline. own_only: the target's own deployment when it is listed (the print chart)."""
    deployments = view.deployments
    if own_only:
        own = [d for d in deployments if d.get("deployment_id") == view.deployment_id]
        deployments = own or deployments
    out = []
    for d in deployments:
        start = pd.to_datetime(d.get("start_date"), errors="coerce")
        end = pd.to_datetime(d.get("end_date"), errors="coerce")
        if pd.isna(start):
            continue
        last = period_of_date(end.date()) if pd.notna(end) else view.target_period
        out.append((period_of_date(start.date()), last))
    return out


def view_from_frames(row: dict | pd.Series, actuals: pd.DataFrame | None,
                     expected: pd.DataFrame | None, band: pd.DataFrame | None,
                     projection: pd.DataFrame | None = None,
                     deployments: pd.DataFrame | None = None, visits: pd.DataFrame | None = None,
                     national=None, small_cohort: int | None = None) -> TargetView:
    """A raw progress row and the frames a chart is drawn from -> a governed TargetView.

    The same rule as governed_progress, for callers (tests, notebooks) holding raw frames:
    actuals are the series the row was judged on (period, value, cohort)."""
    row = dict(row)
    frame = pd.DataFrame(columns=["urn", "period", "measure", "subgroup", "value", "cohort"])
    if actuals is not None and not actuals.empty:
        frame = actuals.reindex(columns=["period", "value", "cohort"]).assign(
            urn=str(row.get("client_urn", "")), measure=str(row.get("measure", "")),
            subgroup=str(row.get("subgroup") or "All"))
    progress = pd.DataFrame([{**row, "client_urn": str(row.get("client_urn", "")),
                              "subgroup": str(row.get("subgroup") or "All"),
                              "target_id": str(row.get("target_id", "T"))}])
    for column in ("baseline_value", "target_value", "latest_value", "expected_value",
                   "projected_value"):
        if column not in progress:
            progress[column] = math.nan
        progress[column] = pd.to_numeric(progress[column], errors="coerce")
    for column in ("status", "rule", "latest_period", "cohort", "baseline_period",
                   "target_period", "measure"):
        if column not in progress:
            progress[column] = None
    progress["status"] = progress["status"].fillna("No data yet")
    if small_cohort is None:
        governed = progress.assign(latest_hidden=False, baseline_hidden=False, plan_hidden=False,
                                   projection_hidden=False, rule_hidden=False, sentence="")
    else:
        governed = governed_progress(progress, frame, None, small_cohort)
    grow = governed.iloc[0].to_dict()
    # A latest figure is hidden when the last actual drawn is, even if the row says otherwise.
    series = governed_series(frame, grow["client_urn"], grow["measure"], grow["subgroup"],
                             small_cohort)
    if not series.empty and bool(series["hidden"].iloc[-1]) and not grow["latest_hidden"]:
        grow.update(latest_hidden=True, latest_value=math.nan, cohort=pd.NA,
                    projection_hidden=True, projected_value=math.nan)
    plan_source = None
    if expected is not None and not expected.empty:
        plan_source = expected.reindex(columns=["period", "expected"]).copy()
        plan_source["period"] = plan_source["period"].map(try_parse_period)
        if band is not None and not band.empty:
            edges = band.reindex(columns=["period", "lower", "upper"]).copy()
            edges["period"] = edges["period"].map(try_parse_period)
            plan_source = plan_source.merge(edges, on="period", how="outer")
            plan_source["expected"] = plan_source["expected"].astype("float64")
    elif band is not None and not band.empty:
        plan_source = band.reindex(columns=["period", "lower", "upper"]).assign(expected=math.nan)
    if projection is not None and not projection.empty and grow.get("projection_hidden"):
        projection = None
    return build_view(grow, series, plan_source, small_cohort, deployments, visits, national,
                      projection)
