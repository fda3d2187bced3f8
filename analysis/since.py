"""Since our last meeting (issue 13): what the store held at a date, and what moved since, in
sentences for a school's page and its pack.

"Then" is what the store held at the meeting (every upload keeps its batch and date, and a
replaced row keeps the upload that replaced it, so the rows current at any moment are
recoverable), cut to what was dated on or before the meeting: figures for periods that had ended,
visits that had happened, inspections that had been published. Uploads later undone are left out
(undo deletes their rows). "Now" is the store as it is.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa

from analysis.disclosure import is_hidden
from analysis.formats import format_money
from analysis.narrative import format_days, format_value, measure_phrase
from analysis.periods import period_end_date, try_parse_period
from analysis.plain_words import ratings_words, with_direction


def _stamp(when: dt.date | dt.datetime) -> str:
    """A meeting date -> the batches' ISO text: the end of that day (UTC) for a date."""
    if not isinstance(when, dt.datetime):
        when = dt.datetime.combine(when, dt.time(23, 59, 59))
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def held_at(store, when: dt.date | dt.datetime):
    """Store -> the Dataset it held at `when`: rows written by an upload made by then and not yet
    replaced by one made by then (uploads since undone are gone from the store, so left out)."""
    from analysis.measures import combine_measures
    from analysis.store import DATA_KINDS, Dataset, _typed
    from analysis.store.values import _columns

    stamp = _stamp(when)
    frames = {}
    with store.engine.connect() as conn:
        for kind in [*DATA_KINDS, "measures"]:
            cols = _columns(kind)
            quoted = ", ".join(f't."{c}"' for c in cols)
            rows = conn.execute(sa.text(
                f'SELECT {quoted} FROM "{kind}" t JOIN batches b ON t.batch_id = b.batch_id '
                "LEFT JOIN batches s ON t.superseded_by = s.batch_id "
                "WHERE b.created_at <= :at AND b.undone_at IS NULL "
                "AND (t.superseded_by IS NULL OR s.created_at > :at) ORDER BY t.row_id"),
                {"at": stamp}).all()
            frames[kind] = _typed(pd.DataFrame.from_records(rows, columns=cols), kind)
    computed = frames.pop("measures")
    return Dataset(measures=combine_measures(computed, frames["school_measures"]), **frames)


def dated_by(dataset, when: dt.date):
    """A Dataset -> the same with only what was dated on or before `when`: figures for periods
    ended by then, visits made by then, inspections by then."""
    from dataclasses import replace

    day = pd.Timestamp(when)
    measures = dataset.measures
    if not measures.empty:
        ends = measures["period"].map(
            lambda p: pd.Timestamp(period_end_date(p)) if try_parse_period(p) else pd.NaT)
        measures = measures[ends <= day]
    visits = dataset.visits
    if not visits.empty:
        visits = visits[pd.to_datetime(visits["visit_date"], errors="coerce") <= day]
    inspections = dataset.inspections
    if not inspections.empty:
        inspections = inspections[
            pd.to_datetime(inspections["inspection_date"], errors="coerce") <= day]
    return replace(dataset, measures=measures.reset_index(drop=True),
                   visits=visits.reset_index(drop=True),
                   inspections=inspections.reset_index(drop=True))


def status_changes(then, now, settings, urns: set[str]):
    """Two Datasets -> (targets judged now, the targets whose status changed since then), both
    for the schools in `urns` only: the step the school and trust summaries share."""
    from analysis.portfolio import compare_progress
    from analysis.progress import judge_progress

    before = judge_progress(then.targets, then.milestones, then.measures, settings)
    after = judge_progress(now.targets, now.milestones, now.measures, settings)
    before = before[before["client_urn"].isin(urns)]
    after = after[after["client_urn"].isin(urns)]
    moved = compare_progress(before, after)
    changed = moved[moved["status_before"].astype(object).fillna("") != moved["status_after"]]
    return after, changed


def visits_and_spend(then, now, urns: set[str]):
    """Two Datasets -> (visits recorded since then, spend to date now, spend to date then) for
    the deployments at the schools in `urns`; a spend is NaN when no deployment has a cost."""
    from analysis.deployments import summarise_deployments

    deployments = now.deployments[now.deployments["client_urn"].isin(urns)]
    ids = set(deployments["deployment_id"])
    v_now = now.visits[now.visits["deployment_id"].isin(ids)]
    v_then = then.visits[then.visits["deployment_id"].isin(ids)]
    keys = ["deployment_id", "visit_date", "focus_area"]
    fresh = v_now.merge(v_then[keys].drop_duplicates(), on=keys, how="left", indicator=True)
    fresh = fresh[fresh["_merge"] == "left_only"]
    spend_now = summarise_deployments(deployments, v_now)["spend_to_date"].sum(min_count=1)
    spend_then = summarise_deployments(
        then.deployments[then.deployments["client_urn"].isin(urns)], v_then)[
        "spend_to_date"].sum(min_count=1)
    return fresh, spend_now, spend_then


