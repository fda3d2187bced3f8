"""Targets + measures -> the expected value, a projection and a status for every target.

The rules are the data contract's "Progress against a target". Each status comes with one
plain-English sentence (`rule`) that says why, with the numbers, so nobody has to trust a colour.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pandas as pd

from analysis.narrative import format_change, format_value
from analysis.periods import format_period, period_index, try_parse_period
from analysis.schema import MEASURES, STATUS_ORDER, Settings  # noqa: F401 (STATUS_ORDER re-exported)

PROGRESS_COLUMNS = [
    "target_id", "client_urn", "deployment_id", "measure", "subgroup",
    "baseline_value", "baseline_period", "target_value", "target_period",
    "latest_period", "latest_value", "cohort", "expected_value", "projected_value",
    "status", "rule",
]

# The same few period labels are read thousands of times (every target, milestone and figure).
_index = lru_cache(maxsize=4096)(period_index)

# Values are percentages held at full precision: a figure typed as 63 and one computed as
# 62.999999999 must compare equal, so every boundary allows this much.
EPSILON = 1e-9


def status_rules(settings: Settings | None = None) -> dict[str, str]:
    """Status -> the general rule in plain words, with the trust's tolerance written in."""
    tolerance = f"{(settings or Settings()).status_tolerance:.0%}"
    return {
        "Off track": (
            "Before the target date, behind the expected line by more than the tolerance "
            f"({tolerance} of the planned change from baseline to target)."
        ),
        "Missed": "The latest figure is for the target period or later, and it did not reach the target.",
        "At risk": (
            "Before the target date, behind the expected line but by no more than the tolerance "
            f"({tolerance} of the planned change from baseline to target)."
        ),
        "On track": (
            "Not yet at the target, but at or better than the expected line for now "
            "(the straight line from baseline to target, or the agreed milestones)."
        ),
        "Achieved": "The latest figure has reached the target or done better, at any date.",
        "No data yet": "There is no figure for this measure since the baseline period.",
    }


STATUS_RULES = status_rules(Settings())


def _unjudgeable(target: dict, b: float, t: float) -> str | None:
    """Why a target cannot be judged (a missing value or unreadable period), or None."""
    if math.isnan(b):
        return "the target has no baseline value"
    if math.isnan(t):
        return "the target has no target value"
    for column, words in (("baseline_period", "baseline period"), ("target_period", "target period")):
        if try_parse_period(target.get(column)) is None:
            return f"the {words} '{target.get(column)}' is not a period we recognise"
    return None


def _direction(measure: str) -> int:
    """+1 when higher is better, -1 when lower is better; an unknown measure counts as higher."""
    return MEASURES[measure].better if measure in MEASURES else 1


def _milestones_by_target(milestones: pd.DataFrame | None) -> dict[str, list[tuple[object, object]]]:
    """milestones -> target_id -> its (period, value) pairs, grouped once for every target."""
    grouped: dict[str, list[tuple[object, object]]] = {}
    if milestones is None or milestones.empty:
        return grouped
    for target_id, period, value in zip(
        milestones["target_id"], milestones["period"], milestones["value"], strict=True
    ):
        grouped.setdefault(str(target_id), []).append((period, value))
    return grouped


def _line_points(
    target: pd.Series | dict, own_milestones: list[tuple[object, object]]
) -> tuple[list[int], list[float]]:
    """Target (+ its milestones) -> the (period index, value) points the expected line passes."""
    p0, p1 = _index(target["baseline_period"]), _index(target["target_period"])
    b, t = float(target["baseline_value"]), float(target["target_value"])
    points: dict[int, float] = {}
    for period, value in own_milestones:
        if try_parse_period(period) is None:
            continue  # ingest reports an unreadable milestone; the line goes without it
        index = _index(period)
        # A milestone outside the plan's span would contradict the baseline or the target
        # itself; only those strictly between them reshape the line.
        if p0 < index < p1 and pd.notna(value):
            points[index] = float(value)
    xs, ys = [p0, *sorted(points)], [b, *(points[i] for i in sorted(points))]
    if p1 > p0:
        xs.append(p1)
        ys.append(t)
    return xs, ys


def _expected_at(xs: list[int], ys: list[float], p: int, target_value: float) -> float:
    """The expected line at period index p; after the deadline it stays at the target."""
    if len(xs) < 2:  # a target dated at or before its baseline: nothing to draw but the target
        return target_value
    return float(np.interp(p, xs, ys))


