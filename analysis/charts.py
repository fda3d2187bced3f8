"""Plotly figures from the engine's frames: each function returns a go.Figure and never calls st.

Drawn for a projector and a black-and-white print: large fonts, every status also told by its
marker shape and its words, line styles that differ by dash as well as colour, periods written
'2024/25 Spring 2' on a categorical axis in period order, and UK dates. A target card is drawn
from a governed analysis.governed.TargetView (`target_view_chart`), which holds no hidden
figure; where a figure is hidden (analysis/disclosure.py) the chart says 'fewer than 5 pupils'.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analysis import disclosure, formats, style
from analysis.periods import (
    format_period,
    period_index,
    period_indexes,
    period_of_date,
    try_parse_period,
)
from analysis.plain_words import leader_with_role, role_words
from analysis.schema import MEASURES, OLD_SCALE, measure_label
from analysis.text import literal_plotly, plotly_frame

# Line styles for the target chart: each differs by dash, not only colour, for grey prints.
_ACTUAL_COLOUR = style.OKABE_ITO["black"]
_PLAN_COLOUR = style.OKABE_ITO["blue"]
_PROJECTION_COLOUR = style.OKABE_ITO["vermillion"]
_NATIONAL_COLOUR = "#555555"
_BAND_FILL = "rgba(230, 159, 0, 0.22)"  # Okabe-Ito orange, see-through: the At risk band
_SUPPORT_FILL = "#BBBBBB"  # deployments shaded grey so they survive a black-and-white print

_SUBGROUP_WORDS = {
    "All": "all pupils",
    "Disadvantaged": "disadvantaged pupils",
    "Not disadvantaged": "pupils not disadvantaged",
    "SEND": "pupils with SEND",
    "No SEND": "pupils without SEND",
}

# Which pair a subgroup chart compares: (focus group, comparison group). Gap = comparison - focus.
SUBGROUP_PAIRS = {
    "disadvantaged": ("Disadvantaged", "Not disadvantaged"),
    "send": ("SEND", "No SEND"),
}

# The old four-point scale, bottom to top. Report cards (from November 2025) are never mapped
# onto it: they are drawn in their own grid.
_OLD_SYMBOLS = {
    "Inadequate": "x", "Requires improvement": "triangle-up", "Good": "circle", "Outstanding": "star",
}
_GRADE_STYLE = {  # grade -> (symbol, colour); shapes echo the status shapes they resemble
    "Exceptional": ("star", style.OKABE_ITO["bluish_green"]),
    "Strong standard": ("circle", style.OKABE_ITO["bluish_green"]),
    "Expected standard": ("circle", style.OKABE_ITO["sky_blue"]),
    "Needs attention": ("triangle-up", style.OKABE_ITO["orange"]),
    "Urgent improvement": ("x", style.OKABE_ITO["vermillion"]),
    "Met": ("circle", style.OKABE_ITO["bluish_green"]),
    "Not met": ("x", style.OKABE_ITO["vermillion"]),
}
REPORT_CARD_AREAS = [
    "Inclusion", "Curriculum and teaching", "Achievement", "Attendance and behaviour",
    "Personal development and wellbeing", "Early years", "Sixth form",
    "Leadership and governance", "Safeguarding",
]


# ----------------------------------------------------------------------------- helpers


def _layout(fig: go.Figure, title: str, subtitle: str | None = None, height: int = 560) -> None:
    """Apply the shared projector-friendly look: big fonts, white background, legend below."""
    top = 80 + (30 * (subtitle.count("<br>") + 1) if subtitle else 0)
    fig.update_layout(
        template="plotly_white",
        title={
            "text": title,
            "font": {"size": style.TITLE_FONT_SIZE},
            "subtitle": {"text": subtitle or "", "font": {"size": style.SMALL_FONT_SIZE + 1}},
            "x": 0.01,
            "xanchor": "left",
        },
        font={"family": style.FONT_FAMILY, "size": style.BASE_FONT_SIZE, "color": style.TEXT_COLOUR},
        # The legend sits in the bottom margin, below the two-line period labels, whatever the
        # plot's height.
        legend={"orientation": "h", "yref": "container", "yanchor": "bottom", "y": 0.01,
                "x": 0, "font": {"size": 16}},
        hoverlabel={"font": {"size": 16}},
        margin={"l": 80, "r": 30, "t": top, "b": 180},
        height=height,
    )


def _message(fig: go.Figure, text: str) -> go.Figure:
    """Write a plain-words empty state in the middle of a figure."""
    fig.add_annotation(
        text=text, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
        font={"size": style.BASE_FONT_SIZE + 2},
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


def _fmt(value: float, unit: str = "%") -> str:
    """64.0 -> '64%', 94.3 -> '94.3%', gaps -> '12 pp' (analysis/formats.py: never '-0')."""
    return formats.with_unit(value, unit)


_SHORT_HALVES = {"Autumn": "Aut", "Spring": "Spr", "Summer": "Sum"}


def _period_ticks(period: str) -> str:
    """'2024/25 Spring 2' -> 'Spr 2<br>24/25': short and two lines, so ticks stay level."""
    year, _, half = period.partition(" ")
    term, _, number = half.partition(" ")
    start, _, end = year.partition("/")
    return f"{_SHORT_HALVES.get(term, term)} {number}".strip() + f"<br>{start[-2:]}/{end}"


def _period_axis(fig: go.Figure, periods: list[str], **axis) -> None:
    """Make the x axis categorical, in period order, labelled in two lines."""
    fig.update_xaxes(
        type="category", categoryorder="array", categoryarray=periods,
        tickmode="array", tickvals=periods, ticktext=[_period_ticks(p) for p in periods],
        range=[-0.5, len(periods) - 0.5], tickangle=0, **axis,
    )


def _canonical(series: pd.Series) -> pd.Series:
    """Period labels in any accepted form -> canonical labels (None when unreadable)."""
    return series.map(try_parse_period)


def _get(row: Mapping, key: str, default=None):
    """A field of a row (dict or Series), with NA read as the default."""
    value = row.get(key, default) if hasattr(row, "get") else default
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return default
    return value


def _to_date(value: object) -> dt.date | None:
    """Any date-like cell -> datetime.date (None when blank or unreadable)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, dt.date):
        return value.date() if isinstance(value, dt.datetime) else value
    # Text is UK day-first, except ISO 'yyyy-mm-dd', which pandas would otherwise read day-first.
    iso = isinstance(value, str) and re.match(r"\s*\d{4}-\d{1,2}-\d{1,2}", value) is not None
    stamp = pd.to_datetime(value, errors="coerce", dayfirst=not iso)
    return None if pd.isna(stamp) else stamp.date()


