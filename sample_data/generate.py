"""Write the fictional Riverside Teaching School Hub: its workbook, next term's files, the
blank templates and a set of broken files.

Run from the project folder:  .venv/bin/python sample_data/generate.py

Everything is built from one seed, so the same seed always gives the same frames (tests import
`build_sample` to check that). Every school, person and pupil is invented: URNs are in the
unused 990xxx range and pupil ids are pseudonymous ('P' + six digits).

How the targets get their statuses: the pupil rows are generated from a trajectory per school,
the measures are computed from them by the contract's rules (`contract_measures`), and each
target's value is then chosen (a round number) so that the contract's status rules
(`contract_status`) give the status the story needs, with a margin of at least half a point
from every boundary, so small differences in rounding cannot flip a status.
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:  # run as a script: make `analysis` importable
    sys.path.insert(0, str(HERE.parent))

from analysis.periods import period_index  # noqa: E402
from analysis.schema import COLUMNS, KINDS, MEASURES  # noqa: E402

SEED = 20240901
PERIODS = [
    "2023/24 Autumn 2", "2023/24 Spring 2", "2023/24 Summer 2",
    "2024/25 Autumn 2", "2024/25 Spring 2", "2024/25 Summer 2",
]
MAIN_LAST = "2024/25 Spring 2"  # the main workbook holds everything up to here
NEXT_PERIOD = "2024/25 Summer 2"  # next_term/ brings this term's outcomes and visits
MAIN_CUTOFF = dt.date(2025, 3, 31)  # visits after this date arrive with next term's files
NEXT_CUTOFF = dt.date(2025, 7, 22)
TOLERANCE = 0.25  # Settings.status_tolerance default
# Sessions (half days) in each termly period: the term's own sessions, not the year so far.
SESSIONS = {"Autumn 2": 140, "Spring 2": 120, "Summer 2": 126}

# --------------------------------------------------------------------------------------------
# Schools
# --------------------------------------------------------------------------------------------

SCHOOLS = [
    # urn, name, phase, local authority, role
    ("990101", "Riverside Primary School", "Primary", "Riverford", "Home"),
    ("990102", "Riverside Academy", "Secondary", "Riverford", "Home"),
    ("990103", "Willowbrook Church of England Primary School", "Primary", "Eastmere", "Home"),
    ("990201", "Kingfisher Primary School", "Primary", "Riverford", "Client"),
    ("990202", "Millstream Primary School", "Primary", "Riverford", "Client"),
    ("990203", "Otterbrook Primary School", "Primary", "Eastmere", "Client"),
    ("990204", "Little Fenwick Church of England Primary School", "Primary", "Eastmere", "Client"),
    ("990205", "Alderbank Primary School", "Primary", "Eastmere", "Client"),
    ("990206", "Hollowmere Academy", "Secondary", "Riverford", "Client"),
    ("990207", "Saltmarsh High School", "Secondary", "Eastmere", "Client"),
    ("990208", "Brackenfield All-through School", "All-through", "Eastmere", "Client"),
]


@dataclass
class Plan:
    """How one client school's pupils are generated: sizes, mix and a value per period."""

    urn: str
    primary_size: int = 0  # pupils per year group, Y1-Y6
    secondary_size: int = 0  # pupils per year group, Y7-Y11
    disadvantaged: float = 0.3
    send: float = 0.14
    fixed_send: int | None = None  # exactly this many SEND pupils (a small cohort)
    use_pct: bool = False  # the school's MIS gives attendance as a percentage
    # One value per period in PERIODS (percentages of pupils, or mean absence %).
    reading: list[float] = field(default_factory=list)
    writing: list[float] = field(default_factory=list)
    maths: list[float] = field(default_factory=list)
    english4: list[float] = field(default_factory=list)
    maths4: list[float] = field(default_factory=list)
    absence: list[float] = field(default_factory=list)
    suspension: list[float] = field(default_factory=list)
    # Added to disadvantaged pupils' scores: > 0 narrows the gap, < 0 widens it.
    catch_up: list[float] = field(default_factory=lambda: [0.0] * 6)


PLANS = [
    # Kingfisher: in special measures in 2023, the whole team goes in; everything improves
    # except the disadvantaged pupils, who fall behind as the rest move on.
    Plan("990201", primary_size=30, disadvantaged=0.42, send=0.17,
         reading=[52, 53, 55, 59, 63, 68], writing=[50, 51, 52, 56, 60, 64],
         maths=[48, 50, 52, 57, 62, 66], absence=[8.0, 8.4, 8.2, 7.2, 6.7, 6.5],
         suspension=[2.2, 2.2, 1.7, 1.1, 1.1, 0.6], catch_up=[0, 0, 0, -0.15, -0.3, -0.3]),
    Plan("990202", primary_size=30, disadvantaged=0.28,
         reading=[64, 65, 66, 67, 69, 71], writing=[60, 61, 62, 63, 64, 66],
         maths=[58, 59, 60, 62, 64, 65], absence=[5.6, 6.0, 5.8, 5.4, 5.5, 5.6],
         suspension=[0.6, 0.6, 0.6, 0.6, 0.6, 0.6]),
    # Otterbrook: the writing SLE drifted into behaviour and attendance; writing stands still.
    Plan("990203", primary_size=30, disadvantaged=0.35,
         reading=[61, 62, 63, 64, 64, 65], writing=[55, 55, 56, 56, 57, 57],
         maths=[60, 60, 61, 62, 63, 63], absence=[6.8, 7.2, 7.0, 6.2, 6.0, 6.1],
         suspension=[1.1, 1.1, 1.1, 0.6, 0.6, 0.6]),
    # Little Fenwick: a small village school with only three pupils with SEND.
    Plan("990204", primary_size=10, disadvantaged=0.2, fixed_send=3, use_pct=True,
         reading=[70, 70, 72, 72, 73, 75], writing=[66, 66, 67, 68, 68, 70],
         maths=[68, 68, 70, 70, 72, 72], absence=[4.8, 5.2, 5.0, 4.6, 4.8, 4.9],
         suspension=[0, 0, 0, 0, 0, 0]),
    # Alderbank: SEND and inclusion support; the disadvantaged gap starts to close.
    Plan("990205", primary_size=30, disadvantaged=0.45, send=0.2,
         reading=[60, 60, 61, 62, 63, 64], writing=[56, 57, 57, 58, 59, 60],
         maths=[58, 58, 59, 60, 61, 62], absence=[6.5, 7.0, 6.8, 6.4, 6.3, 6.2],
         suspension=[1.1, 1.1, 1.1, 1.1, 0.6, 0.6], catch_up=[0, 0, 0, 0.12, 0.22, 0.3]),
    # Hollowmere: attendance and leadership support; results and attendance improve steadily.
    Plan("990206", secondary_size=150, disadvantaged=0.38,
         english4=[56, 57, 58, 60, 63, 65], maths4=[53, 54, 55, 58, 61, 63],
         absence=[9.6, 10.2, 9.9, 9.0, 8.5, 8.3], suspension=[5.0, 5.6, 5.2, 4.7, 4.4, 4.1],
         catch_up=[0, 0, 0, 0.05, 0.1, 0.1]),
    # Saltmarsh: behaviour turned round (suspensions fall) but grade 5s barely move.
    Plan("990207", secondary_size=150, disadvantaged=0.33,
         english4=[61, 61, 62, 62, 62, 63], maths4=[58, 58, 59, 59, 60, 60],
         absence=[8.4, 8.8, 8.6, 8.4, 8.5, 8.4], suspension=[6.4, 6.8, 6.5, 4.6, 3.8, 3.4]),
    Plan("990208", primary_size=30, secondary_size=90, disadvantaged=0.36, send=0.16,
         reading=[63, 63, 64, 65, 66, 67], writing=[58, 58, 59, 60, 61, 62],
         maths=[60, 60, 61, 62, 63, 64], english4=[54, 55, 56, 57, 58, 60],
         maths4=[51, 52, 53, 54, 56, 57], absence=[7.6, 8.0, 7.8, 7.4, 7.2, 7.1],
         suspension=[3.0, 3.2, 3.0, 2.8, 2.6, 2.5], catch_up=[0, 0, 0, 0.04, 0.08, 0.1]),
]


