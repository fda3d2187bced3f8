"""One client school's journey: targets, support received, subgroups and inspections."""

import streamlit as st

from analysis import agreed_plan, charts, narrative, portfolio, presenters
from analysis.schema import STATUS_ORDER, measure_label
from analysis.style import as_text
from app_pages import downloads, loads, widgets

data = loads.dataset()
clients = data.schools[data.schools["role"].str.lower() == "client"].sort_values("school_name")
if clients.empty:
    st.title("School")
    widgets.empty_state("No client schools are stored yet.")
    st.stop()

names = dict(zip(clients["urn"], clients["school_name"], strict=False))
urns = list(names)
asked = st.query_params.get("urn")
widgets.say_if_not_available(asked, urns)
urn = st.selectbox(
    "School", urns, index=urns.index(asked) if asked in urns else 0,
    format_func=lambda u: f"{names[u]} ({u})",
)
st.query_params["urn"] = urn
loads.record_view(urn)
school = clients[clients["urn"] == urn].iloc[0]
settings = loads.settings()
progress = loads.progress()
progress = progress[progress["client_urn"] == urn]
summary = loads.deployment_summary()
# When the plan was agreed and every later change to a target (analysis/agreed_plan.py).
plan = agreed_plan.plan_history(data.target_plan, data.targets)
summary = summary[summary["client_urn"] == urn]
inspections = data.inspections[data.inspections["urn"] == urn]

st.title(school["school_name"])
latest = portfolio.latest_inspection(inspections)
details = [str(school["phase"]), str(school["local_authority"] or ""), f"URN {urn}"]
if not latest.empty:
    details.append(f"Latest inspection: {latest['inspection'].iloc[0]}")
st.caption(" · ".join(d for d in details if d))

st.markdown(f"#### {narrative.describe_school(progress, summary)}")
counts = portfolio.status_counts(progress)
cols = st.columns(len(STATUS_ORDER))
for col, status in zip(cols, STATUS_ORDER, strict=True):
    value = int(counts[status].iloc[0]) if not counts.empty else 0
    col.metric(presenters.status_badge(status), value)
downloads.pack_downloads(urn)

targets_tab, support_tab, subgroup_tab, inspection_tab = st.tabs(
    ["Targets", "Support received", "Subgroups", "Inspection journey"]
)

with targets_tab:
    if progress.empty:
        st.info("No action-plan targets are stored for this school yet.")
    st.caption(presenters.STATUS_LEGEND)
    for _, target in presenters.exceptions_first(progress).iterrows():
        with st.container(border=True):
            # The sentence leads; the rule that produced the status sits beside it in words.
            st.markdown(
                f"#### {presenters.status_badge(target['status'])} · "
                f"{narrative.describe_target(target, small_cohort=settings.small_cohort)}"
            )
            st.caption(f"Why: {widgets.governor_rule(target)}")
            for line in agreed_plan.target_sentences(plan, target["target_id"]):
                st.caption(f":material/history: {as_text(line)}")
            st.plotly_chart(
                widgets.target_figure(target, urn), width="stretch",
                key=f"target_{target['target_id']}", config={"displayModeBar": False},
            )

with support_tab:
    if summary.empty:
        st.info("No deployments are recorded for this school.")
    else:
        st.dataframe(presenters.deployment_table(summary, loads.school_names()), hide_index=True,
                     width="stretch",
                     column_config=widgets.DEPLOYMENT_COLUMNS)
        visits = data.visits[data.visits["deployment_id"].isin(summary["deployment_id"])]
        if not visits.empty:
            st.plotly_chart(charts.progress_ratings_chart(visits.merge(
                summary[["deployment_id", "leader_name"]], on="deployment_id")), width="stretch")

with subgroup_tab:
    measures = sorted(set(data.measures[data.measures["urn"] == urn]["measure"])
                      - {m for m in data.measures["measure"] if m.startswith("disadvantaged_gap")})
    if not measures:
        st.info("No pupil outcomes are stored for this school yet.")
    else:
        left, right = st.columns([2, 1])
        measure = left.selectbox("Measure", measures, format_func=measure_label)
        pair = right.radio("Compare", ["disadvantaged", "send"], horizontal=True,
                           format_func={"disadvantaged": "Disadvantaged vs not",
                                        "send": "SEND vs no SEND"}.get)
        st.plotly_chart(
            charts.subgroup_chart(data.measures, urn, measure, small_cohort=settings.small_cohort,
                                  pair=pair),
            width="stretch",
        )
        st.caption(f"Figures for groups of fewer than {settings.small_cohort} pupils are hidden.")

with inspection_tab:
    if inspections.empty:
        st.info("No inspections are recorded for this school.")
    else:
        st.plotly_chart(charts.inspection_journey(inspections), width="stretch")