def _y_title(measure: str) -> str:
    """The y axis words with units for a measure."""
    spec = MEASURES.get(measure)
    if spec is not None and spec.unit == "pp":
        return "Gap (percentage points)"
    if measure == "attendance":
        return "% of sessions attended"
    return "% of pupils"


def _unit(measure: str) -> str:
    spec = MEASURES.get(measure)
    return spec.unit if spec is not None else "%"


def _title(measure: str, subgroup: str | None) -> str:
    """Measure label plus the pupils it counts: 'Reading at the expected standard: all pupils'."""
    label = measure_label(measure)
    if _unit(measure) == "pp":  # a gap already names its groups
        return label
    words = _SUBGROUP_WORDS.get(subgroup or "All", str(subgroup))
    return f"{label}: {words}"


def wrap_words(text: str, width: int) -> str:
    """Break text into lines of at most `width` characters with <br> (plotly titles and
    annotations never wrap themselves), after a colon when that costs no extra line. A word
    longer than the width keeps its own line."""
    if len(text) <= width:
        return text

    def greedy(parts: list[str]) -> list[str]:
        lines: list[str] = []
        for part in parts:
            line = ""
            for word in part.split(" "):
                if line and len(line) + 1 + len(word) > width:
                    lines.append(line)
                    line = word
                else:
                    line = f"{line} {word}" if line else word
            lines.append(line)
        return lines

    at_colon, plain = greedy(re.split(r"(?<=:) ", text)), greedy([text])
    lines = at_colon if len(at_colon) <= len(plain) else plain
    return "<br>".join(lines) if len(text) > width else text


def _hidden_note(
    fig: go.Figure, period: str, words: str, y: float = 0.1, yref: str = "paper",
    size: int = style.SMALL_FONT_SIZE - 1,
) -> None:
    """Say 'fewer than 5 pupils' at a period whose figure is hidden (never the figure itself)."""
    fig.add_annotation(
        x=period, y=y, xref="x", yref=yref, yanchor="bottom", showarrow=False,
        text=words,
        font={"size": size, "color": style.TEXT_COLOUR},
        bordercolor="#777777", borderwidth=1, bgcolor="white",
    )


# ----------------------------------------------------------------------------- target chart

# Type sizes for the target chart: the school page, and `large` for the projector.
_SIZES = {
    False: {"title": 20, "badge": 17, "tick": 15, "legend": 14, "value": 17, "small": 13,
            "height": 560, "marker": 11, "status": 22},
    True: {"title": 30, "badge": 24, "tick": 22, "legend": 21, "value": 25, "small": 19,
           "height": 660, "marker": 15, "status": 30},
}
# The figure is drawn server side and never knows the screen: its title and support label are
# wrapped to lengths that a 390 px phone shows whole (about 30 title characters at 20 px bold),
# which desktop reads as two or three short lines.
_TITLE_WIDTH = {False: 30, True: 40}
_SUPPORT_WIDTH = 28
_LIMITS = {"%": (0.0, 100.0), "pp": (-100.0, 100.0)}  # what a percentage (or a gap) can be


def _clip(value: float, unit: str) -> float:
    """A value held inside what its unit allows: 0..100 for a %, -100..100 for a gap in pp."""
    low, high = _LIMITS.get(unit, (float("-inf"), float("inf")))
    return min(max(float(value), low), high)


def _nice_step(span: float) -> float:
    """A round tick step (1, 2, 2.5 or 5 times a power of ten) giving about five ticks."""
    raw = max(span, 1e-9) / 5
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)


def _value_axis(values: list[float], unit: str, strip: bool, label_at_floor: bool = False
                ) -> tuple[list[float], list[float]]:
    """The y range and tick values: headroom above for value labels, a strip below for visits
    (deeper when a label sits on the lowest value, so its lower half clears the visit counts).

    Ticks stay within the data's rounded span (and 0..100 for a %), so the visit strip carries
    no gridlines and the axis never reads '-5%' or '105%'.
    """
    low, high = min(values), max(values)
    span = high - low if high > low else max(abs(high) * 0.1, 2.0)
    top = high + 0.15 * span
    floor = low - ((0.3 if label_at_floor else 0.22) if strip else 0.08) * span
    step = _nice_step(span)
    first = math.ceil((low - 1e-9) / step) * step
    ticks = []
    tick = first
    while tick <= top + 1e-9:
        ticks.append(round(tick, 6))
        tick += step
    limits = _LIMITS.get(unit)
    if limits:
        ticks = [t for t in ticks if limits[0] <= t <= limits[1]]
    return [floor, top], ticks


def target_chart(
    target_row: Mapping,
    actuals: pd.DataFrame,
    expected: pd.DataFrame,
    band: pd.DataFrame,
    projection: pd.DataFrame | None = None,
    deployments: pd.DataFrame | None = None,
    visits: pd.DataFrame | None = None,
    national: float | tuple[str, float] | pd.DataFrame | pd.Series | None = None,
    small_cohort: int | None = None,
    large: bool = False,
) -> go.Figure:
    """One target over time from raw frames: governed first (analysis.governed.view_from_frames
    applies the disclosure rule), then drawn by `target_view_chart`.

    target_row: a `progress` row (measure, subgroup, baseline_value, baseline_period,
    target_value, target_period, latest_period, projected_value, status, rule, cohort).
    actuals: period, value, cohort. expected: period, expected. band: period, lower, upper.
    projection: period, value (None: drawn from the row's latest actual to projected_value).
    deployments: leader_name, leader_role, start_date, end_date. visits: visit_date.
    national: a value, (label, value) such as ("National 2024", 61.0), or national figures by
    year (frame academic_year, value[, approximate], or a Series indexed by academic year).
    small_cohort: the disclosure limit (None: a view that hides nothing).
    """
    from analysis.governed import view_from_frames

    view = view_from_frames(target_row, actuals, expected, band, projection, deployments,
                            visits, national, small_cohort)
    return target_view_chart(view, large=large)


