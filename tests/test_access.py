"""The access list's rules and its table, the audit log, and the local-mode address rule."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from analysis import access, access_store
from analysis.access import ADMINISTRATOR, GOVERNOR, SYSTEM_LEADER, TRUST_LEADER, Person
from analysis.store import StoreError

CLIENTS = {"990201", "990202"}


@pytest.mark.parametrize("entry, words", [
    (Person("not-an-address", GOVERNOR, ("990201",)), "is not an e-mail address"),
    (Person("a@b.org", "boss"), "is not a role"),
    (Person("a@b.org", GOVERNOR), "needs the URN of their school"),
    (Person("a@b.org", GOVERNOR, ("123456",)), "No client school with URN 123456 is stored"),
    (Person("a@b.org", TRUST_LEADER, ("990201",)), "Only a governor is named for particular"),
    (Person("a@b.org", SYSTEM_LEADER), "needs their name as the deployments sheet writes it"),
    (Person("a@b.org", ADMINISTRATOR, leader="Tom"), "Only a system leader"),
])
def test_an_entry_that_cannot_work_is_refused_with_a_sentence(entry, words):
    assert words in access.entry_problem(entry, CLIENTS)


def test_good_entries_pass():
    for entry in [Person("a@b.org", GOVERNOR, ("990201", "990202")),
                  Person("a@b.org", SYSTEM_LEADER, leader="Tom Whitlock"),
                  Person("a@b.org", TRUST_LEADER), Person("a@b.org", ADMINISTRATOR)]:
        assert access.entry_problem(entry, CLIENTS) is None


def test_roles_are_read_as_people_write_them():
    assert access.parse_role("System leader") == SYSTEM_LEADER
    assert access.parse_role("trust-leader") == TRUST_LEADER
    assert access.parse_role("Governor") == GOVERNOR
    assert access.parse_role("head") is None


def test_only_trust_leader_and_administrator_see_trust_wide_pages():
    for role, pages in access.ROLE_PAGES.items():
        trust_wide = {access.OVERVIEW, access.DEPLOYMENTS} & pages
        assert bool(trust_wide) == (role in access.TRUST_WIDE_ROLES), role
    assert access.UPLOAD not in access.ROLE_PAGES[TRUST_LEADER]
    assert access.ROLE_PAGES[GOVERNOR] == {access.SCHOOL, access.PRESENT}


@pytest.mark.parametrize("address", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_loopback_addresses_serve_without_sign_in(address):
    assert access.address_problem(address, sign_in_configured=False) is None


@pytest.mark.parametrize("address", ["0.0.0.0", "", None, "192.0.2.2", "::", "school-laptop"])
def test_any_other_address_needs_sign_in(address):
    sentence = access.address_problem(address, sign_in_configured=False)
    assert "without sign-in" in sentence and "[auth]" in sentence
    assert "secrets.example.toml" in sentence
    assert access.address_problem(address, sign_in_configured=True) is None


# ---- the tables, on SQLite and PostgreSQL -------------------------------------------------------

def test_people_are_added_changed_and_removed_and_every_entry_is_kept(store):
    assert access_store.person(store, "gov@school.org") is None
    message = access_store.add_person(store, Person(" Gov@School.org ", GOVERNOR, ("990201",)),
                                      "admin@trust.org", CLIENTS)
    assert message == "Added gov@school.org as Governor of 990201."
    assert access_store.person(store, "GOV@school.org") == Person("gov@school.org", GOVERNOR,
                                                                  ("990201",))
    access_store.add_person(store, Person("gov@school.org", GOVERNOR, ("990201", "990202")),
                            "admin@trust.org", CLIENTS)
    assert access_store.person(store, "gov@school.org").schools == ("990201", "990202")
    assert access_store.remove_person(store, "gov@school.org", "admin@trust.org") \
        == "Removed gov@school.org from the access list."
    assert access_store.person(store, "gov@school.org") is None
    assert access_store.people(store).empty
    history = access_store.people(store, include_removed=True)
    assert list(history["schools"]) == ["990201", "990201, 990202"]
    assert history["removed_at"].notna().all() and set(history["removed_by"]) == {"admin@trust.org"}
    log = access_store.audit_log(store)
    assert list(log["action"]) == ["user_removed", "user_added", "user_added"]
    assert list(log["detail"])[1:] == ["Changed gov@school.org: Governor of 990201, 990202",
                                       "Added gov@school.org: Governor of 990201"]
    assert set(log["who"]) == {"admin@trust.org"}


def test_a_bad_entry_leaves_the_list_and_log_unchanged(store):
    with pytest.raises(StoreError, match="No client school with URN 999999"):
        access_store.add_person(store, Person("g@s.org", GOVERNOR, ("999999",)), "a", CLIENTS)
    with pytest.raises(StoreError, match="is not on the access list"):
        access_store.remove_person(store, "nobody@s.org", "a")
    assert access_store.people(store, include_removed=True).empty
    assert access_store.audit_log(store).empty


def test_the_last_administrator_cannot_be_removed_or_demoted(store):
    access_store.add_person(store, Person("a@t.org", ADMINISTRATOR), "setup")
    with pytest.raises(StoreError, match="last administrator"):
        access_store.remove_person(store, "a@t.org", "a@t.org")
    with pytest.raises(StoreError, match="last administrator"):
        access_store.add_person(store, Person("a@t.org", TRUST_LEADER), "a@t.org")
    access_store.add_person(store, Person("b@t.org", ADMINISTRATOR), "a@t.org")
    access_store.remove_person(store, "a@t.org", "b@t.org")
    assert list(access_store.people(store)["email"]) == ["b@t.org"]


def test_the_audit_log_keeps_who_what_when_and_the_school(store):
    access_store.record(store, "gov@school.org", "view_school", "school page", "990201")
    access_store.record(store, "gov@school.org", "download", "governors-pack-990201.pdf", "990201")
    log = access_store.audit_log(store)
    assert list(log["action"]) == ["download", "view_school"]
    assert set(log["urn"]) == {"990201"}
    assert log["at"].str.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$").all()


def test_uploads_undo_and_emptying_never_touch_the_access_list(store, make_upload):
    import pandas as pd

    access_store.add_person(store, Person("a@t.org", ADMINISTRATOR), "setup")
    schools = pd.DataFrame({"urn": ["990201"], "school_name": ["Kingfisher"], "phase": ["Primary"],
                            "local_authority": ["X"], "role": ["Client"]})
    result = store.import_upload(make_upload({"schools": schools}), "a@t.org")
    store.clear("a@t.org")
    store.undo(result.batch_id + 1)
    store.undo(result.batch_id)
    assert access_store.person(store, "a@t.org") == Person("a@t.org", ADMINISTRATOR)


def test_the_tables_come_with_migration_4(store):
    with store.engine.connect() as conn:
        tables = set(sa.inspect(conn).get_table_names())
    assert {"people", "audit_log"} <= tables
    assert store.schema_version() == 8  # 5: indexes; 6: RISE tier and target area; 7: app tables;
    # 8: the facts kept per store version (analysis/facts_store.py)
