"""The governors' meeting pack: one school's (or the whole trust's) impact as an A4 PDF.

Governor-safe by construction: the pack is drawn only from the tables `pack_tables` returns,
and those tables are made from school-level frames (never pupil rows), leave out the visit
records' free text (a leader may have named a pupil there), and replace every figure whose
cohort is below the small-cohort threshold with the words `fewer than 5 pupils`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import pandas as pd
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from analysis import exports, narrative, portfolio
from analysis.agreed_plan import plan_history, target_sentences
from analysis.pack_charts import TargetChart, chart_png
from analysis.periods import period_index, period_of_date, try_parse_period
from analysis.progress import judge_progress, status_rules, tolerance_band
from analysis.schema import MEASURES, Settings, measure_label
from analysis.style import STATUS_COLOURS, STATUS_GLYPHS, STATUS_ORDER, small_cohort_text

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT = "DejaVu"

EXCEPTIONS = ["Off track", "Missed", "At risk"]


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))


STATUS_RGB = {status: _rgb(colour) for status, colour in STATUS_COLOURS.items()}


def hidden_text(settings: Settings) -> str:
    """The words shown instead of a figure whose cohort is too small."""
    return small_cohort_text(settings.small_cohort)


# ---- the facts behind the pack ----------------------------------------------------------------

@dataclass
class PackFacts:
    """Everything one pack needs, computed once: the dataset's frames plus progress and summary."""

    dataset: object
    settings: Settings
    progress: pd.DataFrame
    summary: pd.DataFrame
    overview: pd.DataFrame


def pack_facts(dataset, settings: Settings, progress: pd.DataFrame | None = None,
               deployment_summary: pd.DataFrame | None = None,
               today: dt.date | None = None) -> PackFacts:
    """Dataset -> PackFacts; pass progress / deployment_summary when a caller has them cached."""
    if progress is None:
        progress = judge_progress(dataset.targets, dataset.milestones, dataset.measures, settings)
    if deployment_summary is None:
        from analysis.deployments import summarise_deployments

        deployment_summary = summarise_deployments(dataset.deployments, dataset.visits, settings)
    overview = portfolio.school_overview(
        dataset.schools, progress, deployment_summary, dataset.inspections, today=today
    )
    return PackFacts(dataset, settings, progress, deployment_summary, overview)


def _small(cohort, settings: Settings) -> bool:
    """A figure is hidden when its cohort is below the threshold or unknown (as narrative does:
    a figure without its denominator cannot be shown to be safe)."""
    return cohort is None or pd.isna(cohort) or int(cohort) < settings.small_cohort


def _missing(value) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value))


def _number(value) -> float | None:
    if value is None or isinstance(value, str) or pd.isna(value):
        return None
    return float(value)


def printed(value, measure: str) -> str:
    """A table cell -> printed: numbers as narrative formats them, the hidden words unchanged."""
    if isinstance(value, str):
        return value
    if value is None or pd.isna(value):
        return "–"
    return narrative.format_value(float(value), measure)


def _money(value) -> str:
    return "–" if value is None or pd.isna(value) else f"£{float(value):,.0f}"


def _days(value) -> str:
    value = 0.0 if value is None or pd.isna(value) else float(value)
    return f"{value:g}" if value == int(value) else f"{value:.1f}"


def _date(value) -> str:
    if value is None or pd.isna(value):
        return "–"
    return pd.Timestamp(value).strftime("%d/%m/%Y")


def _better(measure: str) -> int:
    return MEASURES[measure].better if measure in MEASURES else 1


def _series(measures: pd.DataFrame, urn: str, measure: str, subgroup: str) -> pd.DataFrame:
    """measures -> one school's period, value, cohort for a measure and subgroup, in time order."""
    rows = measures[(measures["urn"] == urn) & (measures["measure"] == measure)
                    & (measures["subgroup"] == subgroup)]
    rows = rows.assign(_order=rows["period"].map(period_index)).sort_values("_order")
    return rows[["period", "value", "cohort"]].reset_index(drop=True)


