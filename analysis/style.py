"""Shared look: status colours, marker shapes, badge words and fonts for charts, pages and the PDF.

Colours come from the Okabe-Ito palette, which stays distinguishable for the common kinds of
colour blindness. Colour is never the only signal: every status also has a shape (a plotly
marker symbol and a text glyph) and its words, so a black-and-white print still reads.
"""

from __future__ import annotations

from analysis.formats import AXIS_DATE_FORMAT, DATE_FORMAT  # noqa: F401  (UK dates; their home is formats.py)
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
# Page text beyond the body: captions and labels (7.0:1 on white, where Streamlit's grey is 3.88:1),
# and the keyboard focus ring (3:1 at least against white and the page's pale grey).
MUTED_TEXT_COLOUR = "#595959"
FOCUS_COLOUR = "#003F7F"
LINK_COLOUR = OKABE_ITO["blue"]  # .streamlit/config.toml primaryColor: links and primary buttons
PAGE_BACKGROUNDS = {"white": "#FFFFFF", "pale grey": "#F0F2F6"}  # Streamlit's light theme
# Several Okabe-Ito fills are paler than 3:1 against white (orange 2.2:1), so every status and
# rating shape is drawn with this outline (16:1) and its words: the fill is never the only edge.
GRAPHIC_OUTLINE = "#222222"



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


def relative_luminance(colour: str) -> float:
    """WCAG 2.2 relative luminance of '#RRGGBB' or 'rgb(r, g, b)' (0 black .. 1 white)."""
    text = colour.strip()
    if text.startswith("rgb"):
        channels = [int(float(c)) for c in text[text.index("(") + 1:text.index(")")].split(",")[:3]]
    else:
        text = text.lstrip("#")
        if len(text) == 3:  # '#fff'
            text = "".join(c * 2 for c in text)
        channels = [int(text[i:i + 2], 16) for i in (0, 2, 4)]

    def linear(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    """WCAG contrast ratio of two colours, 1 (none) .. 21 (black on white)."""
    light, dark = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)
