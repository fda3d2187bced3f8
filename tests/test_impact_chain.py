"""Issue 13: the impact chain (one day rate, delivery flags, targets per £1,000 and per day)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from analysis import portfolio
from analysis.deployments import (
    data_date,
    deployment_impact,
    judge_delivery,
    owning_deployment_line,
    register_table,
    summarise_deployments,
)
from analysis.formats import format_money
from analysis.ingest import read_paths
from analysis.plain_words import ratings_words, role_words
from analysis.progress import judge_progress
from analysis.report import dataset_from_upload
from analysis.schema import Settings
from sample_data.generate import HERE


@pytest.fixture(scope="module")
def sample():
    data = dataset_from_upload(read_paths([HERE / "riverside_trust.xlsx"]))
    summary = summarise_deployments(data.deployments, data.visits)
    progress = judge_progress(data.targets, data.milestones, data.measures, Settings())
    return data, summary, progress


def test_one_day_rate_is_used_for_cost_per_day_and_spend(sample):
    _, summary, _ = sample
    d01 = summary.set_index("deployment_id").loc["D01"]
    # Helen Marsh: £24,000 for 40 days is £600 a day; 33 days delivered cost £19,800.
    assert d01["day_rate"] == d01["cost_per_day"] == 600.0
    assert d01["spend_to_date"] == pytest.approx(600.0 * d01["days_delivered"])
    funded = summary[summary["funding_amount"].notna()]
    assert (funded["spend_to_date"] <= funded["funding_amount"] + 1e-9).all()
    # D07 over-delivered: spend stops at its £2,400 funding.
    assert summary.set_index("deployment_id").loc["D07", "spend_to_date"] == 2400.0


def test_active_and_flags_are_judged_at_the_end_of_the_latest_data_period(sample):
    data, summary, _ = sample
    day, words = data_date(data.measures, data.visits)
    assert day == dt.date(2025, 3, 31)
    assert words == "the end of 2024/25 Spring 2 (31/03/2025), the latest period with figures"
    judged = judge_delivery(summary, day).set_index("deployment_id")
    assert judged["active"].sum() == 10  # D07 ended 28/03/2025 and D11 at Christmas
    assert judged.loc["D07", "delivery"] == (
        "⚑ Over-delivered: 9 of 8 days committed (112%); the extra 1 day is not funded")
    assert judged.loc["D11", "delivery"] == "⚑ Ended 20/12/2024 with 1.5 of 18 days unused"
    assert (judged.drop(index=["D07", "D11"])["delivery"] == "").all()


def test_impact_sentences_per_deployment_and_per_school(sample):
    _, summary, progress = sample
    impact = deployment_impact(summary, progress).set_index("deployment_id")
    assert impact.loc["D01", "sentence"] == (
        "Helen Marsh (national leader of education): 33 of 40 days delivered, £19,800 of "
        "£24,000 spent at £600 a day. 1 of its 2 targets is achieved or on track (0.05 per "
        "£1,000 spent and 0.03 per day delivered).")
    assert impact.loc["D07", "sentence"].endswith(
        "Its one target is not achieved or on track yet.")
    # Register order, never ranked by value for money.
    assert list(impact.index) == list(summary["deployment_id"])
    value = portfolio.school_value(progress, summary, ["990201"]).iloc[0]
    assert value["sentence"] == (
        "111.5 days of support delivered costing £49,150 so far; 3 of the school's 5 targets "
        "are achieved or on track (0.06 per £1,000 and 0.03 per day).")


def test_a_page_of_the_register_reads_only_its_own_targets_and_agrees_with_the_whole(sample):
    """The register shows 50 deployments a page: their impact rows are those of the whole
    register, while targets of other deployments (or none) change nothing."""
    _, summary, progress = sample
    whole = deployment_impact(summary, progress).set_index("deployment_id")
    page = summary[summary["deployment_id"].isin(["D02", "D01", "D07"])]
    alone = deployment_impact(page, progress).set_index("deployment_id")
    assert list(alone.index) == list(page["deployment_id"])
    pd.testing.assert_frame_equal(alone, whole.loc[alone.index])
    mine = progress[progress["deployment_id"].isin(page["deployment_id"])]
    pd.testing.assert_frame_equal(deployment_impact(page, mine).set_index("deployment_id"), alone)
    assert alone.loc["D01", "targets"] == 2 and whole["targets"].sum() > alone["targets"].sum()


def test_target_card_names_its_own_deployment_and_the_register_lists_statuses(sample):
    data, summary, progress = sample
    t01 = progress.set_index("target_id").loc["T01"]
    assert owning_deployment_line(t01, summary) == (
        "Support: Priya Nandakumar (specialist leader of education), 20 of 24 days delivered, "
        "£8,000 spent of £9,600.")
    names = dict(zip(data.schools["urn"], data.schools["school_name"], strict=True))
    table = register_table(summary, progress, names, dt.date(2025, 3, 31))
    d02 = table[table["Leader"] == "Priya Nandakumar"].iloc[0]
    assert d02["Role"] == "specialist leader of education"
    assert d02["Targets"] == "Reading at the expected standard: ● On track"
    assert d02["Day rate"] == "£400" and d02["Spend to date"] == "£8,000"
    assert table.loc[table["Leader"] == "Martin Oyelaran", "Delivery"].iloc[0].startswith(
        "⚑ Over-delivered")


def test_overview_writes_money_one_way_and_counts_flags(sample):
    data, summary, progress = sample
    table = portfolio.school_overview(data.schools, progress, summary, data.inspections,
                                      today=dt.date(2025, 3, 31))
    shown = portfolio.overview_display(table).set_index("School")
    assert shown.loc["Kingfisher Primary School", "Spend to date"] == "£49,150 of £64,200"
    assert shown.loc["Little Fenwick Church of England Primary School", "Delivery"] == (
        "⚑ 1 over-delivered")
    assert int(table["active_deployments"].sum()) == 10


def test_plain_words():
    assert role_words("NLG") == "national leader of governance"
    assert format_money(49150) == "£49,150" and format_money(None) == "no funding recorded"
    assert ratings_words(26, 9, 0) == "26 green, 9 amber, 0 red visits"
