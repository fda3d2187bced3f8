"""The connection: which databases are supported, the engine, one read or write transaction, the
write lock, the phase hook, and each database fault as one plain sentence (StoreError).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError

# psycopg logs what it ignores while closing a lost connection; with no handler configured Python
# would print that on stderr beside the store's sentence. The server's log still gets it.
logging.getLogger("psycopg").addHandler(logging.NullHandler())

REPO = Path(__file__).resolve().parent.parent.parent
# The default store: one SQLite file beside the code, made on first use.
DEFAULT_DB_PATH = REPO / "data" / "impact.sqlite"
# How long an import waits for another one to finish before giving up.
LOCK_TIMEOUT_SECONDS = 30.0
# Any fixed number: the PostgreSQL advisory lock that serialises writers.
_PG_LOCK_KEY = 7_243_911
BUSY_MESSAGE = "Another upload is in progress; try again in a minute."
# The points of a write transaction the phase hook is told of, in order. Every write passes
# `locked` (the write lock held, nothing written yet) and `committing` (every statement done,
# COMMIT not yet sent); an import also passes `writing` (half its pupil blocks written) and
# `written` (every pupil block written, not yet the measures or the upload's history line).
PHASES = ("locked", "writing", "written", "committing")


class StoreError(Exception):
    """Something a user caused (a bad upload, an undo out of order, a busy store): say what to do."""

    def __init__(self, message: str, problems: pd.DataFrame | None = None):
        super().__init__(message)
        self.message = message
        self.problems = problems


SUPPORTED_BACKENDS = ("sqlite", "postgresql")


def fault_sentence(exc: BaseException, where: str) -> str:
    """A database fault -> one plain sentence for the page or the command line. Never the driver's
    own text: it can hold SQL and its parameters (pupil data)."""
    text = str(getattr(exc, "orig", None) or exc).lower()
    if "database or disk is full" in text or "no space left" in text:
        return (f"The disk holding the store ({where}) is full, so nothing was changed. Free some "
                "space and try again.")
    if "disk i/o error" in text:
        return (f"The store ({where}) could not be written to its disk (it may be full or "
                "failing), so nothing was changed. Free some space or check the disk, then try "
                "again.")
    if "readonly" in text or "read-only" in text or "unable to open database file" in text \
            or "permission denied" in text or isinstance(exc, PermissionError | FileNotFoundError):
        return (f"The store ({where}) cannot be opened for writing: check that its folder exists and "
                "that the dashboard may write there. Nothing was changed.")
    if "connection refused" in text or "could not connect" in text or "connection failed" in text \
            or "name or service not known" in text or "timeout expired" in text:
        return (f"Cannot reach the database server ({where}): is it running and accepting "
                "connections? Nothing was changed.")
    if "server closed the connection" in text or "terminating connection" in text \
            or "connection is closed" in text or "consuming input failed" in text \
            or "the connection is lost" in text:
        return (f"The connection to the database server ({where}) was lost part-way; the "
                "interrupted step changed nothing. Try again when the server is back.")
    return (f"The store ({where}) could not be used ({type(exc).__name__}); nothing was changed. "
            "The server log has the details.")


def now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _safe_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


class StoreConnection:
    """The engine and its transactions.

    `on_phase(phase)`, if given, is called with each name in PHASES as a write transaction
    reaches it, inside the transaction: an exception it raises rolls the whole write back as any
    other failure would, and a pause in it holds the transaction open there (tests stop or kill
    an import at an exact phase this way).
    """

    def __init__(self, url: str | None = None, lock_timeout: float = LOCK_TIMEOUT_SECONDS,
                 on_phase: Callable[[str], None] | None = None):
        url = url or os.environ.get("DATABASE_URL") or None
        if url is None:
            DEFAULT_DB_PATH.parent.mkdir(parents=True, exist_ok=True)
            url = f"sqlite:///{DEFAULT_DB_PATH}"
        # A bare postgresql:// would pick psycopg2, which is not installed; psycopg 3 is.
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                url = "postgresql+psycopg://" + url[len(prefix):]
        self.lock_timeout = lock_timeout
        self.on_phase = on_phase
        self.where = url.split("@")[-1]  # never the password
        try:
            backend = sa.engine.make_url(url).get_backend_name()
        except ArgumentError as exc:
            raise StoreError(f"The store address {self.where!r} is not a database URL: use "
                             "sqlite:///path/impact.sqlite or postgresql+psycopg://user@host/db.") from exc
        if backend not in SUPPORTED_BACKENDS:
            raise StoreError(f"The store address uses {backend}, which this dashboard does not "
                             "support: use a SQLite file (sqlite:///path/impact.sqlite) or PostgreSQL "
                             "(postgresql+psycopg://user@host/db).")
        try:
            self.engine = self._make_engine(url)
            self._migrate()
        except StoreError:
            raise
        except (ArgumentError, NoSuchModuleError, ModuleNotFoundError, DBAPIError, OSError) as exc:
            raise StoreError(fault_sentence(exc, self.where)) from exc

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def _make_engine(self, url: str) -> Engine:
        parsed = sa.engine.make_url(url)
        if parsed.get_backend_name() != "sqlite":
            return sa.create_engine(url, pool_pre_ping=True)
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(
            url, connect_args={"timeout": self.lock_timeout},
            poolclass=sa.pool.StaticPool if not database or database == ":memory:" else None,
        )

        @event.listens_for(engine, "connect")
        def _connect(dbapi_conn, _record):
            # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
            dbapi_conn.isolation_level = None
            cursor = dbapi_conn.cursor()
            # WAL: pages keep reading while an import writes.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(conn):
            # A writer takes the write lock at BEGIN, so two imports never interleave.
            write = conn.get_execution_options().get("impact_write")
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        """One read transaction that sees one snapshot of the store throughout."""
        try:
            with self.engine.connect() as conn:
                if self.dialect == "postgresql":
                    # READ COMMITTED takes a new snapshot per statement, so a load or a backup
                    # reading table after table could mix before and after an import that commits
                    # meanwhile. SQLite's WAL already gives a read transaction one snapshot.
                    conn.execution_options(isolation_level="REPEATABLE READ")
                with conn.begin():
                    yield conn
        except DBAPIError as exc:
            raise StoreError(fault_sentence(exc, self.where)) from exc
        except self.engine.dialect.dbapi.Error as exc:  # the driver's own cursor (bulk reads)
            raise StoreError(fault_sentence(exc, self.where)) from exc

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        """One transaction holding the store's write lock; StoreError if it stays busy."""
        try:
            with self.engine.connect() as conn:
                conn.execution_options(impact_write=True)
                with conn.begin():
                    if self.dialect == "postgresql":
                        self._pg_lock(conn)
                    self._phase("locked")
                    yield conn
                    self._phase("committing")
        except OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise StoreError(BUSY_MESSAGE) from exc
            raise StoreError(fault_sentence(exc, self.where)) from exc
        except DBAPIError as exc:
            raise StoreError(fault_sentence(exc, self.where)) from exc
        except self.engine.dialect.dbapi.Error as exc:  # the driver's own cursor (bulk writes)
            if "locked" in str(exc) or "busy" in str(exc):
                raise StoreError(BUSY_MESSAGE) from exc
            raise StoreError(fault_sentence(exc, self.where)) from exc

    def _pg_lock(self, conn: Connection) -> None:
        # Polling try-lock rather than a blocking lock, so a loser gives up after the timeout.
        deadline = time.monotonic() + self.lock_timeout
        while not conn.execute(sa.select(sa.func.pg_try_advisory_xact_lock(_PG_LOCK_KEY))).scalar():
            if time.monotonic() > deadline:
                raise StoreError(BUSY_MESSAGE)
            time.sleep(0.1)


    def _phase(self, name: str) -> None:
        if self.on_phase is not None:
            self.on_phase(name)
