"""The report: three lists with exactly the issue's fields, NaN as null, and a readable text form."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest

from analysis.report import (
    DEPLOYMENT_FIELDS,
    MEASURE_FIELDS,
    TARGET_FIELDS,
    build_report,
    dataset_from_upload,
    render_text,
    write_json,
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


def _json_dump(report) -> str:
    out = io.StringIO()
    json.dump(report, out, indent=2, allow_nan=False)
    return out.getvalue()


def _write_json(report, chunk: int = 10_000) -> str:
    out = io.StringIO()
    write_json(report, out, chunk=chunk)
    return out.getvalue()


def test_the_json_is_what_json_dump_writes_byte_for_byte(make_upload):
    report = build_report(dataset_from_upload(trust_upload(make_upload)), Settings())
    assert _write_json(report) == _json_dump(report)
    assert _write_json(report, chunk=1) == _json_dump(report)  # chunks join without a seam
    awkward = {
        "targets": [{"text": 'quote " back\\slash \n new line, café, 😀, <b>', "none": None,
                     "yes": True, "no": False, "whole": -7, "big": 10**20, "tiny": 1e-7,
                     "float": 1e16, "third": 1 / 3, "zero": -0.0, "np": np.str_("numpy text")}],
        "empty": [], "blank record": [{}], "measures": [{"a": 1}, {"a": 2.5}],
    }
    assert _write_json(awkward) == _json_dump(awkward)
    assert _write_json({}) == _json_dump({}) == "{}"
    assert json.loads(_write_json(awkward)) == json.loads(_json_dump(awkward))


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_the_json_refuses_what_json_refuses(bad):
    with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
        _json_dump({"targets": [{"value": bad}]})
    with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
        _write_json({"targets": [{"value": bad}]})


def test_records_turn_every_cell_into_a_plain_json_value():
    from analysis.report import _records

    frame = pd.DataFrame({
        "text": pd.array(["a", None, "c"], dtype="string"), "number": [1.5, np.nan, 3.0],
        "count": pd.array([1, None, 3], dtype="Int64"), "flag": [True, False, True],
        "day": pd.to_datetime(["2025-03-31", None, "2024-11-14"]),
    })
    assert _records(frame, ["text", "number", "count", "flag", "day", "missing"]) == [
        {"text": "a", "number": 1.5, "count": 1, "flag": True, "day": "2025-03-31", "missing": None},
        {"text": None, "number": None, "count": None, "flag": False, "day": None, "missing": None},
        {"text": "c", "number": 3.0, "count": 3, "flag": True, "day": "2024-11-14", "missing": None},
    ]
