"""Every page through Streamlit's AppTest: renders on the sample and on an empty store, the
figures shown are the engine's, and the upload flow stores a good file and refuses a broken one.

Each test gets its own SQLite store (DATABASE_URL) and clears Streamlit's caches, because
app_pages/loads.get_store is an st.cache_resource shared by every AppTest in this process.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from analysis import deployments as deployments_mod
from analysis import formats, ingest
from analysis import progress as progress_mod
from analysis.schema import Settings
from analysis.store import Store
from analysis.text import shown
from app_pages import accessible
from app_pages.sample import SAMPLE_USER, SAMPLE_WORKBOOK
from tests.e2e.workbooks import AT_EXPECTED, COHORT, NEW_SCHOOL, NEW_URN, new_school_workbook

ROOT = Path(__file__).resolve().parent.parent
BROKEN = ROOT / "sample_data" / "broken"
PAGES = ["overview", "school", "deployments", "present", "upload", "settings"]
# What each page says on an empty store (st.info unless noted).
EMPTY_MESSAGES = {
    "overview": "No schools are stored yet.",
    "school": "No client schools are stored yet.",
    "deployments": "No deployments are stored yet.",
    "present": "There are no action-plan targets to present yet.",
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SCHOOL_TABS = ["Targets", "Support received", "Subgroups", "Inspection journey"]


# ---- fixtures ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample_file(tmp_path_factory) -> Path:
    """A store holding the sample trust, imported once; tests copy the file rather than re-import."""
    path = tmp_path_factory.mktemp("sample") / "sample.sqlite"
    store = Store(f"sqlite:///{path}")
    upload = ingest.read_paths([SAMPLE_WORKBOOK])
    assert upload.ok, upload.problems
    store.import_upload(upload, SAMPLE_USER)
    store.set_meta("sample_state", "loaded")
    store.engine.dispose()
    return path


def _use_store(url: str, monkeypatch) -> str:
    monkeypatch.setenv("DATABASE_URL", url)
    st.cache_resource.clear()
    st.cache_data.clear()
    return url


@pytest.fixture
def sample_url(sample_file, tmp_path, monkeypatch) -> str:
    """DATABASE_URL of this test's own copy of the sample store."""
    path = tmp_path / "impact.sqlite"
    shutil.copy(sample_file, path)
    yield _use_store(f"sqlite:///{path}", monkeypatch)
    st.cache_resource.clear()


@pytest.fixture
def empty_url(tmp_path, monkeypatch) -> str:
    """DATABASE_URL of an empty store whose owner declined the sample, so it stays empty."""
    url = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    store = Store(url)
    store.set_meta("sample_state", "declined")
    store.engine.dispose()
    yield _use_store(url, monkeypatch)
    st.cache_resource.clear()


@pytest.fixture
def fresh_url(tmp_path, monkeypatch) -> str:
    """DATABASE_URL of a store never opened before: the app's first start."""
    yield _use_store(f"sqlite:///{tmp_path / 'fresh.sqlite'}", monkeypatch)
    st.cache_resource.clear()


def open_page(page: str, **query) -> AppTest:
    """Run the dashboard on one page (the overview is the default), failing on any exception."""
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.query_params.update(query)
    at.run()  # switch_page needs the pages st.navigation registers on the first run
    if page != "overview":
        at.switch_page(f"app_pages/{page}.py")
        at.query_params.update(query)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def each_school_tab(at: AppTest):
    """The School page `at` with each of its tabs open in turn (only the open tab runs)."""
    for label in SCHOOL_TABS:
        at.session_state[accessible.SCHOOL_TAB] = label
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        yield label, at


def metric(at: AppTest, label: str) -> str:
    values = [m.value for m in at.metric if m.label == label]
    assert len(values) == 1, f"one metric labelled {label!r}, found {[m.label for m in at.metric]}"
    return values[0]


def texts(elements) -> list[str]:
    """The words of Markdown elements as a reader sees them (text reaches Markdown escaped)."""
    return [shown(e.value) for e in elements]


