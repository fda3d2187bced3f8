"""The governors' meeting pack: one school's (or the whole trust's) impact as an A4 PDF.

Governor-safe by construction: the PDF prints only the tables `analysis.pack_tables` makes and
the per-target views `analysis.governed` makes, both from governed facts, so no hidden figure
reaches it (see analysis/disclosure.py for the rule). Sustainability is
analysis/sustainability.py; the `pack` command is in analysis/__main__.py.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import matplotlib
import pandas as pd
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from analysis import governed
from analysis.pack_charts import chart_from_view, chart_png
from analysis.pack_tables import (  # noqa: F401 (re-exported: pack.pack_tables etc.)
    PackFacts,
    _client_urns,
    _days,
    _missing,
    _money,
    _school_names,
    _summary_table,
    _tables,
    _targets_table,
    hidden_text,
    pack_facts,
    pack_tables,
    printed,
)
from analysis.pack_words import (
    pack_glossary,
    pack_national,
    pack_policy_lines,
    pack_since,
    pack_target_notes,
    target_groups,
)
from analysis.periods import period_index, period_of_date, try_parse_period  # noqa: F401
from analysis.plain_words import (
    leader_with_role,
    ratings_words,
    subgroup_suffix,
    with_direction,
)
from analysis.progress import status_rules
from analysis.schema import Settings
from analysis.style import STATUS_COLOURS, STATUS_GLYPHS, STATUS_ORDER
from analysis.sustainability import sustainability  # noqa: F401 (re-exported)

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT = "DejaVu"
TOTAL_PAGES = "{total_pages}"  # the alias fpdf2 replaces with the page count

EXCEPTIONS = ["Off track", "Missed", "At risk"]


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))


STATUS_RGB = {status: _rgb(colour) for status, colour in STATUS_COLOURS.items()}


# ---- the PDF ----------------------------------------------------------------------------------

def shorten(text: str, limit: int) -> str:
    """Text cut to at most `limit` characters with an ellipsis, so no stored value (a 2,000-character
    school name, a 900-character focus list) can overflow a cell or a page."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# Longest text (characters) each kind of place in the pack prints before it is shortened.
TITLE_CHARS, LINE_CHARS, CELL_CHARS = 90, 200, 120

class PackPDF(FPDF):
    """A4 portrait with the school's name and the period on every page, and page numbers."""

    def __init__(self, period_label: str, hide: str):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.period_label, self.hide, self.running_title = period_label, hide, ""
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.add_font(FONT, "I", str(FONT_DIR / "DejaVuSans-Oblique.ttf"))
        self.set_margins(15, 18, 15)
        self.set_auto_page_break(True, margin=18)
        self.set_creator("School-to-school support impact")
        # The page total is written in when the pack is closed, into the width its alias holds:
        # "{nb}" holds three digits, and a trust's board pack can run past 999 pages.
        self.alias_nb_pages(TOTAL_PAGES, align="R")

    def header(self):
        self.set_font(FONT, "B", 9)
        self.set_text_color(40, 40, 40)
        self.set_xy(15, 8)
        self.cell(120, 5, self.fit(self.running_title, 118))
        self.set_font(FONT, "", 9)
        self.cell(0, 5, f"Governors' pack · {self.period_label}", align="R")
        self.set_draw_color(150, 150, 150)
        self.line(15, 14, 195, 14)
        self.set_xy(15, 18)
        self.set_text_color(0, 0, 0)

    def footer(self):
        self.set_y(-13)
        self.set_font(FONT, "", 7.5)
        self.set_text_color(80, 80, 80)
        self.cell(140, 5, "Governor-safe: no pupil-level data; figures for "
                  f"{self.hide} are not shown.")
        self.cell(0, 5, f"Page {self.page_no()} of {TOTAL_PAGES}", align="R")
        self.set_text_color(0, 0, 0)

    # small drawing helpers -------------------------------------------------------------------
    def fit(self, text: str, width: float) -> str:
        """Text shortened (with an ellipsis) until it fits `width` mm in the current font."""
        text = shorten(text, TITLE_CHARS)
        while len(text) > 1 and self.get_string_width(text) > width:
            text = shorten(text, len(text) - 1)
        return text

    def heading(self, text: str, size: float = 15):
        self.set_font(FONT, "B", size)
        self.multi_cell(0, size * 0.5, shorten(text, LINE_CHARS), new_x=XPos.LMARGIN,
                        new_y=YPos.NEXT, align="L")
        self.ln(1.5)

    def para(self, text: str, size: float = 10, style: str = ""):
        self.set_font(FONT, style, size)
        self.multi_cell(0, size * 0.5, shorten(text, LINE_CHARS * 2), new_x=XPos.LMARGIN,
                        new_y=YPos.NEXT, align="L")
        self.ln(1)

    def status_words(self, status: str, size: float = 10):
        """'▲ At risk' with the symbol in the status colour and the word in black."""
        self.set_font(FONT, "B", size)
        self.set_text_color(*STATUS_RGB.get(status, (0, 0, 0)))
        self.cell(self.get_string_width(STATUS_GLYPHS.get(status, "")) + 1.5, size * 0.5,
                  STATUS_GLYPHS.get(status, ""))
        self.set_text_color(0, 0, 0)
        self.cell(self.get_string_width(status) + 2, size * 0.5, status)
        self.set_font(FONT, "", size)


