"""The one place for the dashboard's accessibility styles and its sidebar menu (issue 12, WCAG 2.2 AA).

- `apply_styles()`: every CSS rule the pages share (caption contrast, a 3:1 focus ring on every
  focusable element, metrics that wrap into a grid, reflow at 320 CSS px, heading sizes that
  let the levels go h1 -> h2 -> h3 without a skip). Colours come from
  analysis/style.py, where tests/test_style_contrast.py checks their contrast ratios.
- `sidebar_menu(sections)`: the navigation as plain links under section names. Streamlit's own
  grouped menu puts each section's <li> items inside a <div> within its <ul> (invalid list
  markup, axe "list"/"listitem", serious); links need no list to be announced as links.
"""

from __future__ import annotations

import streamlit as st

from analysis import chart_tables, style
from analysis.text import lit

CHOSEN_SCHOOL = "chosen_school"  # session key: the School page's choice, for Presentation mode
SCHOOL_TAB = "school_tab"  # session key: the School page's open tab
PRESENT_CHART_HEIGHT = 500  # px: the chart fits below the controls and title at 1280 x 720
MENU_KEY = "site_menu"  # the menu's container: class st-key-site_menu (tests find it by that)
LEAD_KEY = "lead_sentence"  # a page's answer in brief, large type that is not a heading

_CSS = f"""<style>
/* Captions: Streamlit's grey (#828180, 3.88:1) fails WCAG 1.4.3; ours is {style.MUTED_TEXT_COLOUR}. */
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p,
[data-testid="stMetricLabel"], [data-testid="stWidgetLabel"] p {{
  color: {style.MUTED_TEXT_COLOUR} !important;
  opacity: 1 !important;  /* Streamlit fades captions with opacity 0.6 on top of the grey */
}}
/* Target size (WCAG 2.5.8): the date input's day, month and year parts are each a spinbutton. */
[data-testid="stDateInput"] [role="spinbutton"] {{
    display: inline-block; min-width: 24px; min-height: 24px; line-height: 24px;
    text-align: center;
}}
/* A visible focus ring (WCAG 2.4.7, 2.4.11/2.4.13 area and 3:1 contrast) on every focusable element. */
:focus-visible, a:focus-visible, button:focus-visible, summary:focus-visible,
[role="tab"]:focus-visible, [tabindex]:focus-visible, canvas:focus-visible {{
  outline: 3px solid {style.FOCUS_COLOUR} !important;
  outline-offset: 2px !important;
  box-shadow: none !important;
}}
/* Inputs that draw their own box: ring the box, not the hidden native input inside it. */
[data-baseweb="select"]:focus-within > div, [data-baseweb="input"]:focus-within,
[data-baseweb="textarea"]:focus-within, [data-baseweb="base-input"]:focus-within {{
  outline: 3px solid {style.FOCUS_COLOUR} !important;
  outline-offset: 2px !important;
}}
label:has(input:focus-visible), [data-testid="stFileUploaderDropzone"]:focus-within {{
  outline: 3px solid {style.FOCUS_COLOUR} !important;
  outline-offset: 2px !important;
}}
/* Headings go h1 -> h2 -> h3 without a skip (axe "heading-order"): a page's sections are h2
   (st.header), a card within one h3. They keep the sizes they had as h3 and h4. */
[data-testid="stMain"] h2 {{ font-size: 1.75rem !important; }}
[data-testid="stMain"] h3 {{ font-size: 1.5rem !important; }}
.st-key-{LEAD_KEY} p {{ font-size: 1.5rem; font-weight: 600; line-height: 1.3; }}
/* The sidebar menu: section names above plain links. */
.st-key-{MENU_KEY} .menu-section {{
  font-weight: 700; font-size: 0.85rem; letter-spacing: 0.04em; text-transform: uppercase;
  color: {style.MUTED_TEXT_COLOUR}; margin: 0.6rem 0 0 0;
}}
.st-key-{MENU_KEY} [data-testid="stPageLink"] a {{ padding: 0.3rem 0.5rem; }}
/* The figures tables under the charts (chart_tables.html_table): real tables, scrolled in their
   own focusable box on a narrow screen. */
.table-wrap {{ overflow-x: auto; max-width: 100%; }}
.table-wrap table {{ border-collapse: collapse; font-size: 0.9rem; margin: 0.25rem 0; }}
.table-wrap th, .table-wrap td {{ border: 1px solid #767676; padding: 0.25rem 0.5rem;
  text-align: left; vertical-align: top; }}
.table-wrap th {{ background: {style.PAGE_BACKGROUNDS["pale grey"]}; }}
.table-wrap caption {{ text-align: left; font-weight: 700; caption-side: top; }}
/* Period labels thin out on a narrow chart (a phone, a column): every second one is hidden, so
   they never print over each other; every period is still in "The figures in this chart". */
[data-testid="stPlotlyChart"] {{ container-type: inline-size; }}
@container (max-width: 820px) {{
  .xaxislayer-above > .xtick:nth-child(even) {{ display: none; }}
}}
@container (max-width: 420px) {{  /* a phone: every third */
  .xaxislayer-above > .xtick {{ display: none; }}
  .xaxislayer-above > .xtick:nth-child(3n+1) {{ display: inline; }}
  /* over two years of half terms (13 or more ticks) every third still overlaps: every fourth */
  .xaxislayer-above:has(> .xtick:nth-child(13)) > .xtick {{ display: none; }}
  .xaxislayer-above:has(> .xtick:nth-child(13)) > .xtick:nth-child(4n+1) {{ display: inline; }}
}}
/* Metrics wrap into a grid on narrow screens instead of one long column (WCAG 1.4.10). */
@media (max-width: 640px) {{
  [data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"] [data-testid="stMetric"]) {{
    display: grid !important; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 0.5rem;
  }}
  [data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"] [data-testid="stMetric"])
    > [data-testid="stColumn"] {{ width: auto !important; min-width: 0 !important; }}
  [data-testid="stMetricValue"] {{ font-size: 1.5rem !important; }}
  /* Never cut a figure off with an ellipsis: wrap it instead. */
  [data-testid="stMetricValue"], [data-testid="stMetricValue"] *, [data-testid="stMetricDelta"],
  [data-testid="stMetricDelta"] * {{
    white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
  }}
  h1 {{ font-size: 1.75rem !important; overflow-wrap: anywhere; }}
  [data-testid="stMain"] h2 {{ font-size: 1.375rem !important; }}
  [data-testid="stMain"] h3, .st-key-{LEAD_KEY} p {{ font-size: 1.2rem !important; }}
  .block-container, [data-testid="stMainBlockContainer"] {{
    padding-left: 0.75rem !important; padding-right: 0.75rem !important;
  }}
  [data-baseweb="tab-list"] {{ flex-wrap: wrap; }}
}}
</style>"""


