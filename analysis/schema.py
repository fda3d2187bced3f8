"""The data contract as code: each record kind's columns, the measures and the settings."""

from __future__ import annotations

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
    "schools": ["urn", "school_name", "phase", "local_authority", "role"],
    "deployments": [
        "deployment_id", "client_urn", "leader_name", "leader_role", "home_urn", "focus_areas",
        "start_date", "end_date", "days_committed", "funding_source", "funding_amount",
    ],
    "targets": [
        "target_id", "client_urn", "deployment_id", "measure", "subgroup",
        "baseline_value", "baseline_period", "target_value", "target_period",
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
    "persistent_absence": Measure("Persistent absence (below 90% attendance)", -1, "%"),
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

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> Settings:
        known = {f.name: f.type for f in fields(cls)}
        out = {}
        for key, value in values.items():
            if key in known and value is not None:
                out[key] = int(value) if key == "small_cohort" else float(value)
        return cls(**out)