def _sentence(row: pd.Series, settings: Settings) -> str:
    """One progress row -> the sentence built from its numbers (small cohorts hidden)."""
    return narrative.describe_target(row, small_cohort=settings.small_cohort)


# ---- governor-safe tables ---------------------------------------------------------------------

def _school_names(dataset) -> dict[str, str]:
    return dict(zip(dataset.schools["urn"], dataset.schools["school_name"], strict=False))


def _status_key(status: str) -> int:
    return STATUS_ORDER.index(status) if status in STATUS_ORDER else len(STATUS_ORDER)


def _baseline_hidden(measures: pd.DataFrame, row: pd.Series, settings: Settings) -> bool:
    """The baseline is typed into the action plan, so it has no cohort of its own; it is hidden
    when the measures table holds that period with a small cohort."""
    series = _series(measures, row["client_urn"], row["measure"], row["subgroup"])
    match = series[series["period"] == row["baseline_period"]]
    return not match.empty and _small(match["cohort"].iloc[0], settings)


def _safe_sentence(row: pd.Series, settings: Settings, latest_hidden: bool,
                   baseline_hidden: bool) -> tuple[str, str]:
    """A progress row -> (rule, sentence) that never write a hidden figure.

    progress' `rule` quotes the latest value, so when that is hidden the general rule for the
    status is used instead; narrative quotes the baseline, so a hidden baseline gets its own
    sentence.
    """
    rule = row.get("rule")
    # The rule quotes the expected value and the tolerance in points, from which a hidden
    # baseline could be worked back, so a hidden baseline gets the general rule too.
    if (latest_hidden or baseline_hidden) and row["status"] != "No data yet":
        rule = f"{row['status']}: {status_rules(settings)[row['status']]}"
    if baseline_hidden and not latest_hidden and row["status"] != "No data yet":
        phrase = narrative.measure_phrase(row["measure"], row["subgroup"])
        return rule, (
            f"{phrase} was {narrative.format_value(row['latest_value'], row['measure'])} in "
            f"{row['latest_period']} (the baseline covers {hidden_text(settings)}, so it is not "
            f"shown); this target is {str(row['status']).lower()}.")
    if baseline_hidden and row["status"] == "No data yet":
        phrase = narrative.measure_phrase(row["measure"], row["subgroup"])
        return rule, f"{phrase} has no figure yet since the baseline in {row['baseline_period']}."
    return rule, _sentence(row, settings)


def _targets_table(facts: PackFacts, urns: list[str]) -> pd.DataFrame:
    """progress -> the governor-safe targets table, exceptions first."""
    settings, names = facts.settings, _school_names(facts.dataset)
    hide = hidden_text(settings)
    progress = facts.progress[facts.progress["client_urn"].isin(urns)]
    # When the plan was agreed and every later change to a target: never silent (issue 11).
    plan = plan_history(facts.dataset.target_plan, facts.dataset.targets)
    rows = []
    for _, row in progress.iterrows():
        latest = row.get("latest_value")
        small = not pd.isna(latest) and _small(row.get("cohort"), settings)
        baseline_small = _baseline_hidden(facts.dataset.measures, row, settings)
        rule, sentence = _safe_sentence(row, settings, small, baseline_small)
        rows.append({
            "URN": row["client_urn"],
            "School": names.get(row["client_urn"], row["client_urn"]),
            "Target": row["target_id"],
            "Deployment": row.get("deployment_id"),
            "Measure": measure_label(row["measure"]),
            "Subgroup": row["subgroup"],
            "Status": row["status"],
            "Rule": rule,
            "Baseline": hide if baseline_small else _number(row["baseline_value"]),
            "Baseline period": row["baseline_period"],
            "Target value": _number(row["target_value"]),
            "Target period": row["target_period"],
            "Latest": hide if small else _number(latest),
            "Latest period": row.get("latest_period"),
            "Pupils": hide if small else _number(row.get("cohort")),
            # The expected line starts at the baseline: it is hidden with it.
            "Expected": hide if baseline_small else _number(row.get("expected_value")),
            # A projection from a small cohort would give its figure away.
            "Projected": hide if small else _number(row.get("projected_value")),
            "Sentence": sentence,
            "Plan history": "; ".join(target_sentences(plan, row["target_id"])),
            "_measure": row["measure"],
        })
    table = pd.DataFrame(rows, columns=[
        "URN", "School", "Target", "Deployment", "Measure", "Subgroup", "Status",
        "Rule", "Baseline", "Baseline period", "Target value", "Target period", "Latest",
        "Latest period", "Pupils", "Expected", "Projected", "Sentence", "Plan history", "_measure",
    ])
    if table.empty:
        return table
    order = table["Status"].map(_status_key)
    return table.assign(_o=order).sort_values(["_o", "School", "Target"]).drop(columns="_o")