def button(at: AppTest, label: str):
    matches = [b for b in at.button if b.label == label]
    assert len(matches) == 1, f"one button {label!r}, found {[b.label for b in at.button]}"
    return matches[0]


def engine_progress(url: str) -> pd.DataFrame:
    store = Store(url)
    data = store.load()
    return progress_mod.judge_progress(data.targets, data.milestones, data.measures,
                                       store.get_settings())


def engine_summary(url: str) -> pd.DataFrame:
    store = Store(url)
    data = store.load()
    return deployments_mod.summarise_deployments(data.deployments, data.visits, store.get_settings())


# ---- first start, sample and empty stores ------------------------------------------------------

def test_first_start_loads_the_sample_with_a_banner_and_can_start_empty(fresh_url):
    at = open_page("overview")
    assert any("Sample data" in w for w in texts(at.sidebar.warning))
    assert SAMPLE_USER in set(Store(fresh_url).history()["user"])

    button(at, "Start with an empty store").click()
    at.run()
    assert not at.exception
    assert Store(fresh_url).counts()["schools"] == 0
    assert any(EMPTY_MESSAGES["overview"] in m for m in texts(at.info))
    assert not at.sidebar.warning  # the banner has gone with the sample


def test_an_emptied_store_stays_empty_on_the_next_start(empty_url):
    open_page("overview")
    assert Store(empty_url).history().empty


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_on_the_sample(sample_url, page):
    at = open_page(page)
    assert at.title, f"{page} shows a title"
    assert not at.error, texts(at.error)


@pytest.mark.parametrize("page", sorted(EMPTY_MESSAGES))
def test_every_page_says_what_to_do_on_an_empty_store(empty_url, page):
    at = open_page(page)
    assert any(EMPTY_MESSAGES[page] in m for m in texts(at.info)), texts(at.info)
    assert not at.metric


def test_upload_page_on_an_empty_store_says_nothing_imported(empty_url):
    at = open_page("upload")
    assert "Nothing has been imported yet." in texts(at.caption)
    assert not [b for b in at.button if b.label == "Import"]


def test_settings_page_on_an_empty_store_shows_the_defaults(empty_url):
    at = open_page("settings")
    defaults = Settings()
    assert [s.value for s in at.slider] == [round(defaults.status_tolerance * 100),
                                            round(defaults.creep_threshold * 100)]
    assert at.number_input[0].value == defaults.small_cohort


# ---- figures shown are the engine's ------------------------------------------------------------

def test_overview_counts_match_the_engine(sample_url):
    at = open_page("overview")
    sample = pd.read_excel(SAMPLE_WORKBOOK, sheet_name="schools", dtype=str, engine="openpyxl")
    status = engine_progress(sample_url)["status"].value_counts()

    assert metric(at, "Client schools") == str((sample["role"] == "Client").sum())
    assert metric(at, "Targets at risk") == str(status.get("At risk", 0))
    assert metric(at, "Targets off track or missed") == str(
        status.get("Off track", 0) + status.get("Missed", 0))
    assert metric(at, "Targets achieved or on track") == str(
        status.get("Achieved", 0) + status.get("On track", 0))
    # the sample is made to show every status, so a zero here would hide a broken join
    assert int(metric(at, "Targets at risk")) > 0


def test_overview_filters_narrow_the_schools(sample_url):
    at = open_page("overview")
    at.multiselect[0].set_value(["Secondary"]).run()  # phase
    assert not at.exception
    sample = pd.read_excel(SAMPLE_WORKBOOK, sheet_name="schools", dtype=str, engine="openpyxl")
    secondary = ((sample["role"] == "Client") & (sample["phase"] == "Secondary")).sum()
    assert metric(at, "Client schools") == str(secondary)


def test_deployments_counts_match_the_engine(sample_url):
    at = open_page("deployments")
    summary = engine_summary(sample_url)

    assert metric(at, "Deployments") == str(len(summary))
    assert metric(at, "Visit records awaiting QA") == str(int(summary["qa_pending"].sum()))
    assert metric(at, "Creep flags") == str(int(summary["creep_flag"].sum()))
    assert int(summary["qa_pending"].sum()) > 0


