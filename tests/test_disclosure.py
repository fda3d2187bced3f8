"""The one disclosure rule, table-driven through every renderer.

Cohort unknown / 3 / 5 / 12 for the latest figure, the baseline, a milestone, a gap's smaller
group and a sustainability figure (tests/disclosure_fixtures.py plants a distinctive value for
each), run through the plotly figures' data, the print charts' specs, the PDF's text, the XLSX
and CSV exports and the School and Presentation pages (AppTest). Where the rule hides a figure,
neither it nor anything derived from it (expected value, projection, change) appears in any of
them; where it does not, the planted figure does appear, so the search is known to work.
"""

from __future__ import annotations

import io
import json
import math
import re

import pandas as pd
import pytest
import streamlit as st
from openpyxl import load_workbook
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from analysis import charts, disclosure, exports, governed, ingest, pack
from analysis.pack_charts import chart_from_view
from analysis.progress import judge_progress
from analysis.report import dataset_from_upload
from analysis.schema import Settings
from analysis.store import Store
from tests import disclosure_fixtures as F
from tests.test_pages import ROOT, each_school_tab

SETTINGS = Settings()


# ---- the rule itself ---------------------------------------------------------------------------

@pytest.mark.parametrize("cohort, hidden", [
    (None, True), (pd.NA, True), (float("nan"), True), ("", True), (0, True), (3, True),
    (4, True), (4.99, True), (5, False), (12, False), (300, False),
])
def test_a_figure_is_hidden_below_the_limit_or_when_its_cohort_is_unknown(cohort, hidden):
    assert disclosure.is_hidden(cohort, 5) is hidden
    assert disclosure.is_hidden(cohort, None) is False  # not a governor-facing view


def test_a_gap_carries_its_smaller_group_and_a_plan_figure_its_periods_figure():
    assert disclosure.gap_cohort(40, 3) == 3
    assert pd.isna(disclosure.gap_cohort(40, None))
    assert disclosure.plan_figure_hidden(disclosure.plan_cohort({"P": 3}, "P"), 5)
    assert disclosure.plan_figure_hidden(disclosure.plan_cohort({"P": None}, "P"), 5)
    # No stored figure at the plan figure's period: it is the school's own written plan.
    assert not disclosure.plan_figure_hidden(disclosure.plan_cohort({}, "P"), 5)
    inherits = disclosure.derived_hidden(latest=False, baseline=True)
    assert inherits == {"latest": False, "baseline": True, "plan": True, "projection": True,
                        "rule": True}
    assert disclosure.derived_hidden(latest=False, baseline=False, any_actual=True)["projection"]
    assert disclosure.derived_hidden(latest=False, baseline=False, milestone=True)["plan"]


def test_a_series_is_the_same_from_the_one_pass_index_as_from_the_trusts_rows():
    # The packs index the trust's measures by series once; the index must not change a series.
    measures = pd.DataFrame({
        "urn": [100001, 100002, 100001, 100001, 100002, 100001, 100001],
        "measure": ["attendance"] * 7,
        "subgroup": ["All"] * 6 + ["PP"],
        "period": ["Spring 1 2025/26", "Autumn 1 2025/26", "Autumn 1 2025/26",
                   "Autumn 2 2025/26", "Spring 1 2025/26", "Autumn 2 2025/26",
                   "Autumn 1 2025/26"],
        "value": [94.0, 88.0, 91.5, 92.0, 89.0, 93.0, None],
        "cohort": [30, 30, 3, 30, 30, 31, 30],
    })
    index = governed.series_rows(measures)
    # The PP row holds no value, so that series is not there.
    assert sorted(index) == [("100001", "attendance", "All"), ("100002", "attendance", "All")]
    for urn in ("100001", "100002"):
        whole = governed.governed_series(measures, urn, "attendance", "All", SETTINGS)
        indexed = governed.series_frame(index[(urn, "attendance", "All")], SETTINGS)
        pd.testing.assert_frame_equal(whole, indexed)
    first = governed.governed_series(measures, "100001", "attendance", "All", SETTINGS)
    assert list(first["period"]) == ["2025/26 Autumn 1", "2025/26 Autumn 2", "2025/26 Spring 1"]
    assert list(first["hidden"]) == [True, False, False]  # a cohort of 3 stays hidden
    assert list(first["value"])[1:] == [93.0, 94.0]  # a period given twice: the later row
    assert governed.cohorts_by_series(measures)[("100001", "attendance", "All")] == {
        "2025/26 Spring 1": 30, "2025/26 Autumn 1": 3, "2025/26 Autumn 2": 31}
    assert governed.series_rows(None) == {}
    assert governed.governed_series(None, "100001", "attendance", "All", SETTINGS).empty


