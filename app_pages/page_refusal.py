"""What a page outside someone's role shows when it is opened by URL (a governor's /upload).

Not a page file: dashboard.menu registers, for each page a person may not open, a hidden page at
the same address that calls `show`. Streamlit would otherwise say "Page not found" and run their
first page. The sentence is the access rule's (analysis.access.page_refusal); no data is loaded
beyond the person's own school names.
"""

from __future__ import annotations

import streamlit as st

from analysis import access
from analysis.text import lit
from app_pages import identity, loads


def show(page: str, title: str) -> None:
    person = identity.current_person(loads.get_store())
    st.title("This page is not part of your role")
    if person is None:  # the gate stops before any page for nobody; never reached in practice
        st.stop()
    names = loads.school_names() if person.role == access.GOVERNOR else None
    st.warning(lit(access.page_refusal(person, page, title, names)), icon=":material/lock:")
    st.page_link(loads.home_page(), label="Go to your first page", icon=":material/arrow_forward:")
