"""Small pieces several pages draw: the days metric, the empty state, the 'not yours' notice,
a target's chart, and column widths. Not a page.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis import access, charts, presenters
from analysis import progress as progress_mod
from app_pages.loads import current_scope, dataset, settings


def days_used_metric(column, frame: pd.DataFrame) -> None:
    """'Days used: 218 of 294' with the share of the commitment, for any frame with both columns."""
    delivered, committed = frame["days_delivered"].sum(), frame["days_committed"].sum()
    column.metric("Days used", f"{delivered:,.0f} of {committed:,.0f}",
                  f"{delivered / committed:.0%} of the days committed" if committed else None,
                  delta_color="off")


def empty_state(message: str) -> None:
    """The one way a page says it has nothing to show yet, with the way forward."""
    st.info(message)
    if access.UPLOAD in current_scope().pages:  # a link to a page not theirs would fail
        st.page_link("app_pages/upload.py", label="Upload spreadsheets", icon=":material/upload:")


def say_if_not_available(asked: str | None, urns: list[str]) -> None:
    """`school?urn=OTHER`: say plainly that the school is not shown, and name nothing about it."""
    if not asked or asked in urns:
        return
    if current_scope().trust_wide:
        st.warning(f"There is no client school with URN {asked} in the store.",
                   icon=":material/warning:")
    else:
        st.warning(f"The school with URN {asked} is not one of your schools, so the dashboard "
                   "does not show it. Ask your administrator if it should be.",
                   icon=":material/lock:")


def target_figure(target: pd.Series, urn: str, large: bool = False):
    """The chart for one target: plan line, tolerance band, actuals, projection, support given.

    large: projector type sizes, for presentation mode.
    """
    data = dataset()
    small = settings().small_cohort
    milestones = data.milestones[data.milestones["target_id"] == target["target_id"]]
    measures = data.measures
    actuals = measures[
        (measures["urn"] == urn)
        & (measures["measure"] == target["measure"])
        & (measures["subgroup"] == target["subgroup"])
    ][["period", "value", "cohort"]]
    school_deployments = data.deployments[data.deployments["client_urn"] == urn]
    visits = data.visits[data.visits["deployment_id"].isin(school_deployments["deployment_id"])]
    return charts.target_chart(
        target,
        actuals,
        progress_mod.expected_line(target, milestones),
        progress_mod.tolerance_band(target, milestones, settings()),
        deployments=school_deployments,
        visits=visits,
        national=presenters.national_series(target["measure"], target["subgroup"]),
        small_cohort=small,
        large=large,
    )


def governor_rule(target: pd.Series) -> str:
    """The status rule in words, unless its figures rest on a small cohort (then say so instead)."""
    return presenters.governor_rule(target, settings().small_cohort)


# Wide enough that "Deputy head" and UK dates are not cut off.
DEPLOYMENT_COLUMNS = {
    "Role": st.column_config.TextColumn("Role", width=110),
    "Focus": st.column_config.TextColumn("Focus", width="medium"),
}
