"""Uploaded text is data, never markup: the one escaping seam every page and chart uses.

A school, leader, local authority, focus area, visit summary or column header comes from a
spreadsheet anyone at a school may have typed. Streamlit renders Markdown (links, images,
headings, emphasis), its own directives (`:red[...]`, `:material/icon:`, emoji shortcodes) and
KaTeX (`$...$`) in titles, captions, notices, metric, tab and expander labels; plotly renders a
subset of HTML (`<a href>`, `<b>`, `<img>`-free but styled spans) in titles, labels and hover
text. Either would let a spreadsheet put a live link, an outside image (a request from every
viewer's browser) or styled text on the screen.

- `literal_markdown(text)`: for anything Streamlit renders as Markdown. Every ASCII punctuation
  character gets a backslash (CommonMark lets any of them be escaped, and an escaped character
  is always shown as itself), so no link, image, emphasis, heading, list, table, directive,
  HTML tag or LaTeX can start; line breaks become spaces (a label is one line). Bare links and
  `:streamlit:`-style shortcodes are matched in the parsed text, after escapes: an invisible
  WORD JOINER (U+2060) after every ':' and '@' and in 'www.' breaks them. Copying the text
  copies that invisible character too; tests compare with it removed (`visible`).
- `literal_plotly(text)`: for plotly text, which is HTML: `&`, `<` and `>` become entities
  (plotly shows entities as the characters).
- `lit` is the short name pages use inside f-strings: `st.markdown(f"**{lit(name)}**")`.
  tests/test_literal_text.py fails when a page hands Streamlit an interpolation without it.

Options of st.selectbox / st.multiselect / st.radio are plain text in Streamlit (not Markdown),
as are st.dataframe cells: they are not escaped (a backslash would show).
"""

from __future__ import annotations

import html
import re
import string

import pandas as pd

# Every ASCII punctuation character: CommonMark's backslash escapes cover exactly this set.
_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")
# Patterns Streamlit acts on after the Markdown is parsed, in the text itself, where a backslash
# no longer counts: GFM's bare links (`https://...`, `www.x.y`, `name@host.x`) and shortcodes
# (`:streamlit:`). An invisible WORD JOINER after ':' and '@' and inside 'www.' breaks each.
WORD_JOINER = "\u2060"
_AFTER_TEXT_PATTERNS = re.compile(r"(:|@|\b(?:www)(?=\.))", re.IGNORECASE)


def _missing(value: object) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value))


def literal_markdown(text: object) -> str:
    """Any value -> Markdown that Streamlit shows as exactly these characters (missing -> '')."""
    if _missing(text):
        return ""
    text = _AFTER_TEXT_PATTERNS.sub(r"\1" + WORD_JOINER, _LINE_BREAKS.sub(" ", str(text)))
    return _PUNCTUATION.sub(r"\\\1", text)


def literal_plotly(text: object) -> str:
    """Any value -> plotly text that shows as exactly these characters (missing -> '')."""
    if _missing(text):
        return ""
    return html.escape(str(text), quote=False)


def literal_html(text: object) -> str:
    """Any value -> text for raw HTML (st.markdown(..., unsafe_allow_html=True), st.html).

    Inside an HTML block Markdown is not parsed, so a backslash would show: escape as HTML."""
    if _missing(text):
        return ""
    return html.escape(str(text), quote=True)


lit = literal_markdown


def literal_list(lines: list[object]) -> str:
    """Lines of uploaded text -> a Markdown bullet list showing each exactly (literal_markdown)."""
    return "\n".join(f"- {literal_markdown(line)}" for line in lines)


def visible(text: str) -> str:
    """What a reader sees of literal_markdown's output once rendered: without the WORD JOINERs."""
    return text.replace(WORD_JOINER, "")


_ESCAPED = re.compile(r"\\([" + re.escape(string.punctuation) + "])")


def shown(markdown: str) -> str:
    """The characters a reader sees of literal_markdown's output (escapes and joiners taken off):
    for tests that compare a page's Markdown with the words it should say."""
    return _ESCAPED.sub(r"\1", visible(markdown))


def plotly_frame(frame: pd.DataFrame | None) -> pd.DataFrame | None:
    """A copy of a frame whose text cells are literal_plotly'd (numbers and dates untouched).

    Chart functions take frames of uploaded rows; escaping every text cell on the way in means
    no label, hover, tick or annotation built from them can carry markup, whichever field a
    future change puts on the chart. Canonical values (periods, measures, statuses) hold no
    `& < >`, so they are unchanged and still match.
    """
    if frame is None:
        return None
    out = frame.copy()
    for position in range(out.shape[1]):
        column = out.iloc[:, position]
        if column.dtype == object or pd.api.types.is_string_dtype(column):
            out.isetitem(position, column.map(
                lambda v: literal_plotly(v) if isinstance(v, str) else v))
    return out


def plotly_row(row: pd.Series | dict) -> pd.Series | dict:
    """One row (a target) with its text fields literal_plotly'd, like plotly_frame."""
    escape = lambda v: literal_plotly(v) if isinstance(v, str) else v  # noqa: E731
    if isinstance(row, dict):
        return {k: escape(v) for k, v in row.items()}
    return row.map(escape) if row.dtype == object else row
