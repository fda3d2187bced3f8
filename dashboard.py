"""The frame: page config, sign-in, navigation per role over app_pages/, the shared sidebar.

The pages live in app_pages/, not pages/: Streamlit runs any pages/ folder as an old-style
multipage app until st.navigation has run once, which broke a bookmarked link as the first
request after a restart (tests/e2e/test_first_request.py).

Access is enforced on the server by the scope (analysis/scope.py, applied in app_pages/loads.py to every
load); the menu only lists the pages a role may open, and Streamlit runs no page not listed: the
address of a page outside someone's role runs app_pages/page_refusal.py, a sentence and no data.
"""

from functools import partial
from pathlib import Path

import streamlit as st

from analysis import access
from analysis.store import StoreError
from analysis.text import lit
from app_pages import accessible, identity, loads, page_refusal, sample, upload_flow

st.set_page_config(
    page_title="School-to-school support impact",
    # A file served by the app itself: a :material/...: page icon is fetched from Google's font
    # server by every browser, and schools run this on networks that block outside traffic.
    page_icon=str(Path(__file__).resolve().parent / "app_pages" / "assets" / "school-icon.png"),
    layout="wide",
)

PAGES = {  # name (analysis.access) -> (section, page)
    access.OVERVIEW: ("Impact", st.Page("app_pages/overview.py", title="Overview",
                                        icon=":material/dashboard:")),
    access.SCHOOL: ("Impact", st.Page("app_pages/school.py", title="School",
                                      icon=":material/school:")),
    access.DEPLOYMENTS: ("Impact", st.Page("app_pages/deployments.py", title="Deployments",
                                           icon=":material/groups:")),
    access.PRESENT: ("Impact", st.Page("app_pages/present.py", title="Presentation mode",
                                       icon=":material/slideshow:")),
    access.VISITS: ("Visits", st.Page("app_pages/visits.py", title="Visit records",
                                      icon=":material/edit_note:")),
    access.QA: ("Visits", st.Page("app_pages/qa.py", title="QA queue",
                                  icon=":material/fact_check:")),
    access.PLAN: ("Administration", st.Page("app_pages/plan.py", title="Plan and corrections",
                                            icon=":material/edit_calendar:")),
    access.UPLOAD: ("Administration", st.Page("app_pages/upload.py", title="Upload",
                                              icon=":material/upload:")),
    access.SETTINGS: ("Administration", st.Page("app_pages/settings.py", title="Settings",
                                                icon=":material/settings:")),
    access.PEOPLE: ("Administration", st.Page("app_pages/people.py", title="Users and audit log",
                                              icon=":material/manage_accounts:")),
}


# Pages that change nothing stored: within one of their runs the store's version and the
# person's scope are read once (app_pages/loads.py); a page that writes reads them afresh.
READ_ONLY = {PAGES[name][1].url_path for name in (access.OVERVIEW, access.SCHOOL,
                                                   access.DEPLOYMENTS, access.PRESENT)}


def _home() -> None:
    st.switch_page(loads.home_page(), query_params=st.query_params.to_dict())


def menu(allowed: frozenset[str]) -> dict[str, list]:
    """The pages this person may open, by section. The root address is a hidden home page that
    moves on to where the person lands (the overview, else the School page): Streamlit serves
    its default page only at the root, not at its own name, and links people share say
    /overview or /school?urn=..., so no page of ours may be the default."""
    sections: dict[str, list] = {"Impact": [st.Page(_home, title="Home", url_path="home",
                                                    default=True, visibility="hidden")]}
    refused = []
    for name, (section, page) in PAGES.items():
        if name in allowed:
            sections.setdefault(section, []).append(page)
        else:  # its address says plainly whom the page is for (app_pages/page_refusal.py)
            refused.append(st.Page(partial(page_refusal.show, name, page.title), title=page.title,
                                   url_path=page.url_path, visibility="hidden"))
    if refused:
        sections["Not part of your role"] = refused  # hidden: the sidebar menu leaves it out
    return sections


# Every page passes through here: a store fault mid-page is one sentence, never a traceback.
try:
    loads.forget_this_run()
    accessible.apply_styles()  # every page, the sign-in page too: contrast, focus ring, reflow
    identity.refuse_address()  # a network address without sign-in serves nothing
    person = identity.gate(loads.get_store())  # sign-in, or "ask your administrator", or stop
    sections = menu(loads.current_scope().pages)
    # Our own menu of links (accessible.sidebar_menu): Streamlit's grouped one is invalid markup.
    navigation = st.navigation(sections, position="hidden")
    accessible.sidebar_menu(sections)
    identity.sidebar(person)
    sample.ensure_sample_or_empty()
    sample.sample_banner()
    if navigation.url_path != PAGES[access.UPLOAD][1].url_path:
        upload_flow.forget_upload()  # the upload page was left: its parsed files go
    if navigation.url_path in READ_ONLY:
        loads.remember_for_this_run()  # the version and scope read once for the page's run
    navigation.run()
except StoreError as error:
    st.error(lit(error), icon=":material/error:")