# ---- the cases ---------------------------------------------------------------------------------

@pytest.fixture(scope="module", params=F.COHORTS, ids=lambda c: f"cohort-{c}")
def case(request):
    cohort = request.param
    upload = ingest.read_files([("disclosure.xlsx", F.workbook(cohort))])
    assert upload.ok, upload.problems.to_string()
    data = dataset_from_upload(upload)
    raw = judge_progress(data.targets, data.milestones, data.measures, SETTINGS)
    safe = governed.governed_progress(raw, data.measures, data.milestones, SETTINGS)
    return cohort, upload, data, raw, safe


def _forbidden(case) -> dict[str, list[float]]:
    """kind -> every number that rests on the case's cohort: planted and derived from it."""
    _, _, _, raw, _ = case
    by_id = raw.set_index("target_id")
    derived = {
        "latest": ["projected_value"], "baseline": ["expected_value", "projected_value"],
        "milestone": ["expected_value", "projected_value"], "gap": ["projected_value"],
        "sustainability": ["projected_value"],
    }
    return {kind: values + [float(by_id.loc[target, c]) for c in derived[kind]]
            for kind, (target, values) in F.PLANTED.items()}


def _forms(value: float) -> list[str]:
    """How a number can be written: 61.37 -> '61.37', '61.4'."""
    one = f"{round(value, 1):.1f}"
    return sorted({f"{value:g}", f"{round(value, 2):g}", one})


def _walk(thing, numbers: list[float], strings: list[str]) -> None:
    if isinstance(thing, dict):
        for value in thing.values():
            _walk(value, numbers, strings)
    elif isinstance(thing, list | tuple):
        for value in thing:
            _walk(value, numbers, strings)
    elif isinstance(thing, bool) or thing is None:
        return
    elif isinstance(thing, int | float):
        if not math.isnan(float(thing)):
            numbers.append(float(thing))
    elif hasattr(thing, "tolist"):
        _walk(thing.tolist(), numbers, strings)
    else:
        strings.append(str(thing))


def _leaks(numbers: list[float], text: str, values: list[float]) -> list[str]:
    found = []
    for value in values:
        for number in numbers:
            # Exact only: a rounded number can be an axis range; rounded text is checked below.
            if abs(number - value) < 1e-6:
                found.append(f"{value} as the number {number}")
        found += [f"{value} written '{form}'" for form in _forms(value)
                  if re.search(rf"(?<![\d.]){re.escape(form)}(?!\d)", text)]
    return found


def _check(case, numbers: list[float], text: str, where: str, must_show: bool = True):
    cohort = case[0]
    forbidden = _forbidden(case)
    if F.hidden(cohort):
        leaks = {kind: _leaks(numbers, text, values) for kind, values in forbidden.items()}
        assert not any(leaks.values()), f"{where} shows hidden figures: {leaks}"
    elif must_show:
        # The search is known to work: each visible planted figure is found.
        for kind, (_, values) in F.PLANTED.items():
            assert _leaks(numbers, text, values[:1]), f"{where} should show the {kind} figure"


def _views(case) -> list[governed.TargetView]:
    _, _, data, _, safe = case
    return governed.school_views(safe, data, SETTINGS, F.URN)


# ---- every renderer ----------------------------------------------------------------------------

def test_the_governed_views_hold_no_hidden_number(case):
    numbers, strings = [], []
    for view in _views(case):
        _walk({k: v for k, v in vars(view).items() if k != "national"}, numbers, strings)
        _walk([vars(p) for p in view.actuals], numbers, strings)
    _check(case, numbers, " ".join(strings), "the TargetViews")


def test_plotly_figures_hold_no_hidden_number(case):
    cohort, _, data, _, _ = case
    numbers, strings = [], []
    for view in _views(case):
        figure = charts.target_view_chart(view)
        for large in (False, True):
            _walk(charts.target_view_chart(view, large=large).to_plotly_json(), numbers, strings)
        # The places a number is read from: y, text, hovertext, customdata, annotations.
        for trace in figure.data:
            _walk([trace.y, trace.text, trace.hovertext, getattr(trace, "customdata", None)],
                  numbers, strings)
        _walk([a.text for a in figure.layout.annotations], numbers, strings)
    subgroups = charts.subgroup_chart(governed.governed_measures(data.measures, SETTINGS),
                                      F.URN, "maths_exs", small_cohort=SETTINGS.small_cohort)
    _walk(subgroups.to_plotly_json(), numbers, strings)
    text = " ".join(strings)
    _check(case, numbers, text, "the plotly figures", must_show=False)
    if not F.hidden(cohort):
        for kind in ("latest", "baseline", "milestone", "gap", "sustainability"):
            assert _leaks(numbers, text, F.PLANTED[kind][1][:1]), kind
        assert _leaks(numbers, text, [33.81])  # the smaller group, on the subgroup chart
    else:
        assert "fewer than 5 pupils" in text


