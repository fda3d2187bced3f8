"""The command line: right output, exit status 2 with plain words (never a traceback) on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.__main__ import main
from analysis.store import Store
from tests.test_store import deployments_frame, schools_frame, targets_frame, visits_frame

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "sample_data"


@pytest.fixture
def db(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'cli.sqlite'}"


@pytest.fixture
def filled_db(db, make_upload) -> str:
    store = Store(db)
    store.import_upload(make_upload({"schools": schools_frame(), "deployments": deployments_frame(),
                                     "targets": targets_frame(), "visits": visits_frame()},
                                    "trust.xlsx"), "alice")
    store.import_upload(make_upload({"targets": targets_frame(75.0)}, "targets.xlsx"), "bob")
    store.engine.dispose()
    return db


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_report_from_the_store_as_json(capsys, filled_db):
    status, out, err = run(capsys, "report", "--db", filled_db, "--format", "json")
    assert (status, err) == (0, "")
    report = json.loads(out)
    assert [t["target_id"] for t in report["targets"]] == ["T07", "T08"]
    assert report["deployments"][0]["last_visit_date"] == "2024-11-14"


def test_report_as_text(capsys, filled_db):
    status, out, _ = run(capsys, "report", "--db", filled_db, "--format", "text")
    assert status == 0 and out.startswith("Targets needing attention (0)")
    assert "All targets (2)" in out


def test_history_and_undo(capsys, filled_db):
    status, out, _ = run(capsys, "history", "--db", filled_db)
    assert status == 0 and "targets.xlsx" in out and "bob" in out
    status, out, err = run(capsys, "undo", "1", "--db", filled_db)
    assert status == 2 and out == ""
    assert err.strip() == ("Upload 1 cannot be undone yet: upload 2 replaced some of its rows. "
                           "Undo upload 2 first.")
    status, out, _ = run(capsys, "undo", "2", "--db", filled_db)
    assert status == 0 and out.startswith("Undid upload 2 (targets.xlsx): removed 2 targets")
    _, out, _ = run(capsys, "history", "--db", filled_db)
    assert "undone" in out


def test_settings_show_and_set(capsys, db):
    status, out, _ = run(capsys, "settings", "--db", db, "--set", "small_cohort=8",
                         "--set", "creep_threshold=0.3")
    assert status == 0 and "small_cohort = 8" in out and "creep_threshold = 0.3" in out
    assert Store(db).get_settings().small_cohort == 8
    status, _, err = run(capsys, "settings", "--db", db, "--set", "colour=blue")
    assert status == 2 and err.startswith("Unknown setting 'colour=blue'")
    status, _, err = run(capsys, "settings", "--db", db, "--set", "small_cohort=lots")
    assert status == 2 and "small_cohort must be a number, not 'lots'" in err
    status, _, err = run(capsys, "settings", "--db", db, "--set", "status_tolerance=5")
    assert status == 2 and "between 0 and 1" in err


def test_backup_and_restore(capsys, filled_db, tmp_path):
    backup = tmp_path / "b.zip"
    assert run(capsys, "backup", str(backup), "--db", filled_db)[0] == 0
    empty = f"sqlite:///{tmp_path / 'other.sqlite'}"
    status, out, _ = run(capsys, "restore", str(backup), "--db", empty)
    assert status == 0 and "2 upload(s)" in out
    _, a, _ = run(capsys, "report", "--db", filled_db)
    _, b, _ = run(capsys, "report", "--db", empty)
    assert a == b
    status, _, err = run(capsys, "restore", str(backup), "--db", empty)
    assert status == 2 and "already holds data" in err
    status, _, err = run(capsys, "restore", str(tmp_path / "nope.zip"), "--db", empty)
    assert status == 2 and err.strip() == f"No such file: {tmp_path / 'nope.zip'}"


def test_restore_of_a_tampered_backup_exits_2_with_the_sentence(capsys, filled_db, tmp_path):
    import zipfile

    backup, cut = tmp_path / "b.zip", tmp_path / "cut.zip"
    assert run(capsys, "backup", str(backup), "--db", filled_db)[0] == 0
    with zipfile.ZipFile(backup) as src, zipfile.ZipFile(cut, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "visits.jsonl":
                data = data.splitlines(keepends=True)[0]  # one of the two visits cut
            dst.writestr(item, data)
    target = f"sqlite:///{tmp_path / 'target.sqlite'}"
    status, out, err = run(capsys, "restore", str(cut), "--db", target)
    assert (status, out) == (2, "")
    assert err == ("cut.zip was not restored: visits.jsonl holds 1 row(s) but the backup's "
                   "manifest says 2: rows were cut from it or added. Nothing was changed.\n")
    assert Store(target).history().empty and Store(target).counts()["schools"] == 0


def test_missing_file_is_exit_2_in_plain_words(capsys, db):
    for command in ("report", "validate", "import"):
        status, out, err = run(capsys, command, "x.xlsx", *(["--db", db] if command != "validate" else []))
        assert (status, out, err.strip()) == (2, "", "No such file: x.xlsx")
    status, _, err = run(capsys, "validate", "/dev/null")
    assert (status, err.strip()) == (2, "1 problem(s) found:\n/dev/null: /dev/null is not a file "
                                        "or a folder")


def test_writing_into_a_folder_that_is_not_there_names_the_folder(capsys, filled_db, tmp_path):
    out_path = tmp_path / "no such folder" / "backup.zip"
    status, _, err = run(capsys, "backup", str(out_path), "--db", filled_db)
    assert (status, err.strip()) == (2, f"No such folder: {out_path.parent} (for {out_path})")


def test_a_bad_database_url_is_exit_2(capsys):
    status, _, err = run(capsys, "history", "--db", "nosuchdriver://x")
    assert status == 2 and err.startswith("The store address uses nosuchdriver, which this dashboard")


def test_validate_lists_every_problem(capsys):
    status, out, err = run(capsys, "validate", str(SAMPLE / "broken" / "bad_periods.csv"))
    assert status == 2
    lines = err.strip().splitlines()
    assert lines[0].endswith("problem(s) found:") and len(lines) >= 2
    assert all(line.startswith("bad_periods.csv") for line in lines[1:])
    assert "row " in lines[1]


def test_validate_a_good_workbook(capsys):
    status, out, err = run(capsys, "validate", str(SAMPLE / "riverside_trust.xlsx"))
    assert (status, err) == (0, "")
    assert "No problems found in 1 file(s)" in out and "schools" in out


def test_import_then_report_from_files_and_store_agree(capsys, db):
    workbook = str(SAMPLE / "riverside_trust.xlsx")
    status, out, err = run(capsys, "import", workbook, "--db", db, "--user", "carol")
    assert (status, err) == (0, "") and "Imported as upload 1" in out
    status, out, _ = run(capsys, "import", workbook, "--db", db)
    assert status == 0 and "already imported as upload 1" in out
    _, from_files, _ = run(capsys, "report", workbook)
    _, from_store, _ = run(capsys, "report", "--db", db)
    assert json.loads(from_files) == json.loads(from_store)


def test_a_real_process_never_shows_a_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "analysis", "undo", "7", "--db", f"sqlite:///{tmp_path / 'p.sqlite'}"],
        capture_output=True, text=True, cwd=REPO, timeout=60,
    )
    assert (result.returncode, result.stdout, result.stderr) == (2, "", "There is no upload 7.\n")


def test_validate_checks_references_against_the_store(capsys, db):
    run(capsys, "import", str(SAMPLE / "riverside_trust.xlsx"), "--db", db)
    status, _, err = run(capsys, "validate", str(SAMPLE / "broken" / "unknown_school.csv"),
                         str(SAMPLE / "broken" / "attendance_over_100.xlsx"), "--db", db)
    assert status == 2
    lines = err.splitlines()
    assert lines[0] == "4 problem(s) found:"
    # The column is named once: where the message does not already start with it.
    assert "attendance_over_100.xlsx, outcomes, row 4: attendance_pct: 104 is above 100" in lines
    assert ("unknown_school.csv, row 2: client_urn: 990999 is not a school in this upload or "
            "already stored; add it to the schools sheet") in lines


def test_validate_a_termly_file_against_the_store(capsys, db):
    run(capsys, "import", str(SAMPLE / "riverside_trust.xlsx"), "--db", db)
    next_term = sorted(str(p) for p in (SAMPLE / "next_term").iterdir())
    status, out, _ = run(capsys, "validate", *next_term, "--db", db)
    assert status == 0
    assert out.strip() == (
        "Note: outcomes_2024-25_summer2.xlsx, outcomes: period: 'Summer 2025' was read as "
        "2024/25 Summer 2 (Summer alone means its second half term, Summer 2; 2025 is a calendar "
        "year, so Summer 2025 falls in the 2024/25 academic year).\n"
        "No problems found in 2 file(s): 2,940 outcomes, 50 visits.")


@pytest.mark.parametrize("url, sentence", [
    ("mysql://admin@localhost/impact", "uses mysql, which this dashboard does not support"),
    ("sqlite:////proc/no-such-folder/impact.sqlite", "cannot be opened for writing"),
    ("postgresql+psycopg://postgres:secret@127.0.0.1:1/impact", "Cannot reach the database server"),
    ("not a url", "is not a database URL"),
])
def test_a_store_fault_is_one_sentence_and_exit_2(capsys, url, sentence):
    status, out, err = run(capsys, "history", "--db", url)
    assert status == 2 and sentence in err and "Traceback" not in err and "secret" not in err


# ---- users and audit: the access list from the command line ------------------------------------

def test_users_add_list_remove_and_the_audit_log(capsys, filled_db, tmp_path):
    assert run(capsys, "users", "add", "Chair@School.org", "--role", "governor", "--school",
               "100001", "--by", "setup", "--db", filled_db) == (
        0, "Added chair@school.org as Governor of 100001.\n", "")
    assert run(capsys, "users", "add", "ann@home.org", "--role", "System leader", "--leader",
               "Ann Lee", "--by", "setup", "--db", filled_db)[0] == 0
    status, out, _ = run(capsys, "users", "list", "--db", filled_db)
    assert status == 0
    assert out.splitlines()[0].startswith("ann@home.org  System leader (Ann Lee)  (added ")
    assert out.splitlines()[1].startswith("chair@school.org  Governor of 100001  (added ")
    assert run(capsys, "users", "remove", "chair@school.org", "--by", "setup",
               "--db", filled_db) == (0, "Removed chair@school.org from the access list.\n", "")
    out_file = tmp_path / "audit.csv"
    status, out, _ = run(capsys, "audit", "--out", str(out_file), "--db", filled_db)
    assert (status, out) == (0, f"Wrote 3 audit line(s) to {out_file}.\n")
    text = out_file.read_text(encoding="utf-8-sig")
    assert "user_removed" in text and "Added chair@school.org: Governor of 100001" in text


@pytest.mark.parametrize("argv, words", [
    (["users", "add", "a@b.org", "--role", "boss"], "--role must be one of governor"),
    (["users", "add", "a@b.org", "--role", "governor"], "needs the URN of their school"),
    (["users", "add", "a@b.org", "--role", "governor", "--school", "100002"],
     "No client school with URN 100002"),  # a home school, not a client
    (["users", "add", "nobody", "--role", "administrator"], "is not an e-mail address"),
    (["users", "remove", "x@y.org"], "x@y.org is not on the access list."),
    (["users", "remove"], "users remove needs the person's e-mail address."),
])
def test_a_bad_users_command_exits_2_with_a_sentence(capsys, filled_db, argv, words):
    status, out, err = run(capsys, *argv, "--db", filled_db)
    assert status == 2 and out == "" and words in err and "Traceback" not in err


def test_commands_that_change_or_export_the_store_are_audited(capsys, filled_db, tmp_path):
    """The audit log records who did what whatever the door: the command line writes the same
    lines as the dashboard's pages (upload, undo, settings, backup, restore, pack)."""
    from analysis import access_store

    trust = SAMPLE / "riverside_trust.xlsx"
    assert run(capsys, "import", str(trust), "--user", "carol", "--db", filled_db)[0] == 0
    assert run(capsys, "undo", "3", "--db", filled_db)[0] == 0
    assert run(capsys, "settings", "--set", "small_cohort=6", "--db", filled_db)[0] == 0
    backup = tmp_path / "b.zip"
    assert run(capsys, "backup", str(backup), "--db", filled_db)[0] == 0
    empty = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    assert run(capsys, "restore", str(backup), "--db", empty)[0] == 0
    assert run(capsys, "pack", "--school", "100001", "--out", str(tmp_path / "p.pdf"),
               "--db", filled_db)[0] == 0
    log = access_store.audit_log(Store(filled_db)).sort_values("event_id")
    assert list(log["action"]) == ["upload", "undo", "settings", "download", "download"]
    assert (log["who"].str.endswith("(command line)") | (log["who"] == "carol")).all()
    assert log["who"].iloc[0] == "carol" and "(command line)" in log["detail"].iloc[0]
    assert "small_cohort 5 -> 6" in log["detail"].iloc[2]
    assert log["urn"].iloc[4] == "100001" and "p.pdf" in log["detail"].iloc[4]
    restored = access_store.audit_log(Store(empty))
    assert "restore" in set(restored["action"])
    # A pack built straight from files never touches (or creates) a store.
    untouched = tmp_path / "never.sqlite"
    assert run(capsys, "pack", str(trust), "--school", "990201", "--out", str(tmp_path / "q.pdf"),
               "--db", f"sqlite:///{untouched}")[0] == 0
    assert not untouched.exists()
