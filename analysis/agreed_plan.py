"""The agreed action plan: when it was agreed and by whom, and every later change to a target.

When a school's action plan is agreed (e.g. at the governing board's meeting), the targets as
they stand are the baseline plan: one `agreed` row per target in `target_plan`
(analysis/app_tables.py). A later change to a target's value or deadline made in the app is one
batch that replaces the `targets` row (a new version; the old one stays in the history) and
adds a `changed` row saying when, by whom it was agreed, from what to what. A change that
arrived by spreadsheet upload has no such row: `plan_history` says so rather than staying
silent. Moving the goalposts is never silent: the School page, the pack and its tables show the
same sentences.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa

from analysis.app_batches import APP_SOURCE, Change, write_batch
from analysis.app_tables import PLAN_COLUMNS, TARGET_PLAN  # noqa: F401 (PLAN_COLUMNS re-exported)
from analysis.narrative import format_value
from analysis.periods import try_parse_period
from analysis.schema import COLUMNS, MEASURES
from analysis.store import Store, StoreError, T
from analysis.store.connection import now as _now

HISTORY_COLUMNS = ["target_id", "client_urn", "kind", "on", "sentence"]


def _day(value) -> str:
    return pd.Timestamp(value).strftime("%d/%m/%Y")


def _when(agreed_on, today: dt.date | None = None) -> dt.date:
    if agreed_on is None or pd.isna(agreed_on):
        raise StoreError("Give the date the plan or the change was agreed (e.g. the governing "
                         "board's meeting).")
    day = pd.Timestamp(agreed_on).date()
    if day > (today or dt.date.today()):
        raise StoreError(f"{_day(day)} is in the future: record an agreement once it is made.")
    return day


def _who(agreed_by: str) -> str:
    words = " ".join(str(agreed_by or "").split())
    if not words:
        raise StoreError("Say who agreed it (e.g. governors, the governing board, the head).")
    if len(words) > 200:
        raise StoreError("Keep who agreed it under 200 characters.")
    return words


def agree_plan(store: Store, who: str, urn: str, agreed_on, agreed_by: str,
               targets: pd.DataFrame, today: dt.date | None = None) -> int:
    """Record that a school's action plan was agreed: its targets now are the baseline plan.
    targets: the school's current targets (targets columns). One batch; returns its number."""
    day, by = _when(agreed_on, today), _who(agreed_by)
    school = targets[targets["client_urn"] == urn]
    if school.empty:
        raise StoreError("This school has no targets stored yet: upload the action plan's "
                         "targets first, then record when it was agreed.")
    change = Change()
    for target in school.itertuples():
        change.add(TARGET_PLAN, {
            "target_id": target.target_id, "client_urn": urn, "kind": "agreed",
            "agreed_on": day, "agreed_by": by, "target_value": float(target.target_value),
            "target_period": target.target_period, "from_value": None, "from_period": None,
            "recorded_by": who, "recorded_at": _now()})
    return write_batch(store, who, f"agreed plan {APP_SOURCE}",
                       f"Action plan for {urn} agreed on {_day(day)} by {by}: "
                       f"{len(school)} target(s) are the baseline plan", change)