def expected_line(target: pd.Series | dict, milestones: pd.DataFrame | None = None) -> pd.DataFrame:
    """One target (+ milestones) -> period, expected for every half term from baseline to target."""
    xs, ys = _line_points(target, _milestones_by_target(milestones).get(str(target["target_id"]), []))
    p0, p1 = period_index(target["baseline_period"]), period_index(target["target_period"])
    indices = list(range(p0, max(p0, p1) + 1))
    t = float(target["target_value"])
    return pd.DataFrame(
        {
            "period": [format_period(i) for i in indices],
            "expected": [_expected_at(xs, ys, i, t) for i in indices],
        }
    )


def tolerance_band(
    target: pd.Series | dict, milestones: pd.DataFrame | None = None, settings: Settings | None = None
) -> pd.DataFrame:
    """One target -> period, expected, lower, upper: between them a value is at risk, not off track."""
    settings = settings or Settings()
    line = expected_line(target, milestones)
    d = _direction(str(target["measure"]))
    allowance = settings.status_tolerance * abs(
        float(target["target_value"]) - float(target["baseline_value"])
    )
    # The band lies on the worse side of the line: below it when higher is better.
    worst = line["expected"] - d * allowance
    line["lower"] = np.minimum(line["expected"], worst)
    line["upper"] = np.maximum(line["expected"], worst)
    return line


def _projection(p0: int, b: float, actual_periods: list[int], actual_values: list[float], p1: int) -> float:
    """Least-squares line through the baseline and every actual since, read at the deadline."""
    if not actual_periods:
        return math.nan
    x = np.array([p0, *actual_periods], dtype=float)
    y = np.array([b, *actual_values], dtype=float)
    slope, intercept = np.polyfit(x, y, 1)
    return float(slope * p1 + intercept)


def _judge(
    d: int, a: float, e: float, b: float, t: float, p: int, p1: int, tolerance: float
) -> tuple[str, float]:
    """The contract's status, in its order of precedence; also returns the allowance in points."""
    allowance = tolerance * abs(t - b)
    if d * (a - t) >= -EPSILON:
        return "Achieved", allowance
    if p >= p1:
        return "Missed", allowance
    if d * (a - e) >= -EPSILON:
        return "On track", allowance
    if abs(a - e) <= allowance + EPSILON:
        return "At risk", allowance
    return "Off track", allowance


def _rule(
    status: str, measure: str, d: int, a: float, e: float, t: float, p: int, p0: int, p1: int,
    allowance: float, tolerance: float,
) -> str:
    """One sentence saying why this target has this status, with its numbers."""
    value, expected, target = (format_value(x, measure) for x in (a, e, t))
    when, deadline = format_period(p), format_period(p1)
    if status == "No data yet":
        return f"No data yet: there is no figure for this measure after {format_period(p0)}."
    if status == "Achieved":
        return f"Achieved: {value} in {when} has reached the target of {target}."
    if status == "Missed":
        return (
            f"Missed: {value} in {when} did not reach the target of {target} "
            f"due by {deadline}."
        )
    worse, better = ("below", "above") if d > 0 else ("above", "below")
    if status == "On track":
        return (
            f"On track: {value} is at or {better} the {expected} expected by {when}, "
            f"on the way to {target} by {deadline}."
        )
    gap = format_change(abs(a - e))
    limit = f"the tolerance of {format_change(allowance)} ({tolerance:.0%} of the planned change)"
    if status == "At risk":
        return f"At risk: {value} is {gap} {worse} the {expected} expected by {when}, within {limit}."
    return f"Off track: {value} is {gap} {worse} the {expected} expected by {when}, more than {limit}."


