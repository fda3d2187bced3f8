"""Each store fault of issue 9 is one sentence, in the command line (exit 2) and on a page, and
the store is untouched: SQLite disk full, a read-only store file, PostgreSQL down (tests/test_cli.py
and tests/test_pages.py), PostgreSQL killed mid-write, a store made by a newer version, mysql://.

Real faults, not imitations: a process whose files may not grow (the operating system refuses the
write, as on a full disk) and SQLite's own page limit; an immutable store file; a PostgreSQL
server connection terminated by the server while an import is half written.
"""

from __future__ import annotations

import contextlib
import os
import resource
import shutil
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
import streamlit as st
from sqlalchemy import event

from analysis.store import Store, StoreError
from analysis.text import literal_markdown
from tests.parsed_once import read_paths
from tests.reliability_helpers import REPO, cli, start, wait_for_line
from tests.test_pages import _use_store, open_page, texts

SAMPLE = REPO / "sample_data" / "riverside_trust.xlsx"
FULL = "is full, so nothing was changed"
DISK = "could not be written to its disk (it may be full or failing), so nothing was changed"
READ_ONLY = "cannot be opened for writing"
LOST = "was lost part-way; the interrupted step changed nothing"


def _no_growth(limit: int):
    """For a child process: files may not grow past `limit` bytes (the kernel refuses the write)."""
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
    return apply


def on_page(at, words: str) -> bool:
    """Whether an error box on the page shows the words as a reader sees them (`texts` takes off
    the literal-markdown escaping), and the box's Markdown is escaped (never read as markup)."""
    return any(words in shown and literal_markdown(words) in raw
               for shown, raw in zip(texts(at.error), [e.value for e in at.error], strict=True))


def _one_sentence(err: str, words: str) -> None:
    assert words in err and "Traceback" not in err and len(err.strip().splitlines()) == 1, err


# ---- SQLite: the disk is full -------------------------------------------------------------------

def test_a_full_disk_is_one_sentence_from_the_command_line_and_nothing_is_stored(tmp_path):
    url = f"sqlite:///{tmp_path / 'impact.sqlite'}"
    assert cli("history", "--db", url).returncode == 0  # made and migrated
    size = (tmp_path / "impact.sqlite").stat().st_size
    process = subprocess.run([sys.executable, "-m", "analysis", "import", str(SAMPLE), "--db", url],
                             cwd=REPO, capture_output=True, text=True, timeout=120,
                             preexec_fn=_no_growth(size + 50_123))
    assert process.returncode == 2
    _one_sentence(process.stderr, DISK)
    store = Store(url)
    assert store.history().empty and store.counts()["outcomes"] == 0
    store.engine.dispose()


def test_sqlite_saying_the_database_is_full_is_its_sentence(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'impact.sqlite'}")

    @event.listens_for(store.engine, "connect")
    def _small(dbapi_conn, _record):  # SQLite's own limit: the database may not grow past it
        dbapi_conn.execute("PRAGMA max_page_count = 40")

    store.engine.dispose()  # every connection from now on has the limit
    with pytest.raises(StoreError, match=FULL) as refused:
        store.import_upload(read_paths([SAMPLE]), "alice")
    assert "Free some space and try again." in refused.value.message
    assert store.history().empty and store.counts()["schools"] == 0
    store.engine.dispose()


@contextlib.contextmanager
def _files_may_not_grow(limit: int):
    """This process's files may not grow past limit bytes while inside (restored after)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)


def test_a_full_disk_is_one_sentence_on_the_page(tmp_path, monkeypatch):
    """An empty store's first page loads the sample (a write): the disk refuses it."""
    path = tmp_path / "impact.sqlite"
    url = f"sqlite:///{path}"
    Store(url).engine.dispose()
    _use_store(url, monkeypatch)
    with _files_may_not_grow(path.stat().st_size + 50_123):
        at = open_page("overview")
    assert on_page(at, DISK), texts(at.error)
    assert not at.exception
    st.cache_resource.clear()
    assert Store(url).history().empty


# ---- SQLite: a read-only store file -------------------------------------------------------------

@contextlib.contextmanager
def _read_only(folder: Path):
    """The folder and its files may not be written, even by root (immutable while inside)."""
    files = [folder, *folder.iterdir()]
    if os.geteuid() == 0:
        if shutil.which("chattr") is None:
            pytest.fail("running as root needs chattr to make a file read-only")
        subprocess.run(["chattr", "+i", *map(str, files)], check=True)
    else:
        for f in files:
            f.chmod(0o555 if f.is_dir() else 0o444)
    try:
        yield
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", *map(str, files)], check=True)
        else:
            for f in files:
                f.chmod(0o755 if f.is_dir() else 0o644)