def _delta(at: AppTest, label: str) -> str:
    return next(m.proto.delta for m in at.metric if m.label == label)


def test_days_and_spend_show_the_part_with_the_whole_beneath(sample_url):
    """'7,506.5 of 25,290' and '£3,739,850 of £12,…' were cut off in a quarter-width metric
    at 1280 px: the metric shows the part, the share and the whole go beneath it."""
    summary = engine_summary(sample_url)
    delivered, committed = summary["days_delivered"].sum(), summary["days_committed"].sum()
    for page in ("deployments", "overview"):
        at = open_page(page)
        assert metric(at, "Days used") == formats.number(delivered, thousands=True)
        assert _delta(at, "Days used") == (f"{delivered / committed:.0%} of "
                                           f"{formats.number(committed, thousands=True)} committed")
    spend, funding = summary["spend_to_date"].sum(), summary["funding_amount"].sum()
    assert metric(at, "Spend") == formats.format_money(spend)
    assert _delta(at, "Spend") == f"{spend / funding:.0%} of {formats.format_money(funding)} funding"
    # A share, not a change: no up or down arrow beside it.
    none = type(at.metric[0].proto).MetricDirection.NONE
    assert {m.proto.direction for m in at.metric if m.label in ("Days used", "Spend")} == {none}


def test_school_page_opens_the_school_in_the_address_with_one_chart_per_target(sample_url):
    progress = engine_progress(sample_url)
    urn = progress["client_urn"].value_counts().index[0]  # the school with most targets
    name = Store(sample_url).load().schools.set_index("urn").loc[urn, "school_name"]

    at = open_page("school", urn=urn)
    assert texts(at.title) == [name]
    assert at.selectbox[0].value == urn
    mine = progress[progress["client_urn"] == urn]
    shown = sum(int(m.value) for m in at.metric)
    assert shown == len(mine)
    assert [t.label for t in at.tabs] == SCHOOL_TABS
    # Only the open tab (Targets) is built: one chart per target and nothing from the others.
    assert len(at.get("plotly_chart")) == len(at.tabs[0].get("plotly_chart")) == len(mine)


def test_school_page_builds_only_the_open_tab(sample_url):
    progress = engine_progress(sample_url)
    urn = progress["client_urn"].value_counts().index[0]
    page = open_page("school", urn=urn)
    shown_in = {}
    for label, at in each_school_tab(page):
        assert at.selectbox[0].value == urn  # a tab switch keeps the school
        shown_in[label] = [i for i, tab in enumerate(at.tabs)
                           if tab.get("plotly_chart") or tab.get("markdown") or tab.get("info")]
        charts = at.get("plotly_chart")
        assert len(charts) == sum(len(tab.get("plotly_chart")) for tab in at.tabs)
        if label == "Support received":  # the ratings chart alone, not the targets'
            assert len(charts) == 1
            assert json.loads(charts[0].proto.spec)["layout"]["title"]["text"].startswith(
                "Leaders' progress ratings")
    assert shown_in == {label: [i] for i, label in enumerate(SCHOOL_TABS)}
    # Another school chosen keeps the open tab (Inspection journey, the last opened).
    other = next(u for u in progress["client_urn"] if u != urn)
    page.selectbox[0].set_value(other).run()
    assert page.query_params["urn"] == other
    assert page.session_state[accessible.SCHOOL_TAB] == "Inspection journey"
    assert not page.tabs[0].get("plotly_chart") and not page.tabs[0].get("markdown")


def test_school_page_without_urn_opens_the_first_school_alphabetically(sample_url):
    at = open_page("school")
    clients = Store(sample_url).load().schools.query("role == 'Client'")
    assert texts(at.title) == [clients.sort_values("school_name")["school_name"].iloc[0]]


