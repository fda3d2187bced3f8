"""The hostile-text fixture (tests/hostile_text.py) on every page, through AppTest.

For each page: every element Streamlit renders as Markdown (titles, captions, notices, metric,
tab and expander labels) holds uploaded text only in its escaped form, and reads back as the
literal characters once the escapes are taken off; raw HTML holds it HTML-escaped; every chart
holds it HTML-escaped (plotly renders HTML); every table cell that would start a formula in
its CSV download carries the exports' apostrophe. The browser half (no live link, no outside
request, no LaTeX, the characters on screen) is tests/e2e/test_hostile_text.py.
"""

from __future__ import annotations

import html
import json

import pytest

from analysis import ingest
from analysis.store import Store
from analysis.text import literal_html, literal_markdown, literal_plotly, visible
from tests import hostile_text as hostile
from tests.test_pages import _use_store, each_school_tab, open_page

PAGES = {  # page -> query, and the hostile texts its Markdown must show (escaped)
    "overview": ({}, []),
    "school": ({"urn": hostile.NEW_URN}, ["school", "local authority"]),
    "deployments": ({}, ["leader", "school"]),
    "present": ({}, ["school"]),
    "upload": ({}, []),
    "settings": ({}, []),
    "people": ({}, []),
}


@pytest.fixture
def hostile_url(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'hostile.sqlite'}"
    store = Store(url)
    store.set_meta("sample_state", "declined")
    upload = ingest.read_files([("hostile.xlsx", hostile.hostile_workbook())])
    assert upload.ok, upload.problems
    store.import_upload(upload, "Ann Admin")
    store.engine.dispose()
    yield _use_store(url, monkeypatch)


def markdown_texts(at) -> list[tuple[str, str, bool]]:
    """(kind, text, is raw HTML) of every element whose text Streamlit renders as Markdown."""
    found = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning",
                 "error", "success"):
        for element in getattr(at, kind):
            found.append((kind, element.value,
                          bool(getattr(element.proto, "allow_html", False))))
    found += [("metric label", m.label, False) for m in at.metric]
    found += [("tab label", t.label, False) for t in at.tabs]
    found += [("expander label", e.label, False) for e in at.expander]
    return found


def unescape_markdown(text: str) -> str:
    """What the reader sees of escaped Markdown: backslash escapes and word joiners removed."""
    out, i, text = [], 0, visible(text)
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def chart_strings(at) -> list[str]:
    strings: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key != "template":
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, str):
            strings.append(node)

    for chart in at.get("plotly_chart"):
        walk(json.loads(chart.proto.spec))
    return strings


@pytest.mark.parametrize("page", list(PAGES))
def test_uploaded_text_stays_text_on_every_page(hostile_url, page):
    query, shown = PAGES[page]
    at = open_page(page, **query)
    if page == "school":  # only the open tab runs: check the page with each tab open
        for tab, school_at in each_school_tab(at):
            assert_text_stays_text(school_at, f"school ({tab} tab)", shown)
    else:
        assert_text_stays_text(at, page, shown)


def assert_text_stays_text(at, page: str, shown: list[str]) -> None:
    elements = markdown_texts(at)
    for kind, text, raw_html in elements:
        for name, value in hostile.TEXTS.items():
            # The raw text never reaches Markdown (or raw HTML) as it was typed.
            assert value not in text, f"{page}: {kind} holds the {name} unescaped: {text!r}"
            if raw_html:
                assert value not in html.unescape(text) or literal_html(value) in text
    readable = [html.unescape(t) if raw else unescape_markdown(t) for _, t, raw in elements]
    for name in shown:
        value = hostile.TEXTS[name]
        assert any(literal_markdown(value) in t for _, t, _ in elements), \
            f"{page}: the {name} is not shown escaped"
        assert any(value in t for t in readable), f"{page}: the {name} does not read literally"

    strings = chart_strings(at)
    for name, value in hostile.TEXTS.items():
        if any(c in value for c in "<>&"):
            assert not any(value in s for s in strings), f"{page}: a chart holds the {name} as HTML"

    for frame in (d.value for d in at.dataframe):
        for column in frame.columns:
            assert not str(column).startswith("="), (page, column)
            assert not any(isinstance(v, str) and v.startswith(("=", "+", "-", "@"))
                           for v in frame[column]), \
                f"{page}: table column {column!r} has a cell its CSV download writes as a formula"


def test_charts_show_uploaded_html_as_characters(hostile_url):
    at = open_page("school", urn=hostile.NEW_URN)
    strings = [s for _, tab_at in each_school_tab(at) for s in chart_strings(tab_at)]
    assert any(literal_plotly(hostile.AREA) in s for s in strings), "the inspection area"
    deployments = open_page("deployments")
    assert any(literal_plotly(hostile.LEADER) in s for s in chart_strings(deployments))


def test_tables_carry_the_formula_escaping_of_the_exports(hostile_url):
    at = open_page("deployments")
    cells = [v for d in at.dataframe for column in d.value.columns for v in d.value[column]
             if isinstance(v, str)]
    assert "'" + hostile.FORMULA in cells  # the QA backlog's next steps, as the CSV export has it
    assert hostile.SUMMARY in cells  # text that opens no formula is shown as typed
