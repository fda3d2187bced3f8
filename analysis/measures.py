"""Pupil rows -> school measures per period and subgroup, each with its cohort (the denominator).

Every measure is a numerator over a denominator of pupils, so the work is done once per pupil
row as 0/1 (or summed) columns, added up per school, period and subgroup with one groupby
each, and only then divided. No Python loop runs over pupils or schools.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.periods import period_index
from analysis.schema import MEASURE_COLUMNS, MEASURES, SUBGROUPS

KEYS = ["urn", "period", "measure", "subgroup"]

# The measures a percentage of pupils is computed for: name -> (numerator, denominator) columns
# of the per-pupil frame built in _pupil_counts. Attendance is the exception (see _attendance).
_RATIO_MEASURES = {
    "reading_exs": ("reading_exs", "reading_assessed"),
    "writing_exs": ("writing_exs", "writing_assessed"),
    "maths_exs": ("maths_exs", "maths_assessed"),
    "rwm_exs": ("rwm_exs", "rwm_assessed"),
    "rwm_gds": ("rwm_gds", "rwm_assessed"),
    "eng_maths_4plus": ("eng_maths_4plus", "grades_assessed"),
    "eng_maths_5plus": ("eng_maths_5plus", "grades_assessed"),
    "persistent_absence": ("persistently_absent", "has_attendance"),
    "suspension_rate": ("suspended", "has_suspensions"),
}
BASE_MEASURES = [m for m in MEASURES if not m.startswith("disadvantaged_gap_")]


def _empty() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "urn": pd.Series(dtype="str"),
            "period": pd.Series(dtype="str"),
            "measure": pd.Series(dtype="str"),
            "subgroup": pd.Series(dtype="str"),
            "value": pd.Series(dtype="float64"),
            "cohort": pd.Series(dtype="int64"),
        }
    )


def _teacher_assessment(column: pd.Series) -> pd.Series:
    """PKS/WTS/EXS/GDS text -> upper-case codes with blanks as NA (blank = not assessed)."""
    text = column.astype("string").str.strip().str.upper()
    return text.mask(text == "")


def _grade(column: pd.Series) -> pd.Series:
    """english_grade / maths_grade -> float, U as 0, blank as NaN (ingest already does this)."""
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        return column.astype("float64")
    text = column.astype("string").str.strip().str.upper().replace("U", "0")
    return pd.to_numeric(text, errors="coerce").astype("float64")


def _number(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame:
        return pd.Series(np.nan, index=frame.index, dtype="float64")
    return pd.to_numeric(frame[column], errors="coerce").astype("float64")


def _pupil_counts(outcomes: pd.DataFrame) -> pd.DataFrame:
    """outcomes -> urn, period, the two subgroup labels and one numeric count column per part."""
    # A fresh 0..n-1 index: the count columns below mix Series and arrays, which must line up.
    o = outcomes.reset_index(drop=True)
    counts: dict[str, object] = {"urn": o["urn"].astype("str"), "period": o["period"].astype("str")}

    # A pupil with no disadvantaged / send value belongs to All only, never to a guessed group.
    disadvantaged = o["disadvantaged"].astype("boolean") if "disadvantaged" in o else None
    if disadvantaged is not None:
        counts["dis_group"] = pd.Series(
            np.where(disadvantaged.fillna(False), "Disadvantaged", "Not disadvantaged"),
            index=o.index,
        ).where(disadvantaged.notna())
    send = o["send"].astype("string").str.strip().str.upper() if "send" in o else None
    if send is not None:
        counts["send_group"] = pd.Series(
            np.where(send.isin(["K", "E"]).fillna(False), "SEND", "No SEND"), index=o.index
        ).where(send.isin(["K", "E", "N"]).fillna(False))

    # Primary teacher assessment: assessed = any non-blank judgement; EXS+ = EXS or GDS.
    exs, gds, assessed = {}, {}, {}
    for subject in ("reading", "writing", "maths"):
        ta = (
            _teacher_assessment(o[subject])
            if subject in o
            else pd.Series(pd.NA, index=o.index, dtype="string")
        )
        assessed[subject] = ta.notna().to_numpy()
        exs[subject] = ta.isin(["EXS", "GDS"]).fillna(False).to_numpy(dtype=bool)
        gds[subject] = ta.eq("GDS").fillna(False).to_numpy(dtype=bool)
        counts[f"{subject}_assessed"] = assessed[subject]
        counts[f"{subject}_exs"] = exs[subject]
    all_three = assessed["reading"] & assessed["writing"] & assessed["maths"]
    counts["rwm_assessed"] = all_three
    counts["rwm_exs"] = exs["reading"] & exs["writing"] & exs["maths"]
    counts["rwm_gds"] = gds["reading"] & gds["writing"] & gds["maths"]

    # Secondary grades: only pupils with both grades count; U is 0 so it is below any threshold.
    english = _grade(o["english_grade"]) if "english_grade" in o else _number(o, "english_grade")
    maths = _grade(o["maths_grade"]) if "maths_grade" in o else _number(o, "maths_grade")
    both = (english.notna() & maths.notna()).to_numpy()
    counts["grades_assessed"] = both
    counts["eng_maths_4plus"] = both & ((english >= 4) & (maths >= 4)).to_numpy()
    counts["eng_maths_5plus"] = both & ((english >= 5) & (maths >= 5)).to_numpy()

    # Attendance: sessions where a pupil has them (possible > 0), else the percentage given.
    possible, attended = _number(o, "sessions_possible"), _number(o, "sessions_attended")
    pct = _number(o, "attendance_pct")
    has_sessions = (possible > 0) & attended.notna()
    counts["sessions_pupils"] = has_sessions.to_numpy()
    counts["sessions_possible"] = possible.where(has_sessions, 0.0).to_numpy()
    counts["sessions_attended"] = attended.where(has_sessions, 0.0).to_numpy()
    counts["pct_pupils"] = pct.notna().to_numpy()
    counts["pct_sum"] = pct.fillna(0.0).to_numpy()
    pupil_attendance = (100 * attended / possible).where(has_sessions, pct)
    counts["has_attendance"] = pupil_attendance.notna().to_numpy()
    counts["persistently_absent"] = (pupil_attendance < 90).fillna(False).to_numpy(dtype=bool)

    suspensions = _number(o, "suspensions")
    counts["has_suspensions"] = suspensions.notna().to_numpy()
    counts["suspended"] = (suspensions >= 1).fillna(False).to_numpy(dtype=bool)

    frame = pd.DataFrame(counts, index=o.index)
    for column in frame.columns:
        if frame[column].dtype == bool:
            frame[column] = frame[column].astype("int64")
    return frame


def _totals(counts: pd.DataFrame) -> pd.DataFrame:
    """Per-pupil counts -> their sums per urn, period and subgroup (one groupby per grouping)."""
    numeric = [c for c in counts.columns if c not in ("urn", "period", "dis_group", "send_group")]
    parts = [counts.groupby(["urn", "period"], sort=False)[numeric].sum().assign(subgroup="All")]
    for group_column in ("dis_group", "send_group"):
        if group_column in counts:
            part = counts.groupby(["urn", "period", group_column], sort=False)[numeric].sum()
            part = part.reset_index(level=group_column).rename(columns={group_column: "subgroup"})
            parts.append(part)
    return pd.concat(parts).reset_index()


def _long(totals: pd.DataFrame) -> pd.DataFrame:
    """Summed counts (one row per urn/period/subgroup) -> the long measures frame."""
    pieces = []
    keys = totals[["urn", "period", "subgroup"]]
    for measure, (numerator, denominator) in _RATIO_MEASURES.items():
        cohort = totals[denominator]
        with np.errstate(divide="ignore", invalid="ignore"):
            value = 100.0 * totals[numerator] / cohort
        pieces.append(keys.assign(measure=measure, value=value, cohort=cohort))

    # Attendance is a rate over sessions, not a share of pupils: where a group has any pupils
    # with sessions, their sessions decide it; a group with only percentages uses their mean.
    sessions = totals["sessions_pupils"] > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        by_sessions = 100.0 * totals["sessions_attended"] / totals["sessions_possible"]
        by_pct = totals["pct_sum"] / totals["pct_pupils"]
    pieces.append(
        keys.assign(
            measure="attendance",
            value=by_sessions.where(sessions, by_pct),
            cohort=totals["sessions_pupils"].where(sessions, totals["pct_pupils"]),
        )
    )
    long = pd.concat(pieces, ignore_index=True)
    # No pupils counted means no figure: a primary school gets no grade measures, and so on.
    return long[long["cohort"] > 0]


def _gaps(long: pd.DataFrame) -> pd.DataFrame:
    """Not disadvantaged minus Disadvantaged for each base measure, reported under 'All'."""
    keys = ["urn", "period", "measure"]
    dis = long[long["subgroup"] == "Disadvantaged"][[*keys, "value", "cohort"]]
    rest = long[long["subgroup"] == "Not disadvantaged"][[*keys, "value", "cohort"]]
    both = rest.merge(dis, on=keys, suffixes=("_rest", "_dis"))
    return pd.DataFrame(
        {
            "urn": both["urn"],
            "period": both["period"],
            "measure": "disadvantaged_gap_" + both["measure"],
            "subgroup": "All",
            "value": both["value_rest"] - both["value_dis"],
            # The gap is only as safe to publish as its smaller group: a gap over 40 pupils and
            # 3 disadvantaged pupils reveals the 3, so it carries the smaller cohort.
            "cohort": np.minimum(both["cohort_rest"], both["cohort_dis"]),
        }
    )


def _sorted(measures: pd.DataFrame) -> pd.DataFrame:
    """Order rows by school, period (in time order), measure (contract order), subgroup."""
    periods = measures["period"].drop_duplicates()
    order = dict(zip(periods, periods.map(period_index), strict=True))
    measure_rank = {m: i for i, m in enumerate(MEASURES)}
    subgroup_rank = {s: i for i, s in enumerate(SUBGROUPS)}
    ranks = pd.DataFrame(
        {
            "urn": measures["urn"],
            "p": measures["period"].map(order),
            "m": measures["measure"].map(measure_rank).fillna(len(measure_rank)),
            "s": measures["subgroup"].map(subgroup_rank).fillna(len(subgroup_rank)),
        }
    )
    index = ranks.sort_values(["urn", "p", "m", "s"], kind="stable").index
    return measures.loc[index].reset_index(drop=True)


def compute_measures(outcomes: pd.DataFrame) -> pd.DataFrame:
    """outcomes (pupil rows) -> urn, period, measure, subgroup, value (0-100, full precision), cohort."""
    if outcomes is None or outcomes.empty:
        return _empty()
    long = _long(_totals(_pupil_counts(outcomes)))
    measures = pd.concat([long, _gaps(long)], ignore_index=True)[MEASURE_COLUMNS]
    measures["value"] = measures["value"].astype("float64")
    measures["cohort"] = measures["cohort"].astype("int64")
    for column in ("urn", "period", "measure", "subgroup"):
        measures[column] = measures[column].astype("str")
    return _sorted(measures)


def combine_measures(computed: pd.DataFrame, school_measures: pd.DataFrame | None) -> pd.DataFrame:
    """computed + uploaded school_measures -> measures (urn, period, measure, subgroup, value, cohort)."""
    frames = [f[MEASURE_COLUMNS] for f in (computed, school_measures) if f is not None and not f.empty]
    if not frames:
        return _empty()
    # Where both give the same figure, the pupil-computed one wins: it is derived by the rules
    # above from the rows themselves, so every number on screen is computed the same way; an
    # uploaded figure fills in only what pupil rows cannot (e.g. a school that sends summaries).
    combined = pd.concat(frames, ignore_index=True).drop_duplicates(subset=KEYS, keep="first")
    combined["value"] = pd.to_numeric(combined["value"], errors="coerce").astype("float64")
    cohort = pd.to_numeric(combined["cohort"], errors="coerce")
    # Uploaded figures may lack a cohort; keep those as missing rather than inventing a number.
    combined["cohort"] = cohort.astype("int64") if cohort.notna().all() else cohort.astype("Int64")
    for column in KEYS:
        combined[column] = combined[column].astype("str")
    return _sorted(combined)
