"""The store and every cached load, keyed by the store's version and cut to the session's scope.

Not a page (dashboard.py lists the pages explicitly). Every page reaches the stored rows only
through `dataset()`, `progress()`, `deployment_summary()` and `settings()` here: each load passes
through the person's scope (analysis/scope.py) and is cached by store version AND scope.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import pandas as pd
import streamlit as st

from analysis import access, access_store, facts_store, portfolio, register
from analysis import deployments as deployments_mod
from analysis import progress as progress_mod
from analysis import scope as scope_mod
from analysis.schema import Settings
from analysis.store import Dataset, Store, StoreError
from app_pages import identity


@st.cache_resource
def get_store() -> Store:
    """One Store per server process; DATABASE_URL picks PostgreSQL, else the SQLite file."""
    return Store(os.environ.get("DATABASE_URL") or None)


# Within one run of a page that only reads, the store's version and the person's scope are
# read once, not at every load (~30 reads a run: 0.15 s on PostgreSQL at 500 schools).
# dashboard.py forgets them at the start of every run and remembers them only for such pages.
_THIS_RUN = "_loads_this_run"


def _run_memo() -> dict | None:
    try:
        return st.session_state.get(_THIS_RUN)
    except Exception:  # noqa: BLE001 - outside a page's run (a callable download): no memo
        return None


def remember_for_this_run() -> None:
    """Read the version and scope once for the rest of this run (read-only pages only)."""
    st.session_state[_THIS_RUN] = {}


def forget_this_run() -> None:
    st.session_state.pop(_THIS_RUN, None)


def current_version() -> str:
    memo = _run_memo()
    if memo is None:
        return get_store().version()
    if "version" not in memo:
        memo["version"] = get_store().version()
    return memo["version"]


@st.cache_data(show_spinner=False, max_entries=4)
def _dataset(version: str) -> Dataset:
    """Everything stored: only ever passed through the scope, never to a page."""
    return get_store().load()


# ---- the scope: what the person using this session may receive (analysis/scope.py) ----------

NOBODY = access.Person("", "")  # signed in but not on the list: receives nothing


@st.cache_data(show_spinner=False, max_entries=4)
def _directory(version: str) -> Dataset:
    """Schools and deployments only (a few thousand rows at 500 schools): what the scope, the
    school menus and names need, without reading any school's measures."""
    return get_store().load(kinds=["schools", "deployments"])


def current_scope() -> scope_mod.Scope:
    """The scope of whoever runs this session, from the access list as it stands now."""
    memo = _run_memo()
    if memo is not None and "scope" in memo:
        return memo["scope"]
    person = identity.current_person(get_store()) or NOBODY
    scope = scope_mod.scope_for(person, _directory(current_version()))
    if memo is not None:
        memo["scope"] = scope
    return scope


@st.cache_data(show_spinner=False, max_entries=16)
def _scoped_directory(version: str, scope_key: str, _scope: scope_mod.Scope) -> Dataset:
    return scope_mod.scoped_dataset(_directory(version), _scope)


def directory() -> Dataset:
    """The schools and deployments this person may see (the other frames are empty)."""
    scope = current_scope()
    return _scoped_directory(current_version(), scope.key, scope)


@st.cache_data(show_spinner=False, max_entries=16)
def _scoped(version: str, scope_key: str, _scope: scope_mod.Scope) -> Dataset:
    """The stored data cut to one scope; cached by store version AND scope."""
    return scope_mod.scoped_dataset(_dataset(version), _scope)


def home_page() -> str:
    """Where 'leave' links go: the overview, or the school page for those without it."""
    return ("app_pages/overview.py" if access.OVERVIEW in current_scope().pages
            else "app_pages/school.py")


def require_administrator(what: str) -> None:
    """Changes to the store are the administrator's, whichever page asks (defence in depth)."""
    if current_scope().person.role != access.ADMINISTRATOR:
        raise StoreError(f"Only an administrator can {what}.")


def audit(action: str, detail: str = "", urn: str | None = None, who: str | None = None) -> None:
    """One line in the audit log, recorded as the person signed in. A callable download runs
    outside the page's run, where st.user is empty: it passes the `who` taken while rendering."""
    access_store.record(get_store(), who or identity.who(), action, detail, urn)


