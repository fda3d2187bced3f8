"""What the visit and QA pages share: the records cut to the person's scope, and each step
(record, return, resubmit, check, undo) with its role check and its line in the audit log.

Not a page. The rules are in analysis/visit_records.py; every step is a batch of the store's
history, so it bumps the store version and every page's cached load moves on at once.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis import access
from analysis import visit_records as vr
from analysis.scope import scoped_rows
from analysis.store import StoreError
from app_pages import identity, loads


@st.cache_data(show_spinner=False, max_entries=4)
def _records(version: str) -> pd.DataFrame:
    return vr.records(loads.get_store())


def records() -> pd.DataFrame:
    """Visit records of the deployments this person may see (every one, trust-wide)."""
    return scoped_rows(_records(loads.current_version()), loads.current_scope())


def _require(roles: frozenset[str] | set[str], what: str) -> access.Person:
    person = loads.current_scope().person
    if person.role not in roles:
        raise StoreError(f"Only {' or '.join(access.ROLE_WORDS[r].lower() + 's' for r in roles)} "
                         f"can {what}.")
    return person


def _own(deployment_id: str) -> None:
    """A leader records and fixes visits only for deployments in their scope."""
    if deployment_id not in set(loads.directory().deployments["deployment_id"]):
        raise StoreError("That deployment is not one of yours.")


def _urn(deployment_id: str) -> str | None:
    deployments = loads.directory().deployments
    match = deployments.loc[deployments["deployment_id"] == deployment_id, "client_urn"]
    return None if match.empty else str(match.iloc[0])


def record_visit(entry: vr.VisitEntry) -> str:
    _require({access.SYSTEM_LEADER, access.ADMINISTRATOR}, "record a visit")
    _own(entry.deployment_id)
    batch, _ = vr.record_visit(loads.get_store(), identity.who(), entry,
                               loads.directory().deployments)
    loads.audit("visit_recorded", f"Visit record for {entry.deployment_id} on "
                 f"{entry.visit_date:%d/%m/%Y} (batch {batch})", _urn(entry.deployment_id))
    return f"Saved as batch {batch}: the visit counts on every page now and awaits QA."


def resubmit(record_id: str, entry: vr.VisitEntry, comment: str) -> str:
    _require({access.SYSTEM_LEADER, access.ADMINISTRATOR}, "resubmit a visit record")
    if record_id not in set(records()["record_id"]):  # a record of someone else's deployment
        raise StoreError("That visit record is not one of yours.")
    _own(entry.deployment_id)
    batch = vr.resubmit(loads.get_store(), identity.who(), record_id, entry,
                        loads.directory().deployments, comment)
    loads.audit("visit_recorded", f"Resubmitted the visit record for {entry.deployment_id} "
                 f"(batch {batch})", _urn(entry.deployment_id))
    return f"Resubmitted for QA (batch {batch})."


def return_record(record_id: str, deployment_id: str, comment: str) -> str:
    _require(access.QUALITY_ASSURERS, "return a visit record")
    batch = vr.return_record(loads.get_store(), identity.who(), record_id, comment)
    loads.audit("visit_qa", f"Returned a visit record for {deployment_id} to its leader "
                 f"(batch {batch}): {comment}", _urn(deployment_id))
    return f"Returned to the leader with your comment (batch {batch})."


def check(deployment_id: str, record_id: str | None, key: tuple) -> str:
    _require(access.QUALITY_ASSURERS, "check a visit record")
    batch = vr.check_record(loads.get_store(), identity.who(), record_id,
                            None if record_id else key)
    loads.audit("visit_qa", f"Checked a visit record for {deployment_id} (batch {batch})",
                 _urn(deployment_id))
    return f"Checked (batch {batch})."


def undo_record(record_id: str, deployment_id: str) -> str:
    _require(access.QUALITY_ASSURERS, "undo a visit record")
    messages = vr.undo_record(loads.get_store(), record_id)
    loads.audit("undo", f"Undid a visit record for {deployment_id}: " + " ".join(messages),
                 _urn(deployment_id))
    return f"Undid the visit record and its {len(messages)} step(s): the history keeps them."


def deployment_label(deployments: pd.DataFrame):
    """'Kingfisher Primary School: Maths; Assessment (D03)' for a deployment selectbox."""
    names = loads.school_names()
    labels = {d.deployment_id: f"{names.get(d.client_urn, d.client_urn)}: {d.focus_areas} "
              f"({d.deployment_id})" for d in deployments.itertuples()}
    return lambda deployment_id: labels.get(deployment_id, deployment_id)


def days_words(days: float) -> str:
    return {0.5: "Half a day", 1.0: "1 day"}.get(float(days), f"{float(days):g} days")


def when(iso: str) -> str:
    """An ISO UTC time as UK local time."""
    return pd.Timestamp(iso).tz_convert("Europe/London").strftime("%d/%m/%Y %H:%M")
