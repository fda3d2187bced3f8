"""Since our last meeting, for the trust board (issue 13): a trust summary of what moved since a
meeting date, and each exception school's own sentences (analysis/since.py's what_moved).

Governed like every board view: status changes and counts are not pupil figures; a school's
figures go through what_moved, which asks analysis/disclosure.py before writing any figure, so a
figure from fewer pupils than the small-cohort setting never appears, here or in the pack.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from analysis.formats import format_money
from analysis.narrative import format_days
from analysis.since import status_changes, visits_and_spend, what_moved

# The order the summary tells the statuses targets moved to: the board's worries first.
MOVED_TO_ORDER = ["Missed", "Off track", "At risk", "On track", "Achieved", "No data yet"]


@dataclass(frozen=True)
class TrustSince:
    """What the board pack prints: the meeting date, the trust summary's sentences, and each
    exception school's sentences (URN -> lines, the first a one-line summary)."""
    meeting: dt.date
    trust: list[str]
    schools: dict[str, list[str]] = field(default_factory=dict)


def _names(dataset) -> dict[str, str]:
    schools = dataset.schools
    return dict(zip(schools["urn"].astype(str), schools["school_name"].astype(str), strict=False))


def _school_list(urns: list[str], names: dict[str, str], most: int = 4) -> str:
    shown = [names.get(u, u) for u in urns[:most]]
    more = len(urns) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def trust_lines(then, now, settings, meeting: dt.date, urns: list[str]) -> list[str]:
    """Two Datasets -> the trust's summary since the meeting: targets that changed status (by the
    status they moved to, naming the schools), new visits and days, and spend."""
    date = f"{meeting:%d/%m/%Y}"
    names = _names(now)
    keep = set(urns)
    _, changed = status_changes(then, now, settings, keep)
    schools_moved = changed["client_urn"].nunique()
    fresh, spend_now, spend_then = visits_and_spend(then, now, keep)
    spent = (0.0 if pd.isna(spend_now) else float(spend_now)) - (
        0.0 if pd.isna(spend_then) else float(spend_then))

    n = len(changed)
    visits = len(fresh)
    lines = [f"Since the meeting on {date}, across {len(keep)} client schools: {n} target"
             f"{'s' if n != 1 else ''} changed status at {schools_moved} school"
             f"{'s' if schools_moved != 1 else ''}, {visits} visit{'s' if visits != 1 else ''}"
             f"{' (' + format_days(fresh['days'].astype(float).sum()) + ')' if visits else ''}"
             f" and {format_money(spent) + ' spent' if spent > 0.005 else 'nothing more spent'}."]
    for status in MOVED_TO_ORDER:
        to = changed[changed["status_after"] == status]
        if to.empty:
            continue
        at = list(dict.fromkeys(to["client_urn"]))
        new = int(to["status_before"].isna().sum())
        lines.append(f"{len(to)} target{'s' if len(to) != 1 else ''} now "
                     f"{status.lower()}{f' ({new} of them new)' if new else ''}: "
                     f"{_school_list(at, names)}.")
    if n == 0:
        lines.append(f"No target has changed status since {date}.")
    if pd.notna(spend_now):
        then_text = format_money(0.0 if pd.isna(spend_then) else spend_then)
        lines.append(f"Spend to date {format_money(spend_now)} ({then_text} at the meeting).")
    return lines


def board_since(then, now, settings, meeting: dt.date, urns: list[str],
                exceptions: list[str]) -> TrustSince:
    """The board pack's 'since our last meeting': the trust summary over every client school and
    what_moved for each exception school (on that school's rows only, so it stays cheap)."""
    from analysis.board_pack import school_cut

    schools = {u: what_moved(school_cut(then, u), school_cut(now, u), u, settings, meeting)
               for u in exceptions}
    return TrustSince(meeting, trust_lines(then, now, settings, meeting, urns), schools)