def test_presentation_mode_steps_through_the_targets(sample_url):
    at = open_page("present")
    first = texts(at.title)
    count = len(engine_progress(sample_url).query("client_urn == @at.selectbox[0].value"))
    assert any(f"Target 1 of {count}" in m for m in texts(at.markdown))

    # The page says the title and status in words: the projector's chart gives that room to
    # the plot (set where the figure is built and cached, not by the page).
    (chart,) = at.get("plotly_chart")
    layout = json.loads(chart.proto.spec)["layout"]
    assert layout["height"] == accessible.PRESENT_CHART_HEIGHT and not layout["title"]["text"]

    button(at, "Next ▶").click().run()
    assert not at.exception
    assert any(f"Target {min(2, count)} of {count}" in m for m in texts(at.markdown))
    if count > 1:
        assert texts(at.title) != first


def test_settings_are_saved_to_the_store(sample_url):
    at = open_page("settings")
    at.slider[0].set_value(40)
    at.number_input[0].set_value(8)
    at.button[0].click().run()  # the form's submit button
    assert not at.exception
    assert any("Settings saved" in s for s in texts(at.success))
    saved = Store(sample_url).get_settings()
    assert (saved.status_tolerance, saved.small_cohort) == (0.4, 8)


# ---- upload ------------------------------------------------------------------------------------

def choose_files(at: AppTest, *files: tuple[str, bytes]) -> AppTest:
    # The uploader's key changes after each import so the next upload starts empty.
    at.file_uploader[0].set_value([(name, data, XLSX) for name, data in files])
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_upload_of_a_good_file_previews_then_imports(sample_url):
    before = Store(sample_url).counts()
    at = open_page("upload")
    choose_files(at, ("test_valley.xlsx", new_school_workbook()))

    assert "No problems found." in texts(at.success)
    preview = at.dataframe[0].value
    assert set(preview["Records"]) == {"Schools", "Deployments", "Targets", "Visit records",
                                       "Pupil outcomes"}
    assert "Test Valley Primary, 2024/25 Autumn 2: 20 pupil rows (new)" in set(preview["Detail"])
    assert Store(sample_url).counts() == before, "nothing is stored before Import"
    assert button(at, "Import").disabled, "Import waits for a name"

    at.text_input(key="upload_user").input("Tess Tester").run()
    at.checkbox[0].uncheck().run()  # keep the sample: add the new school beside it
    button(at, "Import").click().run()
    assert not at.exception
    assert any(s.startswith("Imported as upload") for s in texts(at.success)), texts(at.success)
    moved = at.dataframe[0].value  # the targets that moved: here the new school's new target
    assert list(moved["School"]) == [NEW_SCHOOL]
    assert list(moved["Was"]) == ["new target"]
    assert at.file_uploader[0].value in (None, []), "a fresh uploader after the import"

    after = Store(sample_url).counts()
    assert after["schools"] == before["schools"] + 1
    assert after["outcomes"] == before["outcomes"] + 2 * COHORT
    assert Store(sample_url).history()["user"].iloc[0] == "Tess Tester"

    at.switch_page("app_pages/school.py")
    at.query_params["urn"] = NEW_URN
    at.run()
    assert texts(at.title) == [NEW_SCHOOL]
    latest = engine_progress(sample_url).set_index("client_urn").loc[NEW_URN]
    assert latest["latest_value"] == pytest.approx(100 * AT_EXPECTED["2024/25 Spring 2"] / COHORT)


def test_upload_replacing_the_sample_leaves_only_the_new_school(sample_url):
    at = open_page("upload")
    choose_files(at, ("test_valley.xlsx", new_school_workbook()))
    assert at.checkbox[0].value, "a workbook with a schools list replaces the sample by default"
    at.text_input(key="upload_user").input("Tess Tester").run()
    button(at, "Import").click().run()
    assert not at.exception

    assert list(Store(sample_url).load().schools["school_name"]) == [NEW_SCHOOL]
    at.switch_page("app_pages/overview.py").run()
    assert metric(at, "Client schools") == "1"
    assert not at.sidebar.warning