# RISE support tiers (optional, issue 13): Saltmarsh is "stuck" (serious weaknesses, then
# requires improvement) and gets targeted support; Hollowmere universal support.
RISE_TIERS = {
    "990207": ("Targeted", dt.date(2024, 11, 25)),
    "990206": ("Universal", dt.date(2024, 9, 2)),
}


def build_schools() -> pd.DataFrame:
    """-> schools: urn, school_name, phase, local_authority, role, rise_tier, rise_tier_start."""
    frame = pd.DataFrame(SCHOOLS, columns=COLUMNS["schools"][:5])
    frame["rise_tier"] = frame["urn"].map(lambda u: RISE_TIERS.get(u, (None, None))[0])
    frame["rise_tier_start"] = frame["urn"].map(lambda u: RISE_TIERS.get(u, (None, None))[1])
    return frame[COLUMNS["schools"]]


# --------------------------------------------------------------------------------------------
# Pupils and their termly outcomes
# --------------------------------------------------------------------------------------------


def _pupils(plan: Plan, school_no: int, rng: np.random.Generator) -> pd.DataFrame:
    """One row per pupil ever on roll in 2023/24-2024/25, with fixed traits and year in 2023/24."""
    groups = []
    if plan.primary_size:
        groups.append((list(range(1, 7)), plan.primary_size))
    if plan.secondary_size:
        groups.append((list(range(7, 12)), plan.secondary_size))
    year_2324 = []
    for years, size in groups:
        # Years as in 2023/24; a new intake (year 0 / 6 in 2023/24 terms) joins in 2024/25.
        for year in [years[0] - 1, *years]:
            year_2324 += [year] * size
    n = len(year_2324)
    disadvantaged = rng.random(n) < plan.disadvantaged
    if plan.fixed_send is not None:
        send = np.array(["N"] * n, dtype=object)
        # Spread the few SEND pupils over year groups still in school in both years.
        chosen = rng.choice(np.flatnonzero(np.isin(year_2324, [2, 3, 4])), plan.fixed_send,
                            replace=False)
        send[chosen] = "K"
    else:
        draw = rng.random(n)
        send = np.where(draw < plan.send * 0.18, "E", np.where(draw < plan.send, "K", "N"))
    is_send = send != "N"
    ability = rng.normal(0, 1, n) - 0.6 * disadvantaged - 0.9 * is_send - 1.2 * (send == "E")
    propensity = rng.gamma(1.3, 1 / 1.3, n) * (1 + 0.5 * disadvantaged + 0.4 * is_send)
    return pd.DataFrame({
        "pupil_id": [f"P{school_no}{i:05d}" for i in rng.permutation(n)],
        "year_2324": year_2324,
        "disadvantaged": disadvantaged,
        "send": send,
        "ability": ability,
        "off_reading": rng.normal(0, 0.45, n),
        "off_writing": rng.normal(0, 0.45, n),
        "off_maths": rng.normal(0, 0.45, n),
        "off_english": rng.normal(0, 0.45, n),
        "propensity": propensity,
        "behaviour": rng.normal(0, 1, n) + 0.5 * disadvantaged + 0.5 * is_send - 0.3 * ability,
    })


def _top(score: np.ndarray, share: float) -> np.ndarray:
    """Mask of the round(share * n) highest scores: a rate hit exactly, not approximately."""
    k = int(round(share * len(score)))
    mask = np.zeros(len(score), dtype=bool)
    if k > 0:
        mask[np.argsort(-score, kind="stable")[:k]] = True
    return mask


def _teacher_assessment(score: np.ndarray, exs_share: float, send: np.ndarray) -> np.ndarray:
    """Scores -> PKS/WTS/EXS/GDS with exactly exs_share of pupils at EXS or GDS."""
    exs = _top(score, exs_share / 100)
    gds = _top(score, exs_share / 100 * 0.28)
    out = np.where(gds, "GDS", np.where(exs, "EXS", "WTS")).astype(object)
    # Pupils with an EHC plan working below the standard are judged against the pre-key stage
    # standards: still assessed, never at EXS.
    out[(send == "E") & ~exs] = "PKS"
    return out


def _grades(score: np.ndarray, four_share: float) -> np.ndarray:
    """Scores -> GCSE grades 9..1 and U, with exactly four_share % at 4 or above."""
    n = len(score)
    order = np.argsort(-score, kind="stable")
    n4 = int(round(four_share / 100 * n))
    n5 = int(round((four_share - 19) / 100 * n))
    grades = np.empty(n, dtype=object)
    for rank, i in enumerate(order):
        if rank < n5:
            grades[i] = 9 - min(4, int(5 * rank / max(n5, 1)))
        elif rank < n4:
            grades[i] = 4
        else:
            below = (rank - n4) / max(n - n4, 1)
            grades[i] = 3 - min(3, int(4 * below))
    grades[grades == 0] = "U"
    return grades


def _period_rows(plan: Plan, pupils: pd.DataFrame, k: int, rng: np.random.Generator):
    """The pupil rows of one school for PERIODS[k]."""
    period = PERIODS[k]
    second_year = k >= 3
    year = pupils["year_2324"] + (1 if second_year else 0)
    first, last = (1 if plan.primary_size else 7), (11 if plan.secondary_size else 6)
    on_roll = pupils[(year >= first) & (year <= last)].copy()
    on_roll["year_group"] = year[on_roll.index]
    n = len(on_roll)
    dis = on_roll["disadvantaged"].to_numpy()
    send = on_roll["send"].to_numpy()
    base = on_roll["ability"].to_numpy() + plan.catch_up[k] * dis
    rows = pd.DataFrame({
        "urn": plan.urn,
        "period": period,
        "pupil_id": on_roll["pupil_id"].to_numpy(),
        "year_group": on_roll["year_group"].to_numpy(),
        "disadvantaged": np.where(dis, "Y", "N"),
        "send": send,
    })
    for column in ("reading", "writing", "maths", "english_grade", "maths_grade"):
        rows[column] = pd.Series([None] * n, dtype=object)
    primary = (on_roll["year_group"] <= 6).to_numpy()
    if primary.any():
        for subject in ("reading", "writing", "maths"):
            score = (base + on_roll[f"off_{subject}"].to_numpy() + rng.normal(0, 0.25, n))[primary]
            rates = getattr(plan, subject)
            rows.loc[primary, subject] = _teacher_assessment(score, rates[k], send[primary])
    if (~primary).any():
        for column, offset, rates in (("english_grade", "off_english", plan.english4),
                                      ("maths_grade", "off_maths", plan.maths4)):
            score = (base + on_roll[offset].to_numpy() + rng.normal(0, 0.25, n))[~primary]
            rows.loc[~primary, column] = _grades(score, rates[k])

    # Absence: each pupil's share of sessions missed, scaled so the school's mean is on plan.
    possible = SESSIONS[period.split(" ", 1)[1]]
    weight = on_roll["propensity"].to_numpy() * rng.lognormal(0, 0.3, n)
    missed_share = np.clip(plan.absence[k] / 100 * weight / weight.mean(), 0, 0.85)
    attended = np.round(possible * (1 - missed_share))
    # Exactly 90% sits on the persistent-absence boundary; nudge it off so no reading differs.
    attended[attended == possible * 0.9] -= 1
    if plan.use_pct:
        pct = np.round(100 * attended / possible, 1)
        pct[pct == 90.0] = 89.9
        rows["sessions_possible"] = None
        rows["sessions_attended"] = None
        rows["attendance_pct"] = pct
    else:
        rows["sessions_possible"] = possible
        rows["sessions_attended"] = attended.astype(int)
        rows["attendance_pct"] = None
    behaviour = on_roll["behaviour"].to_numpy() + rng.normal(0, 0.6, n)
    suspended = _top(behaviour, plan.suspension[k] / 100)
    rows["suspensions"] = np.where(suspended, 1 + (rng.random(n) < 0.25), 0)
    return rows


