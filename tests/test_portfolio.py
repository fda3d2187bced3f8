"""The executive principal's overview: one row per client school, exceptions first."""

import datetime as dt

import pandas as pd

from analysis import portfolio


def schools() -> pd.DataFrame:
    return pd.DataFrame({
        "urn": ["100001", "100002", "100003"],
        "school_name": ["Ash Primary", "Birch High", "Cedar Home School"],
        "phase": ["Primary", "Secondary", "Primary"],
        "local_authority": ["Northshire", "Southshire", "Northshire"],
        "role": ["Client", "Client", "Home"],
    })


def progress() -> pd.DataFrame:
    return pd.DataFrame({
        "target_id": ["T1", "T2", "T3", "T4"],
        "client_urn": ["100001", "100002", "100002", "100002"],
        "status": ["On track", "Off track", "At risk", "Off track"],
        "baseline_period": ["2023/24 Summer 2"] * 4,
        "target_period": ["2024/25 Summer 2", "2024/25 Summer 2", "2025/26 Summer 2",
                          "2023/24 Summer 2"],
        "latest_period": ["2024/25 Spring 2", "2024/25 Spring 2", None, "2024/25 Spring 2"],
    })


def summary() -> pd.DataFrame:
    return pd.DataFrame({
        "deployment_id": ["D1", "D2"],
        "client_urn": ["100002", "100002"],
        "start_date": [pd.Timestamp(2024, 9, 1), pd.Timestamp(2023, 9, 1)],
        "end_date": [pd.Timestamp(2025, 7, 20), pd.Timestamp(2024, 7, 20)],
        "days_committed": [20.0, 10.0],
        "days_delivered": [10.0, 12.0],
        "funding_amount": [8000.0, 4000.0],
        "creep_flag": [True, False],
        "qa_pending": [2, 1],
    })


def inspections() -> pd.DataFrame:
    return pd.DataFrame({
        "urn": ["100002", "100002", "100001", "100001"],
        "inspection_date": [dt.date(2022, 3, 1), dt.date(2024, 5, 1), dt.date(2025, 12, 1),
                            dt.date(2025, 12, 1)],
        "area": ["Overall", "Overall", "Safeguarding", "Inclusion"],
        "judgement": ["Special measures", "Requires improvement", "Met", "Needs attention"],
    })


def test_overview_lists_client_schools_exceptions_first_with_their_figures():
    table = portfolio.school_overview(schools(), progress(), summary(), inspections(),
                                      today=dt.date(2025, 1, 15))
    assert list(table["school_name"]) == ["Birch High", "Ash Primary"]  # home school left out
    birch = table.iloc[0]
    assert (birch["Off track"], birch["At risk"], birch["On track"], birch["targets"]) == (2, 1, 0, 3)
    assert birch["inspection"] == "Requires improvement"  # the latest, not the first
    assert birch["active_deployments"] == 1  # D2 ended in July 2024
    assert (birch["days_delivered"], birch["days_committed"]) == (22.0, 30.0)
    # Spend: D1 half delivered -> 4000; D2 over-delivered is capped at its 4000 funding.
    assert birch["spend_to_date"] == 8000.0
    assert (birch["creep_flags"], birch["qa_pending"]) == (1, 3)
    ash = table.iloc[1]
    assert ash["inspection"] == "Report card: 1 Needs attention; safeguarding met"
    assert (ash["days_committed"], ash["active_deployments"]) == (0.0, 0)


def test_year_filter_keeps_targets_and_deployments_that_overlap_the_year():
    kept = portfolio.filter_by_year(progress(), "2025/26")
    assert list(kept["target_id"]) == ["T3"]
    assert list(portfolio.deployments_in_year(summary(), "2023/24")["deployment_id"]) == ["D2"]
    assert len(portfolio.filter_by_year(progress(), None)) == 4


def test_compare_progress_lists_only_targets_that_moved_or_are_new():
    before = progress()
    after = progress().copy()
    after.loc[0, "status"] = "Achieved"  # T1 moved
    after.loc[1, "latest_period"] = "2024/25 Summer 2"  # T2 has a newer figure, same status
    after = pd.concat([after, pd.DataFrame({"target_id": ["T5"], "client_urn": ["100001"],
                                            "status": ["No data yet"]})], ignore_index=True)
    for frame in (before, after):
        frame["measure"], frame["subgroup"] = "reading_exs", "All"
        frame["latest_value"], frame["cohort"] = 50.0, 30
    moved = portfolio.compare_progress(before, after)
    assert list(moved["target_id"]) == ["T1", "T2", "T5"]  # T3's missing period is not a move
    assert list(moved["status_before"].fillna("new")) == ["On track", "Off track", "new"]
    assert list(moved["status_after"]) == ["Achieved", "Off track", "No data yet"]


def test_filters_narrow_schools_targets_and_deployments_together():
    deployments = summary().assign(leader_role=["NLE", "SLE"])
    kept_schools, kept_progress, kept_summary = portfolio.filter_portfolio(
        schools(), deployments, progress(), summary(), academic_year="2024/25",
        leader_roles=["NLE"])
    assert list(kept_schools["urn"]) == ["100002"]  # where the NLE works
    assert list(kept_summary["deployment_id"]) == ["D1"]  # D2 ended in 2023/24
    assert list(kept_progress["target_id"]) == ["T1", "T2", "T3"]  # T4 ended before 2024/25
    by_phase, _, _ = portfolio.filter_portfolio(schools(), deployments, progress(), summary(),
                                                phases=["Primary"], authorities=["Northshire"])
    assert list(by_phase["urn"]) == ["100001", "100003"]
    everything = portfolio.filter_portfolio(schools(), deployments, progress(), summary())
    assert [len(f) for f in everything] == [3, 4, 2]