def target_view_chart(view, large: bool = False) -> go.Figure:
    """One governed TargetView -> its figure: plan line, At risk band, actuals, projection,
    target, support and visits. The view holds no hidden number, so none can be drawn.

    large: projector sizes (bigger type, taller figure).
    The rule sentence is not drawn: the page says it; the chart carries a one-line badge.
    """
    size = _SIZES[bool(large)]
    measure, unit, status = view.measure, view.unit, view.status
    target_period, target_value = view.target_period, view.target_value
    shown = pd.DataFrame(
        [(a.period, a.value, a.cohort) for a in view.actuals if not a.hidden],
        columns=["period", "value", "cohort"])
    hidden_periods = view.hidden_periods()
    latest_hidden = view.latest_hidden or bool(view.actuals and view.actuals[-1].hidden)
    projection = [] if latest_hidden else view.projection
    periods = view.axis
    if not periods:
        return _message(go.Figure(), "This target has no readable periods.")

    drawn: list[float] = []  # every plotted value (never a hidden one): sets the y range
    fig = go.Figure()
    if view.band:
        # One closed shape: along the upper edge, back along the lower edge.
        xs = [p for p, _, _ in view.band]
        ys = [_clip(u, unit) for _, _, u in view.band] + [
            _clip(lo, unit) for _, lo, _ in view.band][::-1]
        drawn += ys
        fig.add_trace(go.Scatter(
            x=xs + xs[::-1], y=ys,
            fill="toself", fillcolor=_BAND_FILL, line={"width": 0}, mode="lines",
            name="At risk band", hoverinfo="skip",
        ))

    if view.plan:
        xs = [p for p, _ in view.plan]
        ys = [_clip(v, unit) for _, v in view.plan]
        drawn += ys
        fig.add_trace(go.Scatter(
            x=xs, y=ys, mode="lines", name="Planned line",
            line={"color": _PLAN_COLOUR, "width": 3, "dash": "dash"},
            hovertext=[f"{p}: expected {_fmt(v, unit)}" for p, v in zip(xs, ys, strict=True)],
            hoverinfo="text",
        ))

    reference = _national_line(view.national, periods, unit)
    if reference is not None:
        name, xs, ys = reference
        ys = [_clip(v, unit) for v in ys]
        drawn += ys
        fig.add_trace(go.Scatter(
            x=xs, y=ys, mode="lines", name=name, line_shape="hv",
            line={"color": _NATIONAL_COLOUR, "width": 2, "dash": "dashdot"},
            hovertext=[f"{p}: national {_fmt(v, unit)}" for p, v in zip(xs, ys, strict=True)],
            hoverinfo="text",
        ))

    if projection:
        raw = [float(v) for _, v in projection]
        ys = [_clip(v, unit) for v in raw]
        drawn += ys
        xs = [p for p, _ in projection]
        fig.add_trace(go.Scatter(
            x=xs, y=ys, mode="lines+markers",
            name="Projection (current rate)",
            line={"color": _PROJECTION_COLOUR, "width": 3, "dash": "dot"},
            marker={"size": 8, "symbol": "circle-open", "color": _PROJECTION_COLOUR},
            hovertext=[f"{p}: projected {_fmt(v, unit)}" + (" (capped)" if v != r else "")
                       for p, v, r in zip(xs, ys, raw, strict=True)],
            hoverinfo="text",
        ))

    if not shown.empty:
        values = [_clip(v, unit) for v in shown["value"].astype(float)]
        drawn += values
        # The latest point is drawn again, larger, in its status shape: sized here as large so
        # its value label clears that bigger marker.
        sizes, opacity = [size["marker"]] * len(values), [1.0] * len(values)
        if not latest_hidden:
            sizes[-1], opacity[-1] = size["status"], 0.0
        # Value labels on the first and latest points only: on a phone half terms sit ~25 px
        # apart and every label would overlap; hover and the chart's table give each value.
        labels = ["" for _ in values]
        labels[0], labels[-1] = _fmt(values[0], unit), _fmt(values[-1], unit)
        positions = ["top center"] * len(values)
        fig.add_trace(go.Scatter(
            x=list(shown["period"]), y=values, mode="lines+markers+text", name="Actual",
            line={"color": _ACTUAL_COLOUR, "width": 4},
            marker={"size": sizes, "color": _ACTUAL_COLOUR, "opacity": opacity},
            text=labels, textposition=positions,
            textfont={"size": size["value"], "color": style.TEXT_COLOUR}, cliponaxis=False,
            hovertext=[_actual_hover(p, v, c, unit) for p, v, c in
                       zip(shown["period"], values, shown["cohort"], strict=True)],
            hoverinfo="text",
        ))

    target_y = None
    if target_period and target_value is not None:
        value = target_y = _clip(target_value, unit)
        drawn.append(value)
        words = f"Target {_fmt(value, unit)}"
        fig.add_trace(go.Scatter(
            x=[target_period], y=[value], mode="markers+text", name="Target",
            marker={"symbol": "diamond", "size": size["status"] - 2, "color": "white",
                    "line": {"color": _ACTUAL_COLOUR, "width": 3}},
            text=[words], textposition="middle left", cliponaxis=False,
            textfont={"size": size["value"], "color": style.TEXT_COLOUR},
            hovertext=[f"{words} by {target_period}"], hoverinfo="text",
        ))

    if not shown.empty and not latest_hidden:
        # The latest actual wears its status shape; the badge above the plot says the words,
        # so the legend does not repeat them.
        latest = shown.iloc[-1]
        fig.add_trace(go.Scatter(
            x=[latest["period"]], y=[_clip(latest["value"], unit)], mode="markers",
            name=style.status_badge_text(status), showlegend=False,
            marker={"symbol": style.STATUS_SYMBOLS.get(status, "circle"), "size": size["status"],
                    "color": style.STATUS_COLOURS.get(status, style.OKABE_ITO["grey"]),
                    "line": {"color": _ACTUAL_COLOUR, "width": 2}},
            cliponaxis=False, hovertext=[f"Status: {status}"], hoverinfo="text",
        ))

    visits = pd.DataFrame({"visit_date": view.visits}) if view.visits else None
    has_visits = _visit_marks(fig, visits, periods, size)
    if shown.empty and not view.plan and unit == "%":
        # Only the target (and maybe a national line) to draw: a narrow axis round one value
        # says nothing and crowds the hidden-figure notes onto it, so show the whole 0-100%.
        drawn += [0.0, 100.0]
    # The target's label runs left of its marker, over the half terms before it.
    y_range, ticks = (_value_axis(drawn, unit, has_visits,
                                  label_at_floor=target_y is not None and target_y <= min(drawn))
                      if drawn else (None, None))
    if y_range is not None:
        # The visit counts sit on the axis floor, in the strip below every plotted value.
        for trace_ in fig.data:
            if trace_.name == _VISITS_NAME:
                trace_.y = [y_range[0]] * len(trace_.x)

    if y_range is not None:
        _part_close_labels(fig, y_range)

    for period in hidden_periods:
        # Just above the visit strip: no figure is drawn at this period to collide with.
        _hidden_note(fig, period, view.hidden_label, y=min(drawn) if drawn else 0.2,
                     yref="y" if drawn else "paper", size=size["small"])
    if not view.actuals:
        fig.add_annotation(
            text="No data yet: no results since the baseline", x=0.5, y=0.5, xref="paper",
            yref="paper", showarrow=False, font={"size": size["value"]}, bgcolor="white",
        )

    # Leader names and roles are uploaded text: escaped for plotly on the way in.
    deployments = plotly_frame(pd.DataFrame(view.deployments)) if view.deployments else None
    supported = _support_bands(fig, deployments, periods, size)
    # A wrapped support label takes one more line above the plot.
    supported_lines = max((a.text.count("<br>") for a in fig.layout.annotations
                           if str(a.text).startswith("▼ Support")), default=0)

    title = wrap_words(_title(measure, view.subgroup), _TITLE_WIDTH[bool(large)])
    extra_lines = title.count("<br>")
    # Each extra title or support line makes the figure taller, so the plot keeps its height.
    added = extra_lines * round(size["title"] * 1.6) + (size["small"] + 4) * supported_lines
    height = size["height"] + added
    _layout(fig, title, f"<b>{style.status_badge_text(status)}</b>", height=height)
    # Plotly anchors a many-line title's top half a line per extra line too high: lowered so.
    title_y = 1 - (height * 0.015 + extra_lines * size["title"] * 0.65) / height
    fig.update_layout(
        title={"font": {"size": size["title"]}, "y": title_y, "yanchor": "top",
               "subtitle": {"font": {"size": size["badge"]}}},
        legend={"font": {"size": size["legend"]}, "y": 0.0, "entrywidthmode": "pixels",
                "itemwidth": 30, "tracegroupgap": 0},
        # Room above for the title, the badge and the support label; below for the two-line
        # half-term labels and a compact legend.
        margin={"l": 70 if not large else 95, "r": 20, "t": (100 if supported else 80)
                + (30 if large else 0) + added,
                "b": 130 if not large else 175},
    )
    _period_axis(fig, periods, tickfont={"size": size["tick"]})
    fig.update_yaxes(title={"text": _y_title(measure), "font": {"size": size["tick"]}},
                     ticksuffix="%" if unit == "%" else "", tickfont={"size": size["tick"]},
                     gridcolor=style.GRID_COLOUR, zeroline=unit == "pp")
    if y_range is not None:
        suffix = "%" if unit == "%" else ""
        fig.update_yaxes(range=y_range, tickmode="array", tickvals=ticks, autorange=False,
                         ticktext=[f"{formats.number(t)}{suffix}" for t in ticks])
    return fig