def _actuals_index(
    measures: pd.DataFrame | None, targets: pd.DataFrame
) -> dict[tuple[str, str, str], tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """measures -> (urn, measure, subgroup) -> (period indices, values, cohorts) in time order,
    for the keys some target asks about only (a trust's measures run to tens of thousands)."""
    if measures is None or measures.empty:
        return {}
    key = ["urn", "measure", "subgroup"]
    # A join, not a Python loop over the measures: at 500 schools they are 250,000 rows.
    wanted = pd.DataFrame({"urn": targets["client_urn"].astype(str).to_numpy(dtype=object),
                           "measure": targets["measure"].astype(str).to_numpy(dtype=object),
                           "subgroup": targets["subgroup"].astype(str).to_numpy(dtype=object)}
                          ).drop_duplicates()
    values = measures[measures["value"].notna()]
    frame = pd.DataFrame({
        "urn": values["urn"].astype(str).to_numpy(dtype=object),
        "measure": values["measure"].astype(str).to_numpy(dtype=object),
        "subgroup": values["subgroup"].astype(str).to_numpy(dtype=object),
        "period": values["period"].to_numpy(dtype=object),
        "value": values["value"].to_numpy(dtype="float64"),
        "cohort": values["cohort"].to_numpy(dtype=object),
    }).merge(wanted, on=key, how="inner", sort=False)
    if frame.empty:
        return {}
    frame["p"] = frame["period"].map(_index)
    frame = frame.sort_values("p", kind="stable").drop_duplicates([*key, "p"], keep="last")
    codes = frame.groupby(key, sort=False).ngroup().to_numpy()
    order = np.argsort(codes, kind="stable")  # each key's rows together, still in time order
    bounds = np.flatnonzero(np.diff(codes[order])) + 1
    starts = np.r_[0, bounds]
    names = zip(*(frame[c].to_numpy(dtype=object)[order][starts] for c in key), strict=True)
    parts = [np.split(frame[c].to_numpy(dtype=t)[order], bounds)
             for c, t in (("p", "int64"), ("value", "float64"), ("cohort", object))]
    return {(str(u), str(m), str(g)): (p, v, c)
            for (u, m, g), p, v, c in zip(names, *parts, strict=True)}


def judge_progress(
    targets: pd.DataFrame,
    milestones: pd.DataFrame | None,
    measures: pd.DataFrame | None,
    settings: Settings | None = None,
) -> pd.DataFrame:
    """targets + milestones + measures -> progress (target columns, latest_period, latest_value,
    cohort, expected_value, projected_value, status, rule)."""
    settings = settings or Settings()
    if targets is None or targets.empty:
        return pd.DataFrame(columns=PROGRESS_COLUMNS)
    targets = targets.copy()
    subgroup = targets["subgroup"] if "subgroup" in targets else pd.Series(pd.NA, index=targets.index)
    # A target without a subgroup is about all pupils.
    subgroup = subgroup.astype("object").where(subgroup.notna(), "All")
    targets["subgroup"] = subgroup.map(lambda s: str(s).strip() or "All")
    for column in ("baseline_value", "target_value"):
        # Missing or unreadable values become NaN here, once, for the whole table.
        targets[column] = pd.to_numeric(targets[column], errors="coerce").astype("float64")
    actuals = _actuals_index(measures, targets)
    own_milestones = _milestones_by_target(milestones)
    tolerance = settings.status_tolerance
    rows = []
    for target in targets.to_dict("records"):
        measure = str(target["measure"])
        d = _direction(measure)
        b, t = target["baseline_value"], target["target_value"]
        row = {c: target.get(c) for c in PROGRESS_COLUMNS[:9]}
        not_judged = dict(latest_period=None, latest_value=math.nan, cohort=pd.NA,
                          expected_value=math.nan, projected_value=math.nan, status="No data yet")
        # Without both ends there is no line to judge against. Ingest normally stops such a
        # target; if one gets through, it is shown as not judged rather than breaking the page.
        problem = _unjudgeable(target, b, t)
        if problem:
            rows.append(row | not_judged | {"rule": f"No data yet: {problem}, so progress cannot be judged."})
            continue
        p0, p1 = _index(target["baseline_period"]), _index(target["target_period"])

        found = actuals.get((str(target["client_urn"]), measure, target["subgroup"]))
        after = found[0] > p0 if found is not None else None
        if after is None or not after.any():
            rule = _rule("No data yet", measure, d, math.nan, math.nan, t, p0, p0, p1, 0.0, tolerance)
            rows.append(row | not_judged | {"rule": rule})
            continue

        periods, values, cohorts = (column[after] for column in found)
        p, a = int(periods[-1]), float(values[-1])
        xs, ys = _line_points(target, own_milestones.get(str(target["target_id"]), []))
        e = _expected_at(xs, ys, p, t)
        status, allowance = _judge(d, a, e, b, t, p, p1, tolerance)
        row.update(
            latest_period=format_period(p),
            latest_value=a,
            cohort=cohorts[-1],
            expected_value=e,
            projected_value=_projection(p0, b, periods.tolist(), values.tolist(), p1),
            status=status,
            rule=_rule(status, measure, d, a, e, t, p, p0, p1, allowance, tolerance),
        )
        rows.append(row)
    progress = pd.DataFrame(rows, columns=PROGRESS_COLUMNS)
    progress["cohort"] = pd.to_numeric(progress["cohort"], errors="coerce").astype("Int64")
    for column in ("baseline_value", "target_value", "latest_value", "expected_value",
                   "projected_value"):
        progress[column] = progress[column].astype("float64")
    return progress
