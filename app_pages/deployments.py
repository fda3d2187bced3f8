"""Deployments register: where time and money go, which deployments drift, what awaits QA."""

import streamlit as st

from analysis import charts, presenters
from analysis import deployments as deployments_mod
from app_pages import loads, widgets

st.title("Deployments")
data = loads.dataset()
summary = loads.deployment_summary()
if summary.empty:
    widgets.empty_state("No deployments are stored yet.")
    st.stop()

settings = loads.settings()
flagged = summary[summary["creep_flag"]]
cols = st.columns(4)
cols[0].metric("Deployments", len(summary))
widgets.days_used_metric(cols[1], summary)
cols[2].metric("Creep flags", len(flagged), help=f"More than {settings.creep_threshold:.0%} of "
               "delivered days spent off the agreed focus")
cols[3].metric("Visit records awaiting QA", int(summary["qa_pending"].sum()))

register, creep_tab, qa_tab, teams_tab = st.tabs(
    ["Register", "Deployment creep", "QA backlog", "Teams and home schools"]
)

with register:
    st.dataframe(presenters.deployment_table(summary, loads.school_names()), hide_index=True, width="stretch",
                 column_config=widgets.DEPLOYMENT_COLUMNS)
    st.plotly_chart(charts.days_chart(summary), width="stretch")
    st.plotly_chart(
        charts.progress_ratings_chart(
            data.visits.merge(summary[["deployment_id", "leader_name"]], on="deployment_id")
        ),
        width="stretch",
    )

with creep_tab:
    if flagged.empty:
        st.success("No deployment has drifted from its agreed focus.")
    off_focus = deployments_mod.off_focus_visits(data.deployments, data.visits)
    for _, row in summary.sort_values("creep_share", ascending=False).iterrows():
        visits = off_focus[off_focus["deployment_id"] == row["deployment_id"]]
        if visits.empty:
            continue
        flag = "⚑ Flagged: " if row["creep_flag"] else ""
        st.markdown(
            f"**{flag}{row['leader_name']} ({row['leader_role']}) at "
            f"{loads.school_names().get(row['client_urn'], row['client_urn'])}**: "
            f"{row['creep_share']:.0%} of {row['days_delivered']:.1f} days off focus "
            f"(agreed focus: {row['focus_areas']})"
        )
        st.dataframe(presenters.visit_table(visits), hide_index=True, width="stretch")

with qa_tab:
    backlog = deployments_mod.qa_backlog(data.visits, data.deployments)
    if backlog.empty:
        st.success("Every visit record has been checked.")
    else:
        st.write(f"{len(backlog)} visit records await quality assurance, oldest first.")
        st.dataframe(presenters.visit_table(backlog), hide_index=True, width="stretch")

with teams_tab:
    teams = summary.groupby("client_urn").filter(lambda g: len(g) > 1)
    st.subheader("Schools supported by a team of leaders")
    if teams.empty:
        st.caption("Every client school has a single leader.")
    for urn, team in teams.groupby("client_urn"):
        st.markdown(f"**{loads.school_names().get(urn, urn)}**: {len(team)} leaders, "
                    f"{team['days_delivered'].sum():.1f} of {team['days_committed'].sum():.0f} days")
        st.dataframe(presenters.deployment_table(team, loads.school_names()), hide_index=True,
                     width="stretch",
                     column_config=widgets.DEPLOYMENT_COLUMNS)
    st.subheader("What each home school lends")
    st.caption("Lending leaders also develops the home school's own staff.")
    st.dataframe(
        deployments_mod.home_school_view(data.deployments, data.visits, data.schools),
        hide_index=True, width="stretch",
    )
