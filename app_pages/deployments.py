"""Deployments register: where time and money go, which deployments drift, what awaits QA.

Built to stay readable at 1,000 deployments: filters, exceptions first, a page of the table at
a time, and charts of the top few (each says how many it leaves out) - analysis/register.py.
"""

import streamlit as st

from analysis import charts, formats, presenters, register
from analysis.plain_words import leader_with_role, role_words
from analysis.text import lit
from app_pages import accessible, loads, widgets

st.title("Deployments")
data = loads.frames("visits")  # the ratings chart's visits; the figures are the kept facts
summary = loads.deployment_summary()
if summary.empty:
    widgets.empty_state("No deployments are stored yet.")
    st.stop()

settings = loads.settings()
names = loads.school_names()
views = loads.deployment_views()
flagged = summary[summary["creep_flag"]]
cols = st.columns(4)
cols[0].metric("Deployments", f"{len(summary):,}")
widgets.days_used_metric(cols[1], summary)
cols[2].metric("Creep flags", f"{len(flagged):,}", help=f"More than {settings.creep_threshold:.0%} of "
               "delivered days spent off the agreed focus")
cols[3].metric("Visit records awaiting QA", f"{int(summary['qa_pending'].sum()):,}")


@st.cache_resource(show_spinner=False, max_entries=32)
def register_charts(version: str, scope_key: str, filters: tuple, _top, _visits):
    """The register's days and ratings charts of its top deployments, built once per store
    version, scope and filters (plotly's figure building was most of a warm run; pages only
    read the figures)."""
    visits = _visits[_visits["deployment_id"].isin(_top["deployment_id"].unique())]
    return (charts.days_chart(_top), charts.progress_ratings_chart(
        visits.merge(_top[["deployment_id", "leader_name"]], on="deployment_id")))


register_tab, creep_tab, qa_tab, teams_tab = st.tabs(
    ["Register", "Deployment creep", "QA backlog", "Teams and home schools"]
)

with register_tab:
    as_of_words = widgets.data_as_of()[1]
    judged = loads.judged_delivery()
    st.caption(lit(f"{int(judged['active'].sum()):,} of {len(judged):,} deployments running at "
                   f"{as_of_words}. One day rate everywhere: the funding divided by the days "
                   "committed; spend to date is that rate times the days delivered, never more "
                   "than the funding."))
    # The first few flags in full; at 1,000 deployments a box each would bury the register.
    warned = judged[judged["delivery"] != ""]
    for row in warned.head(register.WARNINGS_SHOWN).itertuples():
        st.warning(lit(f"{row.leader_name} at {names.get(row.client_urn, row.client_urn)}: "
                       f"{row.delivery.removeprefix('⚑ ')}."), icon=":material/flag:")
    if len(warned) > register.WARNINGS_SHOWN:
        st.caption(f"{len(warned) - register.WARNINGS_SHOWN:,} more deployments are flagged: "
                   "see the register's Delivery column.")
    left, mid, right = st.columns([2, 2, 1])
    text = left.text_input("Search leader, school or focus", key="register_search")
    roles = mid.multiselect("Leader role", sorted(summary["leader_role"].dropna().unique()),
                            format_func=lambda r: role_words(r).capitalize(),
                            key="register_roles")
    flagged_only = right.checkbox("Creep flagged only", key="register_flagged")
    qa_only = right.checkbox("Awaiting QA only", key="register_qa")
    chosen = register.exceptions_first(register.filter_register(
        summary, leader_roles=roles, flagged_only=flagged_only, qa_only=qa_only, text=text,
        names=names))
    if chosen.empty:
        st.info("No deployment matches these filters.")
    else:
        page_rows = widgets.paged(chosen, "register", "Deployments")
        widgets.table(widgets.register_table(page_rows),
                      hide_index=True, width="stretch", column_config=widgets.DEPLOYMENT_COLUMNS)
        with st.expander("What each deployment's time and money bought (targets achieved or on "
                         "track per £1,000 and per day)"):
            st.caption("The deployments on this page of the register, in its order, not ranked: "
                       "a deployment's targets depend on the school's starting point as much as "
                       "on the leader.")
            impact = loads.deployment_impact().set_index("deployment_id")
            for sentence in impact.reindex(page_rows["deployment_id"])["sentence"].dropna():
                st.markdown(f"- {lit(sentence)}")
        top, left_out = register.top_for_chart(chosen)
        days, ratings = register_charts(
            loads.current_version(), loads.current_scope().key,
            (tuple(sorted(roles)), flagged_only, qa_only, text), top, data.visits)
        st.plotly_chart(days, width="stretch")
        accessible.chart_figures(days, row_label="Deployment")
        if left_out:
            st.caption(f"The chart shows the {len(top)} deployments that need attention most "
                       f"(creep flagged, awaiting QA, fewest days used); {left_out:,} more are in "
                       "the table.")
        st.plotly_chart(ratings, width="stretch")
        accessible.chart_figures(ratings, row_label="Deployment")
        if left_out:
            st.caption("Progress ratings for the same deployments as the chart above.")

