"""The pack's plain-words additions (issue 13): national lines and their sources, the glossary.

Kept apart from analysis/pack.py so the pack's layout can change without touching these; pack.py
calls them from small hooks.
"""

from __future__ import annotations

import pandas as pd
from fpdf.enums import XPos, YPos

from analysis.national import national_points
from analysis.periods import period_index, period_range
from analysis.plain_words import GLOSSARY


def _phase(facts, urn: str) -> str | None:
    schools = facts.dataset.schools
    match = schools.loc[schools["urn"] == urn, "phase"]
    return None if match.empty else str(match.iloc[0])


def pack_national(target: pd.Series, facts) -> tuple[list[tuple[str, float]], str]:
    """A pack targets-table row -> (national points across its chart's periods, sources)."""
    periods = [target["Baseline period"], target["Target period"]]
    if isinstance(target.get("Latest period"), str):
        periods.append(target["Latest period"])
    first, last = min(periods, key=period_index), max(periods, key=period_index)
    span = period_range(first, last)
    return national_points(target["_measure"], span, target["Subgroup"],
                           _phase(facts, target["URN"]))


def pack_target_notes(pdf, spec, target: pd.Series, facts) -> None:
    """Under a target's chart: where the national line comes from, or that there is none."""
    from analysis.pack import FONT

    pdf.set_font(FONT, "I", 7.5)
    if spec.national_source:
        text = (f"National line (England, for reference only: an end-of-year figure, not a "
                f"like-for-like comparison): {spec.national_source}.")
    else:
        text = "No national figure is published for this measure, so no national line is drawn."
    pdf.multi_cell(0, 3.8, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
    pdf.ln(2)


def pack_glossary(pdf) -> None:
    """The words a governor may meet in the pack, spelled out."""
    from analysis.pack import FONT

    if pdf.will_page_break(70):
        pdf.add_page()
    pdf.ln(2)
    pdf.heading("Words used in this pack", 12)
    for term, meaning in GLOSSARY:
        pdf.set_font(FONT, "B", 8.5)
        pdf.write(4.2, f"{term}: ")
        pdf.set_font(FONT, "", 8.5)
        pdf.write(4.2, meaning)
        pdf.ln(5)
