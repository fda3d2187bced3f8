"""The data contract as code: each record kind's columns, the measures and the settings."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields

# Order matters: a kind is read after the kinds it refers to.
KINDS = [
    "schools",
    "deployments",
    "targets",
    "milestones",
    "outcomes",
    "school_measures",
    "visits",
    "inspections",
]

COLUMNS: dict[str, list[str]] = {
    # rise_tier, rise_tier_start and targets.area are optional (issue 13, migration 6).
    "schools": ["urn", "school_name", "phase", "local_authority", "role", "rise_tier",
                "rise_tier_start"],
    "deployments": [
        "deployment_id", "client_urn", "leader_name", "leader_role", "home_urn", "focus_areas",
        "start_date", "end_date", "days_committed", "funding_source", "funding_amount",
    ],
    "targets": [
        "target_id", "client_urn", "deployment_id", "measure", "subgroup",
        "baseline_value", "baseline_period", "target_value", "target_period", "area",
    ],
    "milestones": ["target_id", "period", "value"],
    "outcomes": [
        "urn", "period", "pupil_id", "year_group", "disadvantaged", "send",
        "reading", "writing", "maths", "english_grade", "maths_grade",
        "sessions_possible", "sessions_attended", "attendance_pct", "suspensions",
    ],
    "school_measures": ["urn", "period", "measure", "subgroup", "value", "cohort"],
    "visits": [
        "deployment_id", "visit_date", "days", "focus_area", "progress",
        "summary", "next_steps", "qa_status",
    ],
    "inspections": ["urn", "inspection_date", "area", "judgement"],
}

MEASURE_COLUMNS = ["urn", "period", "measure", "subgroup", "value", "cohort"]

PHASES = ["Primary", "Secondary", "All-through", "Special"]
ROLES = ["Client", "Home"]
LEADER_ROLES = ["NLE", "SLE", "NLG", "LLE", "Deputy head", "Other"]
# Target statuses, exceptions first: every table and chart lists them in this order.
STATUS_ORDER = ["Off track", "Missed", "At risk", "On track", "Achieved", "No data yet"]
# Inspection scales, never converted into each other: the four-point overall judgement (before
# November 2025) and the report-card grades (from November 2025), both worst first.
OLD_SCALE = ["Inadequate", "Requires improvement", "Good", "Outstanding"]
REPORT_CARD_GRADES = [
    "Urgent improvement", "Needs attention", "Expected standard", "Strong standard", "Exceptional",
]
SUBGROUPS = ["All", "Disadvantaged", "Not disadvantaged", "SEND", "No SEND"]
PROGRESS_RATINGS = ["Green", "Amber", "Red"]
QA_STATUSES = ["Checked", "Pending"]
TA_GRADES = ["PKS", "WTS", "EXS", "GDS"]


@dataclass(frozen=True)
class Measure:
    label: str  # how a person reads it: "Reading at the expected standard"
    better: int  # +1 when higher is better, -1 when lower is better
    unit: str  # "%" or "pp" (percentage points, for gaps)


_BASE_MEASURES: dict[str, Measure] = {
    "reading_exs": Measure("Reading at the expected standard", +1, "%"),
    "writing_exs": Measure("Writing at the expected standard", +1, "%"),
    "maths_exs": Measure("Maths at the expected standard", +1, "%"),
    "rwm_exs": Measure("Reading, writing and maths at the expected standard", +1, "%"),
    "rwm_gds": Measure("Reading, writing and maths at greater depth", +1, "%"),
    "eng_maths_4plus": Measure("English and maths grade 4 or above", +1, "%"),
    "eng_maths_5plus": Measure("English and maths grade 5 or above", +1, "%"),
    "attendance": Measure("Attendance", +1, "%"),
    "persistent_absence": Measure("Persistent absence (90% attendance or below)", -1, "%"),
    "severe_absence": Measure("Severe absence (50% attendance or below)", -1, "%"),
    "suspension_rate": Measure("Pupils with at least one suspension", -1, "%"),
}

MEASURES: dict[str, Measure] = dict(_BASE_MEASURES)
for _name, _m in _BASE_MEASURES.items():
    # A gap is Not disadvantaged minus Disadvantaged: smaller is better whatever the measure.
    MEASURES[f"disadvantaged_gap_{_name}"] = Measure(
        f"Disadvantaged gap: {_m.label[0].lower()}{_m.label[1:]}", -1, "pp"
    )


def measure_label(name: str) -> str:
    """Plain-words name of a measure; unknown names are shown as written."""
    return MEASURES[name].label if name in MEASURES else name


@dataclass
class Settings:
    """Settings a trust can change; stored in the database, defaults here."""

    # At risk when the shortfall from the expected value is at most this share of |target - baseline|.
    status_tolerance: float = 0.25
    # A deployment is flagged for creep when more than this share of its days was off-focus.
    creep_threshold: float = 0.20
    # Governor-facing views hide any figure whose cohort is below this many pupils.
    small_cohort: int = 5
    # Which visit records count towards days delivered and creep: "all", or only "checked" ones
    # (quality-assured by the administrator). docs/choices.md, issue 11, says why "all".
    visits_counted: str = "all"

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> Settings:
        known = {f.name: f.type for f in fields(cls)}
        out = {}
        for key, value in values.items():
            if key in known and value is not None:
                out[key] = (int(value) if key == "small_cohort" else str(value)
                            if key == "visits_counted" else float(value))
        return cls(**out)

    def problem(self) -> str | None:
        """One sentence naming the first setting outside its limits, or None when all are fine."""
        for key in ("status_tolerance", "creep_threshold"):
            if not 0 <= float(getattr(self, key)) <= 1:
                return f"{key} must be a share between 0 and 1 (e.g. 0.25 for 25%)."
        if not SMALL_COHORT_MIN <= int(self.small_cohort) <= SMALL_COHORT_MAX:
            return (f"small_cohort must be a whole number of pupils from {SMALL_COHORT_MIN} to "
                    f"{SMALL_COHORT_MAX}: published school data never shows a figure from fewer "
                    f"than {SMALL_COHORT_MIN} pupils, so the limit can go up but not down.")
        if self.visits_counted not in VISITS_COUNTED:
            return ("visits_counted must be \"all\" (every visit record counts towards days and "
                    "creep) or \"checked\" (only records the administrator has checked).")
        return None


# The small-cohort limit can rise but never fall below what published school data uses.
SMALL_COHORT_MIN = 5
SMALL_COHORT_MAX = 1000
# Settings.visits_counted: which visit records days delivered and creep count.
VISITS_COUNTED = {"all": "Every visit record", "checked": "Only checked visit records"}


# ---- how uploads are read: sheet names, headers, value types ---------------------------------
# Sheet names, headers and choice values are compared after `normalise_name`: lower case,
# '%' read as 'pct', everything but letters and digits removed. So 'Attendance %',
# 'attendance_pct' and 'ATTENDANCE PCT' are one header.

SHEET_ALIASES: dict[str, list[str]] = {
    "schools": ["schools", "school", "school list", "schools list", "establishments"],
    "deployments": [
        "deployments", "deployment", "leader deployments", "system leader deployments",
        "deployment log",
    ],
    "targets": ["targets", "target", "action plan targets", "action plan", "action plans"],
    "milestones": ["milestones", "milestone", "target milestones", "interim targets"],
    "outcomes": [
        "outcomes", "pupil outcomes", "pupils", "pupil data", "pupil rows", "pupil level data",
        "assessment", "assessments",
    ],
    "school_measures": [
        "measures", "school measures", "school level measures", "school figures",
        "school level data",
    ],
    "visits": [
        "visits", "visit", "visit records", "visit record", "visit log", "progress visits",
        "leader visits",
    ],
    "inspections": [
        "inspections", "inspection", "ofsted", "ofsted judgements", "inspection judgements",
        "report cards",
    ],
}


@dataclass(frozen=True)
class Field:
    """One column of a record kind as the upload reads it.

    type: text, id, urn, period, date, number, whole, percent, money, yesno, send, ta, grade,
    year_group, choice (choices + values), measure, subgroup.
    required: the column must be present and no cell in it blank.
    values: extra accepted spellings (normalised) -> canonical choice.
    The plausible range of a number or date is not here but in LIMITS and DATE_WINDOWS below.
    """

    type: str = "text"
    required: bool = False
    aliases: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    values: tuple[tuple[str, str], ...] = ()
    default: str | None = None  # used for blank cells and a missing column


_URN_ALIASES = ("URN", "School URN", "Establishment URN", "DfE URN")
_CLIENT_URN = Field("urn", True, ("client_urn", "Client URN", "Client school URN",
                                  *_URN_ALIASES))
_PERIOD_ALIASES = ("Period", "Term", "Half term", "Halfterm", "Assessment period", "Timepoint")
_TA_ALIASES = ("{} TA", "{} teacher assessment", "{} assessment", "TA {}", "{} KS2 TA")


def _ta(subject: str, *more: str) -> Field:
    names = tuple(a.format(subject) for a in _TA_ALIASES)
    return Field("ta", aliases=(subject, *names, *more))


FIELDS: dict[str, dict[str, Field]] = {
    "schools": {
        "urn": Field("urn", True, _URN_ALIASES),
        # A schools sheet holds no pupils, so a plain 'Name' here is the school's name.
        "school_name": Field("text", True, ("School name", "School", "Name",
                                            "Establishment name")),
        "phase": Field("choice", True, ("Phase", "Phase of education", "School phase"),
                       choices=tuple(PHASES),
                       values=(("allthrough", "All-through"), ("through", "All-through"),
                               ("infant", "Primary"), ("junior", "Primary"),
                               ("first", "Primary"), ("middledeemedprimary", "Primary"),
                               ("middledeemedsecondary", "Secondary"),
                               ("specialschool", "Special"))),
        "local_authority": Field("text", False, ("Local authority", "LA", "LA name",
                                                 "Local authority name")),
        "role": Field("choice", True, ("Role", "School role", "Client or home"),
                      choices=tuple(ROLES),
                      values=(("clientschool", "Client"), ("supported", "Client"),
                              ("supportedschool", "Client"), ("homeschool", "Home"),
                              ("leadschool", "Home"))),
        "rise_tier": Field("choice", False, ("RISE tier", "RISE", "RISE support", "Support tier",
                                             "RISE support tier"),
                           choices=("Universal", "Targeted", "Intervention")),
        "rise_tier_start": Field("date", False, ("RISE tier start", "RISE start", "Tier start",
                                                 "RISE from", "Support tier start")),
    },
    "deployments": {
        "deployment_id": Field("id", True, ("Deployment ID", "Deployment", "Deployment ref",
                                            "Deployment reference")),
        "client_urn": _CLIENT_URN,
        # Staff, not pupils: the system leader's name is kept (only under these headers).
        "leader_name": Field("text", True, ("Leader name", "Leader", "System leader",
                                            "System leader name")),
        "leader_role": Field("choice", False, ("Leader role", "Role", "Designation"),
                             choices=tuple(LEADER_ROLES),
                             values=(("nationalleaderofeducation", "NLE"),
                                     ("specialistleaderofeducation", "SLE"),
                                     ("nationalleaderofgovernance", "NLG"),
                                     ("localleaderofeducation", "LLE"),
                                     ("deputy", "Deputy head"),
                                     ("deputyheadteacher", "Deputy head"))),
        "home_urn": Field("urn", False, ("Home URN", "Home school URN", "Lead school URN",
                                         "Home school")),
        "focus_areas": Field("text", False, ("Focus areas", "Focus area", "Focus")),
        "start_date": Field("date", True, ("Start date", "Start", "From")),
        "end_date": Field("date", False, ("End date", "End", "To")),
        "days_committed": Field("number", True, ("Days committed", "Days", "Committed days",
                                                 "Days agreed")),
        "funding_source": Field("text", False, ("Funding source", "Funding", "Funded by")),
        "funding_amount": Field("money", False, ("Funding amount", "Amount", "Funding GBP",
                                                  "Cost")),
    },
    "targets": {
        "target_id": Field("id", True, ("Target ID", "Target ref", "Target reference")),
        "client_urn": _CLIENT_URN,
        "deployment_id": Field("id", False, ("Deployment ID", "Deployment", "Deployment ref")),
        "measure": Field("measure", True, ("Measure", "Indicator", "Metric")),
        "subgroup": Field("subgroup", False, ("Subgroup", "Group", "Pupil group"),
                          default="All"),
        "baseline_value": Field("number", True, ("Baseline", "Baseline value")),
        "baseline_period": Field("period", True, ("Baseline period", "Baseline term")),
        "target_value": Field("number", True, ("Target value", "Goal")),
        "target_period": Field("period", True, ("Target period", "Target term", "Deadline",
                                                "By")),
        # The Ofsted report-card evaluation area the target serves (optional).
        "area": Field("choice", False, ("Area", "Evaluation area", "Ofsted area",
                                        "Report card area"),
                      choices=("Inclusion", "Curriculum and teaching", "Achievement",
                               "Attendance and behaviour", "Personal development and wellbeing",
                               "Leadership and governance"),
                      values=(("curriculum", "Curriculum and teaching"),
                              ("attendance", "Attendance and behaviour"),
                              ("behaviour", "Attendance and behaviour"),
                              ("personaldevelopment", "Personal development and wellbeing"),
                              ("leadership", "Leadership and governance"))),
    },
    "milestones": {
        "target_id": Field("id", True, ("Target ID", "Target", "Target ref")),
        "period": Field("period", True, (*_PERIOD_ALIASES, "Milestone period")),
        "value": Field("number", True, ("Value", "Milestone", "Milestone value",
                                        "Expected value")),
    },
    "outcomes": {
        "urn": Field("urn", True, _URN_ALIASES),
        "period": Field("period", True, _PERIOD_ALIASES),
        "pupil_id": Field("id", True, ("Pupil ID", "UPN", "Pupil UPN", "Student ID",
                                       "Pupil number", "Admission number", "Adno", "ID")),
        "year_group": Field("year_group", False, ("Year group", "Year", "NC year",
                                                  "National curriculum year", "Yr")),
        "disadvantaged": Field("yesno", False, ("Disadvantaged", "PP", "Pupil premium",
                                                "Pupil premium eligible", "PP eligible",
                                                "Disadv")),
        "send": Field("send", False, ("SEND", "SEN", "SEN status", "SEND status",
                                      "SEN provision", "SEN code"), default="N"),
        "reading": _ta("Reading"),
        "writing": _ta("Writing"),
        "maths": _ta("Maths", "Mathematics", "Mathematics TA", "Math"),
        "english_grade": Field("grade", False, ("English grade", "English", "Eng grade",
                                                "English working at")),
        "maths_grade": Field("grade", False, ("Maths grade", "Mathematics grade",
                                              "Maths working at")),
        "sessions_possible": Field("whole", False, ("Sessions possible", "Possible sessions",
                                                    "Possible")),
        "sessions_attended": Field("whole", False, ("Sessions attended", "Attended sessions",
                                                    "Attended", "Sessions present")),
        "attendance_pct": Field("percent", False, ("Attendance %", "Attendance",
                                                   "Attendance percentage", "% attendance",
                                                   "Attendance pct")),
        "suspensions": Field("whole", False, ("Suspensions", "Fixed term exclusions",
                                              "Fixed-term exclusions", "FTE", "FTEs",
                                              "Number of suspensions")),
    },
    "school_measures": {
        "urn": Field("urn", True, _URN_ALIASES),
        "period": Field("period", True, _PERIOD_ALIASES),
        "measure": Field("measure", True, ("Measure", "Indicator", "Metric")),
        "subgroup": Field("subgroup", False, ("Subgroup", "Group", "Pupil group"),
                          default="All"),
        "value": Field("number", True, ("Value", "Figure", "Result")),
        "cohort": Field("whole", False, ("Cohort", "Cohort size", "Number of pupils", "Pupils",
                                         "Denominator")),
    },
    "visits": {
        "deployment_id": Field("id", True, ("Deployment ID", "Deployment", "Deployment ref")),
        "visit_date": Field("date", True, ("Visit date", "Date", "Date of visit")),
        "days": Field("number", True, ("Days", "Time days", "Days spent", "Duration days")),
        "focus_area": Field("text", False, ("Focus area", "Focus", "Area of focus",
                                            "Focus of visit")),
        "progress": Field("choice", False, ("Progress", "RAG", "RAG rating", "Rating",
                                            "Progress rating"),
                          choices=tuple(PROGRESS_RATINGS),
                          values=(("g", "Green"), ("a", "Amber"), ("r", "Red"))),
        "summary": Field("text", False, ("Summary", "Notes", "Visit summary")),
        "next_steps": Field("text", False, ("Next steps", "Actions", "Next actions")),
        # A record nobody has checked yet is pending: blank means Pending.
        "qa_status": Field("choice", False, ("QA status", "QA", "Quality assurance"),
                           choices=tuple(QA_STATUSES),
                           values=(("notchecked", "Pending"), ("unchecked", "Pending")),
                           default="Pending"),
    },
    "inspections": {
        "urn": Field("urn", True, _URN_ALIASES),
        "inspection_date": Field("date", True, ("Inspection date", "Date",
                                                "Date of inspection")),
        "area": Field("text", False, ("Area", "Judgement area", "Aspect"), default="Overall"),
        "judgement": Field("text", True, ("Judgement", "Grade", "Outcome", "Rating")),
    },
}

REQUIRED: dict[str, list[str]] = {
    kind: [col for col, f in fields_.items() if f.required] for kind, fields_ in FIELDS.items()
}

# Natural keys: inside one upload no two rows of a kind may share one (a problem naming both
# rows, never "the last row wins"), and a row replaces the stored row with the same key. Pupil
# rows are replaced per school and period as a block, but a pupil is still once per period.
# The store's own KEYS must say the same (tests/test_plausibility.py holds them together).
NATURAL_KEYS: dict[str, list[str]] = {
    "schools": ["urn"],
    "deployments": ["deployment_id"],
    "targets": ["target_id"],
    "milestones": ["target_id", "period"],
    "outcomes": ["urn", "period", "pupil_id"],
    "school_measures": ["urn", "period", "measure", "subgroup"],
    "visits": ["deployment_id", "visit_date", "focus_area"],
    "inspections": ["urn", "inspection_date", "area"],
}


# ---- plausibility: the data contract's limits, one table ----------------------------------
# A value outside its limit is a problem naming file, sheet, row and column (analysis/
# plausibility.py applies them after every cell is read; restore can apply them to stored rows).

@dataclass(frozen=True)
class Limit:
    """The plausible range of one number column.

    low/high: the smallest and largest value allowed (None: no limit on that side).
    above_low: the value must be strictly more than low (a visit of 0 days is not a visit).
    per_measure: the range is the row's measure's (UNIT_RANGES by Measure.unit); a milestone
    takes its target's measure.
    why: said after the refusal, so the person sees the reason for the limit.
    """

    low: float | None = None
    high: float | None = None
    above_low: bool = False
    per_measure: bool = False
    why: str = ""


# Percent measures lie in 0..100; a gap (Not disadvantaged minus Disadvantaged) in -100..100.
UNIT_RANGES: dict[str, tuple[float, float]] = {"%": (0.0, 100.0), "pp": (-100.0, 100.0)}
UNIT_WORDS = {"%": "a percentage", "pp": "a gap in percentage points"}
# One visit record is at most a school week; a longer placement is recorded visit by visit.
VISIT_DAYS_MAX = 5.0
# More than three school years of 190 days full time is not one deployment.
DAYS_COMMITTED_MAX = 600.0
# A school year has 190 days of two sessions each; a row is at most one period's (or a year's).
SESSIONS_MAX = 400.0

LIMITS: dict[tuple[str, str], Limit] = {
    ("deployments", "days_committed"): Limit(
        0, DAYS_COMMITTED_MAX, above_low=True,
        why="the days agreed for the whole deployment; 2 days a week for a term is 26"),
    ("deployments", "funding_amount"): Limit(0),
    ("targets", "baseline_value"): Limit(per_measure=True),
    ("targets", "target_value"): Limit(per_measure=True),
    ("milestones", "value"): Limit(per_measure=True),
    ("outcomes", "sessions_possible"): Limit(0, SESSIONS_MAX,
                                             why="a school year has 380 sessions"),
    ("outcomes", "sessions_attended"): Limit(0, SESSIONS_MAX,
                                             why="a school year has 380 sessions"),
    ("outcomes", "attendance_pct"): Limit(0, 100),
    ("outcomes", "suspensions"): Limit(0),
    ("school_measures", "value"): Limit(per_measure=True),
    ("school_measures", "cohort"): Limit(0),
    ("visits", "days"): Limit(
        0, VISIT_DAYS_MAX, above_low=True,
        why="one visit record is the time spent, at most a school week; 0.5 is half a day"),
}


@dataclass(frozen=True)
class DateWindow:
    """Dates allowed from 1 September `before` academic years before the first academic year in
    use to 31 August `after` years after the last. The years in use are those of every period
    in the upload and the academic year of today."""

    before: int
    after: int


DATE_WINDOWS: dict[tuple[str, str], DateWindow] = {
    ("deployments", "start_date"): DateWindow(5, 1),
    ("deployments", "end_date"): DateWindow(5, 5),
    ("visits", "visit_date"): DateWindow(3, 1),
    # A school judged Outstanding before 2020 may not have been inspected since.
    ("inspections", "inspection_date"): DateWindow(20, 1),
}
# Periods (whose years set the date windows) lie within these academic years of today's.
PERIOD_YEARS_BEFORE = 12
PERIOD_YEARS_AFTER = 5


# Headers that identify a pupil: dropped as soon as the header row is read, never stored.
# A header is matched when its normalised form contains one of these (so 'Legal surname',
# 'Pupil name' and 'Address line 1' are caught). A header that is a known column of the
# sheet's kind wins (a school's 'Name', a deployment's 'Leader name').
PUPIL_IDENTIFYING: dict[str, tuple[str, ...]] = {
    "pupil names": ("name",),
    "dates of birth": ("dob", "dateofbirth", "birthdate", "birthday"),
    "addresses": ("address", "postcode", "postalcode", "street"),
    "contact details": ("email", "phone", "mobile"),
}

# Teacher assessments written out in words.
TA_WORDS = {
    "prekeystage": "PKS", "pks": "PKS",
    "wts": "WTS", "wt": "WTS", "workingtowards": "WTS",
    "workingtowardstheexpectedstandard": "WTS",
    "exs": "EXS", "ex": "EXS", "expected": "EXS", "expectedstandard": "EXS",
    "workingattheexpectedstandard": "EXS",
    "gds": "GDS", "gd": "GDS", "greaterdepth": "GDS", "workingatgreaterdepth": "GDS",
}
SEND_WORDS = {
    "n": "N", "no": "N", "none": "N", "nosen": "N", "nosend": "N",
    "k": "K", "sensupport": "K", "support": "K", "sendsupport": "K",
    "e": "E", "ehcp": "E", "ehc": "E", "ehcplan": "E", "statement": "E", "s": "E",
}
YES_WORDS = {"y", "yes", "true", "1", "10"}  # '1.0' normalises to '10'
NO_WORDS = {"n", "no", "false", "0", "00"}
SUBGROUP_WORDS = {
    "all": "All", "allpupils": "All", "everyone": "All",
    "disadvantaged": "Disadvantaged", "pp": "Disadvantaged", "pupilpremium": "Disadvantaged",
    "notdisadvantaged": "Not disadvantaged", "nondisadvantaged": "Not disadvantaged",
    "notpp": "Not disadvantaged", "nonpp": "Not disadvantaged", "other": "Not disadvantaged",
    "send": "SEND", "sen": "SEND",
    "nosend": "No SEND", "nonsend": "No SEND", "nosen": "No SEND", "notsend": "No SEND",
}


def normalise_name(text: object) -> str:
    """'Attendance %' -> 'attendancepct': how sheet names, headers and choices are compared."""
    t = str(text).lower().replace("%", "pct").replace("&", "and")
    return re.sub(r"[^a-z0-9]", "", t)
