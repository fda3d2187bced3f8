"""Pupil rows -> school measures per period and subgroup, each with its cohort (the denominator).

Every measure is a numerator over a denominator of pupils, so the work is done once per pupil
row as 0/1 (or summed) columns, added up per school, period and subgroup with one groupby
each over an integer key, and only then divided. No Python loop runs over pupils or schools:
200,000 pupil rows take about a tenth of a second.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.factorize import factorize
from analysis.periods import period_index
from analysis.schema import MEASURE_COLUMNS, MEASURES, SUBGROUPS

KEYS = ["urn", "period", "measure", "subgroup"]

# The measures a percentage of pupils is computed for: name -> (numerator, denominator) columns
# of the per-pupil frame built in _pupil_counts. Attendance is the exception (see _long).
_RATIO_MEASURES = {
    "reading_exs": ("reading_exs", "reading_assessed"),
    "writing_exs": ("writing_exs", "writing_assessed"),
    "maths_exs": ("maths_exs", "maths_assessed"),
    "rwm_exs": ("rwm_exs", "rwm_assessed"),
    "rwm_gds": ("rwm_gds", "rwm_assessed"),
    "eng_maths_4plus": ("eng_maths_4plus", "grades_assessed"),
    "eng_maths_5plus": ("eng_maths_5plus", "grades_assessed"),
    "persistent_absence": ("persistently_absent", "has_attendance"),
    # Severe absence: missing 50% or more of sessions, i.e. attendance at or below 50%.
    "severe_absence": ("severely_absent", "has_attendance"),
    "suspension_rate": ("suspended", "has_suspensions"),
}


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


def _normalised_codes(column: pd.Series) -> tuple[np.ndarray, list[str | None]]:
    """A text column -> integer codes and its distinct values trimmed and upper-cased (blank = None).

    Text work is done once per distinct value (a handful: EXS, WTS, ...) rather than per pupil,
    which keeps 200,000 rows fast whatever dtype the column arrived in.
    """
    codes, uniques = factorize(column)
    cleaned = [str(u).strip().upper() or None for u in uniques]
    return codes, cleaned


def _matches(coded: tuple[np.ndarray, list[str | None]], accepted: set[str] | None) -> np.ndarray:
    """True per row where the cleaned text is in accepted (or, with accepted=None, is not blank)."""
    codes, cleaned = coded
    hit = np.array(
        [v is not None and (accepted is None or v in accepted) for v in cleaned] + [False]
    )
    return hit[codes]  # code -1 (missing) picks the trailing False


def _text(o: pd.DataFrame, column: str) -> tuple[np.ndarray, list[str | None]]:
    """A text column's codes (see _normalised_codes); an absent column is all missing."""
    if column not in o:
        return np.full(len(o), -1), []
    return _normalised_codes(o[column])


def _grade(column: pd.Series | None, n: int) -> np.ndarray:
    """english_grade / maths_grade -> float, U as 0, blank as NaN (ingest already does this)."""
    if column is None:
        return np.full(n, np.nan)
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        return column.to_numpy(dtype="float64", na_value=np.nan)
    codes, cleaned = _normalised_codes(column)
    values = pd.to_numeric(
        pd.Series(["0" if v == "U" else v for v in cleaned], dtype="object"), errors="coerce"
    )
    return np.append(values.to_numpy(dtype="float64", na_value=np.nan), np.nan)[codes]