def _measures_table(facts: PackFacts, targets: pd.DataFrame) -> pd.DataFrame:
    """measures -> every period of each targeted measure and subgroup, small cohorts hidden."""
    hide, rows = hidden_text(facts.settings), []
    seen = set()
    for _, target in targets.iterrows():
        key = (target["URN"], target["_measure"], target["Subgroup"])
        if key in seen:
            continue
        seen.add(key)
        for _, point in _series(facts.dataset.measures, *key).iterrows():
            small = _small(point["cohort"], facts.settings)
            rows.append({
                "URN": key[0], "School": target["School"], "Measure": target["Measure"],
                "Subgroup": key[2], "Period": point["period"],
                "Value": hide if small else _number(point["value"]),
                "Pupils": hide if small else _number(point["cohort"]),
                "_measure": key[1],
            })
    return pd.DataFrame(rows, columns=["URN", "School", "Measure", "Subgroup", "Period",
                                       "Value", "Pupils", "_measure"])


def _ratings(visits: pd.DataFrame) -> pd.DataFrame:
    """visits -> deployment_id, latest rating, Green/Amber/Red counts (leaders' own ratings)."""
    columns = ["deployment_id", "Latest rating", "Green", "Amber", "Red"]
    if visits is None or visits.empty:
        return pd.DataFrame(columns=columns)
    frame = visits.assign(_date=pd.to_datetime(visits["visit_date"], errors="coerce"))
    rows = []
    for deployment_id, group in frame.groupby("deployment_id"):
        rated = group.dropna(subset=["progress"]).sort_values("_date")
        counts = rated["progress"].value_counts()
        rows.append({
            "deployment_id": deployment_id,
            "Latest rating": rated["progress"].iloc[-1] if not rated.empty else None,
            **{c: int(counts.get(c, 0)) for c in ("Green", "Amber", "Red")},
        })
    return pd.DataFrame(rows, columns=columns)


