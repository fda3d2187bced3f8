"""Uploaded text is data, never markup: the escaping seam (analysis/text.py) and a check that
every page uses it.

The static check reads app_pages/*.py and dashboard.py: every call that Streamlit renders as
Markdown (titles, captions, notices, metric, tab, expander and widget labels) must get a string
literal, `lit(...)`, or an f-string whose every interpolation is `lit(...)` or a number written
with a format spec (`{n:d}`, `{share:.0%}`). Raw HTML (unsafe_allow_html=True) needs
`literal_html(...)` instead. A new page that hands Streamlit a school name unescaped fails here
before a hostile spreadsheet can show it (tests/test_hostile_pages.py shows it on every page).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd
import pytest

from analysis.text import (
    WORD_JOINER,
    literal_html,
    literal_list,
    literal_markdown,
    literal_plotly,
    plotly_frame,
    visible,
)

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / "app_pages").glob("*.py")) + [ROOT / "dashboard.py"]

# Methods whose first argument (the body or label) Streamlit renders as Markdown; `help=` too.
MARKDOWN_FIRST = {
    "title", "header", "subheader", "markdown", "caption", "write", "info", "warning", "error",
    "success", "toast", "metric", "expander", "popover", "status", "spinner", "button",
    "download_button", "checkbox", "toggle", "text_input", "text_area", "number_input", "slider",
    "select_slider", "selectbox", "multiselect", "radio", "file_uploader", "form_submit_button",
    "date_input", "pills", "segmented_control",
}
MARKDOWN_KEYWORDS = {"label", "body", "help"}
ESCAPERS = {"lit", "literal_markdown", "literal_list"}
HTML_ESCAPERS = {"literal_html"}
NUMBERS = {"len", "int"}  # interpolations that can only be numbers
# The app's own wrappers round a Markdown call: the label's position in the wrapper's arguments.
# Their callers are checked in the wrapper's place; the call inside the wrapper forwards them.
WRAPPERS = {"file_button": 1}  # app_pages/downloads.file_button(where, label, make, **options)


def _name(func: ast.expr) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _problem(node: ast.expr, html: bool) -> str | None:
    """Why this argument may carry uploaded text unescaped, or None when it cannot."""
    escapers = HTML_ESCAPERS if html else ESCAPERS
    if isinstance(node, ast.Constant):
        return None
    if isinstance(node, (ast.Name, ast.Attribute)) and _name(node).isupper():
        return None  # a module constant: the app's own words
    if isinstance(node, ast.Call) and _name(node.func) in escapers:
        return None
    if isinstance(node, ast.IfExp):
        return _problem(node.body, html) or _problem(node.orelse, html)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _problem(node.left, html) or _problem(node.right, html)
    if isinstance(node, ast.JoinedStr):
        for part in node.values:
            if not isinstance(part, ast.FormattedValue) or part.format_spec is not None:
                continue
            value = part.value
            if isinstance(value, ast.Call) and _name(value.func) in escapers | NUMBERS:
                continue
            if isinstance(value, (ast.Name, ast.Attribute)) and _name(value).isupper():
                continue
            return f"{{{ast.unparse(value)}}} is not wrapped in {'/'.join(sorted(escapers))}()"
        return None
    if isinstance(node, (ast.List, ast.Tuple)):
        return next((p for p in (_problem(e, html) for e in node.elts) if p), None)
    return f"{ast.unparse(node)} is not wrapped in {'/'.join(sorted(escapers))}()"


def _forwarding_calls(tree: ast.AST) -> set[int]:
    """ids of the calls inside a wrapper's own body: they forward what its callers passed."""
    return {id(node) for wrapper in ast.walk(tree)
            if isinstance(wrapper, ast.FunctionDef) and wrapper.name in WRAPPERS
            for node in ast.walk(wrapper) if isinstance(node, ast.Call)}


