"""The palette's contrast ratios (WCAG 2.2: 1.4.3 text 4.5:1, 1.4.11 graphics and focus 3:1),
and statuses that keep their shape and words whatever the colour."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go
import pytest

from analysis import charts, style

BACKGROUNDS = list(style.PAGE_BACKGROUNDS.values())


def test_the_contrast_formula_matches_known_pairs():
    assert style.contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert style.contrast_ratio("#fff", "rgb(255, 255, 255)") == pytest.approx(1.0)
    # Streamlit's caption grey, measured by axe at 3.88:1: the reason captions are restyled.
    assert style.contrast_ratio("#828180", "#FFFFFF") == pytest.approx(3.88, abs=0.01)
    assert style.contrast_ratio("#767676", "#FFFFFF") == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize("background", BACKGROUNDS)
@pytest.mark.parametrize("name", ["TEXT_COLOUR", "MUTED_TEXT_COLOUR", "LINK_COLOUR"])
def test_text_colours_reach_4_5_to_1_on_every_page_background(name, background):
    assert style.contrast_ratio(getattr(style, name), background) >= 4.5


@pytest.mark.parametrize("background", BACKGROUNDS)
@pytest.mark.parametrize("name", ["FOCUS_COLOUR", "GRAPHIC_OUTLINE", "GRID_COLOUR"])
def test_focus_ring_and_outlines_reach_3_to_1(name, background):
    if name == "GRID_COLOUR":
        # Gridlines are decoration (values are written on the chart): they stay faint on purpose.
        assert style.contrast_ratio(style.GRID_COLOUR, background) < 3
        return
    assert style.contrast_ratio(getattr(style, name), background) >= 3


@pytest.mark.parametrize("status", style.STATUS_ORDER)
def test_each_status_fill_has_a_3_to_1_edge_and_readable_counts(status):
    fill = style.STATUS_COLOURS[status]
    edge = max(style.contrast_ratio(fill, "#FFFFFF"), style.contrast_ratio(style.GRAPHIC_OUTLINE,
                                                                           "#FFFFFF"))
    assert edge >= 3
    # The status strip writes counts in black inside each fill.
    assert style.contrast_ratio("#000000", fill) >= 4.5


def test_statuses_and_ratings_keep_distinct_shapes_and_words():
    for shapes in (style.STATUS_SYMBOLS, style.STATUS_GLYPHS, style.STATUS_PATTERNS):
        assert set(shapes) == set(style.STATUS_ORDER)
    assert len(set(style.STATUS_SYMBOLS.values())) == len(style.STATUS_ORDER)
    assert len(set(style.STATUS_GLYPHS.values())) == len(style.STATUS_ORDER)
    for status in style.STATUS_ORDER:
        assert style.status_badge_text(status) == f"{style.STATUS_GLYPHS[status]} {status}"
    assert len(set(style.RATING_SYMBOLS.values())) == len(style.RATING_ORDER)
    for rating in style.RATING_ORDER:
        assert style.rating_badge_text(rating).endswith(rating)


def pale_marks_without_an_edge(fig: go.Figure) -> list[str]:
    """Traces whose marker fill is below 3:1 on white and which have no 3:1 outline either."""
    found = []
    for t in fig.data:
        marker = getattr(t, "marker", None)
        if marker is None or marker.color is None:
            continue
        fills = marker.color if isinstance(marker.color, list | tuple) else [marker.color]
        line = marker.line
        edge_ok = (line is not None and isinstance(line.color, str) and (line.width or 0) >= 1
                   and style.contrast_ratio(line.color, "#FFFFFF") >= 3)
        for fill in fills:
            if isinstance(fill, str) and fill.startswith(("#", "rgb")) \
                    and style.contrast_ratio(fill, "#FFFFFF") < 3 and not edge_ok:
                found.append(f"{t.name}: {fill}")
    return found


def test_status_and_rating_charts_outline_every_pale_shape():
    counts = pd.DataFrame({
        "urn": ["1", "2"], "school_name": ["Ash", "Beech"], "Off track": [0, 2], "Missed": [0, 1],
        "At risk": [1, 1], "On track": [3, 1], "Achieved": [1, 0], "No data yet": [1, 1],
    })
    visits = pd.DataFrame({
        "deployment_id": ["D1", "D1", "D2"], "progress": ["Green", "Amber", "Red"],
        "visit_date": [dt.date(2024, 11, 2), dt.date(2024, 9, 20), dt.date(2024, 10, 1)],
    })
    strip = charts.status_strip(counts)
    assert pale_marks_without_an_edge(strip) == []
    assert {t.marker.line.color for t in strip.data} == {style.GRAPHIC_OUTLINE}
    assert pale_marks_without_an_edge(charts.progress_ratings_chart(visits)) == []