def _deployments_table(facts: PackFacts, urns: list[str]) -> pd.DataFrame:
    """deployment_summary + visits -> one governor-safe row per deployment (no visit free text)."""
    names = _school_names(facts.dataset)
    summary = facts.summary[facts.summary["client_urn"].isin(urns)]
    summary = summary.merge(_ratings(facts.dataset.visits), on="deployment_id", how="left")
    rows = []
    for _, d in summary.iterrows():
        rows.append({
            "URN": d["client_urn"], "School": names.get(d["client_urn"], d["client_urn"]),
            "Deployment": d["deployment_id"], "Leader": d["leader_name"],
            "Role": d["leader_role"], "Home school": names.get(d.get("home_urn"), d.get("home_urn")),
            "Focus": d["focus_areas"], "Start": _date(d["start_date"]), "End": _date(d["end_date"]),
            "Days committed": _number(d["days_committed"]),
            "Days delivered": _number(d["days_delivered"]),
            "Utilisation (%)": None if pd.isna(d["utilisation"]) else round(
                100 * float(d["utilisation"]), 1),
            "Off-focus days": _number(d["creep_days"]),
            "Off-focus share (%)": None if pd.isna(d["creep_share"]) else round(
                100 * float(d["creep_share"]), 1),
            "Creep flagged": "Yes" if bool(d["creep_flag"]) else "No",
            "Visits": int(d["visit_count"]) if not pd.isna(d["visit_count"]) else 0,
            "Latest rating": d.get("Latest rating") if not pd.isna(d.get("Latest rating")) else None,
            "Green": int(d["Green"]) if not pd.isna(d.get("Green")) else 0,
            "Amber": int(d["Amber"]) if not pd.isna(d.get("Amber")) else 0,
            "Red": int(d["Red"]) if not pd.isna(d.get("Red")) else 0,
            "QA pending": int(d["qa_pending"]) if not pd.isna(d["qa_pending"]) else 0,
            "Funding source": d["funding_source"],
            "Funding (£)": _number(d["funding_amount"]),
            "Cost per day (£)": None if pd.isna(d["cost_per_day"]) else round(
                float(d["cost_per_day"]), 2),
            "_start": d["start_date"], "_end": d["end_date"],
        })
    columns = ["URN", "School", "Deployment", "Leader", "Role", "Home school", "Focus", "Start",
               "End", "Days committed", "Days delivered", "Utilisation (%)", "Off-focus days",
               "Off-focus share (%)", "Creep flagged", "Visits", "Latest rating", "Green",
               "Amber", "Red", "QA pending", "Funding source", "Funding (£)",
               "Cost per day (£)", "_start", "_end"]
    return pd.DataFrame(rows, columns=columns)


def sustainability(facts: PackFacts, urns: list[str], today: dt.date | None = None
                   ) -> pd.DataFrame:
    """targets + deployments + measures -> did gains hold after the deployment ended?

    For each target whose deployment has ended, the measure at the deployment's end (the
    latest result at or before its end period) is compared with the latest result since.
    Returns URN, School, Target, Measure, Subgroup, Deployment, Leader, Ended, At end,
    End period, Latest since, Latest period, Change (points), Verdict.
    """
    today = today or dt.date.today()
    settings, names = facts.settings, _school_names(facts.dataset)
    hide = hidden_text(settings)
    deployments = facts.dataset.deployments.set_index("deployment_id")
    rows = []
    targets = facts.dataset.targets[facts.dataset.targets["client_urn"].isin(urns)]
    for _, target in targets.iterrows():
        deployment_id = target.get("deployment_id")
        if pd.isna(deployment_id) or deployment_id not in deployments.index:
            continue
        end = pd.to_datetime(deployments.at[deployment_id, "end_date"], errors="coerce")
        if pd.isna(end) or end.date() > today:
            continue  # still running: nothing to sustain yet
        end_index = period_index(period_of_date(end.date()))
        series = _series(facts.dataset.measures, target["client_urn"], target["measure"],
                         target["subgroup"])
        order = series["period"].map(period_index)
        before, after = series[order <= end_index], series[order > end_index]
        row = {
            "URN": target["client_urn"],
            "School": names.get(target["client_urn"], target["client_urn"]),
            "Target": target["target_id"], "Measure": measure_label(target["measure"]),
            "Subgroup": target["subgroup"], "Deployment": deployment_id,
            "Leader": deployments.at[deployment_id, "leader_name"], "Ended": _date(end),
            "At end": None, "End period": None, "Latest since": None, "Latest period": None,
            "Change (points)": None, "_measure": target["measure"],
        }
        if before.empty:
            row["Verdict"] = "No result at the end of the deployment"
        elif after.empty:
            row["Verdict"] = "No results since the deployment ended yet"
        else:
            at_end, since = before.iloc[-1], after.iloc[-1]
            row["End period"], row["Latest period"] = at_end["period"], since["period"]
            if _small(at_end["cohort"], settings) or _small(since["cohort"], settings):
                row["At end"] = hide if _small(at_end["cohort"], settings) else float(
                    at_end["value"])
                row["Latest since"] = hide if _small(since["cohort"], settings) else float(
                    since["value"])
                row["Change (points)"] = hide
                row["Verdict"] = f"Not shown: {hide}"
            else:
                change = float(since["value"]) - float(at_end["value"])
                row["At end"], row["Latest since"] = float(at_end["value"]), float(since["value"])
                row["Change (points)"] = round(change, 1)
                worse = _better(target["measure"]) * change
                row["Verdict"] = ("Gains held" if worse >= 0 else
                                  f"Fell back by {abs(change):.1f} points")
        rows.append(row)
    columns = ["URN", "School", "Target", "Measure", "Subgroup", "Deployment", "Leader", "Ended",
               "At end", "End period", "Latest since", "Latest period", "Change (points)",
               "Verdict", "_measure"]
    return pd.DataFrame(rows, columns=columns)