def build_outcomes(seed: int = SEED) -> pd.DataFrame:
    """-> outcomes (contract columns, values as a school writes them) for every period."""
    rng = np.random.default_rng(seed)
    frames = []
    for school_no, plan in enumerate(PLANS, start=1):
        pupils = _pupils(plan, school_no, rng)
        for k in range(len(PERIODS)):
            frames.append(_period_rows(plan, pupils, k, rng))
    outcomes = pd.concat(frames, ignore_index=True)
    outcomes["year_group"] = outcomes["year_group"].astype(int)
    return outcomes[COLUMNS["outcomes"]]


# --------------------------------------------------------------------------------------------
# The contract's measures and status rules, written out here so the generator does not depend
# on the engine it is meant to exercise (tests check both agree).
# --------------------------------------------------------------------------------------------


def contract_measures(outcomes: pd.DataFrame) -> pd.DataFrame:
    """outcomes -> urn, period, measure, subgroup, value, cohort (by the data contract)."""
    o = outcomes
    grade = {c: pd.to_numeric(o[c].replace("U", 0), errors="coerce") for c in
             ("english_grade", "maths_grade")}
    ta = {c: o[c] for c in ("reading", "writing", "maths")}
    exs = {c: ta[c].isin(["EXS", "GDS"]) for c in ta}
    assessed = {c: ta[c].notna() for c in ta}
    rwm = assessed["reading"] & assessed["writing"] & assessed["maths"]
    both = grade["english_grade"].notna() & grade["maths_grade"].notna()
    possible = pd.to_numeric(o["sessions_possible"], errors="coerce")
    attended = pd.to_numeric(o["sessions_attended"], errors="coerce")
    pct = pd.to_numeric(o["attendance_pct"], errors="coerce")
    pupil_att = (100 * attended / possible).where(possible > 0, pct)
    parts = {  # measure -> (numerator per pupil, counted in the denominator)
        "reading_exs": (exs["reading"], assessed["reading"]),
        "writing_exs": (exs["writing"], assessed["writing"]),
        "maths_exs": (exs["maths"], assessed["maths"]),
        "rwm_exs": (exs["reading"] & exs["writing"] & exs["maths"], rwm),
        "rwm_gds": ((ta["reading"] == "GDS") & (ta["writing"] == "GDS")
                    & (ta["maths"] == "GDS"), rwm),
        "eng_maths_4plus": ((grade["english_grade"] >= 4) & (grade["maths_grade"] >= 4), both),
        "eng_maths_5plus": ((grade["english_grade"] >= 5) & (grade["maths_grade"] >= 5), both),
        "persistent_absence": (pupil_att < 90, pupil_att.notna()),
        "severe_absence": (pupil_att <= 50, pupil_att.notna()),
        "suspension_rate": (pd.to_numeric(o["suspensions"]) >= 1, o["suspensions"].notna()),
    }
    groups = {
        "All": pd.Series(True, index=o.index),
        "Disadvantaged": o["disadvantaged"] == "Y",
        "Not disadvantaged": o["disadvantaged"] == "N",
        "SEND": o["send"].isin(["K", "E"]),
        "No SEND": o["send"] == "N",
    }
    pieces = []
    keys = [o["urn"].rename("urn"), o["period"].rename("period")]
    for subgroup, member in groups.items():
        for measure, (hit, counted) in parts.items():
            use = member & counted
            sums = pd.DataFrame({"num": (hit & use).astype(int), "den": use.astype(int)})
            sums = sums.groupby(keys).sum().reset_index()
            sums = sums[sums["den"] > 0]
            pieces.append(pd.DataFrame({
                "urn": sums["urn"], "period": sums["period"], "measure": measure,
                "subgroup": subgroup, "value": 100 * sums["num"] / sums["den"],
                "cohort": sums["den"].astype(int)}))
        # Attendance: sessions where a pupil has them, else the mean of the percentages.
        use = member & (possible > 0)
        sums = pd.DataFrame({"att": attended.where(use, 0), "pos": possible.where(use, 0),
                             "n": use.astype(int), "pct_sum": pct.where(member).fillna(0),
                             "pct_n": (member & pct.notna()).astype(int)})
        sums = sums.groupby(keys).sum().reset_index()
        by_sessions = sums["n"] > 0
        value = (100 * sums["att"] / sums["pos"].where(by_sessions)).where(
            by_sessions, sums["pct_sum"] / sums["pct_n"].where(sums["pct_n"] > 0))
        cohort = sums["n"].where(by_sessions, sums["pct_n"])
        keep = cohort > 0
        pieces.append(pd.DataFrame({
            "urn": sums["urn"][keep], "period": sums["period"][keep], "measure": "attendance",
            "subgroup": subgroup, "value": value[keep], "cohort": cohort[keep].astype(int)}))
    measures = pd.concat(pieces, ignore_index=True)
    # Gaps: Not disadvantaged minus Disadvantaged, reported under All.
    dis = measures[measures["subgroup"] == "Disadvantaged"]
    rest = measures[measures["subgroup"] == "Not disadvantaged"]
    gap = rest.merge(dis, on=["urn", "period", "measure"], suffixes=("_r", "_d"))
    gaps = pd.DataFrame({
        "urn": gap["urn"], "period": gap["period"],
        "measure": "disadvantaged_gap_" + gap["measure"], "subgroup": "All",
        "value": gap["value_r"] - gap["value_d"],
        "cohort": np.minimum(gap["cohort_r"], gap["cohort_d"]),
    })
    return pd.concat([measures, gaps], ignore_index=True)


def _expected(b: float, p0: int, t: float, p1: int, p: int,
              milestones: list[tuple[int, float]]) -> float:
    """The value a target should have reached at p: the straight line, or the milestone line."""
    points = sorted({p0: b, **dict(milestones), p1: t}.items())
    xs, ys = [x for x, _ in points], [y for _, y in points]
    return float(np.interp(p, xs, ys))


