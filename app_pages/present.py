"""Presentation mode for the projector: one school, one target at a time, large type."""

import streamlit as st

from analysis import presenters
from analysis.schema import measure_label
from analysis.text import lit, literal_html
from app_pages import accessible, governed_views, loads, widgets

# Large type and no sidebar: this page is read from the back of a governors' meeting room.
st.html(
    """<style>
    [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
    [data-testid="stExpandSidebarButton"] {display: none;}
    .block-container {max-width: 1400px; padding-top: 1rem;}
    .block-container h1 {font-size: 2rem; padding: 0.2rem 0 0.4rem 0;}
    .present-status {font-size: 2.2rem; font-weight: 700; margin: 0 0 0.4rem 0;}
    .present-text {font-size: 1.45rem; line-height: 1.4;}
    .present-rule, .present-rule * {font-size: 1.2rem; line-height: 1.4; margin-top: 0.8rem;}
    </style>"""
)

data = loads.dataset()
progress = loads.progress()
if progress.empty:
    st.title("Presentation mode")
    widgets.empty_state("There are no action-plan targets to present yet.")
    st.stop()

names = loads.school_names()
urns = sorted(progress["client_urn"].unique(), key=lambda u: names.get(u, u))
# One row of controls, so the chart has the height of a 1280 x 720 projector below them.
top = st.columns([3, 1, 1.6, 1, 1.6], vertical_alignment="bottom")
# The school carries over from the page you came from (School page choice or ?urn=).
asked = st.query_params.get("urn") or st.session_state.get(accessible.CHOSEN_SCHOOL)
urn = top[0].selectbox("School", urns, format_func=lambda u: names.get(u, u), key="present_urn",
                       index=urns.index(asked) if asked in urns else 0)
st.session_state[accessible.CHOSEN_SCHOOL] = urn
top[4].page_link(loads.home_page(), label="Leave presentation mode", icon=":material/close:")
loads.record_view(urn)

# One governed view per target, exceptions first: no hidden figure reaches this page.
targets = governed_views.school_views(urn)
position_key = f"present_position_{urn}"
position = st.session_state.get(position_key, 0) % len(targets)

back, counter, forward = top[1], top[2], top[3]
if back.button("◀ Previous", width="stretch", key="present_previous"):
    position = (position - 1) % len(targets)
if forward.button("Next ▶", width="stretch", key="present_next"):
    position = (position + 1) % len(targets)
st.session_state[position_key] = position
counter.markdown(f"<div class='present-text' style='text-align:center'>Target {position + 1:d} of "
                 f"{len(targets):d}</div>", unsafe_allow_html=True)

view = targets[position]  # one governed view: its sentence, rule and chart hold no hidden figure
st.title(f"{lit(names.get(urn, urn))}: {lit(measure_label(view.measure))} "
         f"({lit(view.subgroup)})")
# Words beside the chart, so a 1280 x 720 projector shows the status, the sentence, the rule and
# the whole chart without scrolling; on a narrow screen the columns stack, words first.
words, picture = st.columns([1, 2])
words.markdown(
    # Raw HTML (for the large type): its text is HTML-escaped, not Markdown-escaped.
    f"<div class='present-status'>{literal_html(presenters.status_badge(view.status))}</div>"
    f"<div class='present-text'>{literal_html(view.sentence)}</div>"
    f"<div class='present-rule'><b>Why:</b> {literal_html(view.rule)}</div>",
    unsafe_allow_html=True,
)
figure = governed_views.target_figure(view, large=True)
picture.plotly_chart(figure, width="stretch", config={"displayModeBar": False},
                     key="present_chart")
with picture:
    accessible.chart_figures(figure, view.measure)