def record_view(urn: str) -> None:
    """Audit a school's page being opened: once per session, page and school, not every rerun."""
    seen = st.session_state.setdefault("_viewed", set())
    page = st.context.url.rsplit("/", 1)[-1].split("?")[0] if st.context.url else ""
    if (page, urn) not in seen:
        seen.add((page, urn))
        audit("view_school", f"{page or 'school'} page", urn)


@st.cache_data(show_spinner=False, max_entries=4)
def _settings(version: str) -> Settings:
    return get_store().get_settings()


# ---- the trust's facts (analysis/facts_store.py): trust-wide roles read them, kept per version ----

@st.cache_data(show_spinner=False, max_entries=4)
def _facts(version: str) -> facts_store.Facts:
    """The whole trust's progress, deployment summary, overview rows, periods and data date:
    stored per store version (computed once, by whichever process asks first), so a cold start
    reads ~4,000 rows rather than every measure of every school."""
    return facts_store.facts(get_store())[1]


@st.cache_data(show_spinner=False, max_entries=16)
def _kinds(version: str, kinds: tuple[str, ...]) -> Dataset:
    """Only these frames of the whole store (the others empty): for trust-wide scopes."""
    if set(kinds) <= {"schools", "deployments"}:
        return _directory(version)
    return get_store().load(kinds=list(kinds))


def frames(*kinds: str) -> Dataset:
    """The scope's data with at least these frames filled (the others may be empty): a
    trust-wide page reads only what it draws; a narrower scope's rows are few, so it gets them
    all, cut to the scope as dataset() is."""
    scope = current_scope()
    if scope.trust_wide:
        return _kinds(current_version(), tuple(sorted(kinds)))
    return dataset()


def data_date() -> tuple:
    """(date, words): deployments.data_date of the scope's measures and visits."""
    scope = current_scope()
    if scope.trust_wide:
        facts = _facts(current_version())
        return facts.as_of, facts.as_of_words
    data = dataset()
    return deployments_mod.data_date(data.measures, data.visits)


def measure_periods() -> list[str]:
    """The distinct periods with figures in the scope (a dozen, whatever the trust's size)."""
    scope = current_scope()
    if scope.trust_wide:
        return list(_facts(current_version()).periods)
    return sorted(str(p) for p in dataset().measures["period"].dropna().unique())


@st.cache_data(show_spinner=False, max_entries=32)
def _overview(version: str, scope_key: str, _scope: scope_mod.Scope, year: str | None,
              phases: tuple, authorities: tuple, roles: tuple) -> pd.DataFrame:
    if _scope.trust_wide and not (year or phases or authorities or roles):
        return _facts(version).overview  # the per-school aggregates, as stored
    data = (_kinds(version, ("deployments", "inspections", "schools")) if _scope.trust_wide
            else _scoped(version, scope_key, _scope))
    schools, judged, summary = portfolio.filter_portfolio(
        data.schools, data.deployments, _progress(version, scope_key, _scope),
        _deployment_summary(version, scope_key, _scope), academic_year=year,
        phases=list(phases), authorities=list(authorities), leader_roles=list(roles))
    as_of = (_facts(version).as_of if _scope.trust_wide
             else deployments_mod.data_date(data.measures, data.visits)[0])
    return portfolio.school_overview(schools, judged, summary, data.inspections, today=as_of)


def overview(year: str | None = None, phases=(), authorities=(), roles=()) -> pd.DataFrame:
    """portfolio.school_overview of the scope after the overview's filters, judged at the data's
    date; cached by store version, scope and filters (a rerun with the same filters is free)."""
    scope = current_scope()
    return _overview(current_version(), scope.key, scope, year or None, tuple(sorted(phases)),
                     tuple(sorted(authorities)), tuple(sorted(roles)))


@st.cache_data(show_spinner=False, max_entries=16)
def _progress(version: str, scope_key: str, _scope: scope_mod.Scope) -> pd.DataFrame:
    if _scope.trust_wide:
        return _facts(version).progress
    data = _scoped(version, scope_key, _scope)
    return progress_mod.judge_progress(
        data.targets, data.milestones, data.measures, _settings(version)
    )


@st.cache_data(show_spinner=False, max_entries=16)
def _deployment_summary(version: str, scope_key: str, _scope: scope_mod.Scope) -> pd.DataFrame:
    if _scope.trust_wide:
        return _facts(version).deployment_summary
    data = _scoped(version, scope_key, _scope)
    return deployments_mod.summarise_deployments(data.deployments, data.visits, _settings(version))


