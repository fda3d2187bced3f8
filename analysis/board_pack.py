"""The trust board's pack: a summary and the exception schools, a page each; full packs as a zip.

At 500 client schools the full trust pack (every school's charts and tables) ran to thousands of
pages and ~100 MB. A board reads the position across the trust and the schools that need its
attention, so this pack holds: page one, the totals and what the pack leaves out; then the
exception schools (at least one target off track or missed; most first), each on its own page
(the school pack's page one: the answer in words, the big numbers, the targets needing
attention); then the other client schools in one short table. Every school's full pack (its
charts, deployments and rules) is in the zip `build_school_packs_zip` writes, on request.

Built from the same governor-safe tables as analysis/pack.py, so nothing hidden there (small
cohorts, visit free text) can appear here.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace

import pandas as pd

from analysis import pack
from analysis.schema import Settings
from analysis.style import STATUS_GLYPHS, STATUS_ORDER

# The statuses that put a school among the board's exceptions (at risk is counted, not detailed).
BOARD_EXCEPTIONS = ["Off track", "Missed"]
ZIP_NAME = "governors-packs-every-school.zip"


def exception_urns(summary: pd.DataFrame) -> list[str]:
    """pack summary table -> the URNs of schools with a target off track or missed, most first."""
    count = summary[BOARD_EXCEPTIONS].sum(axis=1)
    ranked = summary.assign(_n=count, _risk=summary["At risk"])[count > 0]
    ranked = ranked.sort_values(["_n", "_risk", "School"], ascending=[False, False, True],
                                kind="stable")
    return list(ranked["URN"])


def left_out_text(n_exceptions: int, n_others: int) -> list[str]:
    """What the board pack holds and leaves out, in words (page one, before any figure)."""
    schools = "school" if n_exceptions == 1 else "schools"
    others = ("Every client school has a target off track or missed." if n_others == 0 else
              f"The other {n_others} client school{'s are' if n_others != 1 else ' is'} listed "
              "in one table at the end, without a page of their own.")
    return [f"This pack gives one page to each of the {n_exceptions} {schools} with a target "
            f"off track or missed, most first. {others}",
            "Left out: every target's chart, the deployment tables and the status rules. Each "
            "school's full pack has them: download 'Full packs for every school (ZIP)' on the "
            f"Overview page, or run python -m analysis pack --zip {ZIP_NAME}."]


def _front(pdf: pack.PackPDF, summary: pd.DataFrame, exceptions: list[str]) -> None:
    pdf.heading("Impact of school-to-school support: for the trust board", 16)
    totals = summary[STATUS_ORDER].sum()
    pdf.para(f"{len(summary)} client schools · {int(summary['Targets'].sum())} targets · "
             f"position at {pdf.period_label}", 9)
    y, w = pdf.get_y() + 1, 180 / 6
    for i, status in enumerate(STATUS_ORDER):
        pack._box(pdf, 15 + i * w, y, w - 1.5, 22, str(int(totals[status])), status, status)
    y += 25
    pack._box(pdf, 15, y, 88.5, 20, f"{pack._days(summary['Days delivered'].sum())} / "
              f"{pack._days(summary['Days committed'].sum())}", "days used of committed")
    pack._box(pdf, 105, y, 88.5, 20, f"{pack._money(summary['Spend to date (£)'].sum())} / "
              f"{pack._money(summary['Funding (£)'].sum())}", "spend of funding")
    pdf.set_xy(15, y + 24)
    pdf.heading("What this pack holds, and what it leaves out", 12)
    for line in left_out_text(len(exceptions), len(summary) - len(exceptions)):
        pdf.para(line, 9)
    pdf.heading("Exception schools, most first", 12)
    if not exceptions:
        pdf.para("None: no client school has a target off track or missed.")
        return
    shown = summary.set_index("URN").loc[exceptions].reset_index()
    pack._table(pdf, pd.DataFrame({
        "School": shown["School"],
        **{f"{STATUS_GLYPHS[s]} {s}": shown[s] for s in ["Off track", "Missed", "At risk"]},
        "Targets": shown["Targets"],
        "Days used": [f"{pack._days(u)} of {pack._days(c)}" for u, c in
                      zip(shown["Days delivered"], shown["Days committed"], strict=True)],
        "Latest inspection": shown["Latest inspection"],
    }), (52, 16, 16, 16, 14, 26, 40), size=7)


def _others(pdf: pack.PackPDF, summary: pd.DataFrame, exceptions: list[str]) -> None:
    others = summary[~summary["URN"].isin(exceptions)].sort_values("School", kind="stable")
    if others.empty:
        return
    pdf.running_title = "Trust board: the other client schools"
    pdf.add_page()
    pdf.heading(f"The other {len(others)} client schools: no target off track or missed", 12)
    pack._table(pdf, pd.DataFrame({
        "School": others["School"],
        **{f"{STATUS_GLYPHS[s]} {s}": others[s] for s in ["Achieved", "On track", "At risk",
                                                           "No data yet"]},
        "Days used": [f"{pack._days(u)} of {pack._days(c)}" for u, c in
                      zip(others["Days delivered"], others["Days committed"], strict=True)],
    }), (60, 20, 20, 20, 22, 38), size=7)


def _since_lines(pdf: pack.PackPDF, heading: str, lines: list[str], size: float = 9) -> None:
    """A 'since our last meeting' block: a heading, the summary line in bold, then bullets."""
    from fpdf.enums import XPos, YPos

    pdf.heading(heading, 12)
    for i, line in enumerate(lines):
        pdf.set_font(pack.FONT, "B" if i == 0 else "", size)
        pdf.multi_cell(0, 4.6, pack.shorten(("" if i == 0 else "• ") + line, 400), align="L",
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(0.5)
    pdf.ln(2)


def build_board_pack(dataset, settings: Settings, period_label: str | None = None,
                     progress: pd.DataFrame | None = None,
                     deployment_summary: pd.DataFrame | None = None,
                     since: tuple | None = None) -> bytes:
    """Dataset -> the board's PDF: summary, one page per exception school, the rest listed.
    since = (meeting date, the Dataset governors could see then; analysis.since.then_dataset)
    adds 'since our last meeting': a trust summary page after page one, and each exception
    school's page opening with what moved there (analysis/since_trust.py)."""
    facts = pack.pack_facts(dataset, settings, progress, deployment_summary)
    urns = pack._client_urns(facts)
    summary = pack._summary_table(facts, urns)
    exceptions = exception_urns(summary)
    targets = pack._targets_table(facts, exceptions)
    sustain = pack.sustainability(facts, exceptions)
    moved = None
    if since:
        from analysis.since_trust import board_since

        meeting, then = since
        moved = board_since(then, dataset, settings, meeting, list(urns), exceptions)
    pdf = pack.PackPDF(period_label or pack._latest_period(dataset.measures),
                       pack.hidden_text(settings))
    pdf.set_title("Governors' pack: trust board")
    pdf.running_title = "Trust board: summary and exception schools"
    pdf.add_page()
    _front(pdf, summary, exceptions)
    if moved is not None:
        pdf.running_title = "Trust board: since our last meeting"
        pdf.add_page()
        _since_lines(pdf, f"Since our last meeting ({moved.meeting:%d/%m/%Y}): the trust",
                     moved.trust, 9.5)
        if exceptions:
            names = summary.set_index("URN")["School"]
            _since_lines(pdf, "The exception schools since then (each has its page)", [
                "Most first, as in the pack:", *[
                    f"{names.get(u, u)}: {moved.schools[u][0].split(': ', 1)[-1]}"
                    for u in exceptions if moved.schools.get(u)]], 9)
    by_urn = summary.set_index("URN", drop=False)
    for urn in exceptions:
        row = by_urn.loc[urn]
        pdf.running_title = f"{row['School']} (URN {urn})"
        pdf.add_page()
        if moved is not None and moved.schools.get(urn):
            _since_lines(pdf, f"Since our last meeting ({moved.meeting:%d/%m/%Y})",
                         moved.schools[urn], 8.5)
        pack._school_front(pdf, row, targets[targets["URN"] == urn],
                           sustain[sustain["URN"] == urn])
    _others(pdf, summary, exceptions)
    return bytes(pdf.output())


