"""Presentation mode for the projector: one school, one target at a time, large type."""

import streamlit as st

from analysis import narrative, presenters
from analysis.schema import measure_label
from app_pages import loads, widgets

# Large type and no sidebar: this page is read from the back of a governors' meeting room.
st.html(
    """<style>
    [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"] {display: none;}
    .block-container {max-width: 1400px; padding-top: 1.5rem;}
    .present-status {font-size: 2.4rem; font-weight: 700; margin: 0.2rem 0;}
    .present-text {font-size: 1.6rem; line-height: 1.45;}
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
top = st.columns([3, 1])
urn = top[0].selectbox("School", urns, format_func=lambda u: names.get(u, u), key="present_urn")
top[1].page_link(loads.home_page(), label="Leave presentation mode", icon=":material/close:")
loads.record_view(urn)

targets = presenters.exceptions_first(progress[progress["client_urn"] == urn]).reset_index(drop=True)
position_key = f"present_position_{urn}"
position = st.session_state.get(position_key, 0) % len(targets)

back, counter, forward = st.columns([1, 2, 1])
if back.button("◀ Previous", width="stretch", key="present_previous"):
    position = (position - 1) % len(targets)
if forward.button("Next ▶", width="stretch", key="present_next"):
    position = (position + 1) % len(targets)
st.session_state[position_key] = position
counter.markdown(f"<div class='present-text' style='text-align:center'>Target {position + 1} of "
                 f"{len(targets)}</div>", unsafe_allow_html=True)

target = targets.iloc[position]
settings = loads.settings()
st.title(f"{names.get(urn, urn)}: {measure_label(target['measure'])} ({target['subgroup']})")
st.markdown(
    f"<div class='present-status'>{presenters.status_badge(target['status'])}</div>"
    f"<div class='present-text'>"
    f"{narrative.describe_target(target, small_cohort=settings.small_cohort)}</div>",
    unsafe_allow_html=True,
)
figure = widgets.target_figure(target, urn, large=True)
st.plotly_chart(figure, width="stretch", config={"displayModeBar": False}, key="present_chart")
st.caption(widgets.governor_rule(target))