def _number(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


# Subgroups are carried as their position in SUBGROUPS; -1 means "not in any group of this kind".
ALL, DISADVANTAGED, NOT_DISADVANTAGED, SEND, NO_SEND = range(5)


def _pupil_counts(o: pd.DataFrame) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """outcomes -> (one count array per part: 0/1 or a float, disadvantage subgroup, SEND
    subgroup). Arrays, not a frame: a frame would copy ~25 columns x 8 bytes per pupil."""
    n = len(o)
    counts: dict[str, np.ndarray] = {}

    # A pupil with no disadvantaged / send value belongs to All only, never to a guessed group.
    if "disadvantaged" in o:
        flag = o["disadvantaged"].astype("boolean")
        dis_group = np.where(flag.fillna(False).to_numpy(bool), DISADVANTAGED, NOT_DISADVANTAGED)
        dis_group = np.where(flag.isna().to_numpy(bool), -1, dis_group)
    else:
        dis_group = np.full(n, -1)
    send = _text(o, "send")
    send_group = np.where(
        _matches(send, {"K", "E"}), SEND, np.where(_matches(send, {"N"}), NO_SEND, -1)
    )

    # Primary teacher assessment: assessed = any non-blank judgement; EXS+ = EXS or GDS.
    exs, gds, assessed = {}, {}, {}
    for subject in ("reading", "writing", "maths"):
        judgement = _text(o, subject)
        assessed[subject] = _matches(judgement, None)
        exs[subject] = _matches(judgement, {"EXS", "GDS"})
        gds[subject] = _matches(judgement, {"GDS"})
        counts[f"{subject}_assessed"] = assessed[subject]
        counts[f"{subject}_exs"] = exs[subject]
    counts["rwm_assessed"] = assessed["reading"] & assessed["writing"] & assessed["maths"]
    counts["rwm_exs"] = exs["reading"] & exs["writing"] & exs["maths"]
    counts["rwm_gds"] = gds["reading"] & gds["writing"] & gds["maths"]

    # Secondary grades: only pupils with both grades count; U is 0 so it is below any threshold.
    english = _grade(o["english_grade"] if "english_grade" in o else None, n)
    maths = _grade(o["maths_grade"] if "maths_grade" in o else None, n)
    with np.errstate(invalid="ignore"):  # NaN comparisons are False, which is what we want
        counts["grades_assessed"] = ~np.isnan(english) & ~np.isnan(maths)
        counts["eng_maths_4plus"] = (english >= 4) & (maths >= 4)
        counts["eng_maths_5plus"] = (english >= 5) & (maths >= 5)

        # Attendance: sessions where a pupil has them (possible > 0), else the percentage given.
        possible, attended = _number(o, "sessions_possible"), _number(o, "sessions_attended")
        pct = _number(o, "attendance_pct")
        has_sessions = (possible > 0) & ~np.isnan(attended)
        counts["sessions_pupils"] = has_sessions
        counts["sessions_possible"] = np.where(has_sessions, possible, 0.0)
        counts["sessions_attended"] = np.where(has_sessions, attended, 0.0)
        counts["pct_pupils"] = ~np.isnan(pct)
        counts["pct_sum"] = np.where(np.isnan(pct), 0.0, pct)
        pupil_attendance = np.where(has_sessions, 100 * attended / np.where(has_sessions, possible, 1), pct)
        counts["has_attendance"] = ~np.isnan(pupil_attendance)
        # DfE's definitions (Pupil absence in schools in England, explore-education-statistics
        # .service.gov.uk): persistently absent = missing 10% or more of possible sessions,
        # severely absent = missing 50% or more. From sessions the test is exact in whole
        # numbers (missed x 10 >= possible), so 171 of 190 attended (exactly 90%) counts.
        missed = np.where(has_sessions, possible - attended, np.nan)
        sessions_pa = has_sessions & (missed * 10 >= possible)
        sessions_sa = has_sessions & (missed * 2 >= possible)
        counts["persistently_absent"] = np.where(has_sessions, sessions_pa, pct <= 90)
        counts["severely_absent"] = np.where(has_sessions, sessions_sa, pct <= 50)

        suspensions = _number(o, "suspensions")
        counts["has_suspensions"] = ~np.isnan(suspensions)
        counts["suspended"] = suspensions >= 1

    return counts, dis_group, send_group


def _totals(
    counts: dict[str, np.ndarray], school_period: np.ndarray, dis_group: np.ndarray,
    send_group: np.ndarray,
) -> pd.DataFrame:
    """Per-pupil counts -> their sums per school-period and subgroup.

    Groups are keyed by one integer, school_period * 5 + subgroup. Whole-number columns (the
    0/1 flags, sessions) are summed exactly with one np.bincount each over the finest key
    (school-period x disadvantage x SEND, 9 cells per school-period), then folded into All,
    the two disadvantage and the two SEND groups; a column with fractions (attendance
    percentages) keeps pandas' compensated groupby sum per grouping, as before.
    """
    # A blank urn or period has a negative code: such rows are in no group.
    valid = school_period >= 0
    if valid.all():  # as it is whenever the upload passed its checks: no copies needed
        valid = slice(None)
    sp = school_period[valid].astype(np.int64)
    n_sp = int(sp.max()) + 1 if len(sp) else 0
    dis, send = dis_group[valid], send_group[valid]
    fine = (sp * 9 + np.select([dis == DISADVANTAGED, dis == NOT_DISADVANTAGED], [3, 6], 0)
            + np.select([send == SEND, send == NO_SEND], [1, 2], 0))

    def fold(per_fine: np.ndarray) -> list[np.ndarray]:
        cells = per_fine.reshape(n_sp, 3, 3)  # school-period, disadvantage, SEND
        return [cells.sum(axis=(1, 2)),
                np.stack([cells[:, 1, :].sum(1), cells[:, 2, :].sum(1)], axis=1).ravel(),
                np.stack([cells[:, :, 1].sum(1), cells[:, :, 2].sum(1)], axis=1).ravel()]

    keys = [np.arange(n_sp) * 5 + ALL,
            (np.arange(n_sp)[:, None] * 5 + [DISADVANTAGED, NOT_DISADVANTAGED]).ravel(),
            (np.arange(n_sp)[:, None] * 5 + [SEND, NO_SEND]).ravel()]
    present = [k > 0 for k in fold(np.bincount(fine, minlength=n_sp * 9))]
    whole = [k for k, v in counts.items() if v.dtype == bool or np.array_equal(v, np.round(v))]
    sums: dict[str, list[np.ndarray]] = {}
    for k in whole:
        folded = fold(np.bincount(fine, weights=counts[k][valid], minlength=n_sp * 9))
        sums[k] = [f.round().astype("int64") if counts[k].dtype == bool else f for f in folded]
    parts = []
    groupings = (np.full(len(sp), ALL), dis, send)
    for i, subgroup in enumerate(groupings):
        index = keys[i][present[i]]
        summed = {k: sums[k][i][present[i]] for k in whole}
        fractions = [k for k in counts if k not in sums]
        if fractions:
            inside = subgroup >= 0
            key = (sp * 5 + subgroup)[inside]
            by_key = pd.DataFrame({k: counts[k][valid][inside] for k in fractions}
                                  ).groupby(key).sum()
            summed.update({k: by_key[k].reindex(index).to_numpy() for k in fractions})
        parts.append(pd.DataFrame(summed, index=index)[list(counts)])
    totals = pd.concat(parts)
    return totals.assign(
        school_period=totals.index // 5, subgroup=totals.index % 5
    ).reset_index(drop=True)


def _long(totals: pd.DataFrame) -> pd.DataFrame:
    """Summed counts (one row per school-period and subgroup) -> the long measures frame (codes)."""
    pieces = []
    keys = totals[["school_period", "subgroup"]]
    measure_code = {m: i for i, m in enumerate(MEASURES)}
    with np.errstate(divide="ignore", invalid="ignore"):
        for measure, (numerator, denominator) in _RATIO_MEASURES.items():
            cohort = totals[denominator]
            value = 100.0 * totals[numerator] / cohort
            pieces.append(keys.assign(measure=measure_code[measure], value=value, cohort=cohort))

        # Attendance is a rate over sessions, not a share of pupils: where a group has any
        # pupils with sessions, their sessions decide it; a group with only percentages uses
        # their mean.
        sessions = totals["sessions_pupils"] > 0
        by_sessions = 100.0 * totals["sessions_attended"] / totals["sessions_possible"]
        by_pct = totals["pct_sum"] / totals["pct_pupils"]
    pieces.append(
        keys.assign(
            measure=measure_code["attendance"],
            value=by_sessions.where(sessions, by_pct),
            cohort=totals["sessions_pupils"].where(sessions, totals["pct_pupils"]),
        )
    )
    long = pd.concat(pieces, ignore_index=True)
    # No pupils counted means no figure: a primary school gets no grade measures, and so on.
    return long[long["cohort"] > 0]


def _gaps(long: pd.DataFrame) -> pd.DataFrame:
    """Not disadvantaged minus Disadvantaged for each base measure, reported under 'All'."""
    keys = ["school_period", "measure"]
    dis = long[long["subgroup"] == DISADVANTAGED][[*keys, "value", "cohort"]]
    rest = long[long["subgroup"] == NOT_DISADVANTAGED][[*keys, "value", "cohort"]]
    both = rest.merge(dis, on=keys, suffixes=("_rest", "_dis"))
    gap_code = {i: list(MEASURES).index(f"disadvantaged_gap_{m}") for i, m in enumerate(MEASURES)
                if f"disadvantaged_gap_{m}" in MEASURES}
    return pd.DataFrame(
        {
            "school_period": both["school_period"],
            "subgroup": ALL,
            "measure": both["measure"].map(gap_code),
            "value": both["value_rest"] - both["value_dis"],
            # The gap is only as safe to publish as its smaller group: a gap over 40 pupils and
            # 3 disadvantaged pupils reveals the 3, so it carries the smaller cohort.
            "cohort": np.minimum(both["cohort_rest"], both["cohort_dis"]),
        }
    )


def _ranks(column: pd.Series, rank_of) -> np.ndarray:
    """rank_of(value) for every row, called once per distinct value: Series.map over Arrow
    text cost ~0.15 s a column for the 288,000 measures of a 500-school trust."""
    codes, distinct = factorize(column)
    # Code -1 (a missing value) takes the last entry: after every value, as a sort puts NaN.
    ranks = [rank_of(v) for v in distinct] + [np.iinfo(np.int64).max]
    return np.array(ranks, dtype=np.int64)[codes]


def _sorted(measures: pd.DataFrame) -> pd.DataFrame:
    """Order rows by school, period (in time order), measure (contract order), subgroup."""
    measure_rank = {m: i for i, m in enumerate(MEASURES)}
    subgroup_rank = {s: i for i, s in enumerate(SUBGROUPS)}
    ranks = pd.DataFrame({
        "u": measures["urn"].to_numpy(),
        "p": _ranks(measures["period"], period_index),
        # Names outside the contract (an uploaded figure) go after the known ones.
        "m": _ranks(measures["measure"], lambda m: measure_rank.get(m, len(measure_rank))),
        "s": _ranks(measures["subgroup"], lambda s: subgroup_rank.get(s, len(subgroup_rank))),
    })
    index = ranks.sort_values(list("upms"), kind="stable").index
    return measures.iloc[index].reset_index(drop=True)


def compute_measures(outcomes: pd.DataFrame) -> pd.DataFrame:
    """outcomes (pupil rows) -> urn, period, measure, subgroup, value (0-100, full precision), cohort."""
    if outcomes is None or outcomes.empty:
        return _empty()
    o = outcomes.reset_index(drop=True)
    # Schools and periods become integer codes for the sums; text comes back only at the end.
    urn_code, urns = factorize(o["urn"])
    period_code, periods = factorize(o["period"])
    urns = np.array([str(u) for u in urns], dtype=object)
    periods = np.array([str(p) for p in periods], dtype=object)
    school_period = urn_code.astype(np.int64) * len(periods) + period_code
    counts, dis_group, send_group = _pupil_counts(o)
    long = _long(_totals(counts, school_period, dis_group, send_group))
    coded = pd.concat([long, _gaps(long)], ignore_index=True)

    urn_of, period_of = np.divmod(coded["school_period"].to_numpy(), len(periods))
    urn_rank = np.argsort(np.argsort(urns))
    time_order = np.array([period_index(p) for p in periods])
    order = np.lexsort(
        (coded["subgroup"].to_numpy(), coded["measure"].to_numpy(), time_order[period_of],
         urn_rank[urn_of])
    )
    measure_names = np.array(list(MEASURES), dtype=object)
    subgroup_names = np.array(SUBGROUPS, dtype=object)
    return pd.DataFrame(
        {
            "urn": pd.array(urns[urn_of[order]], dtype="str"),
            "period": pd.array(periods[period_of[order]], dtype="str"),
            "measure": pd.array(measure_names[coded["measure"].to_numpy()[order]], dtype="str"),
            "subgroup": pd.array(subgroup_names[coded["subgroup"].to_numpy()[order]], dtype="str"),
            "value": coded["value"].to_numpy(dtype="float64")[order],
            "cohort": coded["cohort"].to_numpy(dtype="int64")[order],
        }
    )


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
