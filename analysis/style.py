"""Shared look: status colours, marker shapes, badge words and fonts for charts, pages and the PDF.

Colours come from the Okabe-Ito palette, which stays distinguishable for the common kinds of
colour blindness. Colour is never the only signal: every status also has a shape (a plotly
marker symbol and a text glyph) and its words, so a black-and-white print still reads.
"""

from __future__ import annotations

from analysis.schema import STATUS_ORDER  # noqa: F401  (re-exported: one order for every chart)

# The Okabe-Ito palette (Okabe & Ito 2008), by name.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "grey": "#999999",
}

STATUS_COLOURS = {
    "Off track": OKABE_ITO["vermillion"],
    "Missed": OKABE_ITO["reddish_purple"],
    "At risk": OKABE_ITO["orange"],
    "On track": OKABE_ITO["sky_blue"],
    "Achieved": OKABE_ITO["bluish_green"],
    "No data yet": OKABE_ITO["grey"],
}

# Plotly marker symbols: the shape tells the status apart when the colour cannot.
STATUS_SYMBOLS = {
    "Off track": "x",
    "Missed": "square-x",
    "At risk": "triangle-up",
    "On track": "circle",
    "Achieved": "star",
    "No data yet": "circle-open",
}

# The same shapes as text, for badges, table cells and legends (matches the printed pack).
STATUS_GLYPHS = {
    "Off track": "✖",
    "Missed": "■",
    "At risk": "▲",
    "On track": "●",
    "Achieved": "★",
    "No data yet": "○",
}

# Bar fill patterns, so stacked status bars still separate when printed in grey.
STATUS_PATTERNS = {
    "Off track": "x",
    "Missed": "/",
    "At risk": ".",
    "On track": "",
    "Achieved": "",
    "No data yet": "-",
}

# The leaders' own visit ratings reuse the status colours and shapes they resemble.
RATING_ORDER = ["Red", "Amber", "Green"]
RATING_COLOURS = {
    "Green": OKABE_ITO["bluish_green"],
    "Amber": OKABE_ITO["orange"],
    "Red": OKABE_ITO["vermillion"],
}
RATING_SYMBOLS = {"Green": "circle", "Amber": "triangle-up", "Red": "x"}
RATING_GLYPHS = {"Green": "●", "Amber": "▲", "Red": "✖"}

# Fonts sized for a projector at the back of a governors' meeting.
FONT_FAMILY = "Arial, Helvetica, sans-serif"
BASE_FONT_SIZE = 18
TITLE_FONT_SIZE = 24
SMALL_FONT_SIZE = 15
TEXT_COLOUR = "#222222"
GRID_COLOUR = "#DDDDDD"

# UK dates: day first.
DATE_FORMAT = "%d/%m/%Y"  # strftime and plotly d3 formats agree for these codes
AXIS_DATE_FORMAT = "%b %Y"


def status_badge_text(status: str) -> str:
    """'At risk' -> '▲ At risk'; an unknown status is returned as written."""
    glyph = STATUS_GLYPHS.get(status)
    return f"{glyph} {status}" if glyph else str(status)


def rating_badge_text(rating: str) -> str:
    """'Amber' -> '▲ Amber'; an unknown rating is returned as written."""
    glyph = RATING_GLYPHS.get(rating)
    return f"{glyph} {rating}" if glyph else str(rating)


def small_cohort_text(threshold: int) -> str:
    """The words shown in place of a hidden figure: 'fewer than 5 pupils'."""
    return f"fewer than {threshold} pupils"


_MARKDOWN_SPECIAL = set("\\`*_{}[]()#+-.!|<>~$:=&")


def as_text(text: object) -> str:
    """Typed or uploaded words made safe to show through Markdown: every character Markdown,
    HTML or Streamlit's colour and LaTeX syntax would act on is escaped, so it shows as written."""
    if text is None or (not isinstance(text, str) and text != text):
        return ""
    return "".join("\\" + c if c in _MARKDOWN_SPECIAL else c for c in str(text)).replace(
        "\n", "  \n")