def test_print_charts_hold_no_hidden_number(case):
    numbers, strings = [], []
    for view in _views(case):
        _walk(vars(chart_from_view(view)), numbers, strings)
    _check(case, numbers, " ".join(strings), "the print charts", must_show=False)


def test_the_pdf_holds_no_hidden_number(case):
    cohort, _, data, _, _ = case
    pdf = pack.build_school_pack(data, SETTINGS, F.URN)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    text = " ".join(text.split())
    _check(case, [], text, "the PDF", must_show=False)
    if F.hidden(cohort):
        assert "fewer than 5 pupils" in text and "Not shown: fewer than 5 pupils" in text
    else:
        assert "61.4%" in text and "47.9%" in text and "23.5%" in text


def test_the_xlsx_and_csv_exports_hold_no_hidden_number(case):
    _, _, data, _, _ = case
    tables = pack.pack_tables(data, SETTINGS, F.URN)
    book = load_workbook(io.BytesIO(exports.to_xlsx_bytes(tables)), read_only=True)
    numbers, strings = [], []
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            _walk(list(row), numbers, strings)
    csv = exports.to_csv_bytes(tables["targets"]).decode("utf-8-sig")
    measures_csv = exports.to_csv_bytes(tables["measures"]).decode("utf-8-sig")
    _check(case, numbers, " ".join(strings) + csv + measures_csv, "the exports")


def test_a_status_is_shown_but_says_no_figure(case):
    """The status policy: the status stays (counts agree everywhere); its rule quotes nothing."""
    cohort, _, _, raw, safe = case
    assert list(safe["status"]) == list(raw["status"])
    if F.hidden(cohort):
        for rule in safe["rule"]:
            assert not any(ch.isdigit() for ch in rule.split(":", 1)[1].replace("25%", "")), rule


# ---- the pages (AppTest) -----------------------------------------------------------------------

@pytest.fixture
def case_store(case, tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'impact.sqlite'}"
    store = Store(url)
    store.import_upload(case[1], "tester")
    store.set_meta("sample_state", "declined")
    store.engine.dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    st.cache_resource.clear()
    st.cache_data.clear()
    yield case
    st.cache_resource.clear()


def _page_text(at: AppTest) -> tuple[list[float], str]:
    """Everything a page rendered: element protos (markdown, captions, metrics) and chart specs."""
    numbers, strings = [], []

    def visit(node):
        proto = getattr(node, "proto", None)
        if proto is not None and type(proto).__name__ == "PlotlyChart":
            _walk(json.loads(proto.spec), numbers, strings)  # the chart's data and layout
        elif proto is not None:
            strings.append(str(proto))
        for child in getattr(node, "children", {}).values():
            visit(child)

    visit(at._tree)
    return numbers, " ".join(strings)


def _open(page: str, **query) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.query_params.update(query)
    at.run()
    at.switch_page(f"app_pages/{page}.py")
    at.query_params.update(query)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_school_page_and_presentation_mode_hold_no_hidden_number(case_store):
    case = case_store
    numbers, texts = [], []
    for _, at in each_school_tab(_open("school", urn=F.URN)):  # only the open tab runs
        tab_numbers, tab_text = _page_text(at)
        numbers += tab_numbers
        texts.append(tab_text)
    text = " ".join(texts)
    assert F.SCHOOL in text and len(numbers) > 100  # the charts' data was read too
    _check(case, numbers, text, "the School page", must_show=False)
    if not F.hidden(case[0]):
        assert _leaks(numbers, text, [61.37, 47.93, 36.19, 33.81, 23.46])  # shown when safe

    at = _open("present")
    seen = set()
    for _ in range(len(F.PLANTED)):
        numbers, text = _page_text(at)
        seen.add(at.title[0].value)
        _check(case, numbers, text, f"Presentation mode ({at.title[0].value})", must_show=False)
        [b for b in at.button if b.label == "Next ▶"][0].click().run()
    assert len(seen) == len(F.PLANTED)  # every target was shown