def apply_styles() -> None:
    """Put the shared CSS on the page (once per run, before anything else is drawn)."""
    st.html(_CSS)


def sidebar_menu(sections: dict[str, list]) -> None:
    """The pages this person may open as links under each section name, in the sidebar.

    sections: section name -> st.Page list, as dashboard.menu returns; hidden pages are left out.
    """
    with st.sidebar.container(key=MENU_KEY):
        for section, pages in sections.items():
            shown = [p for p in pages if getattr(p, "visibility", "visible") != "hidden"]
            if not shown:
                continue
            st.html(f'<p class="menu-section">{section}</p>')
            for page in shown:
                st.page_link(page, label=lit(page.title), icon=page.icon or None)


def open_school_link(table) -> None:
    """Beside the overview's table (a canvas grid, where only Shift+Space selects a row): a list
    of its schools, in the table's order, and a link to the chosen school's page that opens with
    Enter like any link. table: the overview frame (urn, school_name)."""
    names = dict(zip(table["urn"], table["school_name"], strict=False))
    pick, go = st.columns([3, 2], vertical_alignment="bottom")
    urn = pick.selectbox("Open a school's page", list(names), format_func=names.get,
                         key="overview_open_school")
    go.page_link("app_pages/school.py", label=f"Open {lit(names[urn])}", query_params={"urn": urn},
                 icon=":material/arrow_forward:")


def chart_figures(fig, measure: str | None = None, row_label: str = "Row",
                  caption: str | None = None) -> None:
    """Under a chart: its figures as a real table (analysis/chart_tables.py) in an expander, so a
    keyboard reaches it (Enter opens it) and a screen reader reads it cell by cell."""
    with st.expander("The figures in this chart", icon=":material/table_rows:"):
        # Escaped HTML, not st.table: st.table reads Markdown in cells, and leader and school
        # names are uploaded text.
        st.html(chart_tables.html_table(chart_tables.figure_table(fig, measure, row_label),
                                        caption or "The figures in this chart"))
