"""Deployments summarised from visit records: days, utilisation, creep, QA backlog, cost, home schools."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from analysis.deployments import (
    SUMMARY_COLUMNS,
    active_deployments,
    home_school_view,
    off_focus_visits,
    qa_backlog,
    summarise_deployments,
)
from analysis.schema import COLUMNS, Settings

CLIENT_A, CLIENT_B, HOME = "100001", "100002", "200001"


@pytest.fixture
def deployments() -> pd.DataFrame:
    """Asha (maths, 10 days, £5,000), Ben (reading, no home school), Cara (not started visiting)."""
    return pd.DataFrame([
        {"deployment_id": "D1", "client_urn": CLIENT_A, "leader_name": "Asha Patel",
         "leader_role": "NLE", "home_urn": HOME, "focus_areas": "Maths; Assessment",
         "start_date": dt.date(2024, 9, 1), "end_date": dt.date(2025, 7, 20),
         "days_committed": 10.0, "funding_source": "Trust", "funding_amount": 5000.0},
        {"deployment_id": "D2", "client_urn": CLIENT_B, "leader_name": "Ben Jones",
         "leader_role": "SLE", "home_urn": None, "focus_areas": "Early Reading",
         "start_date": dt.date(2024, 9, 1), "end_date": None,
         "days_committed": 6.0, "funding_source": "Local authority", "funding_amount": None},
        {"deployment_id": "D3", "client_urn": CLIENT_A, "leader_name": "Cara Lee",
         "leader_role": "SLE", "home_urn": HOME, "focus_areas": "Phonics",
         "start_date": dt.date(2025, 1, 6), "end_date": dt.date(2025, 3, 31),
         "days_committed": 4.0, "funding_source": "Trust", "funding_amount": 1200.0},
    ]).reindex(columns=COLUMNS["deployments"])


@pytest.fixture
def visits() -> pd.DataFrame:
    def visit(deployment, date, days, focus, qa):
        return {"deployment_id": deployment, "visit_date": date, "days": days,
                "focus_area": focus, "progress": "Green", "summary": "", "next_steps": "",
                "qa_status": qa}

    return pd.DataFrame([
        visit("D1", dt.date(2024, 10, 1), 1.0, "maths", "Checked"),
        visit("D1", dt.date(2024, 11, 5), 2.0, " Assessment ", "Pending"),
        visit("D1", dt.date(2024, 12, 10), 1.0, "Behaviour", "Pending"),  # off focus
        visit("D1", dt.date(2024, 9, 20), 0.5, "Maths", "Checked"),
        visit("D2", dt.date(2024, 10, 15), 2.0, "early  reading", "Checked"),
        visit("D2", dt.date(2024, 10, 22), 1.0, None, "Pending"),  # no focus written down
        visit("D9", dt.date(2024, 10, 1), 3.0, "Maths", "Checked"),  # an unknown deployment
    ])


def row(summary: pd.DataFrame, deployment_id: str) -> pd.Series:
    return summary.set_index("deployment_id").loc[deployment_id]


def test_days_utilisation_cost_and_last_visit(deployments, visits):
    summary = summarise_deployments(deployments, visits, Settings())
    assert list(summary.columns) == SUMMARY_COLUMNS
    assert summary["deployment_id"].tolist() == ["D1", "D2", "D3"]
    d1 = row(summary, "D1")
    assert d1["days_delivered"] == 4.5 and d1["utilisation"] == pytest.approx(0.45)
    # One day rate (issue 13): funding over days committed; spend = rate x days delivered.
    assert d1["cost_per_day"] == d1["day_rate"] == pytest.approx(5000 / 10)
    assert d1["spend_to_date"] == pytest.approx(500 * 4.5)
    assert d1["last_visit_date"] == pd.Timestamp(2024, 12, 10)
    assert d1["visit_count"] == 4 and d1["qa_pending"] == 2
    d2 = row(summary, "D2")
    assert d2["days_delivered"] == 3.0 and d2["utilisation"] == pytest.approx(0.5)
    assert pd.isna(d2["cost_per_day"])  # no funding recorded


def test_a_deployment_without_visits_has_delivered_nothing(deployments, visits):
    d3 = row(summarise_deployments(deployments, visits, Settings()), "D3")
    assert d3["days_delivered"] == 0.0 and d3["utilisation"] == 0.0
    assert d3["visit_count"] == 0 and d3["qa_pending"] == 0
    # The day rate is known before any day is delivered; nothing is spent yet.
    assert d3["day_rate"] == pytest.approx(300.0) and d3["spend_to_date"] == 0.0
    assert pd.isna(d3["creep_share"]) and not d3["creep_flag"]
    assert pd.isna(d3["last_visit_date"])


def test_creep_matches_focus_ignoring_case_and_spaces(deployments, visits):
    summary = summarise_deployments(deployments, visits, Settings())
    d1, d2 = row(summary, "D1"), row(summary, "D2")
    # Only the Behaviour day is off focus: "maths" and " Assessment " match the agreed focus.
    assert d1["creep_days"] == 1.0 and d1["creep_share"] == pytest.approx(1 / 4.5)
    assert bool(d1["creep_flag"]) is True  # 22% is above the default 20%
    # "early  reading" matches "Early Reading"; the visit with no focus counts as off focus.
    assert d2["creep_days"] == 1.0 and d2["creep_share"] == pytest.approx(1 / 3)


def test_the_creep_threshold_is_a_setting_and_is_strictly_above(deployments, visits):
    summary = summarise_deployments(deployments, visits, Settings(creep_threshold=0.3))
    assert summary["creep_flag"].tolist() == [False, True, False]
    summary = summarise_deployments(deployments, visits, Settings(creep_threshold=1 / 3))
    assert summary["creep_flag"].tolist() == [False, False, False]  # exactly at it: not flagged


def test_off_focus_visits_lists_the_visits_behind_the_creep(deployments, visits):
    off = off_focus_visits(deployments, visits)
    assert off["deployment_id"].tolist() == ["D2", "D1"]  # in date order
    assert off["focus_area"].isna().tolist() == [True, False]
    assert off["focus_area"].iloc[1] == "Behaviour"
    assert off["leader_name"].tolist() == ["Ben Jones", "Asha Patel"]
    assert off["focus_areas"].iloc[1] == "Maths; Assessment"


def test_qa_backlog_is_pending_visits_oldest_first(deployments, visits):
    backlog = qa_backlog(visits, deployments)
    assert backlog["visit_date"].tolist() == [
        pd.Timestamp(2024, 10, 22), pd.Timestamp(2024, 11, 5), pd.Timestamp(2024, 12, 10)]
    assert backlog["leader_name"].tolist() == ["Ben Jones", "Asha Patel", "Asha Patel"]
    assert backlog["client_urn"].tolist() == [CLIENT_B, CLIENT_A, CLIENT_A]


def test_home_school_view_one_row_per_leader_lent(deployments, visits):
    schools = pd.DataFrame({"urn": [CLIENT_A, CLIENT_B, HOME],
                            "school_name": ["Ash Primary", "Birch Academy", "Oak Teaching School"],
                            "phase": "Primary", "local_authority": "", "role": "Client"})
    view = home_school_view(deployments, visits, schools)
    assert view.to_dict("records") == [
        {"home_urn": HOME, "home_school_name": "Oak Teaching School", "leader_name": "Asha Patel",
         "leader_role": "NLE", "client_urn": CLIENT_A, "client_school_name": "Ash Primary",
         "days_committed": 10.0, "days_delivered": 4.5},
        {"home_urn": HOME, "home_school_name": "Oak Teaching School", "leader_name": "Cara Lee",
         "leader_role": "SLE", "client_urn": CLIENT_A, "client_school_name": "Ash Primary",
         "days_committed": 4.0, "days_delivered": 0.0},
    ]


def test_active_deployments_on_a_date(deployments):
    assert active_deployments(deployments, dt.date(2024, 12, 1))["deployment_id"].tolist() == [
        "D1", "D2"]
    # D1 ended in July; D2 has no end date so is still running.
    assert active_deployments(deployments, dt.date(2025, 9, 1))["deployment_id"].tolist() == ["D2"]
    assert active_deployments(deployments, dt.date(2025, 3, 31))["deployment_id"].tolist() == [
        "D1", "D2", "D3"]  # the end date itself still counts


def test_no_visits_at_all(deployments):
    empty = pd.DataFrame(columns=COLUMNS["visits"])
    summary = summarise_deployments(deployments, empty, Settings())
    assert summary["days_delivered"].tolist() == [0.0, 0.0, 0.0]
    assert summary["creep_flag"].tolist() == [False, False, False]
    assert qa_backlog(empty, deployments).empty
    assert off_focus_visits(deployments, empty).empty
    assert summarise_deployments(deployments.iloc[0:0], empty, Settings()).columns.tolist() == (
        SUMMARY_COLUMNS)