with creep_tab:
    if flagged.empty:
        st.success("No deployment has drifted from its agreed focus.")
    off_focus = views["off_focus"]
    drifting = views["drifting"]
    # A page of sentences, then one deployment's off-focus visits at a time: 50 tables per
    # page cost seconds on every click at 500 schools.
    shown = widgets.paged(drifting, "creep", "Deployments with visits off focus")
    for _, row in shown.iterrows():
        flag = "⚑ Flagged: " if row["creep_flag"] else ""
        st.markdown(
            f"**{lit(flag)}{lit(leader_with_role(row['leader_name'], row['leader_role']))} at "
            f"{lit(names.get(row['client_urn'], row['client_urn']))}**: "
            f"{row['creep_share']:.0%} of {lit(formats.format_days(row['days_delivered']))} off "
            f"focus (agreed focus: {lit(row['focus_areas'])})"
        )
    if not shown.empty:
        labels = {r.deployment_id: f"{r.leader_name} at {names.get(r.client_urn, r.client_urn)}"
                  for r in shown.itertuples()}
        chosen_id = st.selectbox("See the visits off focus of", list(labels),
                                 format_func=labels.get, key="creep_deployment")
        widgets.table(presenters.visit_table(off_focus[off_focus["deployment_id"] == chosen_id]),
                      hide_index=True, width="stretch")

with qa_tab:
    backlog = views["qa_backlog"]
    if backlog.empty:
        st.success("Every visit record has been checked.")
    else:
        st.write(f"{len(backlog):,} visit records await quality assurance, oldest first.")
        widgets.table(presenters.visit_table(widgets.paged(backlog, "qa", "Visit records")),
                      hide_index=True, width="stretch")

with teams_tab:
    teams = views["teams"]
    st.header("Schools supported by a team of leaders")
    if teams.empty:
        st.caption("Every client school has a single leader.")
    else:
        teams = widgets.paged(teams, "teams", "Schools with a team", "most leaders first")  # a page at a time
        widgets.table(teams.drop(columns="client_urn"), hide_index=True, width="stretch",
                     column_config={"school": "Client school", "leaders": "Leaders",
                                    "names": "Who", "days_delivered": st.column_config.NumberColumn(
                                        "Days delivered", format="%.1f"),
                                    "days_committed": st.column_config.NumberColumn(
                                        "Days committed", format="%.0f")})
        urn = st.selectbox("See one school's team", list(teams["client_urn"]),
                           format_func=lambda u: names.get(u, u), key="team_school")
        widgets.table(widgets.register_table(summary[summary["client_urn"] == urn]),
                      hide_index=True, width="stretch", column_config=widgets.DEPLOYMENT_COLUMNS)
    st.header("What each home school lends")
    st.caption("Lending leaders also develops the home school's own staff.")
    widgets.table(views["home_schools"], hide_index=True, width="stretch")