def unescaped_calls(source: str, filename: str) -> list[str]:
    found = []
    tree = ast.parse(source)
    forwarding = _forwarding_calls(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or id(node) in forwarding:
            continue
        method = _name(node.func)
        if method in WRAPPERS:
            position = WRAPPERS[method]
            labels = node.args[position:position + 1]
            labels += [k.value for k in node.keywords if k.arg in MARKDOWN_KEYWORDS]
            found += [f"{filename}:{node.lineno}: {method}(): {problem}"
                      for problem in (_problem(label, False) for label in labels) if problem]
            continue
        if not isinstance(node.func, ast.Attribute):
            continue
        html = any(k.arg == "unsafe_allow_html" and not (isinstance(k.value, ast.Constant)
                                                         and k.value.value is False)
                   for k in node.keywords)
        arguments = []
        if method in MARKDOWN_FIRST and node.args:
            arguments.append(node.args[0])
        if method == "tabs" and node.args:
            arguments.append(node.args[0])
        if method in MARKDOWN_FIRST | {"tabs", "page_link"}:
            arguments += [k.value for k in node.keywords if k.arg in MARKDOWN_KEYWORDS]
        for argument in arguments:
            problem = _problem(argument, html)
            if problem:
                found.append(f"{filename}:{node.lineno}: .{method}(): {problem}")
    return found


def test_every_page_escapes_what_it_hands_streamlit():
    found = [line for path in SOURCES
             for line in unescaped_calls(path.read_text(), str(path.relative_to(ROOT)))]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("source", [
    'st.title(school["school_name"])',
    'st.markdown(f"**{name}**: {len(team):d} leaders")',
    'st.caption(" · ".join(details))',
    'col.metric(label, 3)',
    'st.tabs([name, "Support"])',
    'st.info(message, icon=":material/info:")',
    'st.warning("x", help=f"about {name}")',
    "st.markdown(f\"<div>{lit(name)}</div>\", unsafe_allow_html=True)",  # raw HTML needs HTML escaping
    'downloads.file_button(cols[0], f"Pack for {name}", pdf)',  # a wrapper's callers are checked
    'file_button(st, "Pack", pdf, help=name)',
])
def test_the_check_catches_unescaped_text(source):
    assert unescaped_calls(source, "page.py"), source


@pytest.mark.parametrize("source", [
    'st.title(lit(school["school_name"]))',
    'st.markdown(f"**{lit(name)}**: {len(team):d} leaders, {share:.0%}")',
    'st.caption(presenters.STATUS_LEGEND)',
    'st.tabs(["Targets", "Support"])',
    "st.markdown(f\"<div>{literal_html(name)}</div>\", unsafe_allow_html=True)",
    'st.dataframe(table)',  # cells are plain text in Streamlit
    'downloads.file_button(cols[0], f"Pack for {lit(name)}", pdf, help=f"{n:d} schools")',
])
def test_the_check_passes_escaped_text(source):
    assert not unescaped_calls(source, "page.py"), source


HOSTILE = [
    "[re-enter your password](https://evil.example/x)",
    "![x](https://evil.example/p.png)",
    ":red[alert] :material/warning: :streamlit: :smile:",
    "$x^2$ and $$y$$",
    "<b>bold</b> <img src=https://evil.example/i.png> =cmd|' /C calc'!A0",
    "# heading\n- list\n1. one | a | b |",
    "*em* _u_ ~~s~~ `code` \\ back",
    "www.evil.example and mail@evil.example",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_literal_markdown_leaves_nothing_markdown_can_act_on(text):
    out = literal_markdown(text)
    # Every ASCII punctuation character is backslash-escaped, so none can open markup...
    stripped = visible(out)
    i = 0
    while i < len(stripped):
        character = stripped[i]
        if character == "\\":
            i += 2  # an escape and the character it escapes
            continue
        assert not (character.isascii() and not character.isalnum() and not character.isspace()), \
            (text, out, i)
        i += 1
    # ...bare links and shortcodes are broken by a word joiner, and one line stays one line.
    assert "://" not in stripped.replace("\\", "") or WORD_JOINER in out
    assert "\n" not in out
    # Unescaping gives back the text (line breaks as spaces).
    unescaped = stripped.replace("\\\\", "\0").replace("\\", "").replace("\0", "\\")
    assert unescaped == " ".join(text.splitlines())


def test_literal_list_is_one_item_a_line_each_escaped():
    out = literal_list(HOSTILE)
    # One item per line given: a hostile line's own line breaks and list markers stay inside it.
    assert out.split("\n") == [f"- {literal_markdown(text)}" for text in HOSTILE]
    assert literal_list([]) == ""


def test_literal_markdown_of_missing_values_is_empty_and_numbers_are_text():
    assert literal_markdown(None) == literal_markdown(float("nan")) == ""
    assert literal_markdown(12) == "12"
    assert literal_markdown("St. Mary's") == "St\\. Mary\\'s"


def test_literal_plotly_and_html_escape_tags():
    assert literal_plotly("<b>x</b> & <a href='y'>") == "&lt;b&gt;x&lt;/b&gt; &amp; &lt;a href='y'&gt;"
    assert literal_html("<b>'\"&") == "&lt;b&gt;&#x27;&quot;&amp;"
    assert literal_plotly(None) == ""


def test_plotly_frame_escapes_text_cells_only():
    frame = pd.DataFrame({"leader_name": ["<b>Ann</b>", None], "days": [1.5, 2.0],
                          "visit_date": pd.to_datetime(["2024-10-07", "2024-11-07"])})
    out = plotly_frame(frame)
    assert out["leader_name"].tolist()[0] == "&lt;b&gt;Ann&lt;/b&gt;"
    assert out["leader_name"].isna().tolist() == [False, True]
    pd.testing.assert_series_equal(out["days"], frame["days"])
    pd.testing.assert_series_equal(out["visit_date"], frame["visit_date"])
    assert frame["leader_name"].tolist()[0] == "<b>Ann</b>"  # the input is not changed


def test_every_table_goes_through_the_formula_escaping():
    """st.dataframe's own CSV download writes cells raw: pages show tables only through
    widgets.table, which passes them through exports.safe_frame (tests/test_hostile_pages.py
    checks the cells)."""
    found = []
    for path in SOURCES:
        if path.name == "widgets.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in {"dataframe", "data_editor", "table"} \
                    and _name(node.func.value) == "st":
                found.append(f"{path.name}:{node.lineno}: st.{node.func.attr}")
    assert not found, found
