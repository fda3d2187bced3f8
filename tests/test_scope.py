"""The one place access is enforced: what each role receives of the sample trust's data."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import ingest, pack
from analysis.access import ADMINISTRATOR, GOVERNOR, SYSTEM_LEADER, TRUST_LEADER, Person
from analysis.schema import Settings
from analysis.scope import scope_for, scoped_dataset
from analysis.store import Dataset
from app_pages.sample import SAMPLE_WORKBOOK

FRAMES = ["schools", "deployments", "targets", "milestones", "measures", "school_measures",
          "visits", "inspections"]


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Dataset:
    from analysis.store import Store

    store = Store(f"sqlite:///{tmp_path_factory.mktemp('scope') / 's.sqlite'}")
    store.import_upload(ingest.read_paths([SAMPLE_WORKBOOK]), "test")
    data = store.load()
    store.engine.dispose()
    return data


def everything_in(data: Dataset) -> str:
    """Every value of every frame as text, to search for what must not be there."""
    return "\n".join(getattr(data, f).astype(str).to_csv() for f in FRAMES)


def urns_in(data: Dataset) -> set[str]:
    found = set()
    for name in FRAMES:
        frame = getattr(data, name)
        for col in ("urn", "client_urn", "home_urn"):
            if col in frame:
                found |= set(frame[col].dropna())
    return found


def test_a_governor_receives_only_their_schools_rows(sample):
    scope = scope_for(Person("g@s.org", GOVERNOR, ("990201",)), sample)
    data = scoped_dataset(sample, scope)
    assert urns_in(data) == {"990201"}
    text = everything_in(data)
    others = sample.schools[sample.schools["urn"] != "990201"]
    for name in others["school_name"]:
        assert name not in text  # the home schools too: their URNs are removed from deployments
    for urn in others["urn"]:
        assert urn not in text
    assert set(data.deployments["deployment_id"]) == {"D01", "D02", "D03", "D04"}
    assert set(data.visits["deployment_id"]) <= {"D01", "D02", "D03", "D04"}
    assert not data.visits.empty and not data.measures.empty and not data.milestones.empty
    assert scope.pages == {"school", "present"} and not scope.trust_wide


def test_a_governors_figures_are_the_same_as_in_the_full_data(sample):
    data = scoped_dataset(sample, scope_for(Person("g@s.org", GOVERNOR, ("990201",)), sample))
    mine = pack.pack_tables(data, Settings(), "990201")
    full = pack.pack_tables(sample, Settings(), "990201")
    for name in ("targets", "summary"):
        pd.testing.assert_frame_equal(mine[name].reset_index(drop=True),
                                      full[name].reset_index(drop=True))
    with pytest.raises(pack.PackError, match="990202 is not a client school"):
        pack.build_school_pack(data, Settings(), "990202")


def test_a_system_leader_receives_the_schools_and_visits_of_their_own_deployments(sample):
    person = Person("t@s.org", SYSTEM_LEADER, leader="  tom   WHITLOCK ")
    scope = scope_for(person, sample)
    data = scoped_dataset(sample, scope)
    assert scope.urns == {"990201", "990202"}
    assert set(data.deployments["deployment_id"]) == {"D03", "D05"}
    assert set(data.visits["deployment_id"]) <= {"D03", "D05"} and not data.visits.empty
    assert set(data.targets["client_urn"]) == {"990201", "990202"}
    assert "Helen Marsh" not in everything_in(data)  # another leader's deployment


def test_trust_leader_and_administrator_receive_everything(sample):
    for role in (TRUST_LEADER, ADMINISTRATOR):
        scope = scope_for(Person("x@t.org", role), sample)
        assert scope.trust_wide and scoped_dataset(sample, scope) is sample


def test_nobody_and_a_stale_entry_receive_nothing(sample):
    for person in [Person("", ""), Person("g@s.org", GOVERNOR, ("990999",)),
                   Person("t@s.org", SYSTEM_LEADER, leader="Nobody Here")]:
        data = scoped_dataset(sample, scope_for(person, sample))
        assert all(getattr(data, f).empty for f in FRAMES), person


def test_scopes_with_the_same_rights_share_a_cache_key_and_others_do_not(sample):
    one = scope_for(Person("a@s.org", GOVERNOR, ("990201",)), sample)
    two = scope_for(Person("b@s.org", GOVERNOR, ("990201",)), sample)
    other = scope_for(Person("c@s.org", GOVERNOR, ("990202",)), sample)
    admin = scope_for(Person("d@s.org", ADMINISTRATOR), sample)
    assert one.key == two.key and len({one.key, other.key, admin.key}) == 3