def _part_close_labels(fig: go.Figure, y_range: list[float]) -> None:
    """When the target and the latest actual sit close in value, label the higher one above
    and the lower one below: on a phone their periods are ~25 px apart and the labels (or the
    large status marker) would overlap. Decided in values, so it holds at any width."""
    by_name = {t.name: t for t in fig.data}
    actual, target = by_name.get("Actual"), by_name.get("Target")
    if actual is None or target is None or not actual.y or not target.y:
        return
    latest, goal = float(actual.y[-1]), float(target.y[0])
    if abs(goal - latest) > 0.15 * (y_range[1] - y_range[0]):
        return
    if goal >= latest:
        target.textposition = "top left"
        actual.textposition = [*list(actual.textposition)[:-1], "bottom center"]
    else:  # the actual's label is already above its point
        target.textposition = "bottom left"


def _sorted_periods(frame: pd.DataFrame | None, columns: list[str]) -> pd.DataFrame:
    """A frame's given columns, periods canonical, unreadable periods dropped, in period order."""
    if frame is None or frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    out = frame.reindex(columns=columns).copy()
    out["period"] = _canonical(out["period"])
    out = out[out["period"].notna()]
    out = out.assign(_order=period_indexes(out["period"])).sort_values("_order")
    return out.drop(columns="_order").reset_index(drop=True)


def _national_line(
    national: object, periods: list[str], unit: str
) -> tuple[str, list[str], list[float]] | None:
    """The national reference as (legend name, periods, values), or None when there is none.

    A single figure runs the width of the chart; figures by academic year are drawn in the
    half terms of their year, and the legend names the latest year shown.
    """
    if national is None:
        return None
    if isinstance(national, tuple | numbers.Real):
        label, value = national if isinstance(national, tuple) else ("National", national)
        if value is None or pd.isna(value):
            return None
        return (_legend_name(f"{label}: {_fmt(float(value), unit)}"), periods,
                [float(value)] * len(periods))
    if isinstance(national, pd.Series):
        national = pd.DataFrame({"academic_year": national.index.astype(str),
                                 "value": national.to_numpy()})
    if not isinstance(national, pd.DataFrame) or national.empty:
        return None
    by_year = {str(y): float(v) for y, v in zip(national["academic_year"], national["value"],
                                                strict=True) if not pd.isna(v)}
    approximate = set()
    if "approximate" in national:
        approximate = {str(y) for y, a in zip(national["academic_year"], national["approximate"],
                                              strict=True) if a is True}
    xs = [p for p in periods if p.split(" ")[0] in by_year]
    if not xs:
        return None
    ys = [by_year[p.split(" ")[0]] for p in xs]
    year = xs[-1].split(" ")[0]
    note = " (approximate)" if year in approximate else ""
    return _legend_name(f"National {year}{note}: {_fmt(by_year[year], unit)}"), xs, ys


# Plotly lays a legend that will not fit on one row out in columns as wide as its widest entry:
# one long name would put every entry on a row of its own and take the plot's height.
_LEGEND_NAME_WIDTH = 26


def _legend_name(name: str) -> str:
    return wrap_words(name, _LEGEND_NAME_WIDTH)


def _actual_hover(period: str, value: float, cohort: object, unit: str) -> str:
    """'2024/25 Spring 2: 64% (cohort 28 pupils)'."""
    if cohort is None or pd.isna(cohort):
        return f"{period}: {_fmt(value, unit)}"
    return f"{period}: {_fmt(value, unit)} (cohort {int(cohort)} pupils)"


_VISITS_NAME = "Leader visits per half term"


