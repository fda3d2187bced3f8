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


def target_groups(targets: pd.DataFrame, facts) -> list[tuple[str, pd.DataFrame]]:
    """The pack's targets table -> [(report-card area heading, rows)], exceptions first within
    each; one group with no heading ('') when no target names an area."""
    from analysis.policy import group_by_area

    groups = group_by_area(targets.rename(columns={"Target": "target_id"}), facts.dataset.targets)
    out = [(area, g.rename(columns={"target_id": "Target"})) for area, g in groups]
    if len(out) == 1 and out[0][0] == "All targets":
        return [("", out[0][1])]
    return [(a if a.startswith("Not linked") else f"Report-card area: {a}", g) for a, g in out]


def pack_policy_lines(pdf, facts, urn: str) -> None:
    """Page one, under the answer: the RISE tier, a stuck school, and the inspection journey with
    each report card's grades and derived category beside the single-word judgements."""
    from analysis.pack import FONT, shorten
    from analysis.policy import inspection_journey_table, rise_words, stuck_sentence

    schools = facts.dataset.schools
    school = schools[schools["urn"] == urn]
    inspections = facts.dataset.inspections
    inspections = inspections[inspections["urn"] == urn]
    lines = [rise_words(school.iloc[0], facts.as_of) if not school.empty else "",
             stuck_sentence(inspections)]
    journey = inspection_journey_table(inspections)
    for line in [x for x in lines if x]:
        pdf.set_font(FONT, "B", 9.5)
        pdf.multi_cell(0, 4.8, shorten(line, 300), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if not journey.empty:
        pdf.set_font(FONT, "B", 9.5)
        pdf.multi_cell(0, 4.8, "Inspection journey (two scales, never converted):",
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FONT, "", 8.5)
        for sentence in journey["sentence"]:
            pdf.multi_cell(0, 4.2, shorten(sentence, 400), new_x=XPos.LMARGIN,
                           new_y=YPos.NEXT)
    pdf.ln(1)


def pack_since(pdf, since: tuple | None) -> bool:
    """The pack's opening page when a meeting date is given: what moved since then, in
    sentences. since = (meeting date, sentences from analysis.since). True when drawn."""
    from analysis.pack import FONT, shorten

    if not since:
        return False
    meeting, lines = since
    pdf.heading(f"Since our last meeting ({meeting:%d/%m/%Y})", 15)
    for i, line in enumerate(lines):
        pdf.set_font(FONT, "B" if i == 0 else "", 10 if i == 0 else 9.5)
        pdf.multi_cell(0, 5, shorten(("" if i == 0 else "• ") + line, 400), align="L",
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(0.8)
    return True
