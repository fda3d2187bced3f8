"""The one disclosure rule: which figures a governor-facing view may show.

Every governor-facing view (School page, Presentation mode, Overview, the governors' pack PDF,
its XLSX/CSV tables, screen and print charts) draws from facts governed here
(`analysis.governed`), so no renderer ever receives a hidden number.

The rule
- A figure is hidden when its cohort (the pupils it counts) is below `Settings.small_cohort`,
  or unknown: a figure without its denominator cannot be shown to be safe.
- A gap between two groups carries the smaller group's cohort (`gap_cohort`).
- A plan figure (a target's baseline, or a milestone) is typed into the action plan and has no
  cohort of its own: it inherits the cohort of the stored figure for the same school, measure,
  subgroup and period (`plan_cohort`). Where no figure is stored for that period it is the
  school's own written plan and is shown.
- Derived figures inherit (`derived_hidden`):
  - the projection is hidden when the latest figure, the baseline or any actual it is fitted
    through is hidden (the fit would let a reader solve for the hidden one);
  - the plan line, the at-risk band, the expected value and the numeric rule (which quotes the
    expected value and the tolerance in points) are hidden when the baseline or any milestone is
    hidden (the line passes through them);
  - the numeric rule is also hidden when the latest figure is (it quotes it);
  - a sustainability change and verdict are hidden when either figure they compare is.
- The target value is the school's goal, never a pupil figure: it is always shown.

The status policy (`STATUS_POLICY`)
A status is shown even when the figures behind it are hidden: governors must know that a
target is off track, and the trust's totals and the exceptions-first order must agree on every
page. It is shown as words only. With it the view shows no number that places the hidden
figure: no latest value, no pupil count, no projection, and no figure quoted in the rule (the
general rule for the status is shown instead). A status is a range relative to the plan (for
example "at or above the expected line"), never a figure.
"""

from __future__ import annotations

import math

import pandas as pd

STATUS_POLICY = (
    "A status is shown even when its figures are hidden, in words only, with the general rule "
    "for that status instead of one quoting figures; the latest figure, its pupil count, the "
    "projection and (with a hidden baseline or milestone) the expected value are not shown, so "
    "the status says only which side of the plan the figure is, never the figure."
)


def hidden_words(limit: int) -> str:
    """The words shown instead of a hidden figure: 'fewer than 5 pupils'."""
    return f"fewer than {int(limit)} pupils"


def _unknown(cohort: object) -> bool:
    if cohort is None or isinstance(cohort, str):
        return True
    try:
        return bool(pd.isna(cohort)) or math.isnan(float(cohort))
    except (TypeError, ValueError):
        return True


def is_hidden(cohort: object, limit: int | None) -> bool:
    """THE rule: a figure is hidden when its cohort is below the limit, or unknown.

    limit None means a view that is not governor-facing (nothing is hidden)."""
    if limit is None:
        return False
    return _unknown(cohort) or float(cohort) < int(limit)


def gap_cohort(*cohorts: object) -> object:
    """A gap (or any figure from several groups) carries its smallest group's cohort; unknown if
    any group's cohort is unknown."""
    if not cohorts or any(_unknown(c) for c in cohorts):
        return pd.NA
    return min(int(c) for c in cohorts)


class _Absent:
    """No stored figure for a plan figure's period: the plan figure stands on its own."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT = _Absent()


def plan_cohort(cohorts_by_period: dict[str, object], period: object) -> object:
    """A baseline's or milestone's cohort: that of the stored figure at its period, or ABSENT."""
    return cohorts_by_period.get(str(period), ABSENT)


def plan_figure_hidden(cohort: object, limit: int | None) -> bool:
    """A plan figure is hidden when the stored figure at its period is (ABSENT: shown)."""
    return cohort is not ABSENT and is_hidden(cohort, limit)


def derived_hidden(*, latest: bool, baseline: bool, milestone: bool = False,
                   any_actual: bool = False) -> dict[str, bool]:
    """What each derived figure of a target inherits, from which of its inputs are hidden."""
    plan = baseline or milestone
    return {
        "latest": latest,
        "baseline": baseline,
        "plan": plan,  # plan line, band, expected value
        "projection": latest or baseline or any_actual,
        "rule": latest or plan,  # the numeric rule quotes latest, expected and tolerance
    }


def comparison_hidden(*cohorts: object, limit: int | None) -> bool:
    """A change between figures (sustainability, a gap's trend) is hidden if any figure is."""
    return any(is_hidden(c, limit) for c in cohorts)
