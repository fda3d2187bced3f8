"""Deployments register: where time and money go, which deployments drift, what awaits QA."""

import streamlit as st

from analysis import charts, presenters
from analysis import deployments as deployments_mod
from analysis.text import lit
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
    as_of, as_of_words = widgets.data_as_of()
    judged = deployments_mod.judge_delivery(summary, as_of)
    st.caption(lit(f"{int(judged['active'].sum())} of {len(judged)} deployments running at "
                   f"{as_of_words}. One day rate everywhere: the funding divided by the days "
                   "committed; spend to date is that rate times the days delivered, never more "
                   "than the funding."))
    for line in judged["delivery"][judged["delivery"] != ""]:
        row = judged[judged["delivery"] == line].iloc[0]
        st.warning(lit(f"{row['leader_name']} at "
                       f"{loads.school_names().get(row['client_urn'], row['client_urn'])}: "
                       f"{line.removeprefix('⚑ ')}."), icon=":material/flag:")
    widgets.table(widgets.register_table(summary), hide_index=True, width="stretch",
                  column_config=widgets.DEPLOYMENT_COLUMNS)
    with st.expander("What each deployment's time and money bought (targets achieved or on "
                     "track per £1,000 and per day)"):
        st.caption("In the register's order, not ranked: a deployment's targets depend on the "
                   "school's starting point as much as on the leader.")
        for sentence in deployments_mod.deployment_impact(summary, loads.progress())["sentence"]:
            st.markdown(f"- {lit(sentence)}")
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
            f"**{lit(flag)}{lit(row['leader_name'])} ({lit(row['leader_role'])}) at "
            f"{lit(loads.school_names().get(row['client_urn'], row['client_urn']))}**: "
            f"{row['creep_share']:.0%} of {row['days_delivered']:.1f} days off focus "
            f"(agreed focus: {lit(row['focus_areas'])})"
        )
        widgets.table(presenters.visit_table(visits), hide_index=True, width="stretch")

with qa_tab:
    backlog = deployments_mod.qa_backlog(data.visits, data.deployments)
    if backlog.empty:
        st.success("Every visit record has been checked.")
    else:
        st.write(f"{len(backlog):d} visit records await quality assurance, oldest first.")
        widgets.table(presenters.visit_table(backlog), hide_index=True, width="stretch")

with teams_tab:
    teams = summary.groupby("client_urn").filter(lambda g: len(g) > 1)
    st.subheader("Schools supported by a team of leaders")
    if teams.empty:
        st.caption("Every client school has a single leader.")
    for urn, team in teams.groupby("client_urn"):
        st.markdown(f"**{lit(loads.school_names().get(urn, urn))}**: {len(team):d} leaders, "
                    f"{team['days_delivered'].sum():.1f} of {team['days_committed'].sum():.0f} days")
        widgets.table(widgets.register_table(team), hide_index=True,
                     width="stretch",
                     column_config=widgets.DEPLOYMENT_COLUMNS)
    st.subheader("What each home school lends")
    st.caption("Lending leaders also develops the home school's own staff.")
    widgets.table(
        deployments_mod.home_school_view(data.deployments, data.visits, data.schools),
        hide_index=True, width="stretch",
    )