def school_cut(dataset, urn: str):
    """The rows of one client school (and the names of the home schools its deployments name),
    so each school's pack costs what that school holds, not what the trust holds."""
    deployments = dataset.deployments[dataset.deployments["client_urn"] == urn]
    targets = dataset.targets[dataset.targets["client_urn"] == urn]
    keep = {urn, *deployments["home_urn"].dropna()}
    return replace(
        dataset,
        schools=dataset.schools[dataset.schools["urn"].isin(keep)],
        deployments=deployments, targets=targets,
        milestones=dataset.milestones[dataset.milestones["target_id"].isin(targets["target_id"])],
        measures=dataset.measures[dataset.measures["urn"] == urn],
        school_measures=dataset.school_measures[dataset.school_measures["urn"] == urn],
        visits=dataset.visits[dataset.visits["deployment_id"].isin(deployments["deployment_id"])],
        inspections=dataset.inspections[dataset.inspections["urn"] == urn],
    )


def build_school_packs_zip(dataset, settings: Settings, period_label: str | None = None,
                           progress: pd.DataFrame | None = None,
                           deployment_summary: pd.DataFrame | None = None,
                           urns: list[str] | None = None) -> bytes:
    """Dataset -> a zip of every client school's full governors' pack (or of `urns` only)."""
    facts = pack.pack_facts(dataset, settings, progress, deployment_summary)
    urns = urns if urns is not None else pack._client_urns(facts)
    by_school = {u: g for u, g in facts.progress.groupby("client_urn")}
    summaries = {u: g for u, g in facts.summary.groupby("client_urn")}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for urn in urns:
            empty_progress = facts.progress.iloc[0:0]
            empty_summary = facts.summary.iloc[0:0]
            pdf = pack.build_school_pack(
                school_cut(dataset, urn), settings, urn, period_label,
                progress=by_school.get(urn, empty_progress),
                deployment_summary=summaries.get(urn, empty_summary))
            archive.writestr(f"governors-pack-{urn}.pdf", pdf)
    return buffer.getvalue()
