"""Today's policy (issue 13): Ofsted report cards and their derived categories, RISE support tiers
and "stuck" schools, and targets grouped by report-card evaluation area.

Sources (docs/choices.md, "Issue 13", cites them): Ofsted's school inspection toolkit and operating
guide for inspections from 10 November 2025 and the DfE's response to the 2025 consultations, as
summarised by CVIS (cvis.eduhub.org.uk, "Ofsted inspections and accountability: what's changed"):
a school requires significant improvement when any evaluation area is graded urgent improvement or
safeguarding is not met; it is placed in special measures when, in addition, leadership and
governance is graded urgent improvement. "Stuck" schools: requires improvement at the most recent
inspection and below good at the one before.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

# The six evaluation areas every report card grades, in Ofsted's order (early years and sixth form
# are graded where a school has them; they are shown but are not target areas).
EVALUATION_AREAS = [
    "Inclusion", "Curriculum and teaching", "Achievement", "Attendance and behaviour",
    "Personal development and wellbeing", "Leadership and governance",
]
URGENT = "Urgent improvement"
SPECIAL_MEASURES = "Special measures"
SIGNIFICANT_IMPROVEMENT = "Requires significant improvement"
# The old four-point scale's grades below good, with its categories of concern.
BELOW_GOOD = {"Requires improvement", "Inadequate", "Serious weaknesses", "Special measures"}
RISE_TIERS = ["Universal", "Targeted", "Intervention"]
RISE_WORDS = {
    "Universal": "universal support (open to every school)",
    "Targeted": "targeted support from a RISE team",
    "Intervention": "intervention: a RISE team works with the school and its responsible body",
}


def _is_report_card(area: pd.Series) -> pd.Series:
    return area.astype(str).str.strip().str.lower() != "overall"


def report_card_category(card: pd.DataFrame) -> str | None:
    """One report card's rows (area, judgement) -> 'Special measures', 'Requires significant
    improvement' or None. Derived from the grades as Ofsted's rules say; never an overall grade."""
    grades = {str(a).strip().lower(): str(j).strip() for a, j in
              zip(card["area"], card["judgement"], strict=True)}
    safeguarding_unmet = grades.get("safeguarding", "").lower() == "not met"
    urgent = [a for a, j in grades.items() if j.lower() == URGENT.lower()]
    leadership_urgent = "leadership and governance" in urgent
    if leadership_urgent and (safeguarding_unmet or len(urgent) > 1):
        return SPECIAL_MEASURES
    if urgent or safeguarding_unmet:
        return SIGNIFICANT_IMPROVEMENT
    return None


JOURNEY_COLUMNS = ["inspection_date", "scale", "judgement", "grades", "category", "sentence"]


def inspection_journey_table(inspections: pd.DataFrame) -> pd.DataFrame:
    """inspections -> one row per inspection, oldest first: inspection_date, scale ('single-word
    judgement' or 'report card'), judgement (old scale), grades (report card, in words), category
    (derived for report cards; the old categories as written) and a sentence. The two scales sit
    side by side and are never converted into each other."""
    if inspections is None or inspections.empty:
        return pd.DataFrame(columns=JOURNEY_COLUMNS)
    frame = inspections.assign(_date=pd.to_datetime(inspections["inspection_date"],
                                                    errors="coerce"))
    rows = []
    for when, group in frame.dropna(subset=["_date"]).groupby("_date", sort=True):
        date = when.strftime("%d/%m/%Y")
        old = group[~_is_report_card(group["area"])]
        if not old.empty:
            judgement = str(old["judgement"].iloc[0])
            category = judgement if judgement in ("Serious weaknesses", "Special measures") else ""
            rows.append({"inspection_date": when.date(), "scale": "single-word judgement",
                         "judgement": judgement, "grades": "", "category": category,
                         "sentence": f"{date}: {judgement} (single-word judgement, before "
                                     "November 2025)."})
        card = group[_is_report_card(group["area"])]
        if not card.empty:
            # The six areas in Ofsted's order, then early years or sixth form, safeguarding last.
            order = {a.lower(): i for i, a in enumerate(EVALUATION_AREAS)} | {"safeguarding": 100}
            card = card.assign(_o=card["area"].astype(str).str.lower().map(order).fillna(50))
            card = card.sort_values(["_o", "area"])
            grades = "; ".join(f"{a.lower() if a != 'Safeguarding' else 'safeguarding'} "
                               f"{str(j).lower()}" for a, j in
                               zip(card["area"], card["judgement"], strict=True))
            category = report_card_category(card) or ""
            derived = (f" Derived category: {category.lower()}." if category else
                       " No category of concern follows from these grades.")
            rows.append({"inspection_date": when.date(), "scale": "report card",
                         "judgement": "", "grades": grades, "category": category,
                         "sentence": f"{date}: report card: {grades}.{derived}"})
    return pd.DataFrame(rows, columns=JOURNEY_COLUMNS)


def is_stuck(inspections: pd.DataFrame) -> bool:
    """Requires improvement at the latest inspection and below good at the one before (the
    single-word scale; a report card has no requires-improvement grade, so it ends the run)."""
    if inspections is None or inspections.empty:
        return False
    return bool(stuck_urns(inspections.assign(urn="")))  # one school's rows, whatever their URN


def stuck_urns(inspections: pd.DataFrame) -> set[str]:
    """inspections (urn, inspection_date, area, judgement) -> the URNs of the stuck schools: the
    rule of is_stuck for every school at once (a loop over 500 schools' journeys cost ~3.6 s).

    Each school's journey is its inspection dates, oldest first, each giving its single-word
    judgement (the first "Overall" row) and then its report card (any other area), as
    inspection_journey_table orders them; stuck when the last two entries are single-word
    judgements, the last "Requires improvement" and the one before below good."""
    if inspections is None or inspections.empty:
        return set()
    frame = inspections.assign(_date=pd.to_datetime(inspections["inspection_date"],
                                                    errors="coerce")).dropna(subset=["_date"])
    if frame.empty:
        return set()
    frame = frame.assign(_card=_is_report_card(frame["area"]).to_numpy(),
                         _row=range(len(frame)))
    keys = ["urn", "_date"]
    old = (frame[~frame["_card"]].sort_values([*keys, "_row"]).groupby(keys, sort=False)
           ["judgement"].first().astype(str).rename("judgement").reset_index().assign(_seq=0))
    cards = frame[frame["_card"]].drop_duplicates(keys)[keys].assign(judgement="", _seq=1)
    journey = pd.concat([old, cards], ignore_index=True).sort_values([*keys, "_seq"])
    journey["_old"] = journey["_seq"] == 0
    last = journey.groupby("urn", sort=False).nth(-1).set_index("urn")
    before = journey.groupby("urn", sort=False).nth(-2).set_index("urn").reindex(last.index)
    stuck = (last["_old"] & (last["judgement"] == "Requires improvement")
             & before["_old"].fillna(False).astype(bool)
             & before["judgement"].isin(BELOW_GOOD))
    return {str(u) for u in stuck[stuck].index}


def stuck_sentence(inspections: pd.DataFrame) -> str:
    """'Stuck: requires improvement on 06/11/2024 and serious weaknesses before that.' or ''."""
    if not is_stuck(inspections):
        return ""
    journey = inspection_journey_table(inspections)
    latest, before = journey.iloc[-1], journey.iloc[-2]
    return (f"⚑ Stuck school: requires improvement at the latest inspection "
            f"({latest['inspection_date']:%d/%m/%Y}) and {before['judgement'].lower()} at the "
            f"one before ({before['inspection_date']:%d/%m/%Y}).")


def rise_words(school: pd.Series | dict, as_of: dt.date | None = None) -> str:
    """A school's RISE tier in words, with its date: 'RISE: targeted support from a RISE team
    since 20/11/2024.' or '' when none is recorded."""
    tier = school.get("rise_tier")
    if tier is None or (not isinstance(tier, str) and pd.isna(tier)) or not str(tier).strip():
        return ""
    start = pd.to_datetime(school.get("rise_tier_start"), errors="coerce")
    words = RISE_WORDS.get(str(tier), str(tier).lower())
    since = "" if pd.isna(start) else (
        f" from {start:%d/%m/%Y}" if as_of is not None and start.date() > as_of
        else f" since {start:%d/%m/%Y}")
    return f"RISE: {words}{since}."


def rise_tier_short(school: pd.Series | dict) -> str:
    """'Targeted (since 20/11/2024)' for a table; '' when none."""
    tier = school.get("rise_tier")
    if tier is None or (not isinstance(tier, str) and pd.isna(tier)) or not str(tier).strip():
        return ""
    start = pd.to_datetime(school.get("rise_tier_start"), errors="coerce")
    return str(tier) + ("" if pd.isna(start) else f" (from {start:%d/%m/%Y})")


def group_by_area(progress: pd.DataFrame, targets: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """progress + targets (area) -> [(heading, rows)] in the six areas' order, then targets with no
    area under 'Not linked to an evaluation area'; one group 'All targets' when none has an area."""
    areas = dict(zip(targets["target_id"], targets["area"], strict=False)) \
        if "area" in targets else {}
    area = progress["target_id"].map(areas)
    if area.isna().all() or (area.astype(str).str.strip() == "").all():
        return [("All targets", progress)]
    groups = [(a, progress[area == a]) for a in EVALUATION_AREAS if (area == a).any()]
    rest = progress[~area.isin(EVALUATION_AREAS)]
    if not rest.empty:
        groups.append(("Not linked to an evaluation area", rest))
    return groups
