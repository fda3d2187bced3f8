"""Issue 9, memory: a parsed upload leaves the session once imported or abandoned; a cap per session.

AppTest drives the real dashboard (dashboard.py and the upload page) on a copy of the sample
store; the session's state is read back after each step. benchmarks/upload_memory_benchmark.py
measures the server's memory with real browsers.
"""

from __future__ import annotations

import re

import pytest

from analysis.ingest import Upload
from analysis.store import Store
from analysis.text import visible
from app_pages import upload_flow
from tests import test_pages
from tests.e2e.workbooks import new_school_workbook
from tests.test_pages import BROKEN, button, choose_files, open_page, texts

# The upload page's own fixtures: a copy of the sample store per test.
sample_file = test_pages.sample_file
sample_url = test_pages.sample_url

HELD = "_read_upload"


def held(at) -> Upload | None:
    """The parsed upload this session keeps, if any."""
    if HELD not in at.session_state:
        return None
    return at.session_state[HELD][1]


def preview(at, name: str = "test_valley.xlsx", data: bytes | None = None):
    choose_files(at, (name, data if data is not None else new_school_workbook()))
    assert isinstance(held(at), Upload)
    return at


def test_a_previewed_upload_goes_when_the_page_is_left(sample_url):
    at = preview(open_page("upload"))
    assert "No problems found." in texts(at.success)
    at.switch_page("app_pages/overview.py").run()
    assert not at.exception
    assert HELD not in at.session_state


def test_an_imported_upload_goes_at_once(sample_url):
    at = preview(open_page("upload"))
    at.text_input(key="upload_user").input("Tess Tester").run()
    at.checkbox[0].uncheck().run()
    button(at, "Import").click().run()
    assert not at.exception
    assert any(s.startswith("Imported as upload") for s in texts(at.success))
    assert HELD not in at.session_state


def test_clearing_the_files_or_choosing_others_lets_the_first_go(sample_url):
    at = preview(open_page("upload"))
    first = at.session_state[HELD][0]
    broken = (BROKEN / "attendance_over_100.xlsx").read_bytes()
    preview(at, "attendance_over_100.xlsx", broken)
    kept_ids, upload, _ = at.session_state[HELD]
    assert kept_ids != first and [f.name for f in upload.files] == ["attendance_over_100.xlsx"]
    at.file_uploader[0].set_value([]).run()
    assert not at.exception
    assert HELD not in at.session_state


def test_files_too_large_for_one_session_are_refused_with_a_sentence(sample_url, monkeypatch):
    monkeypatch.setattr(upload_flow, "SESSION_UPLOAD_LIMIT_MB", 0.001)  # 1 kB: any real upload
    before = Store(sample_url).counts()
    at = open_page("upload")
    choose_files(at, ("test_valley.xlsx", new_school_workbook()))
    (shown,) = texts(at.error)
    message = re.sub(r"\\(.)", r"\1", visible(shown))  # as read: lit() escapes Markdown
    assert message.startswith("These files hold about 0 MB of rows once read, more than one "
                              "browser session may check at once (0.001 MB")
    assert "Upload them in parts" in message
    assert held(at) is None, "nothing over the cap is kept"
    assert not [b for b in at.button if b.label == "Import"]
    assert Store(sample_url).counts() == before


@pytest.mark.parametrize("rows", [10, 2000])
def test_memory_bytes_grows_with_the_rows(rows):
    from analysis.ingest import read_files
    from tests.ingest_fixtures import csv_bytes

    body = [["URN", "Period", "UPN"]] + [[100001, "2024/25 Autumn", f"P{i}"] for i in range(rows)]
    size = read_files([("outcomes.csv", csv_bytes(body))]).memory_bytes()
    assert rows * 20 < size < rows * 2000 + 200_000
