"""Every chart's figures as a table: the text alternative a keyboard and a screen reader can reach.

The table is read from the finished plotly figure, i.e. from exactly what the chart was given
and drew: a figure the disclosure rules withheld from the chart (a small cohort, a projection
from a hidden latest figure) never reached it, so it cannot reach the table either, and where
the chart says "fewer than 5 pupils" at a period the table says the same words there.

- `html_table(frame, caption)`: a table as escaped HTML with its caption and header cells (uploaded
  text never becomes markup: `st.table` would read Markdown in cells).
- `figure_table(fig, measure=None) -> DataFrame`: one row per period (or per school, leader or
  deployment for bar charts), one column per thing drawn, values written as the chart writes
  them (`narrative.format_value` when the measure is given). Charts of marks over dates
  (visit ratings, inspections) give one row per mark instead.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from analysis import formats, narrative, style

HIDDEN_PREFIX = "fewer than"  # style.small_cohort_text: the words drawn for a hidden figure
_STATUS_MARKS = {style.status_badge_text(s) for s in style.STATUS_ORDER}
# The target chart's columns in reading order: what happened first, then the plan around it.
_FIRST = ["Actual", "Target", "Planned line", "At risk band", "Projection (current rate)"]


def _number(value: object, measure: str | None) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, str):
        return value
    if measure:
        return narrative.format_value(value, measure)
    return formats.number(value, thousands=True)


def _plain(text: object) -> str:
    """Plotly text back to what the reader sees: charts escape uploaded text as HTML entities
    (text.literal_plotly), and html_table escapes it again on the way out."""
    return html.unescape(str(text))


def _label(value: object) -> str:
    if isinstance(value, dt.datetime | dt.date | pd.Timestamp):
        return pd.Timestamp(value).strftime(style.DATE_FORMAT)
    return _plain(value)


def _texts(trace, n: int) -> list[str]:
    text = getattr(trace, "text", None)
    if isinstance(text, str):
        return [_plain(text)] * n
    if isinstance(text, Sequence) and not isinstance(text, str):
        return [_plain(t) if t is not None else "" for t in text] + [""] * (n - len(text))
    return [""] * n


def _is_category_marks(trace) -> bool:
    """Marks placed on a named row over dates (visit ratings, report-card grades)."""
    ys = list(trace.y) if trace.y is not None else []
    return (trace.type == "scatter" and bool(ys) and all(isinstance(y, str) for y in ys)
            and getattr(trace, "orientation", None) != "h")


def _column_name(fig: go.Figure, trace) -> str:
    name = _plain(trace.name or "Figure").replace("<br>", " ")  # a wrapped legend name
    return name.split(":")[0] if name.startswith("National") else name


def _axis_title(axis) -> str:
    title = getattr(getattr(axis, "title", None), "text", None)
    return str(title) if title else ""


def figure_table(fig: go.Figure, measure: str | None = None, row_label: str = "Row"
                 ) -> pd.DataFrame:
    """The figures a chart plots, as text: rows in the chart's order, hidden ones in words.

    row_label: the first column's name where the chart's axis has no title (e.g. "School")."""
    traces = [t for t in fig.data
              if not (t.type == "scatter" and t.name in _STATUS_MARKS and len(t.x or ()) == 1)]
    if not traces:
        return pd.DataFrame({"": ["This chart has no figures to show."]})
    if all(_is_category_marks(t) for t in traces):
        return _marks_table(fig, traces, row_label)

    horizontal = all(getattr(t, "orientation", None) == "h" for t in traces)
    key = "y" if horizontal else "x"
    order = list(getattr(fig.layout.yaxis if horizontal else fig.layout.xaxis,
                         "categoryarray", None) or [])
    columns: dict[str, dict[str, str]] = {}
    seen: list[str] = []
    for trace in traces:
        cats = [_label(c) for c in (getattr(trace, key) or ())]
        values = list(getattr(trace, "x" if horizontal else "y") or ())
        name = _column_name(fig, trace)
        cells = columns.setdefault(name, {})
        if getattr(trace, "fill", None) == "toself":  # a band: upper edge, then lower reversed
            half = len(cats) // 2
            for i in range(half):
                cells[cats[i]] = (f"{_number(values[2 * half - 1 - i], measure)} to "
                                  f"{_number(values[i], measure)}")
            seen += cats[:half]
            continue
        texts = _texts(trace, len(cats))
        for cat, value, text in zip(cats, values, texts, strict=False):
            if trace.type == "bar":
                cells[cat] = _number(value, None)
            else:
                cells[cat] = (text.removeprefix("Target ") if text else _number(value, measure))
        seen += cats
    for note in fig.layout.annotations or ():
        text = _plain(note.text or "")
        if text.startswith(HIDDEN_PREFIX) and note.x is not None:
            columns.setdefault("Actual", {})[_label(note.x)] = text
            seen.append(_label(note.x))
    _support_column(fig, order, columns)
    rows = [c for c in order if c in set(seen)] or list(dict.fromkeys(seen))
    rows += [c for c in dict.fromkeys(seen) if c not in rows]
    first = _axis_title(fig.layout.yaxis if horizontal else fig.layout.xaxis) or (
        "Period" if not horizontal else row_label)
    table = pd.DataFrame({first: rows})
    names = [n for n in _FIRST if n in columns] + [n for n in columns if n not in _FIRST]
    for name, cells in ((n, columns[n]) for n in names):
        if any(cells.get(r) for r in rows):
            table[name] = [cells.get(r, "") for r in rows]
    return table


def _support_column(fig: go.Figure, order: list[str], columns: dict) -> None:
    """Shaded support periods (rectangles over category positions) as the leaders' names and
    dates: the words the chart shows only on hover ('A. Khan (national leader of education):
    05/09/2024 to now')."""
    labels = [_plain(a.hovertext).replace("<br>", "; ") if a.hovertext else _plain(a.text)[2:]
              for a in fig.layout.annotations or () if str(a.text or "").startswith("▼ Support")]
    rects = [s for s in fig.layout.shapes or () if s.type == "rect" and s.xref == "x"]
    if not order or not rects:
        return
    cells = columns.setdefault("Support", {})
    for rect, label in zip(rects, labels, strict=False):
        for position in range(int(rect.x0 + 0.5), int(rect.x1 + 0.5)):
            if 0 <= position < len(order):
                cells[order[position]] = label.removeprefix("Support: ")


def _marks_table(fig: go.Figure, traces: list, row_label: str) -> pd.DataFrame:
    rows = []
    for trace in traces:
        texts = _texts(trace, len(trace.x or ()))
        for x, y, text in zip(trace.x or (), trace.y or (), texts, strict=False):
            rows.append({"Date": x, "Row": _plain(y), "What": text or _plain(trace.name or "")})
    table = pd.DataFrame(rows).sort_values(["Row", "Date"], kind="stable")
    table["Date"] = table["Date"].map(_label)
    return table.rename(columns={"Row": _axis_title(fig.layout.yaxis) or row_label}).reset_index(
        drop=True)


def html_cell(value: object) -> str:
    """Escaped text for an HTML cell; NA as an empty cell; floats as people read them."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        return html.escape(formats.number(value, thousands=True))
    return html.escape(str(value))


def html_table(frame: pd.DataFrame, caption: str) -> str:
    """A table with its caption and header cells (scope col), in a box that scrolls by keyboard
    on a narrow screen rather than making the whole page scroll sideways."""
    head = "".join(f'<th scope="col">{html_cell(c)}</th>' for c in frame.columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{html_cell(v)}</td>" for v in row) + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return (f'<div class="table-wrap" tabindex="0" role="region" aria-label="{html_cell(caption)}">'
            f"<table><caption>{html_cell(caption)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{rows}</tbody></table></div>")