def _support_bands(
    fig: go.Figure, deployments: pd.DataFrame | None, periods: list[str], size: Mapping
) -> bool:
    """Shade the half terms with support; one small label per run, above the plot, off the data.

    Overlapping deployments (a team of leaders) share one band and one label ('Support:
    4 leaders'); the label's hover names each leader and their dates. True when any is drawn.
    """
    if deployments is None or deployments.empty:
        return False
    first, last = period_index(periods[0]), period_index(periods[-1])
    leaders_at: dict[int, list[str]] = {}
    details: dict[str, str] = {}
    leader_names: dict[str, str] = {}  # name with role -> name alone, for the label
    for _, dep in deployments.iterrows():
        start, end = _to_date(dep.get("start_date")), _to_date(dep.get("end_date"))
        if start is None:
            continue
        lo = period_index(period_of_date(start))
        hi = period_index(period_of_date(end)) if end else last  # still running
        lo, hi = max(lo, first), min(hi, last)
        if lo > hi:
            continue  # outside the chart's span
        # The role spelled out (issue 13): 'Helen Marsh (national leader of education)'.
        name = leader_with_role(_get(dep, "leader_name", "Leader"), _get(dep, "leader_role"))
        leader_names.setdefault(name, str(_get(dep, "leader_name", "Leader")))
        until = end.strftime(style.DATE_FORMAT) if end else "now"
        details.setdefault(name, f"{name}: {start.strftime(style.DATE_FORMAT)} to {until}")
        for index in range(lo, hi + 1):
            leaders_at.setdefault(index - first, []).append(name)
    # Runs of consecutive supported half terms, each drawn once.
    runs: list[list[int]] = []
    for position in sorted(leaders_at):
        if runs and runs[-1][-1] == position - 1:
            runs[-1].append(position)
        else:
            runs.append([position])
    for number, run in enumerate(runs):
        names = list(dict.fromkeys(n for p in run for n in leaders_at[p]))
        # The leader's name only: the role and dates are in the hover and the chart's table,
        # and the label must fit above a phone-width plot.
        leader = leader_names[names[0]]
        label = f"Support: {leader}" if len(names) == 1 else f"Support: {len(names)} leaders"
        x0, x1 = run[0] - 0.5, run[-1] + 0.5
        fig.add_shape(
            type="rect", x0=x0, x1=x1, xref="x", y0=0, y1=1, yref="paper", layer="below",
            fillcolor=_SUPPORT_FILL, opacity=0.3, line={"width": 0},
            name="Support (shaded)", showlegend=number == 0,
        )
        # Just above the plot area: never over a value. Anchored to whichever end has room: a
        # run that reaches the axis end has its label end there, else a phone clips the name.
        right = run[0] > len(periods) / 2 or run[-1] == len(periods) - 1
        fig.add_annotation(
            x=x1 if right else x0, y=1, xref="x", yref="paper", yanchor="bottom",
            xanchor="right" if right else "left", text=wrap_words(f"▼ {label}", _SUPPORT_WIDTH),
            showarrow=False,
            font={"size": size["small"], "color": style.TEXT_COLOUR},
            hovertext="<br>".join(details[n] for n in names),
        )
    return bool(runs)


def _visit_marks(
    fig: go.Figure, visits: pd.DataFrame | None, periods: list[str], size: Mapping
) -> bool:
    """Leader visits per half term as small counts along the axis floor, below every value.

    The marks' y is set by the caller to the axis floor, once the range is known.
    """
    if visits is None or visits.empty or "visit_date" not in visits:
        return False
    dates = visits["visit_date"].map(_to_date).dropna()
    if dates.empty:
        return False
    in_period = dates.map(period_of_date)
    counts = in_period[in_period.isin(periods)].value_counts()
    shown = [p for p in periods if p in counts.index]
    if not shown:
        return False
    hover = []
    for period in shown:
        days = sorted(d for d, p in zip(dates, in_period, strict=True) if p == period)
        hover.append(f"{period}: {len(days)} visit(s) on "
                     + ", ".join(d.strftime(style.DATE_FORMAT) for d in days))
    fig.add_trace(go.Scatter(
        x=shown, y=[0.0] * len(shown), mode="markers+text", name=_VISITS_NAME,
        marker={"symbol": "line-ns-open", "size": size["small"], "color": "#444444",
                "line": {"width": 2, "color": "#444444"}},
        text=[str(int(counts[p])) for p in shown], textposition="top center", cliponaxis=False,
        textfont={"size": size["small"], "color": "#444444"}, hovertext=hover, hoverinfo="text",
    ))
    return True


# ----------------------------------------------------------------------------- subgroups


def subgroup_chart(
    measures: pd.DataFrame,
    urn: str,
    measure: str,
    small_cohort: int | None = None,
    pair: str = "disadvantaged",
) -> go.Figure:
    """Two groups of one school over time with the gap between them annotated.

    measures: urn, period, measure, subgroup, value, cohort. pair: 'disadvantaged'
    (Disadvantaged vs Not disadvantaged) or 'send' (SEND vs No SEND).
    """
    focus, other = SUBGROUP_PAIRS[pair]
    unit = _unit(measure)
    fig = go.Figure()
    groups = "pupils with and without SEND" if pair == "send" else "disadvantaged and other pupils"
    title = f"{measure_label(measure)}: {groups}"
    rows = measures[(measures["urn"].astype(str) == str(urn)) & (measures["measure"] == measure)
                    & measures["subgroup"].isin([focus, other])] if not measures.empty else measures
    rows = _sorted_periods(rows, ["period", "subgroup", "value", "cohort"]) if not rows.empty \
        else rows
    if rows.empty:
        _layout(fig, title)
        return _message(fig, f"No figures yet for {groups}.")

    periods = [format_period(i) for i in range(period_index(rows["period"].iloc[0]),
                                                period_index(rows["period"].iloc[-1]) + 1)]
    hidden = rows["cohort"].map(lambda c: disclosure.is_hidden(c, small_cohort)).astype(bool)
    styles = {
        focus: {"color": style.OKABE_ITO["blue"], "dash": "solid", "symbol": "diamond"},
        other: {"color": "#555555", "dash": "dash", "symbol": "circle-open"},
    }
    visible: dict[str, dict[str, float]] = {}
    for group in (focus, other):
        mine = rows[(rows["subgroup"] == group) & ~hidden]
        values = list(mine["value"].astype(float))
        visible[group] = dict(zip(mine["period"], values, strict=True))
        look = styles[group]
        fig.add_trace(go.Scatter(
            x=list(mine["period"]), y=values, mode="lines+markers+text", name=group,
            line={"color": look["color"], "width": 4, "dash": look["dash"]},
            marker={"symbol": look["symbol"], "size": 13, "color": look["color"],
                    "line": {"width": 2, "color": look["color"]}},
            text=[_fmt(v, unit) for v in values],
            textposition="top center" if group == other else "bottom center",
            hovertext=[_actual_hover(p, v, c, unit) for p, v, c in
                       zip(mine["period"], values, mine["cohort"], strict=True)],
            hoverinfo="text",
        ))

    if small_cohort is not None:
        for period in sorted(set(rows.loc[hidden, "period"]), key=period_index):
            _hidden_note(fig, period, disclosure.hidden_words(small_cohort))

    # Gaps only where both figures are shown: a gap from a hidden figure would give it away.
    both = [p for p in periods if p in visible[focus] and p in visible[other]]
    subtitle = None
    if both:
        latest = both[-1]
        gap = visible[other][latest] - visible[focus][latest]
        low, high = sorted((visible[focus][latest], visible[other][latest]))
        fig.add_shape(type="line", x0=latest, x1=latest, y0=low, y1=high, xref="x", yref="y",
                      line={"color": style.TEXT_COLOUR, "width": 2, "dash": "dot"})
        fig.add_annotation(
            x=latest, y=(low + high) / 2, xref="x", yref="y", xanchor="left", xshift=12,
            text=f"Gap {_fmt(abs(gap), 'pp')}", showarrow=False,
            font={"size": style.BASE_FONT_SIZE}, bgcolor="white",
        )
        subtitle = _gap_words(focus, other, both, visible)
    _layout(fig, title, subtitle)
    _period_axis(fig, periods, title={"text": "Half term"})
    shown = [v for group in visible.values() for v in group.values()]
    if shown and max(shown) - min(shown) < 10:
        # At least 10 points of axis: a 0.4-point wobble must not look like a collapse.
        middle = (max(shown) + min(shown)) / 2
        shown += [middle - 5, middle + 5]
    # Headroom for value labels, and a strip below for the "fewer than 5 pupils" notes.
    y_range, ticks = _value_axis(shown, unit, strip=bool(hidden.any())) if shown else (None, None)
    suffix = "%" if unit == "%" else ""
    fig.update_yaxes(title={"text": _y_title(measure)}, gridcolor=style.GRID_COLOUR,
                     range=y_range, tickmode="array" if ticks else None, tickvals=ticks,
                     ticktext=[f"{formats.number(t)}{suffix}" for t in ticks] if ticks else None)
    # Name the line even when the other group is hidden; room on the right for the gap label.
    fig.update_layout(showlegend=True, margin={"r": 110})
    if hidden.any():
        for note in fig.layout.annotations:
            if note.text == disclosure.hidden_words(small_cohort):
                note.update(y=0.02)  # in the strip below every plotted value
    return fig


