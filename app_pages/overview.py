"""Overview for the executive principal: every client school on one screen, exceptions first."""

import streamlit as st

from analysis import charts, policy, portfolio, presenters
from analysis.formats import format_money
from analysis.periods import academic_year
from analysis.plain_words import role_words
from analysis.schema import STATUS_ORDER
from analysis.text import lit
from app_pages import accessible, downloads, loads, meeting, widgets

st.title("Impact across our client schools")
data = loads.dataset()
if data.schools.empty:
    widgets.empty_state("No schools are stored yet. Upload the trust's spreadsheets to begin.")
    st.stop()

progress = loads.progress()
summary = loads.deployment_summary()

# Distinct periods first: there are a dozen, and a quarter of a million measure rows at 500 schools.
years = sorted({academic_year(p) for p in data.measures["period"].unique()}, reverse=True)
leader_roles = sorted(data.deployments["leader_role"].dropna().unique())
left, mid, right, far = st.columns(4)
year = left.selectbox("Academic year", ["All years", *years])
phases = mid.multiselect("Phase", sorted(data.schools["phase"].dropna().unique()))
authorities = right.multiselect("Local authority",
                                sorted(data.schools["local_authority"].dropna().unique()))
roles = far.multiselect("Leader role", leader_roles,
                        format_func=lambda r: role_words(r).capitalize())

schools, progress, summary = portfolio.filter_portfolio(
    data.schools, data.deployments, progress, summary,
    academic_year=None if year == "All years" else year, phases=phases,
    authorities=authorities, leader_roles=roles,
)
as_of, as_of_words = widgets.data_as_of()
table = portfolio.school_overview(schools, progress, summary, data.inspections, today=as_of)
if table.empty:
    st.info("No client schools match these filters.")
    st.stop()

totals = table[STATUS_ORDER].sum()
top = st.columns(3)
top[0].metric("Targets off track or missed", int(totals["Off track"] + totals["Missed"]))
top[1].metric("Targets at risk", int(totals["At risk"]))
top[2].metric("Targets achieved or on track", int(totals["Achieved"] + totals["On track"]))
bottom = st.columns(3)
bottom[0].metric("Client schools", len(table))
widgets.days_used_metric(bottom[1], table)
spend, funding = table["spend_to_date"].sum(), table["funding"].sum()
bottom[2].metric("Spend", f"{format_money(spend)} of {format_money(funding)}",
                 f"{spend / funding:.0%} of the funding" if funding else None, delta_color="off")

if loads.current_scope().trust_wide:  # the board's pack is a trust-wide view
    downloads.pack_downloads(board_meeting=meeting.board_meeting())
st.caption(presenters.STATUS_LEGEND)
strip = charts.status_strip(table)
st.plotly_chart(strip, width="stretch", config={"displayModeBar": False})
accessible.chart_figures(strip, row_label="School")

st.header("Every client school")
for line in policy.overview_lines(table):  # RISE tiers and stuck schools, not only off-screen
    st.markdown(lit(line))
st.caption("Select a row to open that school's page, or choose a school under the table and "
           "follow its link (Enter).")
shown = portfolio.overview_display(table)
# Phase after spend, so names, statuses, days and spend fit on screen at 1400 px (issue 13).
columns = [c for c in shown.columns if c != "Phase"]
columns.insert(columns.index("Spend to date") + 1, "Phase")
chosen = widgets.table(
    shown[columns],
    hide_index=True,
    width="stretch",
    on_select="rerun",
    selection_mode="single-row",
    key="overview_table",
    column_config={
        "School": st.column_config.TextColumn("School", width=235),
        "Phase": st.column_config.TextColumn("Phase", width=80),
        # Narrow status counts, so days and spend sit on screen beside them.
        **{s: st.column_config.NumberColumn(s, width=84 if s == "No data yet" else 60)
           for s in STATUS_ORDER},
        "Days used": st.column_config.TextColumn("Days used", width=120),
        "Spend to date": st.column_config.TextColumn("Spend to date", width=150),
        "Running": st.column_config.NumberColumn(
            "Running", help=f"Deployments running at {as_of_words}"),
        "Latest inspection": st.column_config.TextColumn("Latest inspection", width="large"),
    },
)
if chosen.selection.rows:
    urn = table.iloc[chosen.selection.rows[0]]["urn"]
    st.switch_page("app_pages/school.py", query_params={"urn": urn})
accessible.open_school_link(table)  # the keyboard's way in: a list and a link that opens with Enter
st.caption(
    f"Running: deployments running at {lit(as_of_words)}. "
    "Spend to date: the day rate (funding divided by the days committed) times the days "
    "delivered, never more than the funding. "
    "Deployment creep: more than "
    f"{loads.settings().creep_threshold:.0%} of a deployment's days spent off its agreed focus."
)
