"""Small corrections made in the app instead of a re-upload: a deployment's end date, days
committed and funding; a target's milestone. Each is one batch of the upload history
(analysis/app_batches.py) that replaces the stored row by its natural key, exactly as a
one-row upload would: the old row stays in the history and undo brings it back.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa

from analysis.agreed_plan import target_problem
from analysis.app_batches import APP_SOURCE, Change, write_batch
from analysis.formats import format_date, format_money
from analysis.narrative import format_value
from analysis.periods import try_parse_period
from analysis.schema import COLUMNS
from analysis.store import Store, StoreError, T


def _day(value) -> str:
    return "no end date" if value is None or pd.isna(value) else format_date(value)


def _current(store: Store, kind: str, **key):
    table = T[kind]
    with store._reading() as conn:
        return conn.execute(sa.select(table).where(
            *[table.c[c] == v for c, v in key.items()], table.c.superseded_by.is_(None))).first()


def correct_deployment(store: Store, who: str, deployment_id: str, end_date: dt.date | None,
                       days_committed: float, funding_amount: float | None) -> int:
    """A new version of a deployment with these three fields; StoreError with the sentence."""
    row = _current(store, "deployments", deployment_id=str(deployment_id))
    if row is None:
        raise StoreError(f"There is no deployment {deployment_id}.")
    try:
        days = float(days_committed)
    except (TypeError, ValueError):
        raise StoreError("Days committed must be a number.") from None
    if not 0 < days <= 1000:
        raise StoreError("Days committed must be more than 0 (and at most 1,000).")
    money = None if funding_amount is None or pd.isna(funding_amount) else float(funding_amount)
    if money is not None and not 0 <= money <= 10_000_000:
        raise StoreError("Funding must be an amount in pounds from 0 to £10,000,000.")
    end = None if end_date is None or pd.isna(end_date) else pd.Timestamp(end_date).date()
    if end is not None and row.start_date is not None and end < row.start_date:
        raise StoreError(f"The end date {_day(end)} is before the deployment started on "
                         f"{_day(row.start_date)}.")
    changes = []
    if end != row.end_date:
        changes.append(f"end date {_day(row.end_date)} → {_day(end)}")
    if days != row.days_committed:
        changes.append(f"days committed {row.days_committed:g} → {days:g}")
    if money != row.funding_amount:
        changes.append(f"funding {format_money(row.funding_amount, missing='none')} → "
                       f"{format_money(money, missing='none')}")
    if not changes:
        raise StoreError("Nothing to save: the values are as stored.")
    change = Change()
    change.replace("deployments", row.row_id)
    change.add("deployments", {**{c: getattr(row, c) for c in COLUMNS["deployments"]},
                               "end_date": end, "days_committed": days,
                               "funding_amount": money})
    return write_batch(store, who, f"correction {APP_SOURCE}",
                       f"Deployment {deployment_id} corrected: {'; '.join(changes)}", change)


def set_milestone(store: Store, who: str, target_id: str, period: str, value: float) -> int:
    """Add a target's milestone or change its value: one batch (natural key target and period)."""
    target = _current(store, "targets", target_id=str(target_id))
    if target is None:
        raise StoreError(f"There is no target {target_id}.")
    problem = target_problem(target.measure, value, period)
    if problem:
        raise StoreError(problem.replace("target value", "milestone value"))
    label = try_parse_period(period)
    old = _current(store, "milestones", target_id=str(target_id), period=label)
    number = float(value)
    if old is not None and old.value == number:
        raise StoreError("Nothing to save: the milestone is as stored.")
    change = Change()
    if old is not None:
        change.replace("milestones", old.row_id)
    change.add("milestones", {"target_id": target.target_id, "period": label, "value": number})
    words = (f"{format_value(old.value, target.measure)} → " if old is not None else "new: ")
    return write_batch(store, who, f"correction {APP_SOURCE}",
                       f"Milestone of target {target_id} for {label} "
                       f"{words}{format_value(number, target.measure)}", change)
