"""The governors' pack as an accessible HTML document, beside the PDF (issue 12).

Built from the same governed view as the PDF: `pack.pack_tables` (figures from small cohorts are
already words there) and the PDF's own charts (`pack_charts.chart_png` from the PDF's chart
spec), so the two can never disagree. What the document adds for people who use screen readers,
magnifiers or a keyboard: real headings in order, tables with captions and header cells, each
chart with a text alternative (its sentence as the image's alt text, and its figures as a
table), no script, and CSS that reflows on a phone and prints cleanly.

Every piece of text is escaped here (`html.escape`): uploaded names never become markup.
"""

from __future__ import annotations

import base64
import datetime as dt

import pandas as pd

from analysis import pack, style
from analysis.chart_tables import html_cell as _e
from analysis.chart_tables import html_table
from analysis.schema import Settings

_CSS = f"""
body {{ font-family: Arial, Helvetica, sans-serif; color: {style.TEXT_COLOUR}; line-height: 1.5;
  max-width: 60rem; margin: 0 auto; padding: 1rem; font-size: 1.05rem; }}
h1 {{ font-size: 1.9rem; margin-bottom: 0.2rem; }} h2 {{ font-size: 1.45rem; margin-top: 2rem; }}
h3 {{ font-size: 1.2rem; margin-top: 1.5rem; }}
.muted {{ color: {style.MUTED_TEXT_COLOUR}; }}
table {{ border-collapse: collapse; margin: 0.5rem 0 1rem; width: 100%; }}
caption {{ text-align: left; font-weight: 700; padding: 0.3rem 0; }}
th, td {{ border: 1px solid #767676; padding: 0.3rem 0.5rem; text-align: left;
  vertical-align: top; }}
th {{ background: #F0F2F6; }}
.table-wrap {{ overflow-x: auto; }}
img {{ max-width: 100%; height: auto; }}
figure {{ margin: 0.5rem 0 1rem; }}
a:focus-visible, .table-wrap:focus-visible {{ outline: 3px solid {style.FOCUS_COLOUR};
  outline-offset: 2px; }}
@media print {{
  body {{ max-width: none; font-size: 10.5pt; }}
  h2 {{ break-before: page; }} h2.first {{ break-before: auto; }}
  table, figure, section.target {{ break-inside: avoid; }}
  .table-wrap {{ overflow: visible; }}
}}
"""


def _target_charts(dataset, settings: Settings, urn: str, progress, deployment_summary
                   ) -> dict[str, bytes]:
    """Target id -> the PDF's own chart for it (PNG), from the PDF's governed chart spec."""
    facts = pack.pack_facts(dataset, settings, progress, deployment_summary)
    tables = pack._tables(facts, [urn])
    deployments = tables["deployments"][tables["deployments"]["URN"] == urn]
    charts = {}
    for _, target in tables["targets"][tables["targets"]["URN"] == urn].iterrows():
        spec = pack._chart_spec(target, tables["measures"], facts, deployments)
        charts[str(target["Target"])] = pack.chart_png(spec)
    return charts


def build_school_pack_html(dataset, settings: Settings, urn: str,
                           progress: pd.DataFrame | None = None,
                           deployment_summary: pd.DataFrame | None = None,
                           today: dt.date | None = None) -> str:
    """Dataset + one client school's URN -> the governors' pack as one HTML document."""
    tables = pack.pack_tables(dataset, settings, urn, progress=progress,
                              deployment_summary=deployment_summary)
    summary = tables["summary"][tables["summary"]["URN"] == urn]
    if summary.empty:
        raise pack.PackError(f"URN {urn} is not a client school in the stored data")
    summary = summary.iloc[0]
    targets = tables["targets"]
    measures = tables["measures"]
    sustain = tables["sustainability"]
    charts = _target_charts(dataset, settings, urn, progress, deployment_summary)
    school = str(summary["School"])
    made = (today or dt.date.today()).strftime(style.DATE_FORMAT)

    parts = [
        "<!DOCTYPE html>", '<html lang="en-GB">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Governors' pack: {_e(school)}</title>", f"<style>{_CSS}</style>", "</head>",
        "<body>", "<main>",
        f"<h1>Governors' pack: {_e(school)}</h1>",
        f'<p class="muted">URN {_e(urn)} · {_e(summary["Phase"])} · made {_e(made)}. '
        f"Figures for groups of {_e(pack.hidden_text(settings))} are not shown.</p>",
        '<h2 class="first">The answer in brief</h2>', "<ul>",
    ]
    for line in pack._answer_lines(summary, targets, sustain):
        question, _, answer = line.partition("  ")
        parts.append(f"<li><strong>{_e(question)}</strong> {_e(answer)}</li>")
    parts.append("</ul>")
    counts = pd.DataFrame({"Status": [style.status_badge_text(s) for s in style.STATUS_ORDER],
                           "Targets": [int(summary[s]) for s in style.STATUS_ORDER]})
    parts.append(html_table(counts, "Targets by status"))

    parts.append("<h2>Targets, exceptions first</h2>")
    if targets.empty:
        parts.append("<p>No targets are recorded for this school yet.</p>")
    for _, target in targets.iterrows():
        title = f"{target['Measure']} ({target['Subgroup']})"
        parts += [
            '<section class="target">',
            f"<h3>{_e(style.status_badge_text(str(target['Status'])))}: {_e(title)}</h3>",
            f"<p>{_e(target['Sentence'])}</p>",
            f"<p><strong>Why:</strong> {_e(target['Rule'])}</p>",
        ]
        png = charts.get(str(target["Target"]))
        if png:
            data = base64.b64encode(png).decode("ascii")
            parts.append(f'<figure><img src="data:image/png;base64,{data}" '
                         f'alt="Chart: {_e(target["Sentence"])} The figures are in the table '
                         f'below."><figcaption class="muted">{_e(title)}: actual figures, the '
                         "planned line and the target.</figcaption></figure>")
        series = measures[(measures["Measure"] == target["Measure"])
                          & (measures["Subgroup"] == target["Subgroup"])]
        figures = pd.concat([
            series[["Period", "Value", "Pupils"]].rename(columns={"Value": "Figure"}),
            pd.DataFrame({"Period": [target["Target period"]],
                          "Figure": [f"Target: {_e(target['Target value'])}".replace("&amp;", "&")],
                          "Pupils": [""]}),
        ], ignore_index=True)
        parts.append(html_table(figures, f"The figures in the chart: {title} (per cent, or "
                                         "percentage points for a gap)"))
        parts.append("</section>")

    parts.append("<h2>Support received</h2>")
    deployments = tables["deployments"]
    if deployments.empty:
        parts.append("<p>No deployments are recorded for this school.</p>")
    else:
        columns = ["Leader", "Role", "Focus", "Start", "End", "Days committed", "Days delivered",
                   "Utilisation (%)", "Off-focus share (%)", "Latest rating", "Funding (£)"]
        parts.append(html_table(deployments[[c for c in columns if c in deployments]],
                                "Deployments to this school"))
    if not sustain.empty:
        parts.append("<h2>After the support ends</h2>")
        parts.append(html_table(sustain[["Measure", "Subgroup", "Leader", "Ended", "At end",
                                         "Latest since", "Verdict"]],
                                "Whether gains held after each deployment ended"))
    parts += ["</main>", "</body>", "</html>"]
    return "\n".join(parts)