def contract_status(b: float, p0: int, t: float, p1: int, a: float | None, p: int | None,
                    better: int, milestones: list[tuple[int, float]] = (),
                    tolerance: float = TOLERANCE) -> str:
    """The contract's status rule for one target given its latest actual a at period p."""
    if a is None:
        return "No data yet"
    if better * (a - t) >= 0:
        return "Achieved"
    if p >= p1:
        return "Missed"
    e = _expected(b, p0, t, p1, p, list(milestones))
    if better * (a - e) >= 0:
        return "On track"
    if abs(a - e) <= tolerance * abs(t - b):
        return "At risk"
    return "Off track"


def _margin(b, p0, t, p1, a, p, better, milestones) -> float:
    """How far a is from the nearest status boundary (so rounding cannot flip the status)."""
    if a is None:
        return np.inf
    if better * (a - t) >= 0 or p >= p1:  # Achieved or Missed: only the target matters
        return abs(a - t)
    e = _expected(b, p0, t, p1, p, list(milestones))
    if better * (a - e) >= 0:  # On track
        return min(abs(a - t), abs(a - e))
    return min(abs(a - t), abs(a - e), abs(abs(a - e) - TOLERANCE * abs(t - b)))


# --------------------------------------------------------------------------------------------
# Deployments, targets, visits, inspections
# --------------------------------------------------------------------------------------------

D = dt.date
DEPLOYMENTS = [
    # id, client, leader, role, home, focus, start, end, days, funding source, amount
    ("D01", "990201", "Helen Marsh", "NLE", "990101", "Leadership; Curriculum",
     D(2023, 9, 4), D(2025, 7, 18), 40, "School-to-school support fund", 24000),
    ("D02", "990201", "Priya Nandakumar", "SLE", "990101", "Reading; Phonics",
     D(2023, 9, 11), D(2025, 7, 18), 24, "School-to-school support fund", 9600),
    ("D03", "990201", "Tom Whitlock", "SLE", "990103", "Maths; Assessment",
     D(2023, 9, 11), D(2025, 7, 18), 24, "School-to-school support fund", 9600),
    ("D04", "990201", "Grace Adeyemi", "Deputy head", "990101", "Attendance; Behaviour",
     D(2024, 1, 8), D(2025, 7, 18), 60, "Local authority", 21000),
    ("D05", "990202", "Tom Whitlock", "SLE", "990103", "Maths",
     D(2024, 4, 15), D(2025, 7, 18), 15, "Trust", 6000),
    ("D06", "990203", "Sarah Lindqvist", "SLE", "990101", "Writing; Reading",
     D(2024, 1, 8), D(2025, 7, 18), 20, "Local authority", 8000),
    ("D07", "990204", "Martin Oyelaran", "NLG", None, "Governance",
     D(2024, 2, 26), D(2025, 3, 28), 8, "Diocese", 2400),
    ("D08", "990205", "Joanna Petrakis", "SLE", "990103", "SEND; Inclusion",
     D(2024, 9, 9), D(2025, 7, 18), 14, "Local authority", 5600),
    ("D09", "990206", "Daniel Achterberg", "NLE", "990102", "Leadership; Attendance",
     D(2023, 9, 4), D(2025, 7, 18), 36, "School-to-school support fund", 21600),
    ("D10", "990206", "Fiona Castellanos", "SLE", "990102", "Maths",
     D(2024, 1, 8), D(2025, 7, 18), 20, "School-to-school support fund", 8000),
    # Ended at Christmas 2024, its suspension target met: the exit plan asks whether gains held.
    ("D11", "990207", "Rebecca Osei", "SLE", "990102", "Behaviour; Attendance",
     D(2024, 4, 15), D(2024, 12, 20), 18, "Trust", 7200),
    ("D12", "990208", "Owen Brightwater", "LLE", "990102", "Attendance; Disadvantaged pupils",
     D(2024, 9, 2), D(2025, 7, 18), 15, "Local authority", None),
]

# How each deployment's visits go: share of committed days delivered by the end, the share of
# days spent off the agreed focus and on what, and the usual rating.
VISIT_STORY = {
    "D01": (0.95, 0.05, ["Governance"], "Green"),
    "D02": (1.0, 0.0, [], "Green"),
    "D03": (0.9, 0.06, ["Curriculum"], "Green"),
    "D04": (0.85, 0.08, ["Safeguarding"], "Amber"),
    "D05": (0.8, 0.0, [], "Green"),
    "D06": (0.95, 0.4, ["Behaviour", "Attendance"], "Red"),  # creep: drifted off writing
    "D07": (1.15, 0.0, [], "Green"),  # over-delivered: more days than committed (issue 13)
    "D08": (0.6, 0.05, ["Behaviour"], "Amber"),  # under-delivered so far
    "D09": (1.05, 0.05, ["Curriculum"], "Green"),
    "D10": (0.9, 0.0, [], "Amber"),
    "D11": (0.9, 0.1, ["Curriculum"], "Green"),
    "D12": (0.75, 0.0, [], "Amber"),
}

ACTIVITIES = {
    "Leadership": ("coached the headteacher on the improvement plan",
                   "agree the next half term's monitoring timetable"),
    "Curriculum": ("reviewed the curriculum sequence with subject leads",
                   "subject leads to revise the Year 4 unit plans"),
    "Reading": ("observed guided reading in Years 3 and 5",
                "introduce daily reading fluency sessions in lower Key Stage 2"),
    "Phonics": ("audited phonics groupings and catch-up sessions",
                "regroup Year 2 phonics catch-up by assessment"),
    "Maths": ("team-taught fluency lessons and moderated books",
              "maths leader to run a staff meeting on reasoning"),
    "Assessment": ("moderated teacher assessments with the assessment lead",
                   "standardise the next assessment window"),
    "Attendance": ("reviewed the persistent absence list with the attendance officer",
                   "start first-day calling for the persistent absence cohort"),
    "Behaviour": ("walked the school at lunch and reviewed incident logs",
                  "relaunch the behaviour policy with all staff"),
    "Writing": ("moderated writing in Years 2 and 6",
                "plan a whole-school extended writing week"),
    "Governance": ("met the chair of governors about the skills audit",
                   "governors to complete the skills audit"),
    "SEND": ("reviewed provision maps with the SENCo",
             "update support plans for pupils on SEN support"),
    "Inclusion": ("looked at adaptive teaching in classrooms",
                  "share adaptive teaching examples at the next staff meeting"),
    "Disadvantaged pupils": ("reviewed the pupil premium strategy with leaders",
                             "track disadvantaged pupils' attendance weekly"),
    "Safeguarding": ("supported the designated safeguarding lead with a case review",
                     "DSL to update the safeguarding training log"),
}


def build_deployments() -> pd.DataFrame:
    """-> deployments: the contract columns, dates as datetime.date."""
    frame = pd.DataFrame(DEPLOYMENTS, columns=COLUMNS["deployments"])
    frame["funding_amount"] = frame["funding_amount"].astype("float64")
    frame["days_committed"] = frame["days_committed"].astype("float64")
    return frame