def _gap_words(focus: str, other: str, both: list[str], visible: dict) -> str:
    """'Gap in 2024/25 Spring 2: 12 pp (Disadvantaged below Not disadvantaged); was 18 pp ...'."""
    def gap_at(period: str) -> float:
        return visible[other][period] - visible[focus][period]

    latest = both[-1]
    gap = gap_at(latest)
    side = "below" if gap > 0 else "above" if gap < 0 else "level with"
    words = f"Gap in {latest}: {_fmt(abs(gap), 'pp')} ({focus} {side} {other})"
    if len(both) > 1:
        first = both[0]
        change = abs(gap) - abs(gap_at(first))
        trend = "narrower" if change < 0 else "wider" if change > 0 else "unchanged"
        words += f"; {_fmt(abs(gap_at(first)), 'pp')} in {first}, so {trend}"
    return words


# ----------------------------------------------------------------------------- inspections


def _old_grade(judgement: str) -> tuple[str, str] | None:
    """An old-scale judgement -> (level on the axis, words to show); None when not old-scale."""
    text = str(judgement).strip().lower()
    if "special measures" in text:
        return "Inadequate", "Inadequate (special measures)"
    if "serious weakness" in text:
        return "Inadequate", "Inadequate (serious weaknesses)"
    for level in OLD_SCALE:
        if level.lower() in text:
            return level, level
    return None


def inspection_journey(inspections: pd.DataFrame) -> go.Figure:
    """One school's inspections: old-scale judgements as steps over time, report cards as a grid.

    inspections: urn, inspection_date, area, judgement. Rows with area 'Overall' are the old
    four-point scale; any other area is a report-card grade (from November 2025), never
    converted into the old scale.
    """
    title = "Inspection journey"
    if inspections is None or inspections.empty:
        fig = go.Figure()
        _layout(fig, title, height=360)
        return _message(fig, "No inspections recorded for this school.")
    frame = plotly_frame(inspections)  # areas and judgements are uploaded text
    frame["date"] = frame["inspection_date"].map(_to_date)
    frame = frame[frame["date"].notna()].sort_values("date")
    overall = frame["area"].astype(str).str.strip().str.lower() == "overall"
    old, cards = frame[overall], frame[~overall]

    parts = (["old"] if not old.empty else []) + (["cards"] if not cards.empty else [])
    if not parts:
        fig = go.Figure()
        _layout(fig, title, height=360)
        return _message(fig, "No inspections with readable dates.")
    titles = {
        "old": "Overall effectiveness (four-point scale, before November 2025)",
        "cards": "Report card grades by area (from November 2025; not comparable with the "
                 "four-point scale)",
    }
    n_areas = cards["area"].nunique() if not cards.empty else 0
    heights = {"old": 360, "cards": 110 + 42 * n_areas}
    specs = [[{"type": "xy"}] for _ in parts]
    fig = make_subplots(
        rows=len(parts), cols=1, specs=specs, subplot_titles=[titles[p] for p in parts],
        row_heights=[heights[p] for p in parts], vertical_spacing=0.18 if len(parts) > 1 else 0.1,
    )
    row = 1
    if "old" in parts:
        _old_scale_trace(fig, old, row)
        row += 1
    if "cards" in parts:
        _report_card_grid(fig, cards, row)
    fig.update_annotations(font={"size": style.BASE_FONT_SIZE})  # the subplot titles
    _layout(fig, title, height=sum(heights[p] for p in parts) + 200)
    fig.update_layout(margin={"l": 320})  # report-card area names are long
    return fig


def _edge_positions(n: int) -> list[str]:
    """Label positions that keep the first and last labels inside the plot (long words)."""
    if n == 1:
        return ["top center"]
    return ["top right"] + ["top center"] * (n - 2) + ["top left"]


def _old_scale_trace(fig: go.Figure, old: pd.DataFrame, row: int) -> None:
    """The four-point judgements as a step line over dates, words beside every point."""
    graded = [(d, _old_grade(j), j) for d, j in zip(old["date"], old["judgement"], strict=True)]
    known = [(d, g) for d, g, _ in graded if g is not None]
    unknown = [f"{j} ({d.strftime(style.DATE_FORMAT)})" for d, g, j in graded if g is None]
    if known:
        dates = [d for d, _ in known]
        fig.add_trace(go.Scatter(
            x=dates, y=[g[0] for _, g in known], mode="lines+markers+text", line_shape="hv",
            name="Overall judgement", line={"color": "#444444", "width": 3},
            marker={"symbol": [_OLD_SYMBOLS[g[0]] for _, g in known], "size": 18,
                    "color": style.OKABE_ITO["blue"], "line": {"width": 2, "color": "#222222"}},
            text=[g[1] for _, g in known], textposition=_edge_positions(len(known)),
            hovertext=[f"{d.strftime(style.DATE_FORMAT)}: {g[1]}" for d, g in known],
            hoverinfo="text", showlegend=False,
        ), row=row, col=1)
        pad = dt.timedelta(days=120)
        fig.update_xaxes(type="date", tickformat=style.AXIS_DATE_FORMAT,
                         range=[min(dates) - pad, max(dates) + pad],
                         title={"text": "Inspection date"}, row=row, col=1)
    if unknown:
        fig.add_annotation(
            text="Not on the four-point scale, not drawn: " + "; ".join(unknown),
            x=0, y=-0.05, xref="x domain" if row == 1 else f"x{row} domain",
            yref="y domain" if row == 1 else f"y{row} domain", showarrow=False,
            xanchor="left", yanchor="top", font={"size": style.SMALL_FONT_SIZE},
        )
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=OLD_SCALE,
                     range=[-0.5, len(OLD_SCALE) - 0.3], row=row, col=1)


