"""Static charts for the printed governors' pack: matplotlib (Agg), PNG bytes, readable in grey.

Every line differs by style and marker as well as colour, so a black-and-white print still
tells the actual, the plan, the projection and the support periods apart. A figure whose
cohort is below the small-cohort threshold is never drawn: the chart says
`fewer than 5 pupils` at that period instead.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import matplotlib

matplotlib.use("Agg")  # no display, no browser: the pack must build on a bare server

from matplotlib.figure import Figure  # noqa: E402

from analysis.periods import format_period, period_index  # noqa: E402

# Matplotlib marker per status, matching the symbols the dashboard uses (★ ● ▲ ✖ ■ ○).
STATUS_MARKERS = {
    "Achieved": "*",
    "On track": "o",
    "At risk": "^",
    "Off track": "X",
    "Missed": "s",
    "No data yet": "o",
}

_SHORT_HALF = ["Aut 1", "Aut 2", "Spr 1", "Spr 2", "Sum 1", "Sum 2"]


@dataclass
class TargetChart:
    """What one target's chart draws; periods are canonical labels, values in the measure's unit."""

    title: str
    unit: str  # "%" or "pp"
    baseline_period: str
    baseline_value: float | None  # None when its cohort is small (not drawn)
    target_period: str
    target_value: float
    plan: list[tuple[str, float]]  # the expected line: baseline, milestones, target
    band: list[tuple[str, float, float]]  # at-risk band (period, low, high) along the plan
    actuals: list[tuple[str, float | None]]  # None = cohort too small to show
    projection: list[tuple[str, float]] = field(default_factory=list)  # latest -> deadline
    support: list[tuple[str, str]] = field(default_factory=list)  # (first, last) period shaded
    status: str = "No data yet"
    hidden_label: str = "fewer than 5 pupils"
    target_label: str = ""  # the target as the text writes it, e.g. "72%"


def period_tick(label: str) -> str:
    """'2024/25 Spring 2' -> 'Spr 2\\n24/25' (two short lines fit under a narrow chart)."""
    index = period_index(label)
    year, half = divmod(index, 6)
    return f"{_SHORT_HALF[half]}\n{year % 100:02d}/{(year + 1) % 100:02d}"


def _x(label: str) -> int:
    return period_index(label)


def draw_target_chart(spec: TargetChart, width_in: float = 7.1, height_in: float = 2.7) -> Figure:
    """A TargetChart -> Figure: plan, at-risk band, actuals, projection, support shaded."""
    fig = Figure(figsize=(width_in, height_in), dpi=150)
    ax = fig.add_subplot(1, 1, 1)

    points = [_x(p) for p, _ in spec.actuals] + [_x(spec.baseline_period), _x(spec.target_period)]
    points += [_x(p) for p, _ in spec.projection]
    first, last = min(points), max(points)
    ax.set_xlim(first - 0.6, last + 0.6)

    # Support periods, clipped to the plan's span (a deployment may start long before the
    # baseline): a pale fill that still reads as a lighter area in grey.
    shaded = [(max(_x(a), first), min(_x(b), last)) for a, b in spec.support]
    shaded = [(a, b) for a, b in shaded if a <= b]
    for i, (start, end) in enumerate(shaded):
        ax.axvspan(start - 0.5, end + 0.5, color="#dbe9f6", zorder=0,
                   label="Support period" if i == 0 else None)

    if spec.band:
        xs = [_x(p) for p, _, _ in spec.band]
        ax.fill_between(xs, [lo for _, lo, _ in spec.band], [hi for _, _, hi in spec.band],
                        facecolor="#f3e2b3", edgecolor="#8a6d1f", hatch="////", linewidth=0,
                        alpha=0.6, zorder=1, label="At-risk band (behind plan, within tolerance)")
    if spec.plan:
        ax.plot([_x(p) for p, _ in spec.plan], [v for _, v in spec.plan], linestyle="--",
                color="#444444", linewidth=1.2, zorder=2, label="Plan (expected)")
    ax.plot([_x(spec.target_period)], [spec.target_value], marker="D", markersize=7,
            color="#222222", markerfacecolor="white", linestyle="none", zorder=4,
            label=f"Target ({spec.target_label})")
    if spec.baseline_value is not None:
        ax.plot([_x(spec.baseline_period)], [spec.baseline_value], marker="s", markersize=6,
                color="#222222", markerfacecolor="#bbbbbb", linestyle="none", zorder=4,
                label="Baseline")

    shown = [(p, v) for p, v in spec.actuals if v is not None]
    if shown:
        ax.plot([_x(p) for p, _ in shown], [v for _, v in shown], linestyle="-", marker="o",
                markersize=4, color="#1f4e79", linewidth=2, zorder=5, label="Actual")
        latest_period, latest_value = shown[-1]
    if shown and spec.actuals[-1][1] is not None:  # a hidden latest figure wears no status
        ax.plot([_x(latest_period)], [latest_value], marker=STATUS_MARKERS.get(spec.status, "o"),
                markersize=12, color="#1f4e79", markeredgecolor="black", linestyle="none",
                zorder=6)
    if len(spec.projection) >= 2:
        ax.plot([_x(p) for p, _ in spec.projection], [v for _, v in spec.projection],
                linestyle=":", color="#1f4e79", linewidth=1.8, zorder=3, label="Projection")

    values = [v for _, v in shown] + [spec.target_value] + [v for _, v in spec.plan]
    values += [lo for _, lo, _ in spec.band] + [hi for _, _, hi in spec.band]
    values += [v for _, v in spec.projection]
    if spec.baseline_value is not None:
        values.append(spec.baseline_value)
    low, high = min(values), max(values)
    if not shown and not spec.plan and spec.unit == "%":
        low, high = 0.0, 100.0  # only the target is drawn: a narrow axis round it says nothing
    pad = max((high - low) * 0.15, 2.0)
    ax.set_ylim(low - pad, high + pad)

    # Hidden figures: say so where the point would have been, never the number.
    for period, value in spec.actuals:
        if value is None:
            ax.text(_x(period), (low + high) / 2, spec.hidden_label, rotation=90, ha="center",
                    va="center", fontsize=6.5, color="#333333", zorder=7,
                    bbox={"facecolor": "white", "edgecolor": "#999999", "pad": 1.5})

    ticks = list(range(first, last + 1))
    ax.set_xticks(ticks)
    ax.set_xticklabels([period_tick(format_period(t)) for t in ticks], fontsize=6.5)
    ax.tick_params(axis="y", labelsize=7)
    ax.set_ylabel("percentage points" if spec.unit == "pp" else "%", fontsize=7)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.28), ncol=4, fontsize=6.5,
              frameon=False)
    fig.subplots_adjust(left=0.08, right=0.99, top=0.96, bottom=0.38)
    return fig


def chart_from_view(view) -> TargetChart:
    """A governed analysis.governed.TargetView -> the print chart's spec (actuals from the
    baseline on; support: the target's own deployment, else the school's)."""
    from analysis.governed import support_periods
    from analysis.narrative import format_value

    start = period_index(view.baseline_period) if view.baseline_period else None
    actuals = [(a.period, a.value) for a in view.actuals
               if start is None or period_index(a.period) >= start]
    return TargetChart(
        title=view.measure, unit=view.unit, baseline_period=view.baseline_period,
        baseline_value=view.baseline_value, target_period=view.target_period,
        target_value=float(view.target_value), plan=list(view.plan), band=list(view.band),
        actuals=actuals, projection=list(view.projection),
        support=support_periods(view, own_only=True), status=view.status,
        hidden_label=view.hidden_label, target_label=format_value(view.target_value, view.measure),
    )


def chart_png(spec: TargetChart) -> bytes:
    """A TargetChart -> PNG bytes at 150 dpi (sharp enough to print at A4 width)."""
    fig = draw_target_chart(spec)
    buffer = io.BytesIO()
    # A Figure made directly (not through pyplot) is freed with its last reference.
    fig.savefig(buffer, format="png", dpi=150)
    return buffer.getvalue()
