"""What every page shares: the store, cached loads keyed by the store's version, small widgets.

Not a page itself: dashboard.py lists the pages explicitly, so this file never shows in the menu.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import streamlit as st

from analysis import (
    access,
    access_store,
    charts,
    exports,
    ingest,
    narrative,
    national,
    pack,
    portfolio,
    style,
)
from analysis import deployments as deployments_mod
from analysis import progress as progress_mod
from analysis import scope as scope_mod
from analysis.schema import STATUS_ORDER, Settings, measure_label
from analysis.store import EMPTIED, Dataset, Store, StoreError
from app_pages import identity

SAMPLE_WORKBOOK = Path(__file__).resolve().parent.parent / "sample_data" / "riverside_trust.xlsx"
SAMPLE_USER = "Sample data (fictional Riverside trust)"


@st.cache_resource
def get_store() -> Store:
    """One Store per server process; DATABASE_URL picks PostgreSQL, else the SQLite file."""
    return Store(os.environ.get("DATABASE_URL") or None)


def current_version() -> str:
    return get_store().version()


@st.cache_data(show_spinner=False, max_entries=4)
def _dataset(version: str) -> Dataset:
    """Everything stored: only ever passed through the scope, never to a page."""
    return get_store().load()


# ---- the scope: what the person using this session may receive (analysis/scope.py) ----------

NOBODY = access.Person("", "")  # signed in but not on the list: receives nothing


def current_scope() -> scope_mod.Scope:
    """The scope of whoever runs this session, from the access list as it stands now."""
    person = identity.current_person(get_store()) or NOBODY
    return scope_mod.scope_for(person, _dataset(current_version()))


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


def add_person(entry: access.Person) -> str:
    """Put someone on the access list (or change their entry), checked against the stored schools."""
    require_administrator("change who may sign in")
    data = _dataset(current_version())
    clients = set(data.schools.loc[data.schools["role"].str.lower() == "client", "urn"])
    return access_store.add_person(get_store(), entry, identity.who(), clients)


def remove_person(email: str) -> str:
    require_administrator("change who may sign in")
    return access_store.remove_person(get_store(), email, identity.who())


def audit_table(log: pd.DataFrame) -> pd.DataFrame:
    """The audit log as an administrator reads it: UK local time, the action in words."""
    when = pd.to_datetime(log["at"], utc=True).dt.tz_convert("Europe/London")
    names = school_names()
    return pd.DataFrame({
        "When": when.dt.strftime("%d/%m/%Y %H:%M:%S"),
        "Who": log["who"],
        "What": log["action"].map(lambda a: access.ACTION_WORDS.get(a, a)),
        "School": log["urn"].map(lambda u: "" if u is None or pd.isna(u)
                                 else f"{names.get(u, u)} ({u})"),
        "Detail": log["detail"],
    })


def audited_csv(table: pd.DataFrame):
    """The audit log as a callable CSV download (formula-safe); the export is a line in the log."""
    who = identity.who()

    def csv() -> bytes:
        audit("audit_export", f"{len(table)} lines", who=who)
        return exports.to_csv_bytes(table)
    return csv


def say_if_not_available(asked: str | None, urns: list[str]) -> None:
    """`school?urn=OTHER`: say plainly that the school is not shown, and name nothing about it."""
    if not asked or asked in urns:
        return
    if current_scope().trust_wide:
        st.warning(f"There is no client school with URN {asked} in the store.",
                   icon=":material/warning:")
    else:
        st.warning(f"The school with URN {asked} is not one of your schools, so the dashboard "
                   "does not show it. Ask your administrator if it should be.",
                   icon=":material/lock:")


@st.cache_data(show_spinner=False, max_entries=4)
def _settings(version: str) -> Settings:
    return get_store().get_settings()


@st.cache_data(show_spinner=False, max_entries=16)
def _progress(version: str, scope_key: str, _scope: scope_mod.Scope) -> pd.DataFrame:
    data = _scoped(version, scope_key, _scope)
    return progress_mod.judge_progress(
        data.targets, data.milestones, data.measures, _settings(version)
    )


@st.cache_data(show_spinner=False, max_entries=16)
def _deployment_summary(version: str, scope_key: str, _scope: scope_mod.Scope) -> pd.DataFrame:
    data = _scoped(version, scope_key, _scope)
    return deployments_mod.summarise_deployments(data.deployments, data.visits, _settings(version))


def dataset() -> Dataset:
    """The data this person may see: every page's only way to the store's rows."""
    scope = current_scope()
    return _scoped(current_version(), scope.key, scope)


def settings() -> Settings:
    return _settings(current_version())


def progress() -> pd.DataFrame:
    scope = current_scope()
    return _progress(current_version(), scope.key, scope)


def deployment_summary() -> pd.DataFrame:
    scope = current_scope()
    return _deployment_summary(current_version(), scope.key, scope)


def school_names() -> dict[str, str]:
    schools = dataset().schools
    return dict(zip(schools["urn"], schools["school_name"], strict=False))


def days_used_metric(column, frame: pd.DataFrame) -> None:
    """'Days used: 218 of 294' with the share of the commitment, for any frame with both columns."""
    delivered, committed = frame["days_delivered"].sum(), frame["days_committed"].sum()
    column.metric("Days used", f"{delivered:,.0f} of {committed:,.0f}",
                  f"{delivered / committed:.0%} of the days committed" if committed else None,
                  delta_color="off")


def empty_state(message: str) -> None:
    """The one way a page says it has nothing to show yet, with the way forward."""
    st.info(message)
    if access.UPLOAD in current_scope().pages:  # a link to a page not theirs would fail
        st.page_link("app_pages/upload.py", label="Upload spreadsheets", icon=":material/upload:")


STATUS_LEGEND = (
    "★ Achieved · ● On track · ▲ At risk (behind plan, within the tolerance) · "
    "✖ Off track · ■ Missed (deadline passed) · ○ No data yet"
)


# ---- sample data: shown at first start, one click to start empty ----------------------------

def ensure_sample_or_empty() -> None:
    """First start of an empty store: load the fictional sample trust so there is something to see.

    A store that someone emptied on purpose stays empty (the choice is stored, not guessed).
    """
    store = get_store()
    if store.get_meta("sample_state") is None and store.history().empty:
        upload = ingest.read_paths([SAMPLE_WORKBOOK])
        if upload.ok:
            store.import_upload(upload, SAMPLE_USER)
        store.set_meta("sample_state", "loaded")


@st.cache_data(show_spinner=False, max_entries=4)
@st.cache_data(show_spinner=False, max_entries=4)
def _sample_state(version: str) -> tuple[bool, bool]:
    """(the sample's rows are current, nothing else is): the sample counts as loaded while one of
    its batches stands and no later emptying of the store put it aside."""
    history = get_store().history()
    live = history[~history["undone"]]
    emptied = live.loc[live["summary"].str.startswith(EMPTIED), "batch_id"].max()
    after = live[live["batch_id"] > (0 if pd.isna(emptied) else emptied)]
    sample = after["user"] == SAMPLE_USER
    return bool(sample.any()), bool(sample.any() and sample.all())


def sample_loaded() -> bool:
    """Whether the fictional sample is in the store (asked on every page: cached by version)."""
    return _sample_state(current_version())[0]


def start_empty() -> None:
    """Empty the store as an undoable batch, and remember it was emptied on purpose so the sample
    stays away. The history keeps every upload, and this too."""
    require_administrator("empty the store")
    get_store().clear(f"{identity.who()} (Start again)")
    audit("clear", "Emptied the store (undoable on the Upload page)")
    get_store().set_meta("sample_state", "declined")


def remove_sample() -> None:
    """Undo only the sample's own batches, newest first: real uploads are never touched. A real
    upload that replaced sample rows makes the store refuse (StoreError), and nothing changes."""
    store = get_store()
    history = store.history()
    for batch_id in history.loc[(history["user"] == SAMPLE_USER) & ~history["undone"], "batch_id"]:
        try:
            store.undo(int(batch_id))
        except StoreError as error:
            raise StoreError(
                "The sample data cannot be removed: a later upload builds on it "
                f"({error}). Untick “Remove the sample data first” to import beside it, or empty "
                "the store on the Settings page (that can be undone).") from error
    store.set_meta("sample_state", "declined")


def sample_banner() -> None:
    loaded, only_sample = _sample_state(current_version())
    if not loaded:
        return
    with st.sidebar:
        st.warning(
            "**Sample data.** You are looking at a fictional trust, made up to show what the "
            "dashboard does. Upload your own spreadsheets to replace it.",
            icon=":material/science:",
        )
        # One click is only offered while the sample is all there is; after real uploads the
        # Settings page's confirmed "Empty the store" (undoable) is the way.
        if only_sample and current_scope().person.role == access.ADMINISTRATOR \
                and st.button("Start with an empty store", key="start_empty"):
            start_empty()
            st.rerun()


# ---- upload --------------------------------------------------------------------------------

def read_uploaded(files) -> ingest.Upload:
    """Read the uploaded files once: Streamlit reruns the page on every click, so keep the result."""
    key = tuple(f.file_id for f in files)
    cache = st.session_state.setdefault("_read_uploads", {})
    if key not in cache:
        cache.clear()  # only the latest selection is needed
        with st.spinner("Reading and checking the files..."):
            cache[key] = ingest.read_files([(f.name, f.getvalue()) for f in files])
    return cache[key]


def health_check(upload: ingest.Upload) -> pd.DataFrame:
    """Every problem at once: the files' own, and references to schools, deployments or targets
    that neither the upload nor the store holds (the import would refuse them anyway)."""
    return pd.concat([upload.problems, upload.check_references(dataset().known())],
                     ignore_index=True)


def problems_table(problems: pd.DataFrame) -> pd.DataFrame:
    """Problems as the administrator reads them, in spreadsheet order: file, sheet, row, column."""
    table = problems.rename(
        columns={"file": "File", "sheet": "Sheet", "row": "Row", "column": "Column",
                 "message": "Problem"}
    )
    table["Row"] = table["Row"].astype("Int64")
    return table.sort_values(["File", "Sheet", "Row"], na_position="first", kind="stable")


KIND_WORDS = {
    "outcomes": "Pupil outcomes", "schools": "Schools", "deployments": "Deployments",
    "targets": "Targets", "milestones": "Milestones", "visits": "Visit records",
    "inspections": "Inspections", "school_measures": "School-level figures", "batch": "Upload",
}
CHANGE_WORDS = {"new": "Add", "replace": "Replace", "changed": "Change", "unchanged": "No change",
                "duplicate": "Already imported"}


def preview_table(changes: pd.DataFrame) -> pd.DataFrame:
    """Store.preview's lines in words: what kind of record, what happens, the detail."""
    return pd.DataFrame({
        "Records": changes["kind"].map(lambda k: KIND_WORDS.get(k, k)),
        "Change": changes["what"].map(lambda w: CHANGE_WORDS.get(w, w)),
        "Detail": changes["detail"],
    })


def history_table(history: pd.DataFrame) -> pd.DataFrame:
    """Upload history with UK local times and plain column names."""
    when = pd.to_datetime(history["created_at"], utc=True).dt.tz_convert("Europe/London")
    return pd.DataFrame({
        "Upload": history["batch_id"],
        "When": when.dt.strftime("%d/%m/%Y %H:%M"),
        "Who": history["user"],
        "Files": history["files"],
        "What it did": history["summary"],
        "Undone": history["undone"].map({True: "Undone", False: ""}),
    })


def import_upload(upload: ingest.Upload, user: str, replace_sample: bool):
    """Import, then remember what it did and which targets moved, for the next run to show."""
    require_administrator("upload")
    store = get_store()
    before = progress()
    if replace_sample:
        remove_sample()
    result = store.import_upload(upload, user)
    audit("upload", result.message)
    st.session_state["last_import"] = (result.message, portfolio.compare_progress(before, progress()))
    st.session_state["uploads_done"] = st.session_state.get("uploads_done", 0) + 1
    return result


def show_last_import() -> None:
    """The result of the import just made, with the targets whose status or figure moved."""
    if "last_import" not in st.session_state:
        return
    message, moved = st.session_state["last_import"]
    st.success(message, icon=":material/check_circle:")
    if moved.empty:
        st.caption("No target's status or latest figure changed.")
        return
    names = school_names()
    small = settings().small_cohort
    st.markdown(f"**{len(moved)} target(s) moved**")
    st.dataframe(pd.DataFrame({
        "School": moved["client_urn"].map(lambda u: names.get(u, u)),
        "Target": moved["measure"].map(measure_label) + " (" + moved["subgroup"] + ")",
        "Was": moved["status_before"].fillna("new target").map(
            lambda s: status_badge(s) if s != "new target" else s),
        "Now": moved["status_after"].map(status_badge),
        "Latest figure": [
            style.small_cohort_text(small) if pd.notna(c) and c < small
            else "no figure yet" if pd.isna(v)
            else f"{narrative.format_value(v, m)} in {p}"
            for v, m, p, c in zip(moved["latest_value_after"], moved["measure"],
                                  moved["latest_period_after"], moved["cohort"], strict=True)
        ],
    }), hide_index=True, width="stretch")


def undo(batch_id) -> str:
    require_administrator("undo an upload")
    message = get_store().undo(batch_id)
    audit("undo", message)
    return message


def save_settings(new: Settings) -> None:
    """Save the settings (the store refuses values outside their limits) and audit the change."""
    require_administrator("change the settings")
    before = settings()
    get_store().save_settings(new)
    changed = [f"{k}: {v} -> {new.as_dict()[k]}" for k, v in before.as_dict().items()
               if new.as_dict()[k] != v]
    audit("settings", "; ".join(changed) or "saved unchanged")


def batch_label(batch_id) -> str:
    history = get_store().history()
    row = history[history["batch_id"] == batch_id].iloc[0]
    when = pd.Timestamp(row["created_at"]).tz_convert("Europe/London")
    return f"Upload {batch_id}: {when:%d/%m/%Y %H:%M} by {row['user']}: {row['summary']}"


TEMPLATES = Path(__file__).resolve().parent.parent / "sample_data" / "templates"


def template_downloads() -> None:
    """Blank templates that match docs/formats.md: the workbook and one CSV per record kind."""
    workbook = TEMPLATES / "impact_template.xlsx"
    st.download_button(
        "Template workbook (all sheets)", workbook.read_bytes(), file_name=workbook.name,
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="template_workbook",
    )
    for path in sorted(TEMPLATES.glob("*.csv")):
        st.download_button(
            f"{path.stem} (CSV)", path.read_bytes(), file_name=path.name, mime="text/csv",
            key=f"template_{path.stem}",
        )


def backup_bytes():
    """The whole store as one file, made only when the button is pressed: a callable download,
    checked and attributed now, while the page runs as the signed-in person."""
    import tempfile

    require_administrator("download a backup")
    who = identity.who()

    def backup() -> bytes:
        audit("download", "Backup of the whole store", who=who)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "backup.zip"
            get_store().export_backup(path)
            return path.read_bytes()
    return backup


# ---- shared tables and figures ---------------------------------------------------------------

def status_badge(status: str) -> str:
    """A status in words with its shape, so it never depends on colour."""
    return style.status_badge_text(status)


def exceptions_first(progress: pd.DataFrame) -> pd.DataFrame:
    order = {status: i for i, status in enumerate(STATUS_ORDER)}
    ranked = progress.assign(_rank=progress["status"].map(order))
    return ranked.sort_values(["_rank", "measure"]).drop(columns="_rank")


def target_figure(target: pd.Series, urn: str, large: bool = False):
    """The chart for one target: plan line, tolerance band, actuals, projection, support given.

    large: projector type sizes, for presentation mode.
    """
    data = dataset()
    small = settings().small_cohort
    milestones = data.milestones[data.milestones["target_id"] == target["target_id"]]
    measures = data.measures
    actuals = measures[
        (measures["urn"] == urn)
        & (measures["measure"] == target["measure"])
        & (measures["subgroup"] == target["subgroup"])
    ][["period", "value", "cohort"]]
    school_deployments = data.deployments[data.deployments["client_urn"] == urn]
    own = target.get("deployment_id")
    if own is not None and not pd.isna(own) and (school_deployments["deployment_id"] == own).any():
        # The target's own deployment only (issue 13), not every leader at the school.
        school_deployments = school_deployments[school_deployments["deployment_id"] == own]
    visits = data.visits[data.visits["deployment_id"].isin(school_deployments["deployment_id"])]
    return charts.target_chart(
        target,
        actuals,
        progress_mod.expected_line(target, milestones),
        progress_mod.tolerance_band(target, milestones, settings()),
        deployments=school_deployments,
        visits=visits,
        national=national_series(target["measure"], target["subgroup"], _phase_of(urn)),
        small_cohort=small,
        large=large,
    )


def national_series(measure: str, subgroup: str, phase: str | None = None) -> pd.DataFrame:
    """Published national figures by academic year for a measure, by phase where published."""
    return national.national_series(measure, subgroup, phase)


def _phase_of(urn: str) -> str | None:
    schools = dataset().schools
    match = schools.loc[schools["urn"] == urn, "phase"]
    return None if match.empty else str(match.iloc[0])


def deployment_table(summary: pd.DataFrame) -> pd.DataFrame:
    """The deployment register as people read it (analysis.deployments.register_table)."""
    return deployments_mod.register_table(summary, progress(), school_names(), data_as_of()[0])


def data_as_of():
    """(date, words): the date the data runs to; "active" is judged there, not at today's date."""
    data = dataset()
    return deployments_mod.data_date(data.measures, data.visits)


# Wide enough that "Deputy head" and UK dates are not cut off.
DEPLOYMENT_COLUMNS = {
    "Role": st.column_config.TextColumn("Role", width=170),
    "Targets": st.column_config.TextColumn("Targets", width="large"),
    "Delivery": st.column_config.TextColumn("Delivery", width="medium"),
    "Focus": st.column_config.TextColumn("Focus", width="medium"),
}


def visit_table(visits: pd.DataFrame) -> pd.DataFrame:
    """Visit records with UK dates and the columns an administrator checks."""
    table = visits.copy()
    table["visit_date"] = pd.to_datetime(table["visit_date"]).dt.strftime("%d/%m/%Y")
    columns = [c for c in ["visit_date", "leader_name", "deployment_id", "days", "focus_area",
                           "progress", "summary", "next_steps", "qa_status"] if c in table]
    return table[columns].rename(columns=lambda c: c.replace("_", " ").capitalize())


def pack_downloads(urn: str | None = None) -> None:
    """The governors' pack (one school, or trust-wide for the board) and the tables behind it.

    Each file is made only when its button is pressed (a callable download), so pages stay fast.
    The callable runs outside the page's run (no st.user there), so the person's scoped data
    and name are taken now: a file can only ever hold what this page was allowed to show.
    """
    if urn is None and not current_scope().trust_wide:
        return  # the trust pack is a trust-wide view: trust leader and administrator only
    data, now, progress_now, summary_now = dataset(), settings(), progress(), deployment_summary()
    who = identity.who()

    def pdf() -> bytes:
        audit("download", f"{stem}.pdf", urn, who=who)
        if urn:
            return pack.build_school_pack(data, now, urn, progress=progress_now,
                                          deployment_summary=summary_now)
        return pack.build_trust_pack(data, now, progress=progress_now,
                                     deployment_summary=summary_now)

    def tables(name: str) -> dict[str, pd.DataFrame]:
        audit("download", name, urn, who=who)
        return pack.pack_tables(data, now, urn, progress=progress_now,
                                deployment_summary=summary_now)

    stem = f"governors-pack-{urn}" if urn else "trust-pack"
    cols = st.columns(3)
    cols[0].download_button(
        "Governors' pack (PDF)" if urn else "Trust pack for the board (PDF)", pdf,
        file_name=f"{stem}.pdf", mime="application/pdf", icon=":material/picture_as_pdf:",
        key=f"pack_pdf_{stem}", type="primary",
    )
    cols[1].download_button(
        "Tables behind the pack (XLSX)", lambda: exports.to_xlsx_bytes(tables(f"{stem}-tables.xlsx")),
        file_name=f"{stem}-tables.xlsx", icon=":material/table:", key=f"pack_xlsx_{stem}",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    cols[2].download_button(
        "Targets table (CSV)",
        lambda: exports.to_csv_bytes(tables(f"{stem}-targets.csv")["targets"]),
        file_name=f"{stem}-targets.csv", mime="text/csv", icon=":material/download:",
        key=f"pack_csv_{stem}",
    )


def governor_rule(target: pd.Series) -> str:
    """The status rule in words, unless its figures rest on a small cohort (then say so instead)."""
    small = settings().small_cohort
    cohort = target.get("cohort")
    if pd.notna(cohort) and cohort < small:
        return (f"{target['status']}: the latest figure is based on fewer than {small} pupils, "
                "so it is not shown.")
    return str(target["rule"])
