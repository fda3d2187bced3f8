"""Overview for the executive principal: every client school on one screen, exceptions first."""

import streamlit as st

from analysis import charts, policy, portfolio, presenters
from analysis.formats import format_money
from analysis.periods import academic_year
from analysis.plain_words import role_words
from analysis.schema import STATUS_ORDER
from analysis.text import lit
from app_pages import accessible, downloads, loads, meeting, widgets

STRIP_SCHOOLS = 30  # schools in the status strip; the table below holds every one


@st.cache_resource(show_spinner=False, max_entries=32)
def status_strip(version: str, scope_key: str, filters: tuple, _table):
    """The strip of every school's targets, built once per store version, scope and filters:
    plotly's figure building was a third of a warm run at 500 schools (pages only read it)."""
    return charts.status_strip(_table)


st.title("Impact across our client schools")
# Schools, deployments and inspections only: the figures come from the facts kept per store
# version (loads.overview), never from every school's measures on each render.
data = loads.frames("schools", "deployments", "inspections")
if data.schools.empty:
    widgets.empty_state("No schools are stored yet. Upload the trust's spreadsheets to begin.")
    st.stop()

# Distinct periods: there are a dozen, and a quarter of a million measure rows at 500 schools.
years = sorted({academic_year(p) for p in loads.measure_periods()}, reverse=True)
leader_roles = sorted(data.deployments["leader_role"].dropna().unique())
left, mid, right, far = st.columns(4)
year = left.selectbox("Academic year", ["All years", *years])
phases = mid.multiselect("Phase", sorted(data.schools["phase"].dropna().unique()))
authorities = right.multiselect("Local authority",
                                sorted(data.schools["local_authority"].dropna().unique()))
roles = far.multiselect("Leader role", leader_roles,
                        format_func=lambda r: role_words(r).capitalize())

as_of, as_of_words = widgets.data_as_of()
table = loads.overview(None if year == "All years" else year, phases, authorities, roles)
if table.empty:
    st.info("No client schools match these filters.")
    st.stop()

totals = table[STATUS_ORDER].sum()
top = st.columns(3)
top[0].metric("Targets off track or missed", f"{int(totals['Off track'] + totals['Missed']):,}")
top[1].metric("Targets at risk", f"{int(totals['At risk']):,}")
top[2].metric("Targets achieved or on track", f"{int(totals['Achieved'] + totals['On track']):,}")
bottom = st.columns(3)
bottom[0].metric("Client schools", f"{len(table):,}")
widgets.days_used_metric(bottom[1], table)
spend, funding = table["spend_to_date"].sum(), table["funding"].sum()
# The whole beneath the part (as Days used): "£3,739,850 of £12,…" was cut at 1280 px.
bottom[2].metric("Spend", format_money(spend),
                 f"{spend / funding:.0%} of {format_money(funding)} funding" if funding
                 else "no funding recorded", delta_color="off", delta_arrow="off")

if loads.current_scope().trust_wide:  # the board's pack is a trust-wide view
    downloads.pack_downloads(board_meeting=meeting.board_meeting())
st.caption(presenters.STATUS_LEGEND)
# The schools that need attention most (the table's order: exceptions first); at 500 schools a
# bar each is a chart nobody can read and seconds of drawing in the browser.
shown = table.head(STRIP_SCHOOLS)
strip = status_strip(loads.current_version(), loads.current_scope().key,
                     (year, tuple(sorted(phases)), tuple(sorted(authorities)), tuple(sorted(roles))),
                     shown)
st.plotly_chart(strip, width="stretch", config={"displayModeBar": False})
accessible.chart_figures(strip, row_label="School")
if len(table) > len(shown):
    st.caption(f"The chart shows the {len(shown)} schools with the most targets off track or "
               f"missed; all {len(table):,} are in the table below.")

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
