"""Plain-English sentences built from the numbers (written the one way: analysis/formats.py).

Governors and trust boards read these sentences instead of charts, so each one says what
happened, what was expected and what that means, in the words a school would use.
"""

from __future__ import annotations

import pandas as pd

from analysis import disclosure
from analysis.formats import format_change, format_days, format_value
from analysis.formats import number as _number
from analysis.schema import MEASURES, measure_label

__all__ = ["format_change", "format_days", "format_value"]  # their home is analysis/formats.py

# How a subgroup reads after a measure's name ("... for disadvantaged pupils").
_SUBGROUP_WORDS = {
    "Disadvantaged": "for disadvantaged pupils",
    "Not disadvantaged": "for pupils who are not disadvantaged",
    "SEND": "for pupils with SEND",
    "No SEND": "for pupils without SEND",
}

# The order a sentence lists statuses in: good news first reads naturally in a paragraph
# (tables list exceptions first instead: see schema.STATUS_ORDER).
_SENTENCE_ORDER = ["Achieved", "On track", "At risk", "Off track", "Missed", "No data yet"]


def _missing(value: object) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value))


def measure_phrase(measure: str, subgroup: object = "All") -> str:
    """'maths_exs', 'Disadvantaged' -> 'Maths at the expected standard for disadvantaged pupils'."""
    label = measure_label(measure)
    words = _SUBGROUP_WORDS.get(str(subgroup)) if not _missing(subgroup) else None
    return f"{label} {words}" if words else label


def describe_target(row: pd.Series | dict, small_cohort: int | None = None) -> str:
    """One progress row -> a sentence: what moved, what was expected, and the status.

    With small_cohort (governors' views), a latest figure from fewer pupils than that is never
    written as a number: the sentence says 'fewer than N pupils' instead.
    """
    measure = str(row["measure"])
    subject = measure_phrase(measure, row.get("subgroup", "All"))
    status = str(row["status"])
    lower_better = measure in MEASURES and MEASURES[measure].better < 0
    baseline, target = row["baseline_value"], row["target_value"]
    b, t = format_value(baseline, measure), format_value(target, measure)
    deadline = row["target_period"]

    if status == "No data yet":
        # The baseline is a pupil figure whose cohort this row does not carry, so a governors'
        # sentence leaves it out; the target is the school's own goal and is always shown.
        since = "the baseline in" if small_cohort is not None else f"the baseline of {b} in"
        return (
            f"{subject} has no figure yet since {since} {row['baseline_period']}; "
            f"the target is {t} by {deadline}."
        )

    outcome = {
        "Achieved": "this target has been achieved",
        "Missed": "this target was missed",
    }.get(status, f"this target is {status.lower()}")

    if small_cohort is not None and disclosure.is_hidden(row.get("cohort"), small_cohort):
        return (
            f"{subject} in {row['latest_period']} covers fewer than {small_cohort} pupils, "
            f"so no figures are shown; {outcome}."
        )

    latest = row["latest_value"]
    a = format_value(latest, measure)
    if a == b:  # compare as written: 60.01 and 60.04 both read "60%", so "stayed at" is honest
        moved = f"stayed at {a}"
    elif float(latest) > float(baseline):
        moved = f"rose from {b} to {a}"
    else:
        moved = f"fell from {b} to {a}"
    opening = f"{subject} {moved} since {row['baseline_period']}"

    if status in ("Achieved", "Missed"):
        goal = f"{t} or lower" if lower_better else f"{t} or higher"
        return f"{opening}; the target was {goal} by {deadline}, so {outcome}."
    expected = format_value(row["expected_value"], measure)
    # "17% was expected" would read as a floor; for lower-is-better measures it is a ceiling.
    expected = f"no more than {expected}" if lower_better else expected
    return f"{opening}; {expected} was expected by now, so {outcome}."