def _weekdays(start: dt.date, end: dt.date) -> list[dt.date]:
    """School weekdays between two dates, skipping August and the Christmas and Easter weeks."""
    days, day = [], start
    while day <= end:
        holiday = day.month == 8 or (day.month == 12 and day.day > 20) or (
            day.month == 1 and day.day < 3) or (day.month == 4 and day.day < 14)
        if day.weekday() < 5 and not holiday:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def build_visits(seed: int = SEED) -> pd.DataFrame:
    """-> visits for every deployment up to NEXT_CUTOFF: the contract columns."""
    rng = np.random.default_rng(seed + 1)
    rows = []
    for dep in DEPLOYMENTS:
        dep_id, focus, start, end, committed = dep[0], dep[5], dep[6], dep[7], dep[8]
        delivered_share, off_share, off_areas, rating = VISIT_STORY[dep_id]
        areas = [a.strip() for a in focus.split(";")]
        target_days = committed * delivered_share
        dates = _weekdays(start, min(end, NEXT_CUTOFF))
        # Visits of a day, with some half days; spread evenly over the deployment's weeks.
        lengths = []
        while sum(lengths) < target_days - 0.25:
            lengths.append(0.5 if rng.random() < 0.3 else 1.0)
        picks = np.linspace(0, len(dates) - 1, len(lengths) + 2)[1:-1].round().astype(int)
        off_budget = off_share * sum(lengths)
        # Off-focus days come later in a deployment: drift, not a plan.
        order = np.argsort(-(np.arange(len(lengths)) + rng.normal(0, 3, len(lengths))))
        off = np.zeros(len(lengths), dtype=bool)
        used = 0.0
        for i in order:
            if used + lengths[i] <= off_budget + 1e-9:
                off[i] = True
                used += lengths[i]
        for i, (when, days) in enumerate(zip(picks, lengths, strict=True)):
            area = (off_areas[int(rng.integers(len(off_areas)))] if off[i]
                    else areas[i % len(areas)])
            did, next_step = ACTIVITIES[area]
            draw = rng.random()
            progress = rating if draw < 0.7 else ("Amber" if rating != "Amber" else "Green")
            rows.append((dep_id, dates[when], days, area, progress,
                         f"{area}: {did}.", next_step[0].upper() + next_step[1:] + ".", ""))
    visits = pd.DataFrame(rows, columns=COLUMNS["visits"])
    visits = visits.sort_values(["visit_date", "deployment_id"], ignore_index=True)
    # Quality assurance: checked within a few weeks, except the latest visits and a few
    # forgotten ones, which form the backlog (oldest first on the QA page).
    rng_qa = np.random.default_rng(seed + 2)
    qa = []
    for when in visits["visit_date"]:
        cutoff = MAIN_CUTOFF if when <= MAIN_CUTOFF else NEXT_CUTOFF
        recent = (cutoff - when).days <= 21
        forgotten = when > dt.date(2024, 10, 1) and rng_qa.random() < 0.06
        qa.append("Pending" if recent or forgotten else "Checked")
    visits["qa_status"] = qa
    visits["days"] = visits["days"].astype("float64")
    return visits


INSPECTIONS = [
    # Kingfisher: Special measures (Inadequate) -> Requires improvement -> Good, old scale.
    ("990201", D(2023, 5, 17), "Overall", "Special measures"),
    ("990201", D(2024, 6, 12), "Overall", "Requires improvement"),
    ("990201", D(2025, 6, 25), "Overall", "Good"),
    ("990202", D(2019, 11, 6), "Overall", "Good"),
    ("990203", D(2022, 3, 9), "Overall", "Requires improvement"),
    ("990204", D(2022, 10, 12), "Overall", "Good"),
    ("990205", D(2023, 3, 1), "Overall", "Requires improvement"),
    ("990206", D(2022, 11, 23), "Overall", "Requires improvement"),
    ("990207", D(2023, 1, 18), "Overall", "Serious weaknesses"),
    ("990207", D(2024, 11, 6), "Overall", "Requires improvement"),
    ("990208", D(2023, 10, 4), "Overall", "Requires improvement"),
]
# Report cards from November 2025: one row per area, and safeguarding Met / Not met.
REPORT_CARDS = [
    ("990206", D(2025, 12, 3), {
        "Inclusion": "Expected standard",
        "Curriculum and teaching": "Expected standard",
        "Achievement": "Needs attention",
        "Attendance and behaviour": "Needs attention",
        "Personal development and wellbeing": "Strong standard",
        "Leadership and governance": "Expected standard",
        "Safeguarding": "Met",
    }),
    # Urgent improvement in achievement: the school requires significant improvement (derived).
    ("990203", D(2026, 2, 11), {
        "Inclusion": "Expected standard",
        "Curriculum and teaching": "Needs attention",
        "Achievement": "Urgent improvement",
        "Attendance and behaviour": "Expected standard",
        "Personal development and wellbeing": "Expected standard",
        "Leadership and governance": "Expected standard",
        "Early years": "Strong standard",
        "Safeguarding": "Met",
    }),
]


def build_inspections() -> pd.DataFrame:
    """-> inspections: urn, inspection_date, area, judgement (old scale and report cards)."""
    rows = list(INSPECTIONS)
    for urn, when, areas in REPORT_CARDS:
        rows += [(urn, when, area, judgement) for area, judgement in areas.items()]
    return pd.DataFrame(rows, columns=COLUMNS["inspections"])


@dataclass(frozen=True)
class TargetSpec:
    """A target to write, and the status the story needs before and after next term's files."""

    target_id: str
    urn: str
    deployment_id: str | None
    measure: str
    subgroup: str
    baseline_period: str
    target_period: str
    status: str | None  # wanted status with the main workbook (None: whatever it is)
    next_status: str | None = None  # wanted status once next_term/ is added too
    steps: tuple[float, float] = (3, 15)  # how far the target may be from the baseline
    milestones: tuple[tuple[str, float], ...] = ()  # (period, share of the way from b to t)


SUMMER_24 = "2023/24 Summer 2"
SUMMER_25 = "2024/25 Summer 2"
SUMMER_26 = "2025/26 Summer 2"
TARGETS = [
    TargetSpec("T01", "990201", "D02", "reading_exs", "All", SUMMER_24, SUMMER_25,
               "On track", "Achieved"),
    TargetSpec("T02", "990201", "D03", "maths_exs", "All", SUMMER_24, SUMMER_25, "Achieved"),
    TargetSpec("T03", "990201", "D01", "rwm_exs", "All", SUMMER_24, SUMMER_26, "On track",
               steps=(10, 20), milestones=(("2024/25 Spring 2", 0.25),
                                            ("2024/25 Summer 2", 0.4),
                                            ("2025/26 Spring 2", 0.8))),
    TargetSpec("T04", "990201", "D04", "persistent_absence", "All", SUMMER_24, SUMMER_25,
               "At risk", "Missed"),
    TargetSpec("T05", "990201", "D01", "rwm_exs", "Disadvantaged", SUMMER_24, SUMMER_25,
               "Off track", steps=(8, 20)),
    TargetSpec("T06", "990202", "D05", "maths_exs", "All", SUMMER_24, SUMMER_25, "At risk",
               steps=(4, 12), milestones=(("2024/25 Autumn 2", 0.5),
                                           ("2024/25 Spring 2", 0.8))),
    TargetSpec("T07", "990203", "D06", "writing_exs", "All", SUMMER_24, SUMMER_25,
               "Off track", steps=(6, 15)),
    TargetSpec("T08", "990204", "D07", "reading_exs", "SEND", SUMMER_24, SUMMER_25, None),
    TargetSpec("T09", "990205", "D08", "disadvantaged_gap_rwm_exs", "All", SUMMER_24,
               SUMMER_25, "At risk", steps=(4, 15)),
    TargetSpec("T10", "990206", "D09", "attendance", "All", SUMMER_24, "2024/25 Spring 2",
               "Missed", "Missed", steps=(1.5, 4)),
    TargetSpec("T11", "990206", "D09", "persistent_absence", "Disadvantaged", SUMMER_24,
               SUMMER_26, "On track", steps=(5, 15)),
    TargetSpec("T12", "990206", "D10", "eng_maths_4plus", "All", SUMMER_24, SUMMER_26,
               "On track", steps=(6, 15)),
    TargetSpec("T13", "990207", None, "eng_maths_5plus", "All", SUMMER_24, SUMMER_25,
               "Off track", steps=(5, 12)),
    TargetSpec("T14", "990207", "D11", "suspension_rate", "All", SUMMER_24, SUMMER_25,
               "Achieved", steps=(1, 3)),
    TargetSpec("T15", "990208", "D12", "attendance", "SEND", MAIN_LAST, SUMMER_26,
               "No data yet", steps=(1, 3)),
    TargetSpec("T16", "990208", "D12", "eng_maths_4plus", "Disadvantaged", SUMMER_24,
               SUMMER_25, "At risk", steps=(4, 15)),
]


