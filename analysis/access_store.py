"""The access list and the audit log, two tables in the store (migration 4).

Each change is one small transaction of its own, apart from the data's upload batches: the
access list is not trust data, so uploading, undoing or emptying the store never touches it.
Nothing here deletes: removing or changing a person marks their entry ended (who, when) and
keeps it, and every change is also a line in the audit log.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from analysis.access import ADMINISTRATOR, ROLE_WORDS, Person, entry_problem, normalise_email

if TYPE_CHECKING:
    from analysis.store import Store

METADATA = sa.MetaData()
PEOPLE = sa.Table(
    "people", METADATA,
    sa.Column("entry_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("email", sa.Text, nullable=False),  # lower case
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("schools", sa.Text, nullable=False),  # JSON list of URNs (governors)
    sa.Column("leader", sa.Text, nullable=False),  # the deployments' leader name (system leaders)
    sa.Column("added_at", sa.Text, nullable=False),  # ISO 8601 UTC
    sa.Column("added_by", sa.Text, nullable=False),
    sa.Column("removed_at", sa.Text, nullable=True),  # NULL while the entry stands
    sa.Column("removed_by", sa.Text, nullable=True),
)
sa.Index("ix_people_email", PEOPLE.c.email)
AUDIT = sa.Table(
    "audit_log", METADATA,
    sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.Text, nullable=False),  # ISO 8601 UTC
    sa.Column("who", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False),  # a key of access.ACTION_WORDS
    sa.Column("urn", sa.Text, nullable=True),  # the school concerned, if one
    sa.Column("detail", sa.Text, nullable=False),
)
sa.Index("ix_audit_log_who", AUDIT.c.who)


def migration_4(conn: Connection) -> None:
    """The access list and the audit log."""
    METADATA.create_all(conn)


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _error(message: str) -> Exception:
    from analysis.store import StoreError  # the store imports this module for its migration

    return StoreError(message)


def _audit(conn: Connection, who: str, action: str, detail: str = "", urn: str | None = None):
    conn.execute(AUDIT.insert().values(at=_now(), who=who, action=action, urn=urn,
                                       detail=detail))


def record(store: Store, who: str, action: str, detail: str = "", urn: str | None = None) -> None:
    """One line in the audit log."""
    with store._writing() as conn:
        _audit(conn, who, action, detail, urn)


def record_once(store: Store, who: str, action: str, detail: str) -> bool:
    """A line unless the same one is there already (one sign-in seen by many page loads)."""
    with store._writing() as conn:
        seen = conn.execute(sa.select(AUDIT.c.event_id).where(
            AUDIT.c.who == who, AUDIT.c.action == action, AUDIT.c.detail == detail)).first()
        if seen is None:
            _audit(conn, who, action, detail)
    return seen is None


def audit_log(store: Store) -> pd.DataFrame:
    """Every audit line, newest first."""
    with store._reading() as conn:
        rows = conn.execute(sa.select(AUDIT).order_by(AUDIT.c.event_id.desc())).all()
    return pd.DataFrame(rows, columns=[c.name for c in AUDIT.columns])


def _person(row) -> Person:
    return Person(row.email, row.role, tuple(json.loads(row.schools)), row.leader)


def person(store: Store, email: str) -> Person | None:
    """The standing entry for an e-mail address, or None when it is not on the list."""
    with store._reading() as conn:
        row = conn.execute(sa.select(PEOPLE).where(
            PEOPLE.c.email == normalise_email(email), PEOPLE.c.removed_at.is_(None))).first()
    return _person(row) if row else None


def people(store: Store, include_removed: bool = False) -> pd.DataFrame:
    """The access list (and, asked for, the ended entries too), by e-mail address."""
    query = sa.select(PEOPLE).order_by(PEOPLE.c.email, PEOPLE.c.entry_id)
    if not include_removed:
        query = query.where(PEOPLE.c.removed_at.is_(None))
    with store._reading() as conn:
        rows = conn.execute(query).all()
    frame = pd.DataFrame(rows, columns=[c.name for c in PEOPLE.columns])
    frame["schools"] = frame["schools"].map(lambda s: ", ".join(json.loads(s)))
    return frame


def _administrators_left(conn: Connection, without: str) -> int:
    return conn.execute(sa.select(sa.func.count()).select_from(PEOPLE).where(
        PEOPLE.c.role == ADMINISTRATOR, PEOPLE.c.removed_at.is_(None),
        PEOPLE.c.email != without)).scalar()


def _end(conn: Connection, email: str, by: str) -> int:
    return conn.execute(PEOPLE.update().where(
        PEOPLE.c.email == email, PEOPLE.c.removed_at.is_(None)
    ).values(removed_at=_now(), removed_by=by)).rowcount


def add_person(store: Store, entry: Person, by: str, client_urns: set[str] | None = None) -> str:
    """Put someone on the list, or change their entry; StoreError with the sentence if invalid."""
    entry = Person(normalise_email(entry.email), entry.role,
                   tuple(dict.fromkeys(str(u).strip() for u in entry.schools)),
                   " ".join(entry.leader.split()))
    problem = entry_problem(entry, client_urns)
    if problem:
        raise _error(problem)
    with store._writing() as conn:
        had = conn.execute(sa.select(PEOPLE).where(
            PEOPLE.c.email == entry.email, PEOPLE.c.removed_at.is_(None))).first()
        if had and had.role == ADMINISTRATOR and entry.role != ADMINISTRATOR \
                and not _administrators_left(conn, entry.email):
            raise _error(f"{entry.email} is the last administrator: add another administrator "
                         "first, so someone can still manage the list.")
        _end(conn, entry.email, by)
        conn.execute(PEOPLE.insert().values(
            email=entry.email, role=entry.role, schools=json.dumps(list(entry.schools)),
            leader=entry.leader, added_at=_now(), added_by=by))
        verb = "Changed" if had else "Added"
        _audit(conn, by, "user_added", f"{verb} {entry.email}: {entry.describe()}")
    return f"{verb} {entry.email} as {entry.describe()}."


def remove_person(store: Store, email: str, by: str) -> str:
    """Take someone off the list (their entry is kept, ended); StoreError if not on it."""
    email = normalise_email(email)
    with store._writing() as conn:
        had = conn.execute(sa.select(PEOPLE).where(
            PEOPLE.c.email == email, PEOPLE.c.removed_at.is_(None))).first()
        if not had:
            raise _error(f"{email} is not on the access list.")
        if had.role == ADMINISTRATOR and not _administrators_left(conn, email):
            raise _error(f"{email} is the last administrator: add another administrator "
                         "first, so someone can still manage the list.")
        _end(conn, email, by)
        _audit(conn, by, "user_removed",
               f"Removed {email} ({ROLE_WORDS.get(had.role, had.role)})")
    return f"Removed {email} from the access list."