@pytest.fixture
def read_only_store(tmp_path) -> str:
    folder = tmp_path / "store"
    url = f"sqlite:///{folder / 'impact.sqlite'}"
    assert cli("import", str(SAMPLE), "--db", url, "--user", "alice").returncode == 0
    cli("history", "--db", url)  # the last connection closed: WAL checkpointed, -wal/-shm gone
    with _read_only(folder):
        yield url


def test_a_read_only_store_is_one_sentence_from_the_command_line(read_only_store):
    for args in (["history"], ["import", str(REPO / "sample_data" / "next_term")]):
        process = cli(*args, "--db", read_only_store)
        assert process.returncode == 2
        _one_sentence(process.stderr, READ_ONLY)


@pytest.mark.parametrize("page", ["overview", "upload"])
def test_a_read_only_store_is_one_sentence_on_the_page(read_only_store, page, monkeypatch):
    _use_store(read_only_store, monkeypatch)
    at = open_page(page)
    assert on_page(at, READ_ONLY), texts(at.error)
    assert not at.exception
    st.cache_resource.clear()


# ---- a store made by a newer version of the dashboard --------------------------------------------

def test_a_store_made_by_a_newer_version_is_one_sentence_from_the_command_line(tmp_path):
    url = f"sqlite:///{tmp_path / 'newer.sqlite'}"
    Store(url).engine.dispose()
    engine = sa.create_engine(url)
    with engine.begin() as conn:  # a later version ran one more migration
        newest = conn.execute(sa.text("SELECT max(version) FROM schema_version")).scalar()
        conn.execute(sa.text("INSERT INTO schema_version (version, applied_at) VALUES "
                             "(:v, '2030-01-01T00:00:00Z')"), {"v": newest + 1})
    engine.dispose()
    for args in (["history"], ["import", str(SAMPLE)]):
        process = cli(*args, "--db", url)
        assert process.returncode == 2
        _one_sentence(process.stderr, f"made by a newer version of the dashboard (schema "
                                      f"{newest + 1}); update the code before using it.")


# ---- PostgreSQL: the server ends the connection part-way through a write ------------------------

def _pg_url_named(pg_url: str, name: str) -> str:
    """The test schema's URL with an application_name, so the test can find its connections."""
    url = sa.engine.make_url(pg_url)
    return url.update_query_dict({"application_name": name}).render_as_string(hide_password=False)


def _terminate(pg_url: str, name: str) -> int:
    """Have the server end every connection with that application_name; how many it ended."""
    admin = sa.create_engine(pg_url)
    with admin.begin() as conn:
        ended = conn.execute(sa.text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = :n"), {"n": name}).scalar()
    admin.dispose()
    return ended


def test_postgresql_killed_mid_import_is_one_sentence_without_sql_or_values(pg_url, tmp_path):
    name = f"h9-kill-{uuid.uuid4().hex[:8]}"
    url = _pg_url_named(pg_url, name)
    assert cli("history", "--db", url).returncode == 0  # migrated, so the import's lock comes next
    release = tmp_path / "release"
    process = start(["import", str(SAMPLE), "--db", url, "--user", "alice"],
                    pause_at="writing", release=release)
    wait_for_line(process, "writing")  # half the pupil blocks are written, not committed
    assert _terminate(pg_url, name) >= 1
    release.touch()
    out, err = process.communicate(timeout=120)
    assert process.returncode == 2, (out, err)
    _one_sentence(err, LOST)
    # Not the driver's text: no SQL, no parameters, no pupil values.
    for leak in ("INSERT", "COPY", "parameters", "[SQL", "outcome_blocks", "psycopg"):
        assert leak not in err, err
    store = Store(pg_url)
    assert store.history().empty and store.counts()["outcomes"] == 0
    store.engine.dispose()


def test_postgresql_killed_mid_write_is_one_sentence_on_the_page(pg_url, monkeypatch):
    """Settings saved on the page while the server ends the connection before COMMIT."""
    from app_pages.loads import get_store

    name = f"h9-page-{uuid.uuid4().hex[:8]}"
    url = _pg_url_named(pg_url, name)
    Store(url).engine.dispose()
    _use_store(url, monkeypatch)
    st.cache_resource.clear()
    store = get_store()  # the page's own Store (cached for the process)
    at = open_page("settings")
    assert not at.error, texts(at.error)
    store.on_phase = lambda phase: phase == "committing" and _terminate(pg_url, name)
    at.number_input[0].set_value(8)
    save = [b for b in at.button if "Save" in b.label]
    assert save, [b.label for b in at.button]
    at = save[0].click().run()
    store.on_phase = None
    assert on_page(at, LOST), texts(at.error)
    assert not at.exception
    st.cache_resource.clear()
    assert Store(pg_url).get_settings().small_cohort == 5
