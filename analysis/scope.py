"""The one place access is enforced: a person's entry + the store's data -> what they may receive.

Every page gets its data through app_pages/common.py, which passes the stored Dataset through
`scoped_dataset` before anything is computed from it (statuses, charts, packs, tables). What a
scope leaves out never reaches a page, a cached object or a download. Pure: no database, no
Streamlit.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

import pandas as pd

from analysis.access import GOVERNOR, SYSTEM_LEADER, Person
from analysis.schema import normalise_name
from analysis.store import Dataset


@dataclass(frozen=True)
class Scope:
    """The schools (None: every school) and deployments (None: every one) a person receives,
    and the pages they may open."""

    person: Person
    urns: frozenset[str] | None
    deployment_ids: frozenset[str] | None
    pages: frozenset[str]

    @property
    def trust_wide(self) -> bool:
        return self.urns is None

    @property
    def key(self) -> str:
        """A short token for cache keys: two people with the same rights share cached frames."""
        text = repr((self.person.role, sorted(self.urns or []) if self.urns is not None else None,
                     sorted(self.deployment_ids) if self.deployment_ids is not None else None))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def allows_school(self, urn: str) -> bool:
        return self.urns is None or urn in self.urns


def own_deployments(deployments: pd.DataFrame, leader: str) -> pd.DataFrame:
    """A system leader's deployments: those whose leader name matches theirs (case and spaces
    aside). Matched by name because the deployments sheet has no leader e-mail column."""
    wanted = normalise_name(leader)
    if not wanted:
        return deployments.iloc[0:0]
    return deployments[deployments["leader_name"].map(normalise_name) == wanted]


def scope_for(person: Person, data: Dataset) -> Scope:
    """The scope of one access-list entry over the data now stored."""
    if person.trust_wide:
        return Scope(person, None, None, person.pages)
    clients = set(data.schools.loc[data.schools["role"].str.lower() == "client", "urn"])
    if person.role == GOVERNOR:
        urns = frozenset(set(person.schools) & clients)
        ids = frozenset(data.deployments.loc[data.deployments["client_urn"].isin(urns),
                                             "deployment_id"])
    elif person.role == SYSTEM_LEADER:
        own = own_deployments(data.deployments, person.leader)
        urns = frozenset(set(own["client_urn"]) & clients)
        ids = frozenset(own["deployment_id"])
    else:  # an unknown role receives nothing
        urns, ids = frozenset(), frozenset()
    return Scope(person, urns, ids, person.pages)


def scoped_dataset(data: Dataset, scope: Scope) -> Dataset:
    """Only the rows the scope allows. A deployment's home school outside the scope loses its
    URN, so no other school's name can be looked up from it."""
    if scope.trust_wide:
        return data
    urns, ids = scope.urns, scope.deployment_ids
    deployments = data.deployments[data.deployments["deployment_id"].isin(ids)
                                   & data.deployments["client_urn"].isin(urns)].copy()
    deployments["home_urn"] = deployments["home_urn"].where(deployments["home_urn"].isin(urns))
    targets = data.targets[data.targets["client_urn"].isin(urns)]
    return replace(
        data,
        schools=data.schools[data.schools["urn"].isin(urns)],
        deployments=deployments,
        targets=targets,
        milestones=data.milestones[data.milestones["target_id"].isin(targets["target_id"])],
        measures=data.measures[data.measures["urn"].isin(urns)],
        school_measures=data.school_measures[data.school_measures["urn"].isin(urns)],
        visits=data.visits[data.visits["deployment_id"].isin(deployments["deployment_id"])],
        inspections=data.inspections[data.inspections["urn"].isin(urns)],
        target_plan=data.target_plan[data.target_plan["client_urn"].isin(urns)],
    )


def scoped_rows(frame: pd.DataFrame, scope: Scope, column: str = "deployment_id") -> pd.DataFrame:
    """Rows of any frame keyed by deployment (visit records and their history) cut to a scope."""
    if scope.trust_wide:
        return frame
    return frame[frame[column].isin(scope.deployment_ids or frozenset())]