def describe_governed(row: pd.Series | dict, limit: int | None) -> str:
    """A governed progress row (analysis.governed) -> its sentence, quoting no hidden figure.

    The flags say what is hidden: the latest figure (the sentence says 'fewer than N pupils'),
    the baseline (left out), the plan (no expected value)."""
    status = str(row["status"])
    measure = str(row["measure"])
    phrase = measure_phrase(measure, row.get("subgroup", "All"))
    outcome = {"Achieved": "this target has been achieved", "Missed": "this target was missed"
               }.get(status, f"this target is {status.lower()}")
    if status == "No data yet" and row.get("baseline_hidden"):
        return f"{phrase} has no figure yet since the baseline in {row['baseline_period']}."
    if row.get("latest_hidden") or status == "No data yet":
        # describe_target says 'fewer than N pupils' for a hidden (NA-cohort) latest figure.
        return describe_target(row, small_cohort=limit if limit is not None else 5)
    if row.get("baseline_hidden"):
        return (f"{phrase} was {format_value(row['latest_value'], measure)} in "
                f"{row['latest_period']} (the baseline covers "
                f"{disclosure.hidden_words(limit or 5)}, so it is not shown); {outcome}.")
    if row.get("plan_hidden") and status not in ("Achieved", "Missed"):
        # A hidden milestone: the expected value runs through it, so it is not quoted.
        return (f"{phrase} was {format_value(row['latest_value'], measure)} in "
                f"{row['latest_period']} (the plan's milestones cover "
                f"{disclosure.hidden_words(limit or 5)}, so the expected value is not shown); "
                f"{outcome}.")
    return describe_target(row, small_cohort=limit)


def describe_school(
    progress: pd.DataFrame,
    deployment_summary: pd.DataFrame | None = None,
    small_cohort: int | None = None,
) -> str:
    """One school's progress rows + deployment_summary rows -> a short paragraph.

    The paragraph counts targets and days, never pupils, so it is the same in governors'
    views; small_cohort is accepted so every describe_* call can be made the same way.
    """
    sentences = []
    if progress is None or progress.empty:
        sentences.append("No targets are recorded yet.")
    else:
        counts = progress["status"].value_counts()
        total = len(progress)
        if total == 1:
            status = str(progress["status"].iloc[0])
            which = {"Achieved": "which has been achieved", "Missed": "which was missed",
                     "No data yet": "which has no data yet"}.get(status, f"which is {status.lower()}")
            sentences.append(f"The school has 1 target, {which}.")
        else:
            words = {s: s.lower() for s in _SENTENCE_ORDER} | {"No data yet": "with no data yet"}
            parts = [f"{counts[s]} {words[s]}" for s in _SENTENCE_ORDER if s in counts]
            parts += [f"{n} {s.lower()}" for s, n in counts.items() if s not in _SENTENCE_ORDER]
            listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
            sentences.append(f"The school has {total} targets: {listed}.")

    if deployment_summary is None or deployment_summary.empty:
        sentences.append("No deployments are recorded.")
    else:
        committed = float(deployment_summary["days_committed"].fillna(0).sum())
        delivered = float(deployment_summary["days_delivered"].fillna(0).sum())
        n = len(deployment_summary)
        noun = "deployment has" if n == 1 else "deployments have"
        used = f"{format_days(delivered)} of {format_days(committed)} committed"
        share = f" ({_number(100 * delivered / committed)}%)" if committed > 0 else ""
        sentences.append(f"{n} {noun} used {used}{share}.")
        flagged = int(deployment_summary["creep_flag"].fillna(False).astype(bool).sum())
        if flagged:
            which = "1 deployment is" if flagged == 1 else f"{flagged} deployments are"
            sentences.append(f"{which} flagged for spending too much time outside the agreed focus.")
        pending = int(deployment_summary["qa_pending"].fillna(0).sum())
        if pending:
            records = "1 visit record awaits" if pending == 1 else f"{pending} visit records await"
            sentences.append(f"{records} quality assurance.")
    return " ".join(sentences)

