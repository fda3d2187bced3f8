"""Shared fixtures: a fresh store on SQLite, on PostgreSQL, and one parametrised over both.

PostgreSQL tests need TEST_DATABASE_URL (`.ci/run` starts a server and sets it). Each test gets
its own schema on that database, dropped afterwards, so tests never see each other's rows.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from dataclasses import dataclass, field

import pandas as pd
import pytest
import sqlalchemy as sa

from analysis.store import Store

PROBLEM_COLUMNS = ["file", "sheet", "row", "column", "message"]


@pytest.fixture(scope="session", autouse=True)
def _streamlit_components_scanned_once():
    """Each new AppTest scans every installed package for Streamlit components before its first
    run (0.12-0.2 s here, paid by every page test). The packages cannot change during a test run,
    so the scan runs once and each AppTest is handed its result (a fresh list); the app itself
    has no such components, and a running server scans as always."""
    from streamlit.components.v2 import manifest_scanner

    found = manifest_scanner.scan_component_manifests()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(manifest_scanner, "scan_component_manifests",
                      lambda max_workers=None: list(found))
        yield


@pytest.fixture
def sqlite_store(tmp_path) -> Store:
    store = Store(f"sqlite:///{tmp_path / 'impact.sqlite'}")
    yield store
    store.engine.dispose()


@pytest.fixture
def pg_url() -> str:
    """A URL to a fresh, empty schema on the test PostgreSQL server."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        pytest.skip("TEST_DATABASE_URL is not set: run `bash .ci/run` to start PostgreSQL")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = sa.engine.make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def pg_store(pg_url) -> Store:
    store = Store(pg_url)
    yield store
    store.engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request) -> Store:
    """The same test on both backends."""
    return request.getfixturevalue("sqlite_store" if request.param == "sqlite" else "pg_store")


# ---- uploads built by hand (the store needs only frames, problems and file hashes) -----------

@dataclass
class FakeFile:
    name: str
    sha256: str
    size: int
    kinds: list = field(default_factory=list)


@dataclass
class FakeUpload:
    frames: dict
    problems: pd.DataFrame
    notices: pd.DataFrame
    files: list

    @property
    def ok(self) -> bool:
        return self.problems.empty


@pytest.fixture(name="make_upload")
def make_upload_fixture():
    """make_upload(frames, name=..., problems=[...]) -> an upload the store accepts."""
    return make_upload


def make_upload(frames: dict[str, pd.DataFrame], name: str = "upload.xlsx",
                problems: list[tuple] | None = None) -> FakeUpload:
    """An upload as ingest would produce it; the file hash is taken from the frames' content."""
    digest = hashlib.sha256(
        "".join(f"{k}:{v.to_csv(index=False)}" for k, v in sorted(frames.items())).encode()
    ).hexdigest()
    return FakeUpload(
        frames=frames,
        problems=pd.DataFrame(problems or [], columns=PROBLEM_COLUMNS),
        notices=pd.DataFrame([], columns=PROBLEM_COLUMNS),
        files=[FakeFile(name, digest, 1234, sorted(frames))],
    )


# ---- several fresh stores in one test, on either backend (reliability and migration tests) --------

@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_urls(request, tmp_path):
    """make() -> the URL of another fresh, empty store on this test's backend (`.backend` says which).

    SQLite: a new file in tmp_path. PostgreSQL: a new schema on TEST_DATABASE_URL, dropped after.
    """
    backend = request.param
    base = os.environ.get("TEST_DATABASE_URL")
    if backend == "postgresql" and not base:
        pytest.skip("TEST_DATABASE_URL is not set: run `bash .ci/run` to start PostgreSQL")
    schemas: list[str] = []

    def make() -> str:
        name = f"t_{uuid.uuid4().hex[:12]}"
        if backend == "sqlite":
            return f"sqlite:///{tmp_path / name}.sqlite"
        admin = sa.create_engine(base)
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{name}"'))
        admin.dispose()
        schemas.append(name)
        url = sa.engine.make_url(base).update_query_dict({"options": f"-csearch_path={name}"})
        return url.render_as_string(hide_password=False)

    make.backend = backend
    yield make
    if schemas:
        admin = sa.create_engine(base)
        with admin.begin() as conn:
            for name in schemas:
                conn.execute(sa.text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()
