"""Who is using the dashboard: sign-in through Streamlit's st.login/st.user, or local mode.

Not a page. dashboard.py calls `gate` on every run before any page; loads.py asks
`current_person` for the scope of every load. With no [auth] section in the secrets the app is
local mode: one person on one computer, the administrator (analysis.access.LOCAL_ADMINISTRATOR).
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from analysis import access, access_store
from analysis.access import LOCAL_ADMINISTRATOR, Person
from analysis.store import Store
from analysis.text import lit

LOCAL_MODE_NOTE = "Local mode: only this computer can open the dashboard."


def sign_in_configured() -> bool:
    """Whether the secrets Streamlit reads hold an [auth] section (OpenID Connect sign-in)."""
    try:
        return "auth" in st.secrets
    except FileNotFoundError:  # no secrets file at all
        return False


def signed_in_email() -> str | None:
    """The signed-in person's address; Entra ID may send only preferred_username (the UPN)."""
    if not st.user.get("is_logged_in"):
        return None
    return access.normalise_email(st.user.get("email") or st.user.get("preferred_username")) or None


def current_person(store: Store) -> Person | None:
    """The access-list entry of whoever runs this session; None for nobody (no data at all)."""
    if not sign_in_configured():
        return LOCAL_ADMINISTRATOR
    email = signed_in_email()
    return access_store.person(store, email) if email else None


def who(person: Person | None = None) -> str:
    """The name the audit log and upload history record."""
    if not sign_in_configured():
        return "Local user"
    return signed_in_email() or "nobody signed in"


def refuse_address() -> None:
    """Serve nothing on a network address without sign-in (`streamlit run` without .ci/dashboard.sh)."""
    problem = access.address_problem(st.get_option("server.address"), sign_in_configured())
    if problem:
        st.error(lit(problem), icon=":material/lock:")
        st.stop()


def gate(store: Store) -> Person:
    """The person to serve, or a sign-in / ask-your-administrator page and st.stop()."""
    if not sign_in_configured():
        return LOCAL_ADMINISTRATOR
    if not st.user.get("is_logged_in"):
        st.title("School-to-school support impact")
        st.write("Sign in with your trust or school account to see the dashboard.")
        if st.button("Sign in", type="primary", icon=":material/login:", key="sign_in"):
            st.login()
        st.stop()
    email = signed_in_email()
    person = access_store.person(store, email) if email else None
    first_run = st.session_state.get("_signed_in_as") != email
    if person is None:
        if first_run:
            access_store.record(store, email or "unknown", "refused", "Not on the access list")
            st.session_state["_signed_in_as"] = email
        st.title("Ask your administrator for access")
        st.write(f"You are signed in as **{lit(email or 'an account without an e-mail address')}**, "
                 "but this address is not on the dashboard's access list, so there is nothing "
                 "to show you. Ask your trust's dashboard administrator to add you, with your "
                 "role and, for governors, your school.")
        sign_out_button()
        st.stop()
    if first_run:
        # Every page load is a new Streamlit session with the same sign-in cookie: the ID
        # token's issue time tells one sign-in from the next.
        issued = st.user.get("iat")
        when = (dt.datetime.fromtimestamp(int(issued), dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
                if isinstance(issued, int | float) else "time not given")
        access_store.record_once(store, email, "sign_in",
                                 f"{person.describe()} (signed in {when})")
        st.session_state["_signed_in_as"] = email
    return person


def sign_out_button() -> None:
    if st.button("Sign out", icon=":material/logout:", key="sign_out"):
        st.session_state.clear()
        st.logout()
        st.stop()  # nothing more of this run: the browser is on its way to sign out


def sidebar(person: Person) -> None:
    """Who is signed in and the one-click sign-out; or the local-mode note."""
    with st.sidebar:
        if not sign_in_configured():
            st.caption(LOCAL_MODE_NOTE)
            return
        st.caption(f"Signed in as **{lit(signed_in_email())}** · {lit(person.describe())}")
        sign_out_button()
