"""One client school's journey: targets, support received, subgroups and inspections."""

import pandas as pd
import streamlit as st

from analysis import agreed_plan, charts, narrative, plain_words, policy, portfolio, presenters
from analysis import deployments as deployments_mod
from analysis.schema import STATUS_ORDER, measure_label
from analysis.text import lit
from app_pages import accessible, downloads, governed_views, loads, meeting, widgets

# The menu from the schools list alone; everything below reads only the chosen school's rows.
schools = loads.directory().schools
clients = schools[schools["role"].str.lower() == "client"].sort_values("school_name")
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
st.session_state[accessible.CHOSEN_SCHOOL] = urn  # Presentation mode opens on this school
loads.record_view(urn)
school = clients[clients["urn"] == urn].iloc[0]
settings = loads.settings()
data, progress, summary = loads.school(urn)
inspections = data.inspections[data.inspections["urn"] == urn]

st.title(lit(school["school_name"]))
latest = portfolio.latest_inspection(inspections)
details = [str(school["phase"]), str(school["local_authority"] or ""), f"URN {urn}"]
if not latest.empty:
    details.append(f"Latest inspection: {latest['inspection'].iloc[0]}")
st.caption(lit(" · ".join(d for d in details if d)))
for line in (policy.rise_words(school, widgets.data_as_of(data)[0]),
             policy.stuck_sentence(inspections)):
    if line:
        st.markdown(lit(line))

st.header("Since our last meeting")
since_then = meeting.since_panel(urn)
with st.container(key=accessible.LEAD_KEY):  # the page's answer in brief: a lead sentence, no heading
    st.markdown(lit(narrative.describe_school(progress, summary)))
counts = portfolio.status_counts(progress)
cols = st.columns(len(STATUS_ORDER))
for col, status in zip(cols, STATUS_ORDER, strict=True):
    value = int(counts[status].iloc[0]) if not counts.empty else 0
    col.metric(lit(presenters.status_badge(status)), value)
downloads.pack_downloads(urn, since=since_then)


def targets_tab() -> None:
    if progress.empty:
        st.info("No action-plan targets are stored for this school yet.")
    st.caption(presenters.STATUS_LEGEND)
    # When the plan was agreed and every later change to a target (analysis/agreed_plan.py).
    plan = agreed_plan.plan_history(data.target_plan, data.targets)
    # Each card is one governed view: its heading, sentence, rule and chart hold no hidden
    # figure; the cards are grouped by report-card area (issue 13) when any target names one.
    views = {view.target_id: view for view in governed_views.school_views(urn)}
    order = pd.DataFrame({"target_id": list(views)})
    groups = policy.group_by_area(order, data.targets)
    for area, group in groups:
        if len(groups) > 1 or area != "All targets":
            st.header(lit(area if area == "Not linked to an evaluation area"
                             else f"Report-card area: {area}"))
        for target_id in group["target_id"]:
            view = views[target_id]
            with st.container(border=True):
                phrase = narrative.measure_phrase(view.measure, view.subgroup)
                st.markdown(f"**{lit(plain_words.with_direction(phrase, view.measure))}**")
                # The sentence leads; the rule that produced the status sits beside it in words.
                st.markdown(f"### {lit(presenters.status_badge(view.status))} · "
                            f"{lit(view.sentence)}")
                st.caption(f"Why: {lit(view.rule)}")
                for line in agreed_plan.target_sentences(plan, view.target_id):
                    st.caption(f":material/history: {lit(line)}")
                st.caption(lit(deployments_mod.owning_deployment_line(
                    {"deployment_id": view.deployment_id}, summary)))
                figure = governed_views.target_figure(view)
                st.plotly_chart(figure, width="stretch", key=f"target_{view.target_id}",
                                config={"displayModeBar": False})
                accessible.chart_figures(figure, view.measure)


def support_tab() -> None:
    if summary.empty:
        st.info("No deployments are recorded for this school.")
        return
    value = portfolio.school_value(progress, summary, [urn])
    st.markdown(lit(value["sentence"].iloc[0]))
    for sentence in deployments_mod.deployment_impact(summary, progress)["sentence"]:
        st.markdown(f"- {lit(sentence)}")
    st.caption(lit(f"Running or not, and days unused, are judged at "
                   f"{widgets.data_as_of(data)[1]}."))
    widgets.table(widgets.register_table(summary, progress, data), hide_index=True,
                  width="stretch", column_config=widgets.DEPLOYMENT_COLUMNS)
    visits = data.visits[data.visits["deployment_id"].isin(summary["deployment_id"])]
    if not visits.empty:
        ratings = charts.progress_ratings_chart(visits.merge(
            summary[["deployment_id", "leader_name"]], on="deployment_id"))
        st.plotly_chart(ratings, width="stretch")
        accessible.chart_figures(ratings, row_label="Deployment")


def subgroups_tab() -> None:
    measures = sorted(set(data.measures[data.measures["urn"] == urn]["measure"])
                      - {m for m in data.measures["measure"] if m.startswith("disadvantaged_gap")})
    if not measures:
        st.info("No pupil outcomes are stored for this school yet.")
        return
    left, right = st.columns([2, 1])
    measure = left.selectbox("Measure", measures, format_func=measure_label)
    pair = right.radio("Compare", ["disadvantaged", "send"], horizontal=True,
                       format_func={"disadvantaged": "Disadvantaged vs not",
                                    "send": "SEND vs no SEND"}.get)
    # Governed figures: a hidden group's value never reaches the chart, nor its gap.
    subgroups = charts.subgroup_chart(governed_views.governed_measures(urn), urn, measure,
                                      small_cohort=settings.small_cohort, pair=pair)
    st.plotly_chart(subgroups, width="stretch")
    accessible.chart_figures(subgroups, measure)
    st.caption(f"Figures for groups of fewer than {settings.small_cohort:d} pupils are hidden.")


def inspection_tab() -> None:
    if inspections.empty:
        st.info("No inspections are recorded for this school.")
        return
    journey = charts.inspection_journey(inspections)
    st.plotly_chart(journey, width="stretch")
    accessible.chart_figures(journey, row_label="Area or judgement")
    st.caption("Single-word judgements (before November 2025) and report cards (from 10 "
               "November 2025) are different scales and are never converted into each other; "
               "a report card's category is derived from its grades by Ofsted's rules.")
    for sentence in policy.inspection_journey_table(inspections)["sentence"]:
        st.markdown(f"- {lit(sentence)}")


# Only the open tab runs and is drawn; switching tabs reruns the page. Otherwise every visit
# would build and draw the hidden tabs' charts too (issue 14: cost grows with what is shown).
tabs = st.tabs(["Targets", "Support received", "Subgroups", "Inspection journey"],
               key=accessible.SCHOOL_TAB, on_change="rerun")
for tab, draw in zip(tabs, (targets_tab, support_tab, subgroups_tab, inspection_tab),
                     strict=True):
    if tab.open:
        with tab:
            draw()

with st.expander("Words used on this page"):
    for term, meaning in plain_words.GLOSSARY:
        st.markdown(f"- **{lit(term)}**: {lit(meaning)}")
