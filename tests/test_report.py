"""The report: three lists with exactly the issue's fields, NaN as null, and a readable text form."""

from __future__ import annotations

import json

import pandas as pd

from analysis.report import (
    DEPLOYMENT_FIELDS,
    MEASURE_FIELDS,
    TARGET_FIELDS,
    build_report,
    dataset_from_upload,
    render_text,
)
from analysis.schema import Settings
from tests.test_store import deployments_frame, pupils, schools_frame, targets_frame, visits_frame


def trust_upload(make_upload):
    return make_upload({
        "schools": schools_frame(), "deployments": deployments_frame(),
        "targets": targets_frame(), "visits": visits_frame(),
        "outcomes": pd.concat([pupils(10, period="2024/25 Autumn 1", exs=5),
                               pupils(10, period="2024/25 Spring 2", exs=5)], ignore_index=True),
    })


def test_report_from_an_upload_has_the_three_lists(make_upload):
    report = build_report(dataset_from_upload(trust_upload(make_upload)), Settings())
    assert list(report) == ["targets", "measures", "deployments"]
    assert [list(t) for t in report["targets"]] == [TARGET_FIELDS, TARGET_FIELDS]
    t07 = report["targets"][0]
    # Reading stayed at 50% from a baseline of 50 towards 70: behind the straight line.
    assert (t07["target_id"], t07["latest_period"], t07["latest_value"], t07["cohort"]) == (
        "T07", "2024/25 Spring 2", 50.0, 10)
    assert t07["status"] == "Off track"
    # Attendance is 95% (95 of 100 sessions for every pupil): T08's target of 95 is met.
    assert (report["targets"][1]["status"], report["targets"][1]["latest_value"]) == ("Achieved", 95.0)
    reading = [m for m in report["measures"]
               if m["measure"] == "reading_exs" and m["subgroup"] == "All"]
    assert [(m["period"], m["value"], m["cohort"]) for m in reading] == [
        ("2024/25 Autumn 1", 50.0, 10), ("2024/25 Spring 2", 50.0, 10)]
    assert all(list(m) == MEASURE_FIELDS for m in report["measures"])
    (d01,) = report["deployments"]
    assert list(d01) == DEPLOYMENT_FIELDS
    assert d01["days_delivered"] == 1.5
    assert abs(d01["utilisation"] - 1.5 / 26) < 1e-12
    assert abs(d01["creep_share"] - 0.5 / 1.5) < 1e-12 and d01["creep_flag"] is True
    assert d01["qa_pending"] == 1 and d01["last_visit_date"] == "2024-11-14"
    assert abs(d01["cost_per_day"] - 13000 / 26) < 1e-9  # the day rate: funding / days committed


def test_nan_becomes_null_in_json(make_upload):
    upload = make_upload({"schools": schools_frame(), "deployments": deployments_frame(),
                          "targets": targets_frame()})
    report = build_report(dataset_from_upload(upload), Settings())
    text = json.dumps(report, allow_nan=False)  # raises if any NaN slipped through
    t07 = json.loads(text)["targets"][0]
    assert t07["status"] == "No data yet" and t07["latest_value"] is None
    # The day rate needs only the funding and the commitment, not days delivered.
    assert json.loads(text)["deployments"][0]["cost_per_day"] == 500.0


def test_text_lists_exceptions_first(make_upload):
    report = build_report(dataset_from_upload(trust_upload(make_upload)), Settings())
    text = render_text(report)
    assert text.index("Targets needing attention (1)") < text.index("All targets (2)")
    attention = text.split("Deployments with")[0]
    assert "T07" in attention and "T08" not in attention
    assert "D01" in text.split("All targets")[0]  # creep flagged, QA pending
    assert "6%" in text.split("All deployments (1)")[1]  # utilisation 1.5/26 shown as a percentage


def test_an_empty_dataset_gives_empty_lists_and_plain_text():
    from analysis.store import Dataset

    report = build_report(Dataset(), Settings())
    assert report == {"targets": [], "measures": [], "deployments": []}
    assert "None: every target is on track" in render_text(report)