def _lookup(measures: pd.DataFrame) -> dict:
    return {(r.urn, r.measure, r.subgroup, r.period): r.value
            for r in measures.itertuples(index=False)}


def _latest(values: dict, spec: TargetSpec, after: str, upto: str):
    """The latest (period index, value) after `after` and no later than `upto`, or (None, None)."""
    lo, hi = period_index(after), period_index(upto)
    found = [(period_index(p), values[(spec.urn, spec.measure, spec.subgroup, p)])
             for p in PERIODS if lo < period_index(p) <= hi
             and (spec.urn, spec.measure, spec.subgroup, p) in values]
    return max(found) if found else (None, None)


def _milestone_points(spec: TargetSpec, b: float, t: float) -> list[tuple[int, float]]:
    return [(period_index(p), round(b + share * (t - b), 1)) for p, share in spec.milestones]


def choose_targets(measures: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """measures -> (targets, milestones) with round target values giving the wanted statuses."""
    values = _lookup(measures)
    target_rows, milestone_rows = [], []
    for spec in TARGETS:
        better = MEASURES[spec.measure].better
        b = round(float(values[(spec.urn, spec.measure, spec.subgroup, spec.baseline_period)]), 1)
        p0, p1 = period_index(spec.baseline_period), period_index(spec.target_period)
        p, a = _latest(values, spec, spec.baseline_period, MAIN_LAST)
        pn, an = _latest(values, spec, spec.baseline_period, NEXT_PERIOD)
        step = 0.5 if spec.measure == "attendance" or spec.measure == "suspension_rate" else 1.0
        low, high = spec.steps
        candidates = []
        for size in np.arange(low, high + step / 2, step):
            # Round numbers: whole percentages (halves for attendance and suspensions).
            t = round(round((b + better * size) / step) * step, 1)
            if not 0 <= t <= 100:
                continue
            ms = _milestone_points(spec, b, t)
            if spec.status is not None and contract_status(b, p0, t, p1, a, p, better,
                                                           ms) != spec.status:
                continue
            if spec.next_status is not None and contract_status(
                    b, p0, t, p1, an, pn, better, ms) != spec.next_status:
                continue
            margin = _margin(b, p0, t, p1, a, p, better, ms)
            next_margin = _margin(b, p0, t, p1, an, pn, better, ms)
            if margin < 0.5 or (spec.next_status is not None and next_margin < 0.5):
                continue
            # Prefer: clear of every boundary next term too, then a comfortable margin now,
            # then the ambition in the middle of the plausible range.
            rank = (next_margin < 0.5, margin < 1.0, abs(size - (low + high) / 2))
            candidates.append((rank, t, ms))
        if not candidates:
            raise RuntimeError(f"no target value gives {spec.target_id} the status {spec.status}"
                               f" (b={b}, a={a}, next={an})")
        _, t, ms = min(candidates, key=lambda c: c[0])
        target_rows.append((spec.target_id, spec.urn, spec.deployment_id, spec.measure,
                            spec.subgroup, b, spec.baseline_period, t, spec.target_period,
                            target_area(spec)))
        for (period, _), (_, value) in zip(spec.milestones, ms, strict=True):
            milestone_rows.append((spec.target_id, period, value))
    targets = pd.DataFrame(target_rows, columns=COLUMNS["targets"])
    milestones = pd.DataFrame(milestone_rows, columns=COLUMNS["milestones"])
    return targets, milestones


# The report-card evaluation area each target serves (optional, issue 13); Brackenfield's
# targets are left without one, as a trust that has not filled the column in yet would.
AREA_OF_MEASURE = {
    "attendance": "Attendance and behaviour", "persistent_absence": "Attendance and behaviour",
    "severe_absence": "Attendance and behaviour", "suspension_rate": "Attendance and behaviour",
}


def target_area(spec: TargetSpec) -> str | None:
    if spec.urn == "990208":
        return None
    if spec.measure.startswith("disadvantaged_gap") or spec.subgroup != "All":
        return "Inclusion"
    return AREA_OF_MEASURE.get(spec.measure, "Achievement")


def judge_sample(targets: pd.DataFrame, milestones: pd.DataFrame, measures: pd.DataFrame,
                 upto: str) -> dict[str, str]:
    """target_id -> status by the contract, using measures up to `upto` (for checking)."""
    values = _lookup(measures)
    out = {}
    for row in targets.itertuples(index=False):
        spec = TargetSpec(row.target_id, row.client_urn, row.deployment_id, row.measure,
                          row.subgroup, row.baseline_period, row.target_period, None)
        p, a = _latest(values, spec, row.baseline_period, upto)
        ms = [(period_index(m.period), m.value) for m in
              milestones[milestones["target_id"] == row.target_id].itertuples(index=False)]
        out[row.target_id] = contract_status(
            row.baseline_value, period_index(row.baseline_period), row.target_value,
            period_index(row.target_period), a, p, MEASURES[row.measure].better, ms)
    return out


# --------------------------------------------------------------------------------------------
# The whole sample
# --------------------------------------------------------------------------------------------


@dataclass
class Sample:
    """The main workbook's frames (up to 2024/25 Spring 2) and next term's additions."""

    main: dict[str, pd.DataFrame]
    next_term: dict[str, pd.DataFrame]
    measures: pd.DataFrame  # computed by the contract from every period, for checking


def build_sample(seed: int = SEED) -> Sample:
    """Every frame of the fictional trust, split into the main workbook and next term."""
    outcomes = build_outcomes(seed)
    measures = contract_measures(outcomes)
    targets, milestones = choose_targets(measures)
    visits = build_visits(seed)
    main_outcomes = outcomes[outcomes["period"] != NEXT_PERIOD].reset_index(drop=True)
    next_outcomes = outcomes[outcomes["period"] == NEXT_PERIOD].reset_index(drop=True)
    main = {
        "schools": build_schools(),
        "deployments": build_deployments(),
        "targets": targets,
        "milestones": milestones,
        "outcomes": main_outcomes,
        "visits": visits[visits["visit_date"] <= MAIN_CUTOFF].reset_index(drop=True),
        "inspections": build_inspections(),
    }
    next_term = {
        "outcomes": next_outcomes,
        "visits": visits[visits["visit_date"] > MAIN_CUTOFF].reset_index(drop=True),
    }
    return Sample(main, next_term, measures)


# --------------------------------------------------------------------------------------------
# Writing files
# --------------------------------------------------------------------------------------------

FIXED_CREATED = dt.datetime(2025, 4, 1, 9, 0, 0)  # so the files' bytes do not change per run
DATE_COLUMNS = {"start_date", "end_date", "visit_date", "inspection_date", "rise_tier_start"}


def write_workbook(path: Path, frames: dict[str, pd.DataFrame]) -> None:
    """One sheet per frame, bold headers, real Excel dates shown as dd/mm/yyyy."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(path, engine="xlsxwriter", date_format="dd/mm/yyyy",
                        datetime_format="dd/mm/yyyy") as writer:
        writer.book.set_properties({"created": FIXED_CREATED,
                                    "title": "Riverside Teaching School Hub (fictional)"})
        for sheet, frame in frames.items():
            out = frame.copy()
            for column in DATE_COLUMNS & set(out.columns):
                out[column] = pd.to_datetime(out[column])
            out.to_excel(writer, sheet_name=sheet, index=False)
            worksheet = writer.sheets[sheet]
            worksheet.freeze_panes(1, 0)
            for i, column in enumerate(out.columns):
                longest = max((len(str(v)) for v in out[column].head(200)), default=0)
                width = max(len(column), min(45, longest))
                worksheet.set_column(i, i, width + 2)


def write_csv(path: Path, frame: pd.DataFrame, headers: list[str] | None = None) -> None:
    """A CSV with dates as UK text (dd/mm/yyyy), as a school's spreadsheet would save it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    out = frame.copy()
    for column in DATE_COLUMNS & set(out.columns):
        out[column] = [d.strftime("%d/%m/%Y") for d in out[column]]
    if headers:
        out.columns = headers
    out.to_csv(path, index=False, lineterminator="\n")


INSTRUCTIONS = [
    ("schools", "One row per school: client schools you support and home schools that lend "
     "leaders.", "urn: 6-digit DfE number, e.g. 123456; phase: Primary, Secondary, "
     "All-through or Special; role: Client or Home"),
    ("deployments", "One row per system leader placed in a client school.",
     "leader_role: NLE, SLE, NLG, LLE, Deputy head or Other; focus_areas: separated by ';', "
     "e.g. Maths; Assessment; dates as dd/mm/yyyy; days_committed e.g. 26; funding_amount in "
     "pounds"),
    ("targets", "One row per action-plan target agreed with the client school.",
     "measure e.g. reading_exs, attendance, persistent_absence; subgroup: All, Disadvantaged, "
     "Not disadvantaged, SEND or No SEND; periods like 2024/25 Summer 2"),
    ("milestones", "Optional interim goals for a target (they replace the straight line).",
     "target_id, period e.g. 2024/25 Spring 2, value e.g. 60"),
    ("outcomes", "One row per pupil per period (one file per term is normal). Never names.",
     "pupil_id: UPN or pseudonymous id; disadvantaged Y/N; send N/K/E; reading/writing/maths "
     "PKS/WTS/EXS/GDS; english_grade/maths_grade 1-9 or U; sessions or attendance_pct; "
     "suspensions"),
    ("school_measures", "Optional school-level figures when you have no pupil rows.",
     "measure, subgroup, value (percent), cohort (number of pupils)"),
    ("visits", "One row per visit record a leader returns.",
     "visit_date dd/mm/yyyy; days e.g. 0.5; progress Green/Amber/Red; qa_status Checked or "
     "Pending"),
    ("inspections", "Optional: Ofsted history, to draw each school's journey.",
     "before Nov 2025 area 'Overall' with Outstanding/Good/Requires improvement/Inadequate/"
     "Serious weaknesses/Special measures; report cards one row per area with Exceptional/"
     "Strong standard/Expected standard/Needs attention/Urgent improvement, Safeguarding "
     "Met/Not met"),
]


def write_templates(folder: Path) -> None:
    """The blank template workbook (Instructions + one sheet per kind) and one CSV per kind."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "impact_template.xlsx"
    with pd.ExcelWriter(path, engine="xlsxwriter") as writer:
        book = writer.book
        book.set_properties({"created": FIXED_CREATED, "title": "Impact tracker template"})
        bold = book.add_format({"bold": True})
        wrap = book.add_format({"text_wrap": True, "valign": "top"})
        sheet = book.add_worksheet("Instructions")
        sheet.write(0, 0, "How to fill in this workbook", bold)
        sheet.write(1, 0, "Fill in one sheet per kind of record. Keep the headers in row 1 "
                    "exactly as they are. Leave a sheet empty if you have nothing for it. "
                    "Do not add pupil names, dates of birth or addresses: they are dropped. "
                    "Full guide: docs/formats.md.")
        sheet.write_row(3, 0, ["Sheet", "What it holds", "Columns", "Example values"], bold)
        for i, (kind, what, example) in enumerate(INSTRUCTIONS, start=4):
            sheet.write_row(i, 0, [kind, what, ", ".join(COLUMNS[kind]), example], wrap)
        sheet.set_column(0, 0, 18)
        sheet.set_column(1, 1, 50)
        sheet.set_column(2, 3, 70)
        for kind in KINDS:
            ws = book.add_worksheet(kind)
            ws.write_row(0, 0, COLUMNS[kind], bold)
            ws.freeze_panes(1, 0)
            for i, column in enumerate(COLUMNS[kind]):
                ws.set_column(i, i, max(14, len(column) + 2))
    for kind in KINDS:
        (folder / f"{kind}.csv").write_text(",".join(COLUMNS[kind]) + "\n", encoding="utf-8")


def write_broken(folder: Path, sample: Sample) -> None:
    """Bad files named for their fault (docs in broken/README.md say what each produces)."""
    folder.mkdir(parents=True, exist_ok=True)
    main = sample.main
    # Targets without measure or target_value: every row unusable.
    write_workbook(folder / "missing_columns.xlsx",
                   {"targets": main["targets"].drop(columns=["measure", "target_value"])})
    # Outcomes with periods nobody can place.
    bad = main["outcomes"][main["outcomes"]["urn"] == "990204"].head(6).copy()
    bad["period"] = ["Spring 3 2024/25", "2024/25 T7", "Easter 2025", "", "2024/25 Spring 2",
                     "Summer 2025/27"]
    bad.to_csv(folder / "bad_periods.csv", index=False, lineterminator="\n")
    # Attendance above 100%: attended more sessions than possible, and a 104% percentage.
    over = main["outcomes"][main["outcomes"]["urn"] == "990202"].head(5).copy()
    over["sessions_attended"] = over["sessions_possible"] + [0, 4, 0, 10, 0]
    over.loc[over.index[2], ["sessions_possible", "sessions_attended"]] = None
    over.loc[over.index[2], "attendance_pct"] = 104.0
    write_workbook(folder / "attendance_over_100.xlsx", {"outcomes": over})
    # The same pupil twice in one school and period.
    dup = main["outcomes"][main["outcomes"]["urn"] == "990204"].head(4)
    pd.concat([dup, dup.iloc[[1]]]).to_csv(folder / "duplicate_pupils.csv", index=False,
                                           lineterminator="\n")
    # A deployment into a school that is not in the schools sheet.
    unknown = main["deployments"].head(1).copy()
    unknown["deployment_id"] = "D99"
    unknown["client_urn"] = "990999"
    write_csv(folder / "unknown_school.csv", unknown)
    # A text file renamed to .xlsx.
    (folder / "not_a_spreadsheet.xlsx").write_text(
        "This is a note about the spring visits, saved with the wrong extension.\n",
        encoding="utf-8")
    # Visit dates that are not real UK dates.
    wrong = main["visits"].head(5).copy()
    write_csv(folder / "uk_dates_wrong.csv", wrong)
    text = (folder / "uk_dates_wrong.csv").read_text(encoding="utf-8").splitlines()
    fixes = ["31/02/2025", "2025-13-01", "12/25/2024", "next Tuesday", ""]
    for i, bad_date in enumerate(fixes, start=1):
        cells = text[i].split(",")
        cells[1] = bad_date
        text[i] = ",".join(cells)
    (folder / "uk_dates_wrong.csv").write_text("\n".join(text) + "\n", encoding="utf-8")
    # A valid MIS export: title rows above the header and name columns that must be dropped.
    _write_mis_export(folder / "title_rows_and_names.xlsx", main["outcomes"])
    (folder / "empty.csv").write_bytes(b"")
    _write_misread_figures(folder, main)


def _write_misread_figures(folder: Path, main: dict[str, pd.DataFrame]) -> None:
    """Figures that were once read wrong without a word: decimal commas, implausible values,
    two visit records with one key."""
    # A continental export: ';' between cells, decimal commas, full stops for thousands.
    continental = main["deployments"].head(3).copy()
    continental["deployment_id"] = ["D90", "D91", "D92"]
    continental["start_date"] = [d.strftime("%d/%m/%Y") for d in continental["start_date"]]
    continental["end_date"] = [d.strftime("%d/%m/%Y") for d in continental["end_date"]]
    continental["days_committed"] = ["10,5", "24", "26"]
    continental["funding_amount"] = ["1.200,50", "£24,000.50", "1,200"]  # the last two are fine
    continental.to_csv(folder / "decimal_commas.csv", index=False, sep=";", lineterminator="\n")
    # Values no school's data holds.
    targets = main["targets"].head(2).copy()
    targets["target_id"] = ["T90", "T91"]
    targets["measure"] = ["reading_exs", "attendance"]
    targets["baseline_value"] = [555.0, -5.0]
    milestones = pd.DataFrame({"target_id": ["T90"], "period": ["2024/25 Spring 2"],
                               "value": [120.0]})
    visits = main["visits"].iloc[10:14].copy()
    visits["days"] = [400.0, 0.0, 1.0, 1.0]
    visits["visit_date"] = [visits["visit_date"].iloc[0], visits["visit_date"].iloc[1],
                            dt.date(1900, 3, 1), dt.date(2099, 1, 1)]
    write_workbook(folder / "implausible_values.xlsx",
                   {"targets": targets, "milestones": milestones, "visits": visits})
    # Two half-day visit records on one day with one focus: once read as one half day.
    first = main["visits"][main["visits"]["days"] == 0.5].head(1)
    twice = pd.concat([first, first.assign(summary="Afternoon: the same focus again.")])
    write_csv(folder / "same_day_visits.csv", twice)


FORENAMES = ["Alfie", "Bea", "Callum", "Daisy", "Ezra", "Freya", "Gus", "Hana", "Ivo", "Jude"]
SURNAMES = ["Ashdown", "Birchall", "Coldwell", "Dunmore", "Elsworth", "Fairley", "Gorsey"]


def _write_mis_export(path: Path, outcomes: pd.DataFrame) -> None:
    """Little Fenwick's 2024/25 Spring 2 rows as an MIS export with invented names added."""
    rows = outcomes[(outcomes["urn"] == "990204") & (outcomes["period"] == MAIN_LAST)]
    rows = rows.reset_index(drop=True)
    names = pd.DataFrame({
        "Forename": [FORENAMES[i % len(FORENAMES)] for i in range(len(rows))],
        "Surname": [SURNAMES[i % len(SURNAMES)] for i in range(len(rows))],
        "DOB": [dt.date(2013 + (i % 6), 1 + i % 12, 1 + i % 28) for i in range(len(rows))],
    })
    export = pd.concat([names, rows], axis=1)
    with pd.ExcelWriter(path, engine="xlsxwriter", date_format="dd/mm/yyyy") as writer:
        writer.book.set_properties({"created": FIXED_CREATED})
        export.to_excel(writer, sheet_name="outcomes", index=False, startrow=3)
        sheet = writer.sheets["outcomes"]
        sheet.write(0, 0, "Little Fenwick CE Primary - Assessment and attendance export")
        sheet.write(1, 0, "Produced 01/04/2025 by the school MIS")


# A correction sent after a governors' meeting (issue 13): Kingfisher re-moderated ten pupils'
# Spring 2 reading from WTS to EXS. Imported on a later day than the meeting, the School page's
# and packs' "since our last meeting" says the figure changed and what it was at the meeting.
CORRECTION = ("990201", "2024/25 Spring 2", 10)
CORRECTION_FILE = Path("after_the_meeting") / "outcomes_kingfisher_2024-25_spring2_corrected.csv"


def corrected_outcomes(sample: Sample) -> pd.DataFrame:
    """Kingfisher's Spring 2 pupil rows with ten WTS readings re-moderated to EXS."""
    urn, period, n = CORRECTION
    outcomes = sample.main["outcomes"]
    rows = outcomes[(outcomes["urn"] == urn) & (outcomes["period"] == period)].copy()
    wts = rows.index[rows["reading"] == "WTS"][:n]
    rows.loc[wts, "reading"] = "EXS"
    return rows.reset_index(drop=True)


def write_all(seed: int = SEED, root: Path = HERE) -> Sample:
    """Write every output under root (sample_data/ by default) and return the sample."""
    sample = build_sample(seed)
    write_workbook(root / "riverside_trust.xlsx", sample.main)
    nxt = sample.next_term
    # Next term's outcomes as a school sends them: calendar-year period labels ("Summer 2025").
    outcomes = nxt["outcomes"].assign(period="Summer 2025")
    write_workbook(root / "next_term" / "outcomes_2024-25_summer2.xlsx", {"outcomes": outcomes})
    write_csv(root / "next_term" / "visits_2024-25_summer.csv", nxt["visits"],
              headers=["Deployment ID", "Visit date", "Days", "Focus area", "Progress",
                       "Summary", "Next steps", "QA status"])
    write_csv(root / CORRECTION_FILE, corrected_outcomes(sample))
    write_templates(root / "templates")
    write_broken(root / "broken", sample)
    return sample


def main() -> None:
    sample = write_all()
    main_status = judge_sample(sample.main["targets"], sample.main["milestones"],
                               sample.measures, MAIN_LAST)
    next_status = judge_sample(sample.main["targets"], sample.main["milestones"],
                               sample.measures, NEXT_PERIOD)
    print(f"Wrote {HERE.relative_to(HERE.parent)}/: "
          f"{len(sample.main['outcomes']) + len(sample.next_term['outcomes'])} pupil rows")
    for target_id, status in main_status.items():
        moved = "" if next_status[target_id] == status else f" -> {next_status[target_id]}"
        print(f"  {target_id}: {status}{moved}")


if __name__ == "__main__":
    main()
