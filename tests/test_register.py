"""The deployments register at scale: filters, exceptions first, pages, top N for the charts."""

from __future__ import annotations

import pandas as pd

from analysis import register


def _summary(n: int) -> pd.DataFrame:
    return pd.DataFrame({
        "deployment_id": [f"D{i:04d}" for i in range(n)],
        "client_urn": [f"{700000 + i // 2:06d}" for i in range(n)],
        "leader_name": [f"Leader {i}" for i in range(n)],
        "leader_role": ["NLE" if i % 3 == 0 else "SLE" for i in range(n)],
        "focus_areas": ["Reading; Maths" if i % 2 else "Attendance" for i in range(n)],
        "creep_flag": [i % 10 == 0 for i in range(n)],
        "qa_pending": [i % 7 for i in range(n)],
        "utilisation": [(i % 11) / 10 for i in range(n)],
        "days_delivered": [float(i % 5) for i in range(n)],
        "days_committed": [10.0] * n,
    })


def test_exceptions_first_puts_flagged_then_qa_then_least_used():
    ordered = register.exceptions_first(_summary(100))
    assert ordered["creep_flag"].iloc[:10].all() and not ordered["creep_flag"].iloc[10:].any()
    rest = ordered.iloc[10:]
    assert list(rest["qa_pending"]) == sorted(rest["qa_pending"], reverse=True)
    same_qa = rest[rest["qa_pending"] == 6]
    assert list(same_qa["utilisation"]) == sorted(same_qa["utilisation"])


def test_pages_cover_every_row_once():
    frame = register.exceptions_first(_summary(1000))
    assert register.pages(1000) == 20 and register.pages(0) == 1 and register.pages(51) == 2
    seen = pd.concat([register.page_of(frame, p) for p in range(1, 21)])
    assert list(seen["deployment_id"]) == list(frame["deployment_id"])
    assert register.page_of(frame, 99).equals(register.page_of(frame, 20))  # clamped


def test_top_for_chart_says_how_many_it_leaves_out():
    top, left_out = register.top_for_chart(_summary(1000), 15)
    assert len(top) == 15 and left_out == 985 and top["creep_flag"].all()
    top, left_out = register.top_for_chart(_summary(4), 15)
    assert len(top) == 4 and left_out == 0


def test_filters_combine():
    summary = _summary(100)
    names = {"700003": "Kingfisher Primary"}
    assert set(register.filter_register(summary, text="kingfisher", names=names)["deployment_id"]) \
        == {"D0006", "D0007"}
    both = register.filter_register(summary, leader_roles=["NLE"], flagged_only=True)
    assert list(both["deployment_id"]) == ["D0000", "D0030", "D0060", "D0090"]
    assert (register.filter_register(summary, qa_only=True)["qa_pending"] > 0).all()
    assert register.filter_register(summary, text="maths")["focus_areas"].str.contains(
        "Maths").all()


def test_teams_are_one_row_per_school_with_several_leaders():
    summary = _summary(5)  # schools 700000 and 700001 have two each, 700002 one
    teams = register.teams(summary, {"700000": "A school", "700001": "B school"})
    assert list(teams["client_urn"]) == ["700000", "700001"]
    assert teams.loc[0, "school"] == "A school" and teams.loc[0, "names"] == "Leader 0; Leader 1"
    assert teams.loc[0, "days_delivered"] == 1.0


def test_drifting_lists_deployments_with_visits_off_focus_flagged_first_then_by_share():
    summary = _summary(6).assign(creep_flag=[False, True, False, False, True, False],
                                 creep_share=[0.1, 0.3, 0.5, 0.2, 0.6, 0.9])
    visits = pd.DataFrame({"deployment_id": ["D0002", "D0001", "D0002", "D0004", "D0000",
                                             "D9999"]})
    drifting = register.drifting(summary, visits)
    # Flagged first (D0004 at 60% before D0001 at 30%), then the others by share; D0003 and
    # D0005 had no visit off focus, and a visit of an unknown deployment adds no row.
    assert list(drifting["deployment_id"]) == ["D0004", "D0001", "D0002", "D0000"]
    assert register.drifting(summary, visits.iloc[0:0]).empty