def what_moved(then, now, urn: str, settings, meeting: dt.date) -> list[str]:
    """Two Datasets (then, now) -> sentences for one school: status changes, new and changed
    figures for its targets' measures, visits, spend and inspections since the meeting. Figures
    from fewer pupils than the small-cohort setting are never written."""
    small = settings.small_cohort
    date = f"{meeting:%d/%m/%Y}"
    lines: list[str] = []

    after, changed = status_changes(then, now, settings, {urn})
    for _, row in changed.iterrows():
        phrase = with_direction(measure_phrase(row["measure"], row["subgroup"]), row["measure"])
        if pd.isna(row["status_before"]):
            lines.append(f"New target: {phrase}, now {str(row['status_after']).lower()}.")
        else:
            lines.append(f"{phrase} moved from {str(row['status_before']).lower()} to "
                         f"{str(row['status_after']).lower()}.")

    # New and changed figures for the measures the school's targets use.
    wanted = set(zip(after["measure"], after["subgroup"], strict=True))
    key = ["measure", "subgroup", "period"]
    old = then.measures[then.measures["urn"] == urn].set_index(key)
    new = now.measures[now.measures["urn"] == urn]
    for _, m in new.iterrows():
        if (m["measure"], m["subgroup"]) not in wanted:
            continue
        phrase = with_direction(measure_phrase(m["measure"], m["subgroup"]), m["measure"])
        where = (m["measure"], m["subgroup"], m["period"])
        if is_hidden(m["cohort"], small):
            if where not in old.index:
                lines.append(f"New figure: {phrase} in {m['period']} (fewer than {small} "
                             "pupils, so not shown).")
            continue
        value = format_value(m["value"], m["measure"])
        if where not in old.index:
            lines.append(f"New figure: {phrase} was {value} in {m['period']}.")
        else:
            was = old.loc[where]
            was = was.iloc[0] if isinstance(was, pd.DataFrame) else was
            if format_value(was["value"], m["measure"]) != value and not is_hidden(
                    was["cohort"], small):
                lines.append(f"Changed figure: {phrase} in {m['period']} is now {value} "
                             f"(it was {format_value(was['value'], m['measure'])} at the "
                             "meeting).")

    # Visits and spend.
    fresh, spend_now, spend_then = visits_and_spend(then, now, {urn})
    if fresh.empty:
        lines.append(f"No visits have been recorded since {date}.")
    else:
        counts = fresh["progress"].value_counts()
        lines.append(
            f"{len(fresh)} visit{'s' if len(fresh) != 1 else ''} "
            f"({format_days(fresh['days'].astype(float).sum())}) since {date}: "
            f"{ratings_words(counts.get('Green', 0), counts.get('Amber', 0), counts.get('Red', 0))}"
            ".")
    spent = 0.0
    if pd.notna(spend_now):
        spend_then = 0.0 if pd.isna(spend_then) else float(spend_then)
        spent = float(spend_now) - spend_then
        lines.append(f"{format_money(spent)} spent since {date} ({format_money(spend_then)} "
                     f"then, {format_money(spend_now)} now)." if spent > 0.005 else
                     f"Nothing more spent since {date} ({format_money(spend_now)} to date).")

    inspections = now.inspections[now.inspections["urn"] == urn]
    seen = set(pd.to_datetime(then.inspections.loc[then.inspections["urn"] == urn,
                                                   "inspection_date"]))
    for when in sorted(set(pd.to_datetime(inspections["inspection_date"])) - seen):
        lines.append(f"New inspection published for {when:%d/%m/%Y} (see the inspection "
                     "journey).")
    figures = sum(line.startswith(("New figure", "Changed figure")) for line in lines)
    n = len(changed)
    head = (f"Since the meeting on {date}: {n} target{'s' if n != 1 else ''} changed status, "
            f"{figures} new or changed figure{'s' if figures != 1 else ''}, {len(fresh)} "
            f"visit{'s' if len(fresh) != 1 else ''} and "
            f"{format_money(spent) + ' spent' if spent > 0.005 else 'nothing more spent'}.")
    return [head, *lines]


def then_dataset(store, now, meeting: dt.date):
    """What governors could have seen at the meeting: the store as it was then, dated by then.
    A store whose first upload came after the meeting cannot say what it held before it, so the
    data held now, cut by its own dates, stands in (the sample trust, loaded today, is such)."""
    history = store.history()
    live = history[~history["undone"]]
    before = live[live["created_at"] <= pd.Timestamp(_stamp(meeting))]
    return dated_by(held_at(store, meeting) if not before.empty else now, meeting)


def since_meeting(store, now, urn: str, settings, meeting: dt.date) -> list[str]:
    """The School page's and pack's opening: what moved for one school since the meeting date."""
    return what_moved(then_dataset(store, now, meeting), now, urn, settings, meeting)
