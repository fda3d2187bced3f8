"""The deployments register at any size: filters, exceptions first, pages, and top-N for charts.

At 500 client schools the register holds ~1,000 deployments and ~10,000 visits: one bar per
deployment makes a chart no one can read (and the browser took 40 s to draw it). So the page
shows the deployments that need attention first (creep flagged, visits awaiting QA, least of
their days used), a page of the table at a time, and charts of the top N only, each saying how
many it leaves out. Pure: frames in, frames out.
"""

from __future__ import annotations

import math

import pandas as pd

PAGE_SIZE = 50
# Delivery flags shown as a box each above the register; the rest are counted (issue 14).
WARNINGS_SHOWN = 10
CHART_TOP = 15


def filter_register(summary: pd.DataFrame, client_urns: list[str] | None = None,
                    leader_roles: list[str] | None = None, flagged_only: bool = False,
                    qa_only: bool = False, text: str = "", names: dict | None = None
                    ) -> pd.DataFrame:
    """deployment_summary -> the rows matching every filter given (empty filters keep all).

    text: matched, case aside, against the leader's name, the client school's name and the focus.
    """
    keep = pd.Series(True, index=summary.index)
    if client_urns:
        keep &= summary["client_urn"].isin(client_urns)
    if leader_roles:
        keep &= summary["leader_role"].isin(leader_roles)
    if flagged_only:
        keep &= summary["creep_flag"].fillna(False).astype(bool)
    if qa_only:
        keep &= summary["qa_pending"].fillna(0) > 0
    words = text.strip().lower()
    if words:
        school = summary["client_urn"].map(lambda u: (names or {}).get(u, u))
        haystack = (summary["leader_name"].fillna("").astype(str) + " " + school.astype(str)
                    + " " + summary["focus_areas"].fillna("").astype(str)).str.lower()
        keep &= haystack.str.contains(words, regex=False)
    return summary[keep]


def exceptions_first(summary: pd.DataFrame) -> pd.DataFrame:
    """Creep-flagged first, then most visits awaiting QA, then the least of the days used."""
    ranked = summary.assign(
        _flag=summary["creep_flag"].fillna(False).astype(bool),
        _qa=summary["qa_pending"].fillna(0),
        _used=summary["utilisation"].fillna(0),
    )
    ranked = ranked.sort_values(["_flag", "_qa", "_used", "deployment_id"],
                                ascending=[False, False, True, True], kind="stable")
    return ranked.drop(columns=["_flag", "_qa", "_used"])


def pages(rows: int, size: int = PAGE_SIZE) -> int:
    """How many pages `rows` rows fill (at least one, so an empty table has a page 1)."""
    return max(1, math.ceil(rows / size))


def page_of(frame: pd.DataFrame, page: int, size: int = PAGE_SIZE) -> pd.DataFrame:
    """Rows of page `page` (1-based, clamped to the pages there are)."""
    page = min(max(1, int(page)), pages(len(frame), size))
    return frame.iloc[(page - 1) * size: page * size]


def top_for_chart(summary: pd.DataFrame, n: int = CHART_TOP) -> tuple[pd.DataFrame, int]:
    """The n deployments a days chart should show (exceptions first) and how many it leaves out."""
    ordered = exceptions_first(summary)
    return ordered.head(n), max(0, len(ordered) - n)


def drifting(summary: pd.DataFrame, off_focus: pd.DataFrame) -> pd.DataFrame:
    """The deployments with any visit off their agreed focus, creep flagged first, then by the
    share of their days spent off focus (largest first)."""
    rows = summary[summary["deployment_id"].isin(off_focus["deployment_id"].unique())]
    return rows.sort_values(["creep_flag", "creep_share"], ascending=False)


def teams(summary: pd.DataFrame, names: dict | None = None) -> pd.DataFrame:
    """Client schools supported by more than one leader -> one row each: client_urn, school,
    leaders (count), names (joined), days_delivered, days_committed; most leaders first."""
    counts = summary.groupby("client_urn")["deployment_id"].transform("count")
    several = summary[counts > 1]
    if several.empty:
        return pd.DataFrame(columns=["client_urn", "school", "leaders", "names",
                                     "days_delivered", "days_committed"])
    several = several.assign(leader_name=several["leader_name"].astype(object)).sort_values(
        ["client_urn", "leader_name"], kind="stable")
    table = several.groupby("client_urn", as_index=False).agg(
        leaders=("deployment_id", "count"),
        names=("leader_name", lambda s: "; ".join(str(v) for v in s if isinstance(v, str))),
        days_delivered=("days_delivered", "sum"),
        days_committed=("days_committed", "sum"),
    )
    table.insert(1, "school", table["client_urn"].map(lambda u: (names or {}).get(u, u)))
    return table.sort_values(["leaders", "school"], ascending=[False, True],
                             kind="stable").reset_index(drop=True)