def target_problem(measure: str, value, period) -> str | None:
    """A target's value and deadline checked as the upload checks them, in a sentence."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return "The target value must be a number."
    unit = MEASURES[measure].unit if measure in MEASURES else "%"
    low = -100 if unit == "pp" else 0
    if not low <= number <= 100:
        return f"The target value must lie between {low} and 100."
    if try_parse_period(period) is None:
        return (f"{period!r} is not a half term: write it like 2024/25 Summer 2.")
    return None


def change_target(store: Store, who: str, target_id: str, target_value, target_period: str,
                  agreed_on, agreed_by: str, today: dt.date | None = None) -> int:
    """A new version of a target (value and/or deadline), agreed on a date by someone: one batch
    replacing the targets row and recording the change. StoreError with the sentence if not
    valid or nothing changed."""
    day, by = _when(agreed_on, today), _who(agreed_by)
    targets = T["targets"]
    with store._reading() as conn:
        row = conn.execute(sa.select(targets).where(targets.c.target_id == str(target_id),
                                                    targets.c.superseded_by.is_(None))).first()
    if row is None:
        raise StoreError(f"There is no target {target_id}.")
    problem = target_problem(row.measure, target_value, target_period)
    if problem:
        raise StoreError(problem)
    period = try_parse_period(target_period)
    value = float(target_value)
    if value == row.target_value and period == row.target_period:
        raise StoreError("The value and deadline are as stored: nothing to change.")
    change = Change()
    change.replace("targets", row.row_id)
    change.add("targets", {**{c: getattr(row, c) for c in COLUMNS["targets"]},
                           "target_value": value, "target_period": period})
    change.add(TARGET_PLAN, {
        "target_id": row.target_id, "client_urn": row.client_urn, "kind": "changed",
        "agreed_on": day, "agreed_by": by, "target_value": value, "target_period": period,
        "from_value": row.target_value, "from_period": row.target_period,
        "recorded_by": who, "recorded_at": _now()})
    what = _change_words(row.measure, row.target_value, row.target_period, value, period)
    return write_batch(store, who, f"target change {APP_SOURCE}",
                       f"Target {row.target_id} changed on {_day(day)} {what} (agreed by {by})",
                       change)


def _change_words(measure, old_value, old_period, new_value, new_period) -> str:
    """'from 60% to 55%', 'from 60% by 2024/25 Summer 2 to 60% by 2025/26 Summer 2'."""
    old, new = format_value(old_value, measure), format_value(new_value, measure)
    if old_period == new_period:
        return f"from {old} to {new}"
    return f"from {old} by {old_period} to {new} by {new_period}"


def plan_history(target_plan: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    """target_plan rows + current targets -> HISTORY_COLUMNS, one sentence per event, oldest
    first per target: the agreement, each agreed change, and a change no agreement explains
    (a spreadsheet upload that moved a target after it was agreed)."""
    if target_plan is None or target_plan.empty:
        return pd.DataFrame(columns=HISTORY_COLUMNS)
    measures = dict(zip(targets["target_id"], targets["measure"], strict=False))
    current = {t.target_id: (t.target_value, t.target_period) for t in targets.itertuples()}
    rows = []
    plan = target_plan.assign(agreed_on=pd.to_datetime(target_plan["agreed_on"]))
    for target_id, events in plan.groupby("target_id", sort=True):
        measure = measures.get(target_id)
        for e in events.sort_values("agreed_on", kind="stable").itertuples():
            if e.kind == "agreed":
                text = (f"Plan agreed on {_day(e.agreed_on)} by {e.agreed_by}: "
                        f"{format_value(e.target_value, measure)} by {e.target_period}")
            else:
                words = _change_words(measure, e.from_value, e.from_period, e.target_value,
                                      e.target_period)
                text = f"Target changed on {_day(e.agreed_on)} {words} (agreed by {e.agreed_by})"
            rows.append((target_id, e.client_urn, e.kind, e.agreed_on, text))
        last = events.sort_values("agreed_on", kind="stable").iloc[-1]
        now = current.get(target_id)
        if now is not None and (round(float(now[0]), 9) != round(float(last["target_value"]), 9)
                                or now[1] != last["target_period"]):
            rows.append((target_id, last["client_urn"], "unrecorded", pd.NaT,
                         f"Target changed since {_day(last['agreed_on'])} "
                         f"{_change_words(measure, last['target_value'], last['target_period'], *now)}"
                         " by a spreadsheet upload: no agreement is recorded for this change"))
    return pd.DataFrame(rows, columns=HISTORY_COLUMNS)


def target_sentences(history: pd.DataFrame, target_id: str) -> list[str]:
    """The plan's sentences for one target, oldest first (empty when no plan is recorded)."""
    if history is None or history.empty:
        return []
    return list(history.loc[history["target_id"] == target_id, "sentence"])


def agreements(target_plan: pd.DataFrame) -> pd.DataFrame:
    """urn, agreed_on, agreed_by, targets: each recorded agreement of a school's plan, newest first."""
    agreed = target_plan[target_plan["kind"] == "agreed"] if not target_plan.empty else target_plan
    if agreed.empty:
        return pd.DataFrame(columns=["urn", "agreed_on", "agreed_by", "targets"])
    out = (agreed.groupby(["client_urn", "agreed_on", "agreed_by"], sort=False)["target_id"]
           .count().reset_index())
    out.columns = ["urn", "agreed_on", "agreed_by", "targets"]
    return out.sort_values("agreed_on", ascending=False).reset_index(drop=True)
