"""Small pieces several pages draw: the days metric, the empty state, the 'not yours' notice,
and column widths (a target's chart is app_pages/governed_views.py). Not a page.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis import access, exports, presenters, register, upload_log
from analysis import deployments as deployments_mod
from analysis.formats import number
from analysis.text import lit, literal_list
from app_pages import loads
from app_pages.loads import current_scope, progress, school_names


def days_used_metric(column, frame: pd.DataFrame) -> None:
    """'Days used 218', '74% of 294 committed' beneath, for any frame with both columns. The
    commitment is beneath, not beside: '7,506.5 of 25,000' was cut to '7,506.5 of …' in a
    quarter of the page at 1280 px. No arrow: it is a share, not a change."""
    delivered, committed = frame["days_delivered"].sum(), frame["days_committed"].sum()
    column.metric("Days used", number(delivered, thousands=True),
                  f"{delivered / committed:.0%} of {number(committed, thousands=True)} committed"
                  if committed else "none committed", delta_color="off", delta_arrow="off")


def empty_state(message: str) -> None:
    """The one way a page says it has nothing to show yet, with the way forward."""
    st.info(lit(message))
    if access.UPLOAD in current_scope().pages:  # a link to a page not theirs would fail
        st.page_link("app_pages/upload.py", label="Upload spreadsheets", icon=":material/upload:")


def say_if_not_available(asked: str | None, urns: list[str]) -> None:
    """`school?urn=OTHER`: say plainly that the school is not shown, and name nothing about it."""
    if not asked or asked in urns:
        return
    if current_scope().trust_wide:
        st.warning(f"There is no client school with URN {lit(asked)} in the store.",
                   icon=":material/warning:")
    else:
        st.warning(f"The school with URN {lit(asked)} is not one of your schools, so the dashboard "
                   "does not show it. Ask your administrator if it should be.",
                   icon=":material/lock:")


def data_as_of(data=None):
    """(date, words): the date the data runs to; "active" is judged there, not at today's date.
    data: the rows the page already holds (one school's), else the scope's."""
    if data is None:
        return loads.data_date()  # the scope's, kept with the trust's facts
    return deployments_mod.data_date(data.measures, data.visits)


def register_table(summary: pd.DataFrame, targets_progress: pd.DataFrame | None = None,
                   data=None) -> pd.DataFrame:
    """The deployment register as people read it, with its targets' statuses (issue 13);
    targets_progress and data: what the page already holds (one school's), else the scope's."""
    judged = progress() if targets_progress is None else targets_progress
    return presenters.deployment_table(summary, school_names(), judged, data_as_of(data)[0])


def table(frame: pd.DataFrame, **options):
    """st.dataframe for every table a page shows: its cells pass the exports' formula escaping
    (analysis/exports.safe_frame), because the table's own "Download as CSV" and copy write
    cells raw: a visit summary `=cmd|...` would come out of that file as a live formula. The
    screen shows what the file will hold ('=cmd|...), as the app's own exports do."""
    return st.dataframe(exports.safe_frame(frame), **options)


# The health check says this many problems in sentences; a file with thousands of bad cells
# has the rest in the table (sort, search, download) rather than a page of sentences.
PROBLEM_SENTENCES = 30


def upload_problems(problems: pd.DataFrame) -> None:
    """An upload's problems in spreadsheet order: sentences that wrap at any width ('file,
    sheet, row 7, column: what is wrong', as the command line says them: in a table a long
    message was cut off, and at 390 px every message was off the screen), then all of them as
    a table."""
    ordered = presenters.problems_table(problems)
    lines = upload_log.problem_lines(problems.loc[ordered.index[:PROBLEM_SENTENCES]])
    st.markdown(literal_list(lines))
    with st.expander(f"All {len(problems):,} problems as a table (the first {len(lines)} are above)"
                     if len(problems) > len(lines)
                     else "The same problems as a table, to sort or download"):
        table(ordered, hide_index=True, width="stretch")


# Wide enough that "Deputy head" and UK dates are not cut off.
DEPLOYMENT_COLUMNS = {
    "Role": st.column_config.TextColumn("Role", width=230),
    "Targets": st.column_config.TextColumn("Targets", width=380),
    "Delivery": st.column_config.TextColumn("Delivery", width="medium"),
    "Focus": st.column_config.TextColumn("Focus", width="medium"),
}


def paged(frame, key: str, noun: str, order: str = "exceptions first",
          size: int = register.PAGE_SIZE):
    """One page of `frame` with a page picker when there is more than one; says what is shown.
    At 500 schools a table or queue drawn whole is thousands of elements (issue 14)."""
    count = register.pages(len(frame), size)
    page = 1
    if count > 1:
        page = st.columns([1, 3])[0].number_input(f"Page (of {count:d})", 1, count, 1,
                                                  key=f"{key}_page")
    shown = register.page_of(frame, page, size)
    first = (page - 1) * size + 1
    st.caption(f"{lit(noun)} {first:,}-{first + len(shown) - 1:,} of {len(frame):,}, {lit(order)}."
               if count > 1 else f"{len(frame):,} {lit(noun.lower())}, {lit(order)}.")
    return shown