def _report_card_grid(fig: go.Figure, cards: pd.DataFrame, row: int) -> None:
    """Report cards as a grid: one column per inspection date, one row per area, grade in words."""
    cards = cards.assign(when=cards["date"].map(lambda d: d.strftime(style.DATE_FORMAT)))
    columns = list(dict.fromkeys(cards["when"]))  # already in date order
    present = list(dict.fromkeys(cards["area"].astype(str)))
    areas = [a for a in REPORT_CARD_AREAS if a in present] + \
        sorted(a for a in present if a not in REPORT_CARD_AREAS)
    grades = cards["judgement"].astype(str)
    fig.add_trace(go.Scatter(
        x=list(cards["when"]), y=list(cards["area"].astype(str)), mode="markers+text",
        name="Report card grade", showlegend=False,
        marker={"symbol": [_GRADE_STYLE.get(g, ("circle-open", ""))[0] for g in grades],
                "color": [_GRADE_STYLE.get(g, ("", style.OKABE_ITO["grey"]))[1] for g in grades],
                "size": 18, "line": {"width": 1, "color": "#222222"}},
        text=list(grades), textposition="middle right",
        hovertext=[f"{w} {a}: {g}" for w, a, g in
                   zip(cards["when"], cards["area"], grades, strict=True)],
        hoverinfo="text",
    ), row=row, col=1)
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=columns,
                     range=[-0.3, len(columns) - 0.1], title={"text": "Report card date"},
                     row=row, col=1)
    # Areas read top to bottom in the order Ofsted lists them.
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=areas[::-1],
                     row=row, col=1)


# ----------------------------------------------------------------------------- portfolio


def status_strip(progress_counts: pd.DataFrame) -> go.Figure:
    """Per school a stacked bar of its targets by status, counts written in, exceptions first.

    progress_counts: school_name (or urn / client_urn) plus one count column per status.
    """
    fig = go.Figure()
    progress_counts = plotly_frame(progress_counts)  # school names are uploaded text
    label_column = next((c for c in ("school_name", "urn", "client_urn")
                         if c in getattr(progress_counts, "columns", [])), None)
    if progress_counts is None or progress_counts.empty or label_column is None:
        _layout(fig, "Targets by status", height=300)
        return _message(fig, "No targets to show yet.")
    table = progress_counts.copy()
    for status in style.STATUS_ORDER:
        table[status] = pd.to_numeric(table.get(status, 0), errors="coerce")
        table[status] = table[status].fillna(0).astype(int)
    # Exceptions first; a stable sort keeps the caller's order among equals.
    table = table.sort_values(["Off track", "Missed", "At risk"], ascending=False, kind="stable")
    labels = list(table[label_column].astype(str))
    for status in style.STATUS_ORDER:
        counts = list(table[status])
        fig.add_trace(go.Bar(
            y=labels, x=counts, orientation="h", name=style.status_badge_text(status),
            marker={"color": style.STATUS_COLOURS[status],
                    "line": {"color": style.GRAPHIC_OUTLINE, "width": 1},
                    "pattern": {"shape": style.STATUS_PATTERNS[status], "fgcolor": "#333333",
                                "solidity": 0.15}},
            text=[str(c) if c else "" for c in counts], textposition="inside",
            insidetextanchor="middle", textfont={"size": style.BASE_FONT_SIZE, "color": "black"},
            hovertext=[f"{s}: {c} target(s) {status.lower()}" for s, c in
                       zip(labels, counts, strict=True)],
            hoverinfo="text",
        ))
    _layout(fig, "Targets by status, exceptions first", height=220 + 46 * len(labels))
    fig.update_layout(barmode="stack", bargap=0.25, margin={"l": 260})
    fig.update_xaxes(title={"text": "Number of targets"}, dtick=1 if table[style.STATUS_ORDER]
                     .sum(axis=1).max() <= 12 else None, gridcolor=style.GRID_COLOUR)
    # The first school (most exceptions) at the top.
    fig.update_yaxes(autorange="reversed", type="category")
    return fig


def _deployment_label(dep: Mapping) -> str:
    """'A. Khan (national leader of education), D001' for a deployment row."""
    name = leader_with_role(_get(dep, "leader_name", "Leader"), _get(dep, "leader_role"))
    return f"{name}, {_get(dep, 'deployment_id', '')}"


