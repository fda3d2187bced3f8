"""Today's policy (issue 13): Ofsted report cards and their derived categories, RISE support tiers
and "stuck" schools, and targets grouped by report-card evaluation area.

Sources, checked in issue 13 (finish); docs/choices.md "Issue 13 (finish)" lists them too:
- Ofsted, "School inspection operating guide for inspectors: for use from November 2025"
  (published 9 September 2025), https://www.gov.uk/government/publications/school-inspection-
  toolkit-operating-guide-and-information : report cards for inspections from 10 November 2025.
- The five-point scale (exceptional, strong standard, expected standard, needs attention, urgent
  improvement), the six evaluation areas plus early years / sixth form where a school has them,
  and safeguarding met / not met: ACERT, "Ofsted report cards" (https://acert.org.uk) and
  Safeguarding Network, "Ofsted's new Inspection Framework and Report Cards" (10 September 2025,
  https://safeguarding.network/blog/xx), both summarising the toolkit.
- Derived categories: CVIS, "Ofsted inspections and accountability: what's changed"
  (https://cvis.eduhub.org.uk/need-to-know/ofsted-inspections-and-accountability-whats-changed):
  a school requires significant improvement when any area is graded urgent improvement or
  safeguarding is not met; it is in special measures when, in addition, leadership and governance
  is graded urgent improvement. Schools Week, "New accountability regime: RISE, 'stuck' schools
  and profiles explained" (3 February 2025): the categories of concern are special measures and
  requires significant improvement, the latter the category Ofsted called serious weaknesses.
  The primary text of the operating guide's section on categories could not be read here; leadership
  urgent improvement with safeguarding not met (and no other urgent grade) is read as special
  measures, our reading of "in addition".
- Stuck schools: DfE, "Schools eligible for RISE intervention" (explore-education-statistics
  .service.gov.uk/find-statistics/schools-eligible-for-rise-intervention), as quoted by
  John Howson (johnohowson.com): requires improvement (or equivalent) at the most recent inspection
  and below good at the one before; after report cards, "a 'needs attention' grade for leadership
  and governance, which were graded below good, or equivalent, at their previous Ofsted
  inspection". Tes, "How the DfE plans to intervene in schools" (February 2025), the same first part.
- RISE tiers: Schools Week via universitytrends.co.uk, "'Unintelligible': leaders on new RISE
  improvement teams": three tiers, universal help, targeted support and intervention; DfE design
  history, "Background to Regional Improvement for Standards and Excellence (RISE)"
  (design-histories.education.gov.uk): universal support for all schools, targeted support funded
  by DfE grants for schools that need to improve, structural support; CVIS (above): structural
  intervention remains the default for special measures.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from analysis.schema import OLD_SCALE

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
    "Targeted": "targeted support from a RISE team (funded support for a school that needs to "
                "improve, such as a stuck school)",
    "Intervention": "intervention (for a school in a category of concern: a RISE team works with "
                    "the school and its responsible body, and structural change such as a new "
                    "trust is the default for special measures)",
}
# Ofsted's former name for the requires-significant-improvement category, said beside it so a
# reader who knows the old word recognises the category.
FORMER_NAME = {SIGNIFICANT_IMPROVEMENT: "serious weaknesses"}
NEEDS_ATTENTION = "Needs attention"


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
KEY_JUDGEMENTS = "key judgements"
# DfE's interim rule for stuck schools: a requires-improvement (or worse) sub-judgement for either
# of these, at an inspection without a headline grade, counts as requires improvement.
INTERIM_AREAS = ("leadership and management", "quality of education")


def inspection_journey_table(inspections: pd.DataFrame) -> pd.DataFrame:
    """inspections -> one row per inspection, oldest first: inspection_date, scale ('single-word
    judgement' or 'report card'), judgement (old scale), grades (report card, in words), category
    (derived for report cards; the old categories as written) and a sentence. The two scales sit
    side by side and are never converted into each other."""
    if inspections is None or inspections.empty:
        return pd.DataFrame(columns=JOURNEY_COLUMNS)
    # Stored dates are dates (uploads are read to dates, analysis.cells): anything else is no date.
    frame = inspections.assign(_date=pd.to_datetime(inspections["inspection_date"],
                                                    errors="coerce", format="ISO8601"))
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
        # Key judgements on the old four-point scale with no overall grade (inspections from
        # September 2024 until report cards): shown as written, never as a report card.
        keyed = card["judgement"].astype(str).str.strip().isin(OLD_SCALE)
        key, card = card[keyed], card[~keyed]
        if not key.empty:
            grades = "; ".join(f"{str(a).strip().lower()} {str(j).strip().lower()}" for a, j in
                               zip(key["area"], key["judgement"], strict=True))
            rows.append({"inspection_date": when.date(), "scale": KEY_JUDGEMENTS,
                         "judgement": "", "grades": grades, "category": "",
                         "sentence": f"{date}: key judgements, no overall grade (September 2024 "
                                     f"to November 2025): {grades}."})
        if not card.empty:
            # The six areas in Ofsted's order, then early years or sixth form, safeguarding last.
            order = {a.lower(): i for i, a in enumerate(EVALUATION_AREAS)} | {"safeguarding": 100}
            card = card.assign(_o=card["area"].astype(str).str.lower().map(order).fillna(50))
            card = card.sort_values(["_o", "area"])
            grades = "; ".join(f"{a.lower() if a != 'Safeguarding' else 'safeguarding'} "
                               f"{str(j).lower()}" for a, j in
                               zip(card["area"], card["judgement"], strict=True))
            category = report_card_category(card) or ""
            former = FORMER_NAME.get(category)
            derived = (f" Derived category: {category.lower()}"
                       + (f" (the category Ofsted called {former} before report cards)"
                          if former else "") + "." if category else
                       " No category of concern follows from these grades.")
            rows.append({"inspection_date": when.date(), "scale": "report card",
                         "judgement": "", "grades": grades, "category": category,
                         "sentence": f"{date}: report card: {grades}.{derived}"})
    return pd.DataFrame(rows, columns=JOURNEY_COLUMNS)


def _leadership_grade(grades: str) -> str:
    """'inclusion expected standard; leadership and governance needs attention; ...' -> 'needs
    attention' (the journey's grades in words), '' when the card has no such area."""
    for part in grades.split("; "):
        if part.startswith("leadership and governance "):
            return part.removeprefix("leadership and governance ")
    return ""


def _interim_grades(row: pd.Series) -> set[str]:
    """Key judgements -> the grades given for leadership and management and quality of education."""
    grades = set()
    for part in str(row["grades"]).split("; "):
        for area in INTERIM_AREAS:
            if part.startswith(area + " "):
                grades.add(part.removeprefix(area + " "))
    return grades


def _requires_improvement(row: pd.Series) -> bool:
    """The latest inspection counts as 'requires improvement or equivalent' (DfE's stuck rule): the
    single-word judgement; key judgements without an overall grade with leadership and
    management or quality of education requires improvement (DfE's interim rule); or a report
    card with leadership and governance graded needs attention and no category of concern (a
    category is intervention in its own right)."""
    if row["scale"] == "single-word judgement":
        return row["judgement"] == "Requires improvement"
    if row["scale"] == KEY_JUDGEMENTS:
        grades = _interim_grades(row)
        return "requires improvement" in grades and "inadequate" not in grades
    return (_leadership_grade(row["grades"]) == NEEDS_ATTENTION.lower()
            and not row["category"])


def _below_good(row: pd.Series) -> bool:
    """The inspection before counts as 'below good, or equivalent': a single-word judgement below
    good, or a report card with leadership and governance graded needs attention or urgent
    improvement, or a category of concern (our reading of 'equivalent')."""
    if row["scale"] == "single-word judgement":
        return row["judgement"] in BELOW_GOOD
    if row["scale"] == KEY_JUDGEMENTS:
        return bool(_interim_grades(row) & {"requires improvement", "inadequate"})
    return bool(row["category"]) or _leadership_grade(row["grades"]) in (
        NEEDS_ATTENTION.lower(), URGENT.lower())


def is_stuck(inspections: pd.DataFrame) -> bool:
    """DfE's stuck schools: requires improvement (or, on a report card, leadership and governance
    graded needs attention) at the latest inspection, and below good (or equivalent) at the one
    before. Never converts a report card into a single-word judgement: it applies DfE's own rule
    for each scale."""
    journey = inspection_journey_table(inspections)
    if len(journey) < 2:
        return False
    return _requires_improvement(journey.iloc[-1]) and _below_good(journey.iloc[-2])


def _in_words(row: pd.Series) -> str:
    if row["scale"] == "single-word judgement":
        return row["judgement"].lower()
    if row["scale"] == KEY_JUDGEMENTS:
        return f"key judgements ({row['grades']})"
    if row["category"]:
        return f"a report card with the derived category {row['category'].lower()}"
    return (f"a report card with leadership and governance graded "
            f"{_leadership_grade(row['grades'])}")


def stuck_urns(inspections: pd.DataFrame) -> set[str]:
    """inspections (urn, ...) -> the URNs of the stuck schools: exactly is_stuck's answer for each
    school (tests/test_policy_and_since.py compares the two over generated histories), in one
    vectorised pass over all inspections instead of a journey table per school. The overview asks
    it once per store version and filter (analysis/facts_store.py keeps the unfiltered answer)."""
    if inspections is None or inspections.empty:
        return set()
    rows = inspections.assign(_date=pd.to_datetime(inspections["inspection_date"],
                                                   errors="coerce", format="ISO8601"),
                              urn=inspections["urn"])
    rows = rows.dropna(subset=["_date"])
    if rows.empty:
        return set()
    area = rows["area"].astype(str)
    judgement = rows["judgement"].astype(str)
    # The journey's three kinds of entry on one date, in its order: single-word, key, card.
    kind = pd.Series(2, index=rows.index)
    kind[area.str.strip().str.lower() == "overall"] = 0
    kind[(kind == 2) & judgement.str.strip().isin(OLD_SCALE)] = 1
    rows = rows.assign(_kind=kind, _area=area, _j=judgement)
    keys = ["urn", "_date", "_kind"]
    entries = []
    old = rows[rows["_kind"] == 0].groupby(keys, sort=False)["_j"].first()
    entries.append(pd.DataFrame({"ri": old == "Requires improvement",
                                 "below": old.isin(BELOW_GOOD)}))
    key = rows[rows["_kind"] == 1]
    part = key["_area"].str.strip().str.lower() + " " + key["_j"].str.strip().str.lower()
    grade = pd.Series("", index=key.index)
    for interim in INTERIM_AREAS:
        hit = part.str.startswith(interim + " ")
        grade[hit] = part[hit].str.slice(len(interim) + 1)
    key = key.assign(_ri=grade == "requires improvement", _inad=grade == "inadequate")
    flags = key.groupby(keys, sort=False)[["_ri", "_inad"]].any()
    entries.append(pd.DataFrame({"ri": flags["_ri"] & ~flags["_inad"],
                                 "below": flags["_ri"] | flags["_inad"]}))
    card = rows[rows["_kind"] == 2]
    name = card["_area"].str.strip().str.lower()
    verdict = card["_j"].str.strip().str.lower()
    # report_card_category's dict keeps the last grade given for an area.
    last = card.assign(_name=name, _verdict=verdict).drop_duplicates(keys + ["_name"],
                                                                      keep="last")
    urgent = last["_verdict"] == URGENT.lower()
    last = last.assign(_urgent=urgent,
                       _unmet=(last["_name"] == "safeguarding") & (last["_verdict"] == "not met"))
    per = last.groupby(keys, sort=False).agg(urgent=("_urgent", "any"),
                                             unmet=("_unmet", "any"))
    # Either category of concern (which one does not matter to the stuck rule).
    category = per["urgent"] | per["unmet"]
    # The leadership grade as the journey writes it: the area as given, lower-cased.
    lead = card[card["_area"].str.lower() == "leadership and governance"]
    lead_grade = lead["_j"].str.lower().groupby(
        [lead[k] for k in keys], sort=False).first().reindex(per.index).fillna("")
    entries.append(pd.DataFrame({
        "ri": (lead_grade == NEEDS_ATTENTION.lower()) & ~category,
        "below": category | lead_grade.isin([NEEDS_ATTENTION.lower(), URGENT.lower()])}))
    journey = pd.concat(entries).sort_index(level=keys)
    last_two = journey.groupby(level="urn").tail(2)
    counted = last_two.groupby(level="urn").size()
    latest = last_two.groupby(level="urn").nth(-1)
    before = last_two.groupby(level="urn").nth(0)
    latest = latest["ri"].droplevel(["_date", "_kind"])
    before = before["below"].droplevel(["_date", "_kind"])
    stuck = latest & before & (counted.reindex(latest.index) == 2)
    return {str(urn) for urn in stuck[stuck].index}


def stuck_sentence(inspections: pd.DataFrame) -> str:
    """'⚑ Stuck school: requires improvement at the latest inspection (06/11/2024) and serious
    weaknesses at the one before (18/01/2023).' or ''."""
    if not is_stuck(inspections):
        return ""
    journey = inspection_journey_table(inspections)
    latest, before = journey.iloc[-1], journey.iloc[-2]
    return (f"⚑ Stuck school: {_in_words(latest)} at the latest inspection "
            f"({latest['inspection_date']:%d/%m/%Y}) and {_in_words(before)} at the "
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


def overview_lines(table: pd.DataFrame) -> list[str]:
    """portfolio.school_overview -> the Overview's sentences above its table: the stuck schools
    and each school's RISE tier ('⚑ Stuck: Saltmarsh High School.', 'RISE support: Saltmarsh
    High School targeted (from 25/11/2024); ...'); [] when there is neither."""
    lines = []
    if "stuck" in table and table["stuck"].any():
        names = list(table.loc[table["stuck"].astype(bool), "school_name"])
        lines.append(f"⚑ Stuck school{'s' if len(names) != 1 else ''} (requires improvement "
                     "and below good before, DfE's RISE term): " + ", ".join(names) + ".")
    if "rise" in table:
        tiers = [(n, r) for n, r in zip(table["school_name"], table["rise"], strict=True)
                 if isinstance(r, str) and r.strip()]
        if tiers:
            lines.append("RISE support: " + "; ".join(
                f"{n}, {r[0].lower()}{r[1:]}" for n, r in tiers) + ".")
    return lines