def _box(pdf: PackPDF, x: float, y: float, w: float, h: float, big: str, small: str,
         status: str | None = None):
    """A big-number tile: the number large, what it counts underneath (symbol + words)."""
    pdf.set_draw_color(120, 120, 120)
    pdf.set_fill_color(245, 245, 245)
    pdf.rect(x, y, w, h, style="DF")
    # Shrink the big text until it fits; a long report-card line wraps onto two lines instead.
    size = 18
    pdf.set_font(FONT, "B", size)
    while pdf.get_string_width(big) > w - 3 and size > 9:
        size -= 1
        pdf.set_font(FONT, "B", size)
    pdf.set_xy(x + 1, y + 2)
    big = shorten(big, CELL_CHARS // 4)
    if pdf.get_string_width(big) > w - 3:
        pdf.multi_cell(w - 2, 4.2, big, align="C", max_line_height=4.2)
    else:
        pdf.cell(w - 2, 9, big, align="C")
    pdf.set_xy(x + 1, y + 12)
    pdf.set_font(FONT, "", 8)
    if status:
        # Only the glyph is coloured: pale colours vanish in a grey print, black words do not.
        glyph = STATUS_GLYPHS[status] + " "
        width = pdf.get_string_width(glyph) + pdf.get_string_width(small)
        pdf.set_x(x + (w - width) / 2)
        pdf.set_text_color(*STATUS_RGB[status])
        pdf.cell(pdf.get_string_width(glyph), 3.6, glyph)
        pdf.set_text_color(0, 0, 0)
        pdf.cell(pdf.get_string_width(small), 3.6, small)
    else:
        pdf.multi_cell(w - 2, 3.6, small, align="C")


def _answer_lines(summary: pd.Series, targets: pd.DataFrame, sustain: pd.DataFrame) -> list[str]:
    """The page-one answer in words: working? on plan? cost? after the leaders leave?"""
    total = int(summary["Targets"])
    good = int(summary["Achieved"] + summary["On track"])
    attention = [f"{int(summary[s])} {s.lower()}" for s in EXCEPTIONS if summary[s]]
    if total == 0:
        working = "No targets are recorded for this school yet."
    else:
        working = f"{good} of {total} targets are achieved or on track"
        working += (f"; {', '.join(attention)}." if attention else
                    "; none is at risk, off track or missed.")
        if summary["No data yet"]:
            waiting = int(summary["No data yet"])
            working += (f" {waiting} {'has' if waiting == 1 else 'have'} no result since the "
                        "baseline yet.")
    committed, delivered = float(summary["Days committed"]), float(summary["Days delivered"])
    share = f" ({delivered / committed:.0%})" if committed else ""
    plan = f"{_days(delivered)} of {_days(committed)} committed days used{share}."
    cost = (f"{_money(summary['Spend to date (£)'])} spent of "
            f"{_money(summary['Funding (£)'])} funding (drawn as days are delivered).")
    met = int(summary["Achieved"])
    judged = sustain[sustain["Verdict"].str.startswith(("Gains held", "Fell back"))]
    held = int((judged["Verdict"] == "Gains held").sum())
    after = ("No target is met yet." if met == 0 else
             f"{met} target{'s' if met != 1 else ''} already met.")
    if not judged.empty:
        after += (f" Where support has ended, gains held for {held} of {len(judged)} "
                  "targets with results since.")
    inspection = summary["Latest inspection"]
    inspected = ("No inspection recorded." if pd.isna(inspection) else
                 f"{inspection} (inspected {summary['Inspection date']}).")
    return [
        f"Is the support working?  {working}",
        f"Is it on plan?  {plan}",
        f"What does it cost?  {cost}",
        f"When the leaders leave?  {after}",
        f"Latest inspection:  {inspected}",
    ]


def _school_front(pdf: PackPDF, summary: pd.Series, targets: pd.DataFrame,
                  sustain: pd.DataFrame):
    """Page one for a school: the answer in words, the big numbers, the exceptions first."""
    pdf.heading(f"{summary['School']}", 17)
    pdf.para(f"Impact of school-to-school support · URN {summary['URN']} · {summary['Phase']}"
             f" · position at {pdf.period_label}", 9)
    pdf.ln(1)
    y, w = pdf.get_y(), 180 / 6
    for i, status in enumerate(STATUS_ORDER):
        _box(pdf, 15 + i * w, y, w - 1.5, 22, str(int(summary[status])), status, status)
    y += 25
    committed = float(summary["Days committed"])
    used = float(summary["Days delivered"])
    _box(pdf, 15, y, 58.5, 22, f"{_days(used)} / {_days(committed)}", "days used of committed")
    _box(pdf, 75, y, 58.5, 22,
         f"{_money(summary['Spend to date (£)'])} / {_money(summary['Funding (£)'])}",
         "spend of funding")
    inspection = summary["Latest inspection"]
    if pd.isna(inspection):
        headline, detail = "–", "no inspection recorded"
    else:
        # A report card shows as "Report card" here; its grades are in the answer below.
        headline = str(inspection).partition(": ")[0]
        detail = f"latest inspection, {summary['Inspection date']}"
    _box(pdf, 135, y, 58.5, 22, headline, detail)
    pdf.set_xy(15, y + 26)
    pdf.heading("The answer", 12)
    for line in _answer_lines(summary, targets, sustain):
        question, _, answer = line.partition("  ")
        pdf.set_font(FONT, "B", 10)
        pdf.write(5, question + " ")
        pdf.set_font(FONT, "", 10)
        pdf.write(5, answer)
        pdf.ln(6.5)
    exceptions = targets[targets["Status"].isin(EXCEPTIONS)]
    pdf.ln(1)
    pdf.heading("Exceptions first: targets that need attention", 12)
    if exceptions.empty:
        pdf.para("None: every target with a result is achieved or on track.")
    for _, target in exceptions.iterrows():
        pdf.status_words(target["Status"])
        pdf.set_font(FONT, "B", 10)
        pdf.multi_cell(0, 5, shorten(f"{target['Target']}: {_measure_heading(target)}",
                                     LINE_CHARS),
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
        pdf.para(target["Sentence"], 9)


def _chart_spec(target: pd.Series, measures: pd.DataFrame, facts: PackFacts,
                deployments: pd.DataFrame | None = None):
    """A targets-table row -> its print chart's spec, drawn from the target's governed view
    (measures and deployments are accepted for older callers; the view carries both)."""
    row = facts.governed[facts.governed["target_id"] == target["Target"]].iloc[0]
    spec = chart_from_view(governed.target_view(row, facts.dataset, facts.settings))
    # The national line (published figures, England) and its source go on after the view.
    spec.national, spec.national_source = pack_national(target, facts)
    return spec


def _target_section(pdf: PackPDF, target: pd.Series, chart: bytes):
    """One target: heading, status with its rule, the numbers, the sentence, the chart."""
    if pdf.will_page_break(112):
        pdf.add_page()
    pdf.set_draw_color(180, 180, 180)
    pdf.line(15, pdf.get_y(), 195, pdf.get_y())
    pdf.ln(2)
    pdf.set_font(FONT, "B", 11.5)
    pdf.multi_cell(0, 5.5, shorten(f"{target['Target']} · {_measure_heading(target)}",
                                   LINE_CHARS),
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
    pdf.ln(0.5)
    pdf.status_words(target["Status"], 10)
    pdf.set_font(FONT, "I", 8.5)
    rule = "" if pd.isna(target["Rule"]) else str(target["Rule"])
    pdf.multi_cell(0, 5, rule, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
    unit = target["_measure"]
    latest = ("no result yet" if target["Latest"] is None or (
        not isinstance(target["Latest"], str) and pd.isna(target["Latest"]))
        else f"{printed(target['Latest'], unit)} in {target['Latest period']}")
    pupils = target["Pupils"]
    pupils_text = "" if pupils is None or (not isinstance(pupils, str) and pd.isna(pupils)) \
        else (f" ({pupils})" if isinstance(pupils, str) else f" ({int(pupils)} pupils)")
    if isinstance(target["Latest"], str):
        pupils_text = ""  # the latest already says "fewer than 5 pupils"
    numbers = (f"Baseline {printed(target['Baseline'], unit)} ({target['Baseline period']})"
               f" → target {printed(target['Target value'], unit)} by "
               f"{target['Target period']}. Latest: {latest}{pupils_text}.")
    if target["Expected"] is not None and not pd.isna(target["Expected"]):
        numbers += f" Expected by now: {printed(target['Expected'], unit)}."
    before_deadline = not _missing(target["Latest period"]) and (
        period_index(target["Latest period"]) < period_index(target["Target period"]))
    if before_deadline and not _missing(target["Projected"]):
        numbers += f" Projected at the deadline: {printed(target['Projected'], unit)}."
    pdf.para(numbers, 9)
    if target.get("Plan history"):
        pdf.para(shorten(target["Plan history"], 1500), 9)
    pdf.para(target["Sentence"], 9.5)
    pdf.image(io.BytesIO(chart), x=15, w=180)
    pdf.ln(3)


def _table(pdf: PackPDF, frame: pd.DataFrame, widths: tuple, size: float = 7.5):
    """A frame -> an fpdf table with bold headings that repeat on each new page."""
    pdf.set_font(FONT, "", size)
    style = FontFace(emphasis="BOLD", fill_color=(225, 225, 225))
    with pdf.table(col_widths=widths, headings_style=style, line_height=size * 0.5,
                   text_align="LEFT", borders_layout="SINGLE_TOP_LINE") as table:
        table.row([str(c) for c in frame.columns])
        for values in frame.itertuples(index=False):
            table.row(["–" if v is None or (not isinstance(v, str) and pd.isna(v))
                       else shorten(v, CELL_CHARS) for v in values])
    pdf.ln(3)


def _deployments_section(pdf: PackPDF, deployments: pd.DataFrame, targets: pd.DataFrame,
                         sustain: pd.DataFrame, settings: Settings):
    """Who works with the school, on what, how much time, creep, ratings, and the exit plan."""
    pdf.add_page()
    pdf.heading("Deployments: who is working with the school", 14)
    if deployments.empty:
        pdf.para("No deployments are recorded for this school.")
    else:
        shown = pd.DataFrame({
            "Leader": [leader_with_role(n, r) for n, r in
                       zip(deployments["Leader"], deployments["Role"], strict=True)],
            "Focus": deployments["Focus"],
            "Dates": deployments["Start"] + " to " + deployments["End"],
            "Days used": [f"{_days(u)} of {_days(c)}" + (f" ({u / c:.0%})" if c else "")
                          for u, c in zip(deployments["Days delivered"].fillna(0),
                                          deployments["Days committed"].fillna(0), strict=True)],
            "Off-focus": [("⚑ CREEP " if flag == "Yes" else "") + (
                "–" if pd.isna(share) else f"{share:.0f}% of days")
                for flag, share in zip(deployments["Creep flagged"],
                                       deployments["Off-focus share (%)"], strict=True)],
            "Leader's ratings": [
                f"latest {(r or 'none').lower()}; {ratings_words(g, a, red)}"
                for r, g, a, red in zip(deployments["Latest rating"], deployments["Green"],
                                        deployments["Amber"], deployments["Red"], strict=True)],
            "Cost": [f"{_money(f)}" + ("" if pd.isna(c) else f" ({_money(c)} a day)")
                     for f, c in zip(deployments["Funding (£)"],
                                     deployments["Cost per day (£)"], strict=True)],
        })
        _table(pdf, shown, (30, 26, 24, 22, 24, 30, 24))
        pdf.para(f"Creep: visit days spent outside the agreed focus; flagged (⚑) above "
                 f"{settings.creep_threshold:.0%} of the days delivered. Ratings are the "
                 "leaders' own Green / Amber / Red judgements on their visit records.", 8)
    pdf.heading("Exit plan: when the leaders leave", 14)
    met = targets[targets["Status"] == "Achieved"]
    if met.empty:
        pdf.para("No target is met yet.")
    else:
        pdf.para("Targets already met:", 10, "B")
        for _, t in met.iterrows():
            pdf.para(f"{STATUS_GLYPHS['Achieved']} {t['Target']}: {_measure_heading(t)}"
                     f": {printed(t['Latest'], t['_measure'])}, target "
                     f"{printed(t['Target value'], t['_measure'])}.", 9)
    pdf.para("Sustainability: did gains hold after a deployment ended?", 10, "B")
    if sustain.empty:
        pdf.para("No deployment linked to a target has ended yet.", 9)
    else:
        shown = pd.DataFrame({
            "Target": sustain["Target"] + ": " + sustain["Measure"] + sustain[
                "Subgroup"].map(subgroup_suffix),
            "Deployment ended": sustain["Leader"] + ", " + sustain["Ended"],
            "At end": [_at(v, p, m) for v, p, m in zip(
                sustain["At end"], sustain["End period"], sustain["_measure"], strict=True)],
            "Latest since": [_at(v, p, m) for v, p, m in zip(
                sustain["Latest since"], sustain["Latest period"], sustain["_measure"], strict=True)],
            "Verdict": sustain["Verdict"],
        })
        _table(pdf, shown, (52, 34, 30, 30, 34))


def _measure_heading(target: pd.Series) -> str:
    """'Persistent absence (lower is better) (Disadvantaged)': never '(All)' (plain_words)."""
    return (with_direction(target["Measure"], target["_measure"])
            + subgroup_suffix(target["Subgroup"]))


def _at(value, period, measure: str) -> str:
    if isinstance(value, str) and _missing(period):
        return value  # "support still running": no period to name
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "–"
    return f"{printed(value, measure)} ({period})"


def _rules_note(pdf: PackPDF, settings: Settings):
    """How each status is decided, in plain words (statuses are never colour alone)."""
    if pdf.will_page_break(60):
        pdf.add_page()
    pdf.heading("How statuses are decided", 12)
    rules = status_rules(settings)
    for status in STATUS_ORDER:
        pdf.status_words(status, 9)
        pdf.set_font(FONT, "", 9)
        pdf.multi_cell(0, 4.5, rules[status], new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")


def _school_sections(pdf: PackPDF, facts: PackFacts, tables: dict, urn: str,
                     since: tuple | None = None):
    """Everything for one school, starting on a fresh page."""
    summary = tables["summary"][tables["summary"]["URN"] == urn]
    if summary.empty:
        raise PackError(f"URN {urn} is not a client school in the stored data")
    summary = summary.iloc[0]
    targets = tables["targets"][tables["targets"]["URN"] == urn]
    deployments = tables["deployments"][tables["deployments"]["URN"] == urn]
    sustain = tables["sustainability"][tables["sustainability"]["URN"] == urn]
    pdf.running_title = f"{summary['School']} (URN {urn})"
    pdf.add_page()
    if pack_since(pdf, since):
        pdf.add_page()
    _school_front(pdf, summary, targets, sustain)
    pack_policy_lines(pdf, facts, urn)
    if not targets.empty:
        pdf.add_page()
        pdf.heading("Targets, exceptions first", 14)
    for area, group in target_groups(targets, facts):
        if area:
            pdf.heading(area, 12)
        for _, target in group.iterrows():
            # The chart is drawn from the target's governed view: no hidden number reaches it.
            spec = _chart_spec(target, tables["measures"], facts)
            _target_section(pdf, target, chart_png(spec))
            pack_target_notes(pdf, spec, target, facts)
    _deployments_section(pdf, deployments, targets, sustain, facts.settings)
    _rules_note(pdf, facts.settings)
    pack_glossary(pdf)


class PackError(ValueError):
    """A pack that cannot be built, with a message a person can act on."""


def _latest_period(measures: pd.DataFrame, urns: list[str] | None = None) -> str:
    rows = measures if urns is None else measures[measures["urn"].isin(urns)]
    periods = [p for p in rows["period"].dropna().unique() if try_parse_period(p)]
    if not periods:
        return period_of_date(dt.date.today())
    return max(periods, key=period_index)


def build_school_pack(dataset, settings: Settings, urn: str, period_label: str | None = None,
                      progress: pd.DataFrame | None = None,
                      deployment_summary: pd.DataFrame | None = None,
                      since: tuple | None = None) -> bytes:
    """Dataset + one client school's URN -> the governors' pack as PDF bytes; since =
    (meeting date, sentences) opens it with what moved since that meeting."""
    facts = pack_facts(dataset, settings, progress, deployment_summary)
    tables = _tables(facts, [urn])
    pdf = PackPDF(period_label or _latest_period(dataset.measures, [urn]), hidden_text(settings))
    pdf.set_title(f"Governors' pack: {_school_names(dataset).get(urn, urn)}")
    _school_sections(pdf, facts, tables, urn, since)
    return bytes(pdf.output())


def build_trust_pack(dataset, settings: Settings, period_label: str | None = None,
                     progress: pd.DataFrame | None = None,
                     deployment_summary: pd.DataFrame | None = None) -> bytes:
    """Dataset -> the trust-wide pack: every client school on one page, exceptions first, then
    each school's own sections."""
    facts = pack_facts(dataset, settings, progress, deployment_summary)
    urns = _client_urns(facts)
    tables = _tables(facts, urns)
    pdf = PackPDF(period_label or _latest_period(dataset.measures), hidden_text(settings))
    pdf.set_title("Governors' pack: trust-wide")
    pdf.running_title = "Trust-wide: all client schools"
    pdf.add_page()
    _trust_front(pdf, tables)
    for urn in urns:
        _school_sections(pdf, facts, tables, urn)
    return bytes(pdf.output())


def _trust_front(pdf: PackPDF, tables: dict):
    """The executive principal's page: totals in words and big numbers, schools exceptions first."""
    summary, targets = tables["summary"], tables["targets"]
    pdf.heading("Impact of school-to-school support across the trust", 16)
    totals = summary[STATUS_ORDER].sum()
    pdf.para(f"{len(summary)} client schools · {int(summary['Targets'].sum())} targets · "
             f"position at {pdf.period_label}", 9)
    y, w = pdf.get_y() + 1, 180 / 6
    for i, status in enumerate(STATUS_ORDER):
        _box(pdf, 15 + i * w, y, w - 1.5, 22, str(int(totals[status])), status, status)
    y += 25
    _box(pdf, 15, y, 88.5, 20, f"{_days(summary['Days delivered'].sum())} / "
         f"{_days(summary['Days committed'].sum())}", "days used of committed")
    _box(pdf, 105, y, 88.5, 20, f"{_money(summary['Spend to date (£)'].sum())} / "
         f"{_money(summary['Funding (£)'].sum())}", "spend of funding")
    pdf.set_xy(15, y + 24)
    pdf.heading("Schools, exceptions first", 12)
    shown = pd.DataFrame({
        "School": summary["School"],
        **{f"{STATUS_GLYPHS[s]} {s}": summary[s] for s in STATUS_ORDER},
        "Days used": [f"{_days(u)} of {_days(c)}" for u, c in
                      zip(summary["Days delivered"], summary["Days committed"], strict=True)],
        "Spend of funding": [f"{_money(s)} of {_money(f)}" for s, f in
                             zip(summary["Spend to date (£)"], summary["Funding (£)"],
                                 strict=True)],
        "Latest inspection": summary["Latest inspection"],
    })
    _table(pdf, shown, (33, 13, 13, 13, 13, 15, 13, 19, 23, 25), size=6.5)
    exceptions = targets[targets["Status"].isin(EXCEPTIONS)]
    pdf.heading("Targets that need attention", 12)
    if exceptions.empty:
        pdf.para("None: every target with a result is achieved or on track.")
    for _, target in exceptions.iterrows():
        pdf.status_words(target["Status"], 9)
        pdf.set_font(FONT, "B", 9)
        pdf.multi_cell(0, 4.5, shorten(f"{target['School']}: {_measure_heading(target)}",
                                       LINE_CHARS),
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
        pdf.para(target["Sentence"], 8.5)
