"""Every page per role through AppTest, signed in with st.user as AppTest sets it, against the
sample trust: what each person is shown, and what they are never sent.

[auth] is given to the app through AppTest's secrets, so the app is in sign-in mode; the
identity is AppTest's `user`. tests/e2e/test_sign_in.py does the same in a real browser
against a real OpenID Connect provider.
"""

from __future__ import annotations

import json
import shutil

import pytest
import streamlit as st
from streamlit import config
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from analysis import access_store, ingest
from analysis.access import ADMINISTRATOR, GOVERNOR, SYSTEM_LEADER, TRUST_LEADER, Person
from analysis.store import Store
from analysis.text import shown
from app_pages.identity import LOCAL_MODE_NOTE
from app_pages.sample import SAMPLE_USER, SAMPLE_WORKBOOK
from tests.test_pages import ROOT, _use_store

AUTH = {"auth": {"redirect_uri": "http://127.0.0.1:9/oauth2callback", "cookie_secret": "x" * 32,
                 "client_id": "dashboard", "client_secret": "s",
                 "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}}
GOVERNOR_EMAIL, LEADER_EMAIL = "governor@kingfisher.sch.uk", "tom.whitlock@willowbrook.sch.uk"
TRUST_EMAIL, ADMIN_EMAIL = "head@riverside.org.uk", "data@riverside.org.uk"
KINGFISHER = "Kingfisher Primary School"


@pytest.fixture(scope="module")
def sample_file(tmp_path_factory):
    """The sample trust imported once; each test copies the file."""
    path = tmp_path_factory.mktemp("sample") / "sample.sqlite"
    store = Store(f"sqlite:///{path}")
    store.import_upload(ingest.read_paths([SAMPLE_WORKBOOK]), SAMPLE_USER)
    store.set_meta("sample_state", "loaded")
    store.engine.dispose()
    return path


@pytest.fixture
def signed_store(sample_file, tmp_path, monkeypatch) -> Store:
    """The sample trust with one person of each role on its access list."""
    path = tmp_path / "impact.sqlite"
    shutil.copy(sample_file, path)
    url = _use_store(f"sqlite:///{path}", monkeypatch)
    store = Store(url)
    clients = {"990201", "990202", "990203"}
    for entry in [Person(ADMIN_EMAIL, ADMINISTRATOR), Person(TRUST_EMAIL, TRUST_LEADER),
                  Person(GOVERNOR_EMAIL, GOVERNOR, ("990201",)),
                  Person(LEADER_EMAIL, SYSTEM_LEADER, leader="Tom Whitlock")]:
        access_store.add_person(store, entry, "setup", clients)
    yield store
    store.engine.dispose()
    st.cache_resource.clear()


@pytest.fixture
def other_names(signed_store) -> list[str]:
    schools = signed_store.load().schools
    return list(schools.loc[schools["urn"] != "990201", "school_name"])


def open_as(email: str | None, page: str | None = None, **query) -> AppTest:
    """The dashboard as this person (None: not signed in), on one page if asked."""
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.secrets.update(AUTH)
    # iat: when the provider issued the ID token, as a real one says
    at.user = {"is_logged_in": email is not None,
               **({"email": email, "iat": 1_764_670_000} if email else {})}
    at.query_params.update(query)
    at.run()
    if page:
        at.switch_page(f"app_pages/{page}.py")
        at.query_params.update(query)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def everything_sent(at: AppTest) -> str:
    """All the text, options, tables and chart data the run sent to the browser."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "text", "info",
                 "warning", "error", "success", "metric", "button", "radio"):
        for element in getattr(at, kind):
            parts.append(json.dumps(str(element.proto)))
            # As the reader sees it: uploaded text reaches Markdown escaped (analysis/text.py).
            for words in (getattr(element, "value", None), getattr(element, "label", None)):
                if isinstance(words, str):
                    parts.append(shown(words))
    for box in list(at.selectbox) + list(at.multiselect):
        parts.append(json.dumps(list(box.options)))  # as shown: format_func applied
    for frame in at.dataframe:
        parts.append(frame.value.to_csv())
    for chart in at.get("plotly_chart"):
        parts.append(chart.proto.spec)
    parts.append(json.dumps(dict(at.query_params)))
    return "\n".join(parts)


def page_titles(at: AppTest) -> set[str]:
    return {shown(t.value) for t in at.title}


# ---- governors ----------------------------------------------------------------------------------

def test_a_governor_lands_on_their_school_and_is_sent_no_other_school(signed_store, other_names):
    at = open_as(GOVERNOR_EMAIL)
    assert KINGFISHER in page_titles(at)
    assert at.selectbox[0].options == [f"{KINGFISHER} (990201)"]
    sent = everything_sent(at)
    assert KINGFISHER in sent
    for name in other_names:
        assert name not in sent, name
    assert "Governor of 990201" in sent and "Sign out" in sent
    downloads = [b.proto.label for b in at.get("download_button")]
    assert downloads == ["Governors' pack (PDF)", "Tables behind the pack (XLSX)",
                         "Targets table (CSV)", "Governors' pack (accessible HTML)"]


def test_another_schools_url_says_plainly_it_is_not_theirs(signed_store, other_names):
    at = open_as(GOVERNOR_EMAIL, "school", urn="990202")
    assert any("990202 is not one of your schools" in shown(w.value) for w in at.warning)
    assert KINGFISHER in page_titles(at)
    assert at.query_params["urn"] == "990201"
    sent = everything_sent(at).replace("990202 is not one of your schools", "")
    for name in other_names:
        assert name not in sent, name


def test_presentation_mode_offers_a_governor_only_their_school(signed_store, other_names):
    at = open_as(GOVERNOR_EMAIL, "present")
    assert at.selectbox[0].options == [KINGFISHER]
    sent = everything_sent(at)
    for name in other_names:
        assert name not in sent, name


def open_address(email: str, url_path: str) -> AppTest:
    """This person typing the dashboard's address /url_path into the browser: Streamlit finds the
    page by the hash of its url_path (st.Page._script_hash), which AppTest's switch_page cannot
    name for a page that is not a file."""
    at = open_as(email)
    at._page_hash = calc_hash(url_path)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize(("page", "whom"), [
    ("overview", "trust leaders and administrators"), ("deployments", "trust leaders and administrators"),
    ("upload", "administrators"), ("settings", "administrators"),
    ("people", "trust leaders and administrators"), ("visits", "system leaders and administrators"),
    ("qa", "trust leaders and administrators"), ("plan", "administrators")])
def test_a_page_outside_a_governors_role_says_whom_it_is_for_and_shows_no_data(
        signed_store, other_names, page, whom):
    """Registered only as our sentence: Streamlit runs none of these pages' files for a governor
    (switch_page finds no such file), and their address gives the sentence, not 'Page not found'."""
    at = open_as(GOVERNOR_EMAIL)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(f"app_pages/{page}.py")
    at = open_address(GOVERNOR_EMAIL, page)
    assert page_titles(at) == {"This page is not part of your role"}
    words = [shown(w.value) for w in at.warning if "page is for" in shown(w.value)]
    assert len(words) == 1 and words[0].endswith(
        f"page is for {whom}; you are signed in as a governor of {KINGFISHER}.")
    assert not at.dataframe and not at.get("plotly_chart") and not at.selectbox
    assert not at.get("download_button") and not at.metric
    sent = everything_sent(at)
    for name in other_names:
        assert name not in sent, name


def test_a_system_leader_opening_the_overview_by_address_is_told_whom_it_is_for(signed_store):
    at = open_address(LEADER_EMAIL, "overview")
    assert [shown(w.value) for w in at.warning if "page is for" in shown(w.value)] == [
        "The Overview page is for trust leaders and administrators; you are signed in as a "
        "system leader (Tom Whitlock)."]
    assert "Impact across our client schools" not in page_titles(at) and not at.dataframe
    assert "Otterbrook Primary School" not in everything_sent(at)


def test_a_governors_visits_are_in_the_audit_log(signed_store):
    open_as(GOVERNOR_EMAIL, "school")
    log = access_store.audit_log(signed_store)
    mine = log[log["who"] == GOVERNOR_EMAIL]
    assert (mine["action"] == "sign_in").sum() == 1
    open_as(GOVERNOR_EMAIL, "present")  # another page load, the same sign-in
    log = access_store.audit_log(signed_store)
    assert (log["action"] == "sign_in").sum() == 1
    views = mine[mine["action"] == "view_school"]
    assert not views.empty and set(views["urn"]) == {"990201"}


# ---- system leaders, trust leaders, administrators -----------------------------------------------

def test_a_system_leader_sees_the_client_schools_of_their_own_deployments(signed_store):
    at = open_as(LEADER_EMAIL, "school")
    assert at.selectbox[0].options == ["Kingfisher Primary School (990201)",
                                       "Millstream Primary School (990202)"]
    sent = everything_sent(at)
    assert "Otterbrook Primary School" not in sent and "Helen Marsh" not in sent
    assert "Tom Whitlock" in sent


def test_the_trust_leader_sees_every_school_and_reads_but_cannot_change_the_list(signed_store):
    at = open_as(TRUST_EMAIL)
    assert "Impact across our client schools" in page_titles(at)
    assert len(at.dataframe[0].value) == 8  # every client school
    assert [b.proto.label for b in at.get("download_button")][0] == "Trust pack for the board (PDF)"
    at = open_as(TRUST_EMAIL, "people")
    assert "Users and audit log" in page_titles(at)
    emails = set(at.dataframe[0].value["E-mail"])
    assert {GOVERNOR_EMAIL, ADMIN_EMAIL} <= emails
    assert not at.text_input and not [b for b in at.button if b.label == "Remove from the list"]
    for page in ("upload", "settings"):  # uploading, undo, settings and backups: administrator
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(f"app_pages/{page}.py")


def test_the_administrator_adds_a_governor_on_the_users_page(signed_store):
    at = open_as(ADMIN_EMAIL, "people")
    at.text_input[0].input("New.Governor@Millstream.sch.uk")
    at.selectbox[0].select(GOVERNOR)
    at.multiselect[0].select("990202")
    at.button[0].click()  # the form's Save
    at.run()
    assert not at.exception
    assert [shown(s.value) for s in at.success] == [
        "Added new.governor@millstream.sch.uk as Governor of 990202."]
    assert access_store.person(signed_store, "new.governor@millstream.sch.uk").schools == (
        "990202",)
    log = at.dataframe[-1].value
    assert log.iloc[0]["Who"] == ADMIN_EMAIL and log.iloc[0]["What"] == "Added or changed a user"


def test_only_the_administrator_saves_settings_and_each_change_is_audited(signed_store):
    at = open_as(ADMIN_EMAIL, "settings")
    at.number_input[0].set_value(7)
    at.button[0].click()
    at.run()
    assert signed_store.get_settings().small_cohort == 7
    line = access_store.audit_log(signed_store).iloc[0]
    assert (line["who"], line["action"]) == (ADMIN_EMAIL, "settings")
    assert "small_cohort: 5 -> 7" in line["detail"]


# ---- nobody ------------------------------------------------------------------------------------

def test_an_address_not_on_the_list_is_asked_to_see_the_administrator(signed_store):
    at = open_as("stranger@example.org")
    assert page_titles(at) == {"Ask your administrator for access"}
    sent = everything_sent(at)
    assert "stranger@example.org" in sent and "Sign out" in sent
    for name in signed_store.load().schools["school_name"]:
        assert name not in sent
    assert not at.selectbox and not at.dataframe and not at.get("plotly_chart")
    log = access_store.audit_log(signed_store)
    assert log.iloc[0]["action"] == "refused" and log.iloc[0]["who"] == "stranger@example.org"


def test_someone_not_signed_in_sees_only_the_sign_in_button(signed_store):
    at = open_as(None)
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.selectbox and not at.dataframe and not at.metric


def test_sign_out_is_one_click_and_ends_the_session(signed_store):
    at = open_as(GOVERNOR_EMAIL)
    [b for b in at.button if b.label == "Sign out"][0].click()
    at.run()
    assert not at.exception and not at.selectbox  # the rest of that run sends nothing
    at.run()
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.selectbox


# ---- local mode ----------------------------------------------------------------------------------

def test_local_mode_is_the_administrator_and_says_so(signed_store):
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.run()
    assert not at.exception
    assert LOCAL_MODE_NOTE in [c.value for c in at.sidebar.caption]
    assert "Impact across our client schools" in page_titles(at)
    at.switch_page("app_pages/people.py")
    at.run()
    assert "Users and audit log" in page_titles(at) and at.text_input


def test_a_network_address_without_sign_in_serves_nothing(signed_store):
    before = config.get_option("server.address")
    config.set_option("server.address", "0.0.0.0")
    try:
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
        at.run()
    finally:
        config.set_option("server.address", before)
    assert [shown(e.value) for e in at.error][0].startswith(
        "The dashboard will not listen on address 0.0.0.0 without sign-in")
    assert not at.title and not at.dataframe and not at.metric and not at.selectbox
