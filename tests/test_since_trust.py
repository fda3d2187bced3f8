"""Issue 13 (finish): the trust board's pack says what moved since our last meeting: a trust
summary and each exception school's sentences, governed by the disclosure rule."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from analysis import board_pack
from analysis.ingest import read_paths
from analysis.report import dataset_from_upload
from analysis.schema import Settings
from analysis.since import dated_by
from analysis.since_trust import board_since, trust_lines
from sample_data.generate import HERE

MEETING = dt.date(2025, 2, 15)


@pytest.fixture(scope="module")
def sample():
    return dataset_from_upload(read_paths([HERE / "riverside_trust.xlsx"]))


def _clients(sample) -> list[str]:
    schools = sample.schools
    return sorted(schools.loc[schools["role"].str.lower() == "client", "urn"])


def test_trust_summary_since_a_meeting_names_what_moved(sample):
    lines = trust_lines(dated_by(sample, MEETING), sample, Settings(), MEETING, _clients(sample))
    assert lines[0] == ("Since the meeting on 15/02/2025, across 8 client schools: 5 targets "
                        "changed status at 3 schools, 27 visits (22 days) and £8,675 spent.")
    assert "1 target now missed: Hollowmere Academy." in lines
    assert "2 targets now at risk: Kingfisher Primary School, Alderbank Primary School." in lines
    assert "1 target now achieved: Kingfisher Primary School." in lines
    assert "Spend to date £96,150 (£87,475 at the meeting)." in lines
    # The board's worries come first: missed before at risk before achieved.
    order = [i for i, line in enumerate(lines) for word in ("missed", "at risk", "achieved")
             if f"now {word}:" in line]
    assert order == sorted(order)


def test_board_pack_opens_each_exception_school_with_what_moved(sample):
    settings = Settings()
    data = board_pack.build_board_pack(sample, settings, since=(MEETING, dated_by(sample, MEETING)))
    pages = [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages]
    assert "Since our last meeting (15/02/2025): the trust" in pages[1]
    assert "27 visits (22 days) and £8,675 spent." in pages[1]
    kingfisher = next(p for p in pages if p.startswith("Kingfisher Primary School (URN 990201)"))
    assert "Since our last meeting (15/02/2025)" in kingfisher
    assert "Maths at the expected standard moved from on track to achieved." in kingfisher
    assert "£4,375 spent since 15/02/2025 (£44,775 then, £49,150 now)." in kingfisher
    # Without a meeting date the pack is as before: no such page.
    plain = board_pack.build_board_pack(sample, settings)
    assert "Since our last meeting" not in " ".join(
        p.extract_text() for p in PdfReader(io.BytesIO(plain)).pages)


def test_a_small_cohorts_figure_never_reaches_the_board(sample):
    """Little Fenwick's new SEND reading figure is from fewer than 5 pupils: said, not shown."""
    moved = board_since(dated_by(sample, MEETING), sample, Settings(), MEETING,
                        _clients(sample), ["990204"])
    lines = moved.schools["990204"]
    hidden = [line for line in lines if "pupils with SEND" in line]
    assert hidden == ["New figure: Reading at the expected standard for pupils with SEND in "
                      "2024/25 Spring 2 (fewer than 5 pupils, so not shown)."]
    # A stricter small-cohort setting hides more: no figure below it is written anywhere.
    strict = board_since(dated_by(sample, MEETING), sample, Settings(small_cohort=200), MEETING,
                         _clients(sample), ["990204", "990201"])
    figures = [line for line in [*strict.trust, *strict.schools["990201"],
                                 *strict.schools["990204"]]
               if line.startswith(("New figure", "Changed figure"))]
    assert figures and all(line.endswith("so not shown).") for line in figures), figures


def test_cli_board_pack_since(tmp_path, capsys):
    from analysis.__main__ import main

    db = f"sqlite:///{tmp_path / 's.sqlite'}"
    assert main(["import", str(HERE / "riverside_trust.xlsx"), "--user", "t", "--db", db]) == 0
    out = tmp_path / "board.pdf"
    assert main(["pack", "--db", db, "--out", str(out), "--since", "15/02/2025"]) == 0
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(out).pages)
    assert "Since our last meeting (15/02/2025): the trust" in text
    assert main(["pack", "--db", db, "--out", str(out), "--since", "31/02/2025"]) == 2
    assert "is not a date" in capsys.readouterr().err
    assert main(["pack", "--db", db, "--full", "--out", str(out), "--since", "15/02/2025"]) == 2


def test_the_samples_correction_after_a_meeting_is_a_changed_figure(tmp_path):
    """The generator's after_the_meeting/ file: Kingfisher's Spring 2 reading re-moderated (ten
    pupils WTS to EXS), imported after the meeting; the School page's sentence and the board
    pack both say the figure changed and what it was at the meeting."""
    import sqlalchemy as sa

    from analysis.since import since_meeting, then_dataset
    from analysis.store import Store
    from sample_data.generate import CORRECTION_FILE

    store = Store(f"sqlite:///{tmp_path / 's.sqlite'}")
    store.import_upload(read_paths([HERE / "riverside_trust.xlsx"]), "alice")
    with store.engine.begin() as conn:  # the sample was loaded before the meeting
        conn.execute(sa.text("UPDATE batches SET created_at = '2025-03-01T09:00:00Z'"))
    store.import_upload(read_paths([HERE / CORRECTION_FILE]), "bob")
    meeting = dt.date(2025, 4, 2)
    now = store.load()
    lines = since_meeting(store, now, "990201", store.get_settings(), meeting)
    sentence = ("Changed figure: Reading at the expected standard in 2024/25 Spring 2 is now "
                "68.3% (it was 62.8% at the meeting).")
    assert sentence in lines, lines
    assert lines[0] == ("Since the meeting on 02/04/2025: 1 target changed status, 3 new or "
                        "changed figures, 0 visits and nothing more spent.")
    assert "Reading at the expected standard moved from on track to achieved." in lines
    assert ("Changed figure: Reading, writing and maths at the expected standard in 2024/25 "
            "Spring 2 is now 49.4% (it was 48.3% at the meeting).") in lines
    data = board_pack.build_board_pack(now, store.get_settings(),
                                       since=(meeting, then_dataset(store, now, meeting)))
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages)
    assert sentence in text
    store.engine.dispose()