def _summary_table(facts: PackFacts, urns: list[str]) -> pd.DataFrame:
    """school_overview -> one row per school with readable headings."""
    overview = facts.overview[facts.overview["urn"].isin(urns)]
    inspections = portfolio.latest_inspection(facts.dataset.inspections)
    overview = overview.merge(inspections[["urn", "inspection_date"]], on="urn", how="left")
    table = pd.DataFrame({
        "URN": overview["urn"], "School": overview["school_name"], "Phase": overview["phase"],
        "Targets": overview["targets"],
        **{s: overview[s] for s in STATUS_ORDER},
        "Days committed": overview["days_committed"],
        "Days delivered": overview["days_delivered"],
        "Funding (£)": overview["funding"].round(2),
        "Spend to date (£)": overview["spend_to_date"].round(2),
        "Latest inspection": overview["inspection"],
        "Inspection date": overview["inspection_date"].map(_date),
        "Creep flags": overview["creep_flags"], "QA pending": overview["qa_pending"],
    })
    return table.reset_index(drop=True)


def _client_urns(facts: PackFacts) -> list[str]:
    return list(facts.overview["urn"])


def _tables(facts: PackFacts, urns: list[str]) -> dict[str, pd.DataFrame]:
    targets = _targets_table(facts, urns)
    return {
        "summary": _summary_table(facts, urns),
        "targets": targets,
        "measures": _measures_table(facts, targets),
        "deployments": _deployments_table(facts, urns),
        "sustainability": sustainability(facts, urns),
    }


def _public(table: pd.DataFrame) -> pd.DataFrame:
    """Drop the helper columns (named with a leading underscore) that only the PDF uses."""
    return table[[c for c in table.columns if not str(c).startswith("_")]].reset_index(drop=True)