def dataset() -> Dataset:
    """The data this person may see: every page's only way to the store's rows."""
    scope = current_scope()
    return _scoped(current_version(), scope.key, scope)


def trust_rows() -> Callable[[], tuple[Dataset, pd.DataFrame, pd.DataFrame]]:
    """-> a function giving (dataset, progress, deployment_summary) of this session's scope at
    this store version when called, even outside the page's run (a callable download, where
    st.user is empty): the scope is taken now, the whole-scope rows are read only on click."""
    scope, version = current_scope(), current_version()
    return lambda: (_scoped(version, scope.key, scope), _progress(version, scope.key, scope),
                    _deployment_summary(version, scope.key, scope))


def settings() -> Settings:
    return _settings(current_version())


def progress() -> pd.DataFrame:
    scope = current_scope()
    return _progress(current_version(), scope.key, scope)


def deployment_summary() -> pd.DataFrame:
    scope = current_scope()
    return _deployment_summary(current_version(), scope.key, scope)


@st.cache_data(show_spinner=False, max_entries=16)
def _deployment_impact(version: str, scope_key: str, _scope: scope_mod.Scope) -> pd.DataFrame:
    return deployments_mod.deployment_impact(_deployment_summary(version, scope_key, _scope),
                                             _progress(version, scope_key, _scope))


@st.cache_data(show_spinner=False, max_entries=16)
def _judged(version: str, scope_key: str, _scope: scope_mod.Scope, as_of) -> pd.DataFrame:
    return deployments_mod.judge_delivery(_deployment_summary(version, scope_key, _scope), as_of)


def judged_delivery() -> pd.DataFrame:
    """deployments.judge_delivery of the scope's deployments at the data's date (cached)."""
    scope = current_scope()
    return _judged(current_version(), scope.key, scope, data_date()[0])


def deployment_impact() -> pd.DataFrame:
    """deployments.deployment_impact of the scope's deployments, once per version and scope."""
    scope = current_scope()
    return _deployment_impact(current_version(), scope.key, scope)


@st.cache_data(show_spinner=False, max_entries=16)
def _deployment_views(version: str, scope_key: str, _scope: scope_mod.Scope
                      ) -> dict[str, pd.DataFrame]:
    data = (_kinds(version, ("deployments", "schools", "visits")) if _scope.trust_wide
            else _scoped(version, scope_key, _scope))
    summary = _deployment_summary(version, scope_key, _scope)
    off_focus = deployments_mod.off_focus_visits(data.deployments, data.visits)
    return {
        "off_focus": off_focus,
        "drifting": register.drifting(summary, off_focus),
        "qa_backlog": deployments_mod.qa_backlog(data.visits, data.deployments),
        "home_schools": deployments_mod.home_school_view(data.deployments, data.visits,
                                                         data.schools),
        "teams": register.teams(summary, dict(zip(data.schools["urn"],
                                                  data.schools["school_name"], strict=False))),
    }


def deployment_views() -> dict[str, pd.DataFrame]:
    """off_focus, drifting, qa_backlog, home_schools, teams: the Deployments page's
    whole-scope tables, computed once per store version and scope rather than on every click."""
    scope = current_scope()
    return _deployment_views(current_version(), scope.key, scope)


@st.cache_data(show_spinner=False, max_entries=64)
def _school(version: str, scope_key: str, urn: str, _scope: scope_mod.Scope
            ) -> tuple[Dataset, pd.DataFrame, pd.DataFrame]:
    """One school's data (read from the store filtered by URN in SQL), cut to the scope, with
    its targets' progress and its deployments' summary; nothing at all outside the scope."""
    if not _scope.allows_school(urn):
        data = Dataset()
    else:
        data = scope_mod.scoped_dataset(get_store().load(urns=[urn]), _scope)
    settings = _settings(version)
    return (data,
            progress_mod.judge_progress(data.targets, data.milestones, data.measures, settings),
            deployments_mod.summarise_deployments(data.deployments, data.visits, settings))


def school(urn: str) -> tuple[Dataset, pd.DataFrame, pd.DataFrame]:
    """(dataset, progress, deployment_summary) of one school: what its page and pack show.
    Cached by store version, scope and URN, so its cost does not grow with the trust."""
    scope = current_scope()
    return _school(current_version(), scope.key, str(urn), scope)


def school_names() -> dict[str, str]:
    schools = directory().schools
    return dict(zip(schools["urn"], schools["school_name"], strict=False))