def test_upload_of_a_broken_file_lists_the_problems_and_stores_nothing(sample_url):
    before = Store(sample_url).counts()
    at = open_page("upload")
    at.text_input(key="upload_user").input("Tess Tester").run()
    choose_files(at, ("attendance_over_100.xlsx", (BROKEN / "attendance_over_100.xlsx").read_bytes()))

    assert any("Nothing has been stored" in e for e in texts(at.error)), texts(at.error)
    problems = at.dataframe[0].value
    assert list(problems.columns) == ["File", "Sheet", "Row", "Column", "Problem"]
    assert set(problems["File"]) == {"attendance_over_100.xlsx"}
    assert sorted(zip(problems["Row"], problems["Column"], strict=True)) == [
        (3, "sessions_attended"), (4, "attendance_pct"), (5, "sessions_attended")]
    # Above the table, each problem as a sentence that wraps, in the spreadsheet's order.
    listed = [shown(m) for m in texts(at.markdown) if "attendance_over_100.xlsx" in shown(m)]
    assert [line.count("\n- ") + 1 for line in listed] == [3]
    assert [":".join(part.split(":")[:2]) for part in listed[0].removeprefix("- ").split("\n- ")
            ] == ["attendance_over_100.xlsx, outcomes, row 3: sessions_attended",
                  "attendance_over_100.xlsx, outcomes, row 4: attendance_pct",
                  "attendance_over_100.xlsx, outcomes, row 5: sessions_attended"]
    assert [e.label for e in at.expander][-1] == "The same problems as a table, to sort or download"
    assert not [b for b in at.button if b.label == "Import"]
    assert Store(sample_url).counts() == before


def test_an_upload_with_many_problems_lists_the_first_in_sentences_and_all_in_the_table(
        sample_url):
    from app_pages.widgets import PROBLEM_SENTENCES

    rows = ["URN,Period,Pupil ID,Year group,Reading"]
    rows += [f"12345,2024/25 Summer 2,P{i},6,EXS" for i in range(PROBLEM_SENTENCES + 5)]
    at = open_page("upload")
    choose_files(at, ("outcomes.csv", ("\n".join(rows) + "\n").encode()))
    count = PROBLEM_SENTENCES + 5
    assert at.dataframe[0].value["Row"].tolist() == list(range(2, count + 2))
    listed = [shown(m) for m in texts(at.markdown) if "outcomes.csv, row" in shown(m)]
    assert len(listed) == 1 and listed[0].count("outcomes.csv, row") == PROBLEM_SENTENCES
    assert [e.label for e in at.expander][1:] == [
        f"All {count} problems as a table (the first {PROBLEM_SENTENCES} are above)"]


def test_upload_of_a_file_that_is_not_a_spreadsheet(sample_url):
    before = Store(sample_url).counts()
    at = open_page("upload")
    choose_files(at, ("not_a_spreadsheet.xlsx", (BROKEN / "not_a_spreadsheet.xlsx").read_bytes()))
    problems = at.dataframe[0].value
    assert len(problems) == 1 and pd.isna(problems["Row"].iloc[0])
    assert "not_a_spreadsheet.xlsx" in problems["Problem"].iloc[0]
    assert Store(sample_url).counts() == before


def test_undo_from_the_upload_page(sample_url):
    at = open_page("upload")
    choose_files(at, ("test_valley.xlsx", new_school_workbook()))
    at.text_input(key="upload_user").input("Tess Tester").run()
    at.checkbox[0].uncheck().run()
    button(at, "Import").click().run()
    added = Store(sample_url).counts()

    assert at.selectbox[0].value == Store(sample_url).history()["batch_id"].iloc[0]
    assert button(at, "Undo this upload").disabled, "undo waits for the confirmation"
    at.checkbox(key="confirm_undo").check().run()
    button(at, "Undo this upload").click().run()
    assert not at.exception
    assert Store(sample_url).counts()["schools"] == added["schools"] - 1
    assert NEW_URN not in set(Store(sample_url).load().schools["urn"])