def pack_tables(dataset, settings: Settings, urn: str | None = None,
                progress: pd.DataFrame | None = None,
                deployment_summary: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """Dataset -> the governor-safe tables behind the pack (one school, or every client school).

    Keys: summary, targets, measures, deployments, sustainability.
    """
    facts = pack_facts(dataset, settings, progress, deployment_summary)
    urns = [urn] if urn else _client_urns(facts)
    return {name: _public(table) for name, table in _tables(facts, urns).items()}


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
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="R")
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
        pdf.multi_cell(0, 5, shorten(f"{target['Target']}: {target['Measure']} ({target['Subgroup']})",
                                     LINE_CHARS),
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
        pdf.para(target["Sentence"], 9)


def _chart_spec(target: pd.Series, measures: pd.DataFrame, facts: PackFacts,
                deployments: pd.DataFrame) -> TargetChart:
    """A targets-table row -> what its chart draws, from the governor-safe tables only."""
    series = measures[(measures["URN"] == target["URN"])
                      & (measures["_measure"] == target["_measure"])
                      & (measures["Subgroup"] == target["Subgroup"])]
    plan, band = _plan_and_band(target, facts)
    if isinstance(target["Baseline"], str):
        plan, band = [], []  # the plan starts at the hidden baseline, so it would give it away
    actuals = [(p, _number(v)) for p, v in zip(series["Period"], series["Value"], strict=True)
               if period_index(p) >= period_index(target["Baseline period"])]
    projection = []
    projected, latest = _number(target["Projected"]), _number(target["Latest"])
    if (projected is not None and latest is not None and not _missing(target["Latest period"])
            and period_index(target["Latest period"]) < period_index(target["Target period"])):
        projection = [(target["Latest period"], latest), (target["Target period"], projected)]
    own = deployments[deployments["Deployment"] == target["Deployment"]]
    if own.empty:
        own = deployments
    support = []
    for _, d in own.iterrows():
        start = pd.to_datetime(d["_start"], errors="coerce")
        end = pd.to_datetime(d["_end"], errors="coerce")
        if pd.isna(start):
            continue
        # A deployment with no end date is still running: shade up to the deadline.
        last = period_of_date(end.date()) if pd.notna(end) else target["Target period"]
        support.append((period_of_date(start.date()), last))
    return TargetChart(
        title=target["Measure"], unit=MEASURES[target["_measure"]].unit
        if target["_measure"] in MEASURES else "%",
        baseline_period=target["Baseline period"], baseline_value=_number(target["Baseline"]),
        target_period=target["Target period"], target_value=float(target["Target value"]),
        plan=plan, band=band, actuals=actuals, projection=projection, support=support,
        status=target["Status"], hidden_label=hidden_text(facts.settings),
        target_label=printed(target["Target value"], target["_measure"]),
    )


def _plan_and_band(target: pd.Series, facts: PackFacts):
    """The expected line (baseline, milestones, target) and the at-risk band along it."""
    raw = facts.dataset.targets[facts.dataset.targets["target_id"] == target["Target"]].iloc[0]
    band = tolerance_band(raw, facts.dataset.milestones, facts.settings)
    plan = list(zip(band["period"], band["expected"], strict=True))
    return plan, list(zip(band["period"], band["lower"], band["upper"], strict=True))


def _target_section(pdf: PackPDF, target: pd.Series, chart: bytes):
    """One target: heading, status with its rule, the numbers, the sentence, the chart."""
    if pdf.will_page_break(112):
        pdf.add_page()
    pdf.set_draw_color(180, 180, 180)
    pdf.line(15, pdf.get_y(), 195, pdf.get_y())
    pdf.ln(2)
    pdf.set_font(FONT, "B", 11.5)
    pdf.multi_cell(0, 5.5, shorten(f"{target['Target']} · {target['Measure']} ({target['Subgroup']})",
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
            "Leader": deployments["Leader"] + " (" + deployments["Role"].fillna("") + ")",
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
                f"latest {r or '–'}; G {g} · A {a} · R {red}"
                for r, g, a, red in zip(deployments["Latest rating"], deployments["Green"],
                                        deployments["Amber"], deployments["Red"], strict=True)],
            "Cost": [f"{_money(f)}" + ("" if pd.isna(c) else f" ({_money(c)}/day)")
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
            pdf.para(f"{STATUS_GLYPHS['Achieved']} {t['Target']}: {t['Measure']} "
                     f"({t['Subgroup']}): {printed(t['Latest'], t['_measure'])}, target "
                     f"{printed(t['Target value'], t['_measure'])}.", 9)
    pdf.para("Sustainability: did gains hold after a deployment ended?", 10, "B")
    if sustain.empty:
        pdf.para("No deployment linked to a target has ended yet.", 9)
    else:
        shown = pd.DataFrame({
            "Target": sustain["Target"] + ": " + sustain["Measure"] + " (" + sustain[
                "Subgroup"] + ")",
            "Deployment ended": sustain["Leader"] + ", " + sustain["Ended"],
            "At end": [_at(v, p, m) for v, p, m in zip(
                sustain["At end"], sustain["End period"], sustain["_measure"], strict=True)],
            "Latest since": [_at(v, p, m) for v, p, m in zip(
                sustain["Latest since"], sustain["Latest period"], sustain["_measure"], strict=True)],
            "Verdict": sustain["Verdict"],
        })
        _table(pdf, shown, (52, 34, 30, 30, 34))


def _at(value, period, measure: str) -> str:
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


def _school_sections(pdf: PackPDF, facts: PackFacts, tables: dict, urn: str):
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
    _school_front(pdf, summary, targets, sustain)
    if not targets.empty:
        pdf.add_page()
        pdf.heading("Targets, exceptions first", 14)
    for _, target in targets.iterrows():
        spec = _chart_spec(target, tables["measures"], facts, deployments)
        _target_section(pdf, target, chart_png(spec))
    _deployments_section(pdf, deployments, targets, sustain, facts.settings)
    _rules_note(pdf, facts.settings)


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
                      deployment_summary: pd.DataFrame | None = None) -> bytes:
    """Dataset + one client school's URN -> the governors' pack as PDF bytes."""
    facts = pack_facts(dataset, settings, progress, deployment_summary)
    tables = _tables(facts, [urn])
    pdf = PackPDF(period_label or _latest_period(dataset.measures, [urn]), hidden_text(settings))
    pdf.set_title(f"Governors' pack: {_school_names(dataset).get(urn, urn)}")
    _school_sections(pdf, facts, tables, urn)
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
        pdf.multi_cell(0, 4.5, shorten(f"{target['School']}: {target['Measure']} "
                                       f"({target['Subgroup']})", LINE_CHARS),
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
        pdf.para(target["Sentence"], 8.5)


# ---- the command line -------------------------------------------------------------------------

def add_pack_arguments(parser: argparse.ArgumentParser) -> None:
    """The `pack` subcommand's options, in analysis/__main__.py's style (`--db`, optional paths)."""
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="spreadsheets to build from; none = the store")
    parser.add_argument("--school", metavar="URN",
                        help="the client school's URN; leave out for the trust-wide pack")
    parser.add_argument("--out", required=True, metavar="FILE.pdf", help="where to write the PDF")
    parser.add_argument("--period", help="the period printed on every page (default: latest)")
    parser.add_argument("--tables", metavar="FILE.xlsx",
                        help="also write the tables behind the pack as a workbook")
    parser.add_argument("--db", metavar="URL", default=None,
                        help="database URL (default: DATABASE_URL, else data/impact.sqlite)")


def run_pack_command(args: argparse.Namespace) -> int:
    """`python -m analysis pack --school URN --out F.pdf`: write the pack; 0, or 2 with a message."""
    started = time.perf_counter()
    if getattr(args, "paths", None):
        from analysis.ingest import read_paths
        from analysis.report import dataset_from_upload

        upload = read_paths(args.paths)
        if len(upload.problems):
            print(f"{len(upload.problems)} problem(s) in the files; run `python -m analysis "
                  "validate` on them to see each one.", file=sys.stderr)
            return 2
        dataset, settings = dataset_from_upload(upload), Settings()
    else:
        from analysis.store import Store

        store = Store(getattr(args, "db", None))
        dataset, settings = store.load(), store.get_settings()
    period = None
    if getattr(args, "period", None):
        period = try_parse_period(args.period)
        if period is None:
            print(f"'{args.period}' is not a period; write it like '2024/25 Spring 2'.",
                  file=sys.stderr)
            return 2
    urn = str(args.school).strip().zfill(6) if getattr(args, "school", None) else None
    try:
        if urn:
            data = build_school_pack(dataset, settings, urn, period)
        else:
            data = build_trust_pack(dataset, settings, period)
    except PackError as error:
        print(f"Cannot build the pack: {error}.", file=sys.stderr)
        return 2
    Path(args.out).write_bytes(data)
    if getattr(args, "tables", None):
        Path(args.tables).write_bytes(exports.to_xlsx_bytes(pack_tables(dataset, settings, urn)))
        print(f"Tables written to {args.tables}")
    print(f"Pack written to {args.out} ({len(data) / 1024:.0f} KB, "
          f"{time.perf_counter() - started:.1f} s)")
    return 0