def days_chart(deployment_summary: pd.DataFrame) -> go.Figure:
    """Days delivered (on focus and off focus) against days committed, per deployment.

    deployment_summary: deployment_id, leader_name, leader_role, days_committed,
    days_delivered, utilisation, creep_days, creep_share, creep_flag.
    """
    fig = go.Figure()
    title = "Days delivered against days committed"
    if deployment_summary is None or deployment_summary.empty:
        _layout(fig, title, height=300)
        return _message(fig, "No deployments to show yet.")
    table = plotly_frame(deployment_summary).reset_index(drop=True)  # names are uploaded text
    labels = [_deployment_label(r) for _, r in table.iterrows()]
    committed = [float(v) for v in pd.to_numeric(table["days_committed"]).fillna(0)]
    delivered = [float(v) for v in pd.to_numeric(table["days_delivered"]).fillna(0)]
    creep = [float(v) for v in pd.to_numeric(table.get("creep_days", 0)).fillna(0)]
    on_focus = [d - c for d, c in zip(delivered, creep, strict=True)]
    shares = [c / d if d else 0.0 for c, d in zip(creep, delivered, strict=True)]
    flags = list(table["creep_flag"].fillna(False).astype(bool)) if "creep_flag" in table \
        else [False] * len(table)

    delivered_words = [f"{d:g} delivered ({d / c:.0%})" if c else f"{d:g} delivered"
                       for d, c in zip(delivered, committed, strict=True)]
    creep_words = [(f"{s:.0%} off focus" + (" ⚑ flagged" if f else "")) if c else ""
                   for c, s, f in zip(creep, shares, flags, strict=True)]
    # Every label sits outside its bar at a fixed readable size: text inside a short bar would
    # shrink until no one can read it. The delivered words go at the end of the whole delivered
    # bar, so with creep they lead the creep words rather than sitting on the creep segment.
    label_font = {"size": style.SMALL_FONT_SIZE + 1, "color": style.TEXT_COLOUR}
    fig.add_trace(go.Bar(
        y=labels, x=committed, orientation="h", name="Days committed", offsetgroup="committed",
        marker={"color": "white", "line": {"color": "#333333", "width": 2}},
        text=[f"{c:g} committed" for c in committed], textposition="outside",
        textfont=label_font, cliponaxis=False,
        hovertext=[f"{lab}: {c:g} days committed" for lab, c in
                   zip(labels, committed, strict=True)],
        hoverinfo="text",
    ))
    fig.add_trace(go.Bar(
        y=labels, x=on_focus, orientation="h", name="Days on the agreed focus",
        offsetgroup="delivered", marker={"color": style.OKABE_ITO["blue"]},
        text=[w if not c else "" for w, c in zip(delivered_words, creep, strict=True)],
        textposition="outside", textfont=label_font, cliponaxis=False,
        hovertext=[f"{lab}: {o:g} days on the agreed focus" for lab, o in
                   zip(labels, on_focus, strict=True)],
        hoverinfo="text",
    ))
    # Creep sits on the end of the delivered bar (base = on-focus days), hatched for print.
    fig.add_trace(go.Bar(
        y=labels, x=creep, base=on_focus, orientation="h", name="Days off the agreed focus (creep)",
        offsetgroup="delivered",
        marker={"color": style.OKABE_ITO["vermillion"],
                "pattern": {"shape": "x", "fgcolor": "white", "solidity": 0.3}},
        text=[f"{d} · <b>{w}</b>" if f else f"{d} · {w}" if w else ""
              for d, w, f in zip(delivered_words, creep_words, flags, strict=True)],
        textposition="outside", textfont=label_font, cliponaxis=False,
        hovertext=[f"{lab}: {c:g} days off focus ({s:.0%} of days delivered)" for lab, c, s in
                   zip(labels, creep, shares, strict=True)],
        hoverinfo="text",
    ))
    _layout(fig, title, "Creep: days spent outside the deployment's agreed focus areas",
            height=240 + 70 * len(labels))
    widest = max(committed + delivered + [1.0])
    fig.update_layout(barmode="group", bargap=0.3, margin={"l": 250, "b": 120},
                      uniformtext={"minsize": 14, "mode": "show"})
    # The role spelled out makes a label long: name and deployment on one line, the role under
    # it, so the bars keep their room (on a phone too). The categories stay one line of words.
    fig.update_yaxes(tickvals=labels, ticktext=[
        f"{_get(r, 'leader_name', 'Leader')}, {_get(r, 'deployment_id', '')}"
        + (f"<br>{role_words(_get(r, 'leader_role'))}" if role_words(_get(r, "leader_role"))
           else "") for _, r in table.iterrows()])
    # Room to the right of the longest bar for its words.
    fig.update_xaxes(title={"text": "Days"}, gridcolor=style.GRID_COLOUR,
                     range=[0, widest * 1.6], tickfont={"size": style.SMALL_FONT_SIZE})
    fig.update_yaxes(autorange="reversed", type="category",
                     tickfont={"size": style.SMALL_FONT_SIZE})
    return fig


def progress_ratings_chart(visits: pd.DataFrame, labels: Mapping[str, str] | None = None
                           ) -> go.Figure:
    """Leaders' Green/Amber/Red ratings per visit, one row per deployment, shape and word each.

    visits: deployment_id, visit_date, progress[, leader_name]. labels: optional
    deployment_id -> row label (default 'leader_name (deployment_id)', else the id).
    """
    fig = go.Figure()
    title = "Leaders' progress ratings at each visit"
    if visits is None or visits.empty:
        _layout(fig, title, height=300)
        return _message(fig, "No visit records yet.")
    frame = plotly_frame(visits)  # leader names, ids and ratings are uploaded text
    frame = frame.assign(date=frame["visit_date"].map(_to_date))
    frame = frame[frame["date"].notna()].sort_values(["deployment_id", "date"])
    labels = {literal_plotly(k): literal_plotly(v) for k, v in (labels or {}).items()}
    if "leader_name" in frame:
        # The leader's name reads better than an id; the id keeps two deployments apart.
        for dep_id, leader in zip(frame["deployment_id"], frame["leader_name"], strict=True):
            if not pd.isna(leader):
                labels.setdefault(dep_id, f"{leader} ({dep_id})")
    frame = frame.assign(row=frame["deployment_id"].map(lambda d: labels.get(d, str(d))))
    rows = list(dict.fromkeys(frame["row"]))
    ratings = frame["progress"].astype(str).str.strip().str.capitalize()
    # Words beside each marker only while they fit; with many visits the shapes and legend carry it.
    labelled = frame.groupby("row").size().max() <= 6
    for rating in ["Green", "Amber", "Red"]:
        mine = frame[ratings == rating]
        if mine.empty:
            continue
        fig.add_trace(go.Scatter(
            x=list(mine["date"]), y=list(mine["row"]), mode="markers+text" if labelled else "markers",
            name=style.rating_badge_text(rating),
            marker={"symbol": style.RATING_SYMBOLS[rating], "size": 20 if labelled else 14,
                    "color": style.RATING_COLOURS[rating],
                    "line": {"width": 2, "color": "#222222"}},
            text=[rating] * len(mine), textposition="top center",
            textfont={"size": style.SMALL_FONT_SIZE},
            hovertext=[f"{d.strftime(style.DATE_FORMAT)}: {rating}" for d in mine["date"]],
            hoverinfo="text",
        ))
    unrated = frame[~ratings.isin(["Green", "Amber", "Red"])]
    if not unrated.empty:
        fig.add_trace(go.Scatter(
            x=list(unrated["date"]), y=list(unrated["row"]), mode="markers",
            name="○ No rating", marker={"symbol": "circle-open", "size": 16, "color": "#555555"},
            hovertext=[f"{d.strftime(style.DATE_FORMAT)}: no rating" for d in unrated["date"]],
            hoverinfo="text",
        ))
    _layout(fig, title, height=240 + 70 * len(rows))
    fig.update_layout(margin={"l": 300})
    fig.update_xaxes(type="date", tickformat=style.AXIS_DATE_FORMAT,
                     title={"text": "Visit date"}, gridcolor=style.GRID_COLOUR)
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=rows[::-1],
                     title={"text": "Deployment"})
    return fig
