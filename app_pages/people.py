"""Users and audit log: who may sign in with which role, and who did what when.

The administrator changes the list here (or with `python -m analysis users`); the trust leader
reads it. Every change is kept and audited (analysis/access_store.py).
"""

import pandas as pd
import streamlit as st

from analysis import access, access_store, formats, presenters
from analysis.store import StoreError
from analysis.text import lit
from app_pages import changes, downloads, identity, loads, widgets

st.title("Users and audit log")
store = loads.get_store()
scope = loads.current_scope()
can_change = scope.person.role == access.ADMINISTRATOR
if not identity.sign_in_configured():
    st.info("Local mode: sign-in is not configured, so the one person at this computer is the "
            "administrator and the list below is not used yet. It takes effect once sign-in is "
            "configured (docs/deploying.md).", icon=":material/info:")

st.header("Who may sign in")
people = access_store.people(store)
if people.empty:
    st.caption("Nobody is on the list yet.")
else:
    widgets.table(pd.DataFrame({
        "E-mail": people["email"],
        "Role": people["role"].map(lambda r: access.ROLE_WORDS.get(r, r)),
        "Schools (governors)": people["schools"],
        "Leader name (system leaders)": people["leader"],
        "Added": pd.to_datetime(people["added_at"], utc=True).dt.tz_convert("Europe/London")
        .dt.strftime(formats.DATETIME_FORMAT),
        "By": people["added_by"],
    }), hide_index=True, width="stretch")

if can_change:
    data = loads.directory()
    clients = data.schools[data.schools["role"].str.lower() == "client"].sort_values("school_name")
    names = dict(zip(clients["urn"], clients["school_name"], strict=False))
    leaders = sorted(data.deployments["leader_name"].dropna().unique())
    with st.form("add_person", clear_on_submit=True):
        st.markdown("**Add someone, or change their role**")
        email = st.text_input("E-mail address (the one they sign in with)")
        role = st.selectbox("Role", list(access.ROLE_WORDS), format_func=access.ROLE_WORDS.get)
        schools = st.multiselect("Their school(s), for a governor", list(names),
                                 format_func=lambda u: f"{names[u]} ({u})")
        leader = st.selectbox("Their name in the deployments sheet, for a system leader",
                              ["", *leaders])
        if st.form_submit_button("Save", type="primary"):
            try:
                st.success(lit(changes.add_person(access.Person(email, role, tuple(schools), leader))))
            except StoreError as error:
                st.error(lit(error), icon=":material/error:")
    if not people.empty:
        gone = st.selectbox("Remove someone", people["email"], index=None,
                            placeholder="Choose an address")
        if st.button("Remove from the list", disabled=gone is None):
            try:
                st.success(lit(changes.remove_person(gone)))
            except StoreError as error:
                st.error(lit(error), icon=":material/error:")

st.header("Audit log")
log = access_store.audit_log(store)
if log.empty:
    st.caption("Nothing has been recorded yet.")
else:
    table = presenters.audit_table(log, loads.school_names())
    widgets.table(table, hide_index=True, width="stretch")
    downloads.file_button(
        st, "Audit log (CSV)", downloads.audited_csv(table), file_name="audit-log.csv",
        mime="text/csv", icon=":material/download:", key="audit_csv",
    )