def test_upload_health_check_lists_unknown_schools_before_anything_is_stored(sample_url):
    before = Store(sample_url).counts()
    at = open_page("upload")
    choose_files(at, ("unknown_school.csv", (BROKEN / "unknown_school.csv").read_bytes()))
    assert any("Nothing has been stored" in e for e in texts(at.error)), texts(at.error)
    problems = at.dataframe[0].value
    assert problems[["File", "Row", "Column"]].values.tolist() == [
        ["unknown_school.csv", 2, "client_urn"]]
    assert problems["Problem"].iloc[0].startswith("client_urn: 990999 is not a school")
    assert Store(sample_url).counts() == before


# ---- the sample goes without taking real uploads with it --------------------------------------

def test_removing_the_sample_keeps_a_real_upload(sample_url):
    from app_pages import sample
    from tests.e2e.workbooks import new_school_workbook

    store = Store(sample_url)
    store.import_upload(ingest.read_files([("new_school.xlsx", new_school_workbook())]), "Ann Admin")
    sample.remove_sample()
    history = store.history()
    assert set(store.load().schools["urn"]) == {NEW_URN}  # only the real upload's school is left
    assert history.loc[history["user"] == SAMPLE_USER, "undone"].all()
    assert not history.loc[history["user"] == "Ann Admin", "undone"].any()


def test_the_sample_is_not_removed_under_real_rows_that_build_on_it(sample_url):
    from app_pages import sample

    store = Store(sample_url)
    outcomes = ROOT / "sample_data" / "next_term" / "outcomes_2024-25_summer2.xlsx"
    store.import_upload(ingest.read_paths([outcomes]), "Ann Admin")
    counts, history = store.counts(), store.history()
    with pytest.raises(sample.StoreError, match="The sample data cannot be removed: a later upload"):
        sample.remove_sample()
    assert store.counts() == counts
    pd.testing.assert_frame_equal(store.history(), history)


def test_one_click_start_again_is_offered_only_while_the_sample_is_all_there_is(sample_url):
    from tests.e2e.workbooks import new_school_workbook

    at = open_page("overview")
    assert button(at, "Start with an empty store") is not None
    Store(sample_url).import_upload(
        ingest.read_files([("new_school.xlsx", new_school_workbook())]), "Ann Admin")
    at = open_page("overview")
    assert any("Sample data" in w for w in texts(at.sidebar.warning))
    assert not [b for b in at.button if b.label == "Start with an empty store"]


# ---- store faults are one sentence on every page ----------------------------------------------

@pytest.mark.parametrize("url, sentence", [
    ("mysql://admin@localhost/impact", "uses mysql, which this dashboard does not support"),
    ("sqlite:////proc/no-such-folder/impact.sqlite", "cannot be opened for writing"),
    ("postgresql+psycopg://postgres@127.0.0.1:1/impact", "Cannot reach the database server"),
])
@pytest.mark.parametrize("page", ["overview", "school", "upload", "settings"])
def test_a_store_fault_is_one_sentence_on_every_page(url, sentence, page, monkeypatch):
    _use_store(url, monkeypatch)
    at = open_page(page)
    assert any(sentence in e for e in texts(at.error)), texts(at.error)
    st.cache_resource.clear()


def test_a_store_made_by_a_newer_version_is_named_on_the_page(tmp_path, monkeypatch):
    import sqlalchemy as sa
    url = f"sqlite:///{tmp_path / 'newer.sqlite'}"
    Store(url).engine.dispose()
    engine = sa.create_engine(url)
    with engine.begin() as conn:  # a later version of the dashboard ran one more migration
        columns = [c["name"] for c in sa.inspect(conn).get_columns("schema_version")]
        newest = conn.execute(sa.text("SELECT max(version) FROM schema_version")).scalar()
        values = {c: (newest + 1 if c == "version" else "2030-01-01T00:00:00") for c in columns}
        conn.execute(sa.text(f"INSERT INTO schema_version ({', '.join(columns)}) VALUES "
                             f"({', '.join(':' + c for c in columns)})"), values)
    engine.dispose()
    _use_store(url, monkeypatch)
    at = open_page("overview")
    assert any("newer version of the dashboard" in e for e in texts(at.error)), texts(at.error)
    st.cache_resource.clear()
