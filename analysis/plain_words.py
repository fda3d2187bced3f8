"""Plain words where governors look: roles spelled out, the glossary, ratings and money in words.

One home for each: the School page, the register, the overview and the pack all call these, so
an abbreviation is explained the same way everywhere (issue 13).
"""

from __future__ import annotations

import pandas as pd

from analysis.schema import MEASURES

# The deployment register's leader roles, spelled out.
ROLE_WORDS = {
    "NLE": "national leader of education",
    "SLE": "specialist leader of education",
    "NLG": "national leader of governance",
    "LLE": "local leader of education",
    "Deputy head": "deputy headteacher",
    "Other": "other system leader",
}

# What a governor may meet on the page and in the pack, in the order a reader meets it.
GLOSSARY: list[tuple[str, str]] = [
    ("NLE", "National leader of education: an experienced headteacher who supports other "
            "schools."),
    ("SLE", "Specialist leader of education: a middle or senior leader with expertise in one "
            "area (e.g. maths) who supports other schools."),
    ("NLG", "National leader of governance: an experienced chair of governors who supports "
            "other boards."),
    ("LLE", "Local leader of education: a headteacher who supports schools in the local area."),
    ("Deployment", "One system leader's agreed support for a client school: the focus, the "
                   "dates, the days committed and the funding."),
    ("Day rate", "The funding divided by the days committed: what one day of the agreed "
                 "support costs. Spend to date is the day rate times the days delivered, never "
                 "more than the funding."),
    ("Over-delivered", "More days delivered than were committed; the extra days are not "
                       "funded."),
    ("Days unused", "A deployment past its end date that delivered fewer days than committed."),
    ("Deployment creep", "Visit days spent outside the deployment's agreed focus."),
    ("pp (percentage points)", "The difference between two percentages: 20% to 25% is 5 "
                               "percentage points (5 pp). Gaps are written in pp."),
    ("Disadvantaged gap", "A measure for pupils who are not disadvantaged minus the same "
                          "measure for disadvantaged pupils (eligible for the pupil premium); "
                          "lower is better."),
    ("Persistent absence", "Pupils missing 10% or more of their sessions (90% "
                           "attendance or below); lower is better."),
    ("Severe absence", "Pupils missing 50% or more of their sessions (at or below 50% "
                       "attendance); lower is better."),
    ("SEND", "Special educational needs and disabilities (SEN support or an education, health "
             "and care plan)."),
    ("Green / amber / red", "The leader's own rating of progress on each visit record."),
    ("Report card", "Ofsted's inspection outcome from 10 November 2025: each evaluation area "
                    "graded exceptional, strong standard, expected standard, needs attention or "
                    "urgent improvement, and safeguarding met or not met. It has no overall "
                    "grade and is never converted into the earlier single-word judgements."),
    ("RISE", "The DfE's regional improvement for standards and excellence teams: universal "
             "support for every school, targeted support for a school that needs to improve, "
             "or intervention for a school in a category of concern."),
    ("Stuck school", "DfE's term: requires improvement at the latest inspection and below good "
                     "at the one before; on a report card, leadership and governance graded "
                     "needs attention after an inspection below good."),
    ("Category of concern", "Special measures or requires significant improvement (called "
                            "serious weaknesses before report cards), derived from a report "
                            "card's grades: any urgent improvement or safeguarding not met."),
]


def role_words(role: object) -> str:
    """'NLE' -> 'national leader of education'; an unknown role as written, blank as ''."""
    if role is None or (not isinstance(role, str) and pd.isna(role)):
        return ""
    return ROLE_WORDS.get(str(role), str(role))


def leader_with_role(name: object, role: object) -> str:
    """'Helen Marsh', 'NLE' -> 'Helen Marsh (national leader of education)'."""
    words = role_words(role)
    return f"{name} ({words})" if words else str(name)


def lower_is_better(measure: str) -> bool:
    return measure in MEASURES and MEASURES[measure].better < 0


def better_words(measure: str) -> str:
    """'(lower is better)' for a measure where a fall is good news, else ''."""
    return "(lower is better)" if lower_is_better(measure) else ""


def with_direction(label: str, measure: str) -> str:
    """'Persistent absence' -> 'Persistent absence (lower is better)' for lower-is-better measures."""
    words = better_words(measure)
    if not words:
        return label
    if label.endswith(")"):  # one bracket, not two: 'absence (90% attendance or below; lower...)'
        return f"{label[:-1]}; {words[1:]}"
    return f"{label} {words}"


def subgroup_suffix(subgroup: object) -> str:
    """' (Disadvantaged)' after a measure's name, nothing for all pupils: never '(All)'."""
    if subgroup is None or (not isinstance(subgroup, str) and pd.isna(subgroup)):
        return ""
    return "" if str(subgroup) == "All" else f" ({subgroup})"


def ratings_words(green: int, amber: int, red: int) -> str:
    """(26, 9, 0) -> '26 green, 9 amber, 0 red visits' (1 visit in the singular)."""
    total = int(green) + int(amber) + int(red)
    noun = "visit" if total == 1 else "visits"
    return f"{int(green)} green, {int(amber)} amber, {int(red)} red {noun}"


def days_of(delivered: object, committed: object) -> str:
    """(33, 40) -> '33 of 40 days'; (1, 1) -> '1 of 1 day'."""
    from analysis.narrative import format_days

    whole = format_days(committed)
    number = format_days(delivered).rsplit(" ", 1)[0]
    return f"{number} of {whole}"


def targets_good_words(good: int, total: int) -> str:
    """(1, 2) -> '1 of its 2 targets is achieved or on track'; (0, 1) -> 'its one target is not
    achieved or on track yet'."""
    if total == 1:
        return ("its one target is achieved or on track" if good else
                "its one target is not achieved or on track yet")
    return f"{good} of its {total} targets {'is' if good == 1 else 'are'} achieved or on track"
