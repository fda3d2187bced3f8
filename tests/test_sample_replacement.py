"""Replacing the sample is one transaction with the import that replaces it (SQLite, PostgreSQL):
the sample's batch goes only if the upload is stored, and real uploads are never touched."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.ingest import read_files, read_paths
from analysis.store import Store, UndoRefused
from tests.e2e.workbooks import NEW_URN, new_school_sheets, new_school_workbook, workbook_bytes
from tests.test_backup_restore import tables

REPO_SAMPLE = "sample_data/riverside_trust.xlsx"
SAMPLE_USER = "Sample data (fictional Riverside trust)"
OTHER_URN = "990302"


def one_school_file() -> bytes:
    """A one-line schools workbook: the file that used to empty the store."""
    return workbook_bytes({"schools": [["urn", "school_name", "phase", "local_authority", "role"],
                                       [OTHER_URN, "Second Real Primary", "Primary", "Riverford",
                                        "Client"]]})


def other_school_with_pupils() -> bytes:
    """A second real school with its deployment, target, visit and 40 pupil rows."""
    sheets = {name: [[OTHER_URN if c == NEW_URN else {"D90": "D91", "T90": "T91"}.get(c, c)
                      for c in row] for row in rows] for name, rows in new_school_sheets().items()}
    sheets["schools"][1][1] = "Second Real Primary"
    return workbook_bytes(sheets)


@pytest.fixture
def with_sample_and_a_real_upload(fresh_urls) -> str:
    url = fresh_urls()
    store = Store(url)
    assert store.import_upload(read_paths([REPO_SAMPLE]), SAMPLE_USER).batch_id == 1
    assert store.import_upload(read_files([("real.xlsx", new_school_workbook())]), "Ann").batch_id == 2
    store.engine.dispose()
    return url


class Stop(Exception):
    pass


@pytest.mark.parametrize("phase", ["locked", "writing", "written", "committing"])
def test_a_failure_mid_import_leaves_the_sample_and_every_real_upload(with_sample_and_a_real_upload,
                                                                      phase):
    url = with_sample_and_a_real_upload
    before = tables(url)

    def stop(reached: str) -> None:
        if reached == phase:
            raise Stop(reached)

    store = Store(url, on_phase=stop)
    with pytest.raises(Stop):
        store.import_upload(read_files([("second.xlsx", other_school_with_pupils())]), "Ann",
                            undo_first=[1])
    after = tables(url)
    for name in before:
        pd.testing.assert_frame_equal(after[name], before[name], obj=name)
    assert NEW_URN in set(store.load().schools["urn"]) and len(store.load().schools) == 12
    store.engine.dispose()


def test_replacing_the_sample_keeps_every_real_upload(with_sample_and_a_real_upload):
    url = with_sample_and_a_real_upload
    store = Store(url)
    versions = store.version()
    result = store.import_upload(read_files([("second.xlsx", one_school_file())]), "Ann",
                                 undo_first=[1])
    assert result.message.startswith("Imported as upload 3: 1 new school. Undid upload 1 "
                                     "(riverside_trust.xlsx): removed ")
    assert set(store.load().schools["urn"]) == {NEW_URN, OTHER_URN}
    assert len(store.pupil_rows()) == 40  # the real school's pupils, not the sample's
    history = store.history().set_index("batch_id")
    assert history["undone"].to_dict() == {3: False, 2: False, 1: True}  # nothing deleted
    assert store.version() != versions
    store.engine.dispose()


def test_the_sample_is_not_replaced_under_real_rows_that_build_on_it(fresh_urls):
    url = fresh_urls()
    store = Store(url)
    store.import_upload(read_paths([REPO_SAMPLE]), SAMPLE_USER)
    store.import_upload(read_paths(["sample_data/next_term/outcomes_2024-25_summer2.xlsx"]), "Ann")
    before = tables(url)
    with pytest.raises(UndoRefused, match="Upload 1 cannot be undone yet: later uploads refer to "
                                          "what it added"):
        store.import_upload(read_files([("second.xlsx", one_school_file())]), "Ann", undo_first=[1])
    after = tables(url)
    for name in before:
        pd.testing.assert_frame_equal(after[name], before[name], obj=name)
    store.engine.dispose()
