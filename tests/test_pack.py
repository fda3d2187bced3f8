"""The governors' pack: build real PDFs, read their text back, and check what governors see."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import warnings
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from pypdf import PdfReader

from analysis import exports, pack
from analysis.schema import Settings
from analysis.store import Dataset

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "pack"

OAK, BROOK, HOME = "100001", "100002", "100099"
PUPIL_NAME = "Jayden Smith"  # written into a visit summary by a leader: must never be printed
SMALL_VALUES = ["41.7", "58.3", "23%", "23.0"]  # figures whose cohort is below 5


def _frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows)


def _measure(urn, period, measure, value, cohort, subgroup="All") -> dict:
    return {"urn": urn, "period": period, "measure": measure, "subgroup": subgroup,
            "value": value, "cohort": cohort}


@pytest.fixture(scope="module")
def oakfield_trust() -> Dataset:
    """Two client schools and a home school; every status, a small cohort, an ended deployment."""
    schools = _frame([
        {"urn": OAK, "school_name": "Oakfield Primary", "phase": "Primary",
         "local_authority": "Riverside", "role": "Client"},
        {"urn": BROOK, "school_name": "Brookside Academy", "phase": "Secondary",
         "local_authority": "Riverside", "role": "Client"},
        {"urn": HOME, "school_name": "Riverside Teaching School", "phase": "Primary",
         "local_authority": "Riverside", "role": "Home"},
    ])
    deployments = _frame([
        {"deployment_id": "D1", "client_urn": OAK, "leader_name": "Jane Carter",
         "leader_role": "NLE", "home_urn": HOME, "focus_areas": "Maths; Assessment",
         "start_date": dt.date(2024, 9, 2), "end_date": dt.date(2024, 12, 18),
         "days_committed": 10.0, "funding_source": "School-to-school support fund",
         "funding_amount": 6000.0},
        {"deployment_id": "D2", "client_urn": OAK, "leader_name": "Priya Shah",
         "leader_role": "SLE", "home_urn": HOME, "focus_areas": "Reading; Attendance",
         "start_date": dt.date(2025, 1, 6), "end_date": dt.date(2027, 7, 16),
         "days_committed": 20.0, "funding_source": "Trust", "funding_amount": 8000.0},
        {"deployment_id": "D3", "client_urn": BROOK, "leader_name": "Tom Okafor",
         "leader_role": "NLE", "home_urn": HOME, "focus_areas": "English",
         "start_date": dt.date(2024, 9, 2), "end_date": dt.date(2025, 7, 18),
         "days_committed": 12.0, "funding_source": "Local authority", "funding_amount": 4800.0},
    ])
    visits = _frame([
        {"deployment_id": "D1", "visit_date": dt.date(2024, 9, 20), "days": 4.0,
         "focus_area": "Maths", "progress": "Amber", "summary": f"Worked with {PUPIL_NAME}",
         "next_steps": "Moderate books", "qa_status": "Checked"},
        {"deployment_id": "D1", "visit_date": dt.date(2024, 11, 15), "days": 4.0,
         "focus_area": "Behaviour", "progress": "Green", "summary": "Lunchtimes",
         "next_steps": "", "qa_status": "Checked"},
        {"deployment_id": "D2", "visit_date": dt.date(2025, 2, 10), "days": 6.0,
         "focus_area": "Reading", "progress": "Red", "summary": "Phonics audit",
         "next_steps": "", "qa_status": "Pending"},
        {"deployment_id": "D3", "visit_date": dt.date(2024, 10, 1), "days": 12.0,
         "focus_area": "English", "progress": "Green", "summary": "", "next_steps": "",
         "qa_status": "Checked"},
    ])
    targets = _frame([
        # Ended deployment D1: maths rose to 60 by its end, then fell back to 57.
        {"target_id": "T1", "client_urn": OAK, "deployment_id": "D1", "measure": "maths_exs",
         "subgroup": "All", "baseline_value": 50.0, "baseline_period": "2023/24 Summer 2",
         "target_value": 66.0, "target_period": "2025/26 Summer 2"},
        # Small cohorts at baseline and latest: no number may be printed.
        {"target_id": "T2", "client_urn": OAK, "deployment_id": "D2", "measure": "reading_exs",
         "subgroup": "Disadvantaged", "baseline_value": 23.0,
         "baseline_period": "2023/24 Summer 2", "target_value": 70.0,
         "target_period": "2025/26 Summer 2"},
        {"target_id": "T3", "client_urn": OAK, "deployment_id": "D1", "measure": "attendance",
         "subgroup": "All", "baseline_value": 93.1, "baseline_period": "2023/24 Summer 2",
         "target_value": 95.5, "target_period": "2025/26 Summer 2"},
        {"target_id": "T4", "client_urn": OAK, "deployment_id": "D2",
         "measure": "persistent_absence", "subgroup": "All", "baseline_value": 18.0,
         "baseline_period": "2023/24 Summer 2", "target_value": 12.0,
         "target_period": "2025/26 Summer 2"},
        {"target_id": "T5", "client_urn": OAK, "deployment_id": "D2", "measure": "writing_exs",
         "subgroup": "All", "baseline_value": 61.0, "baseline_period": "2025/26 Autumn 2",
         "target_value": 70.0, "target_period": "2026/27 Summer 2"},
        {"target_id": "T6", "client_urn": BROOK, "deployment_id": "D3",
         "measure": "eng_maths_4plus", "subgroup": "All", "baseline_value": 48.0,
         "baseline_period": "2023/24 Summer 2", "target_value": 70.0,
         "target_period": "2024/25 Summer 2"},
    ])
    measures = _frame([
        _measure(OAK, "2023/24 Summer 2", "maths_exs", 50.0, 30),
        _measure(OAK, "2024/25 Autumn 2", "maths_exs", 60.0, 30),
        _measure(OAK, "2025/26 Autumn 2", "maths_exs", 57.0, 29),
        _measure(OAK, "2023/24 Summer 2", "reading_exs", 23.0, 4, "Disadvantaged"),
        _measure(OAK, "2024/25 Autumn 2", "reading_exs", 41.7, 3, "Disadvantaged"),
        _measure(OAK, "2025/26 Autumn 2", "reading_exs", 58.3, 3, "Disadvantaged"),
        _measure(OAK, "2024/25 Autumn 2", "attendance", 95.2, 30),
        _measure(OAK, "2025/26 Autumn 2", "attendance", 95.9, 29),
        _measure(OAK, "2025/26 Autumn 2", "persistent_absence", 19.4, 29),
        _measure(BROOK, "2024/25 Summer 2", "eng_maths_4plus", 52.0, 140),
    ])
    inspections = _frame([
        {"urn": OAK, "inspection_date": dt.date(2023, 3, 14), "area": "Overall",
         "judgement": "Requires improvement"},
    ])
    milestones = pd.DataFrame(columns=["target_id", "period", "value"])
    return Dataset(schools=schools, deployments=deployments, targets=targets,
                   milestones=milestones, measures=measures, visits=visits,
                   inspections=inspections)


@pytest.fixture(scope="module")
def settings() -> Settings:
    return Settings()


@pytest.fixture(scope="module")
def oak_pdf(oakfield_trust, settings) -> bytes:
    return pack.build_school_pack(oakfield_trust, settings, OAK)


def _pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def _flat(text: str) -> str:
    """Extracted text wraps lines anywhere; compare with whitespace collapsed."""
    return " ".join(text.split())


def _render(data: bytes, name: str) -> list[Path]:
    """Write the PDF and its pages as PNGs under test-artifacts/pack for a person to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{name}.pdf").write_bytes(data)
    if shutil.which("pdftoppm") is None:
        return []
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(ARTIFACTS / f"{name}.pdf"),
                    str(ARTIFACTS / name)], check=True)
    return sorted(ARTIFACTS.glob(f"{name}-*.png"))


def test_school_pack_front_page_answers_in_numbers_and_words(oak_pdf):
    front = _flat(_pages(oak_pdf)[0])
    assert front.startswith("Oakfield Primary (URN 100001) Governors' pack · 2025/26 Autumn 2")
    # Two thirds of the way from 2023/24 Summer 2 to 2025/26 Summer 2: T1 57 against 60.7
    # expected is at risk (within 4 points), T2 (small cohort) is on track, T3 achieved,
    # T4 off track (19.4 against 14 expected), T5 no data yet.
    assert "2 of 5 targets are achieved or on track; 1 off track, 1 at risk. " \
        "1 has no result since the baseline yet." in front
    assert "14 of 30 committed days used (47%)." in front
    assert "Requires improvement (inspected 14/03/2023)." in front
    # Spend is drawn as days are delivered: D1 8/10 of £6,000, D2 6/20 of £8,000.
    assert "£7,200 spent of £14,000 funding" in front
    # Exceptions are listed on page one, off track before at risk.
    assert front.index("T4: Persistent absence") < front.index("T1: Maths at the expected")


def test_every_page_names_the_school_and_period_and_is_numbered(oak_pdf):
    pages = _pages(oak_pdf)
    assert len(pages) >= 3
    for number, text in enumerate(pages, start=1):
        assert "Oakfield Primary (URN 100001)" in text
        assert "2025/26 Autumn 2" in text
        assert f"Page {number} of {len(pages)}" in text


def test_a_pack_past_999_pages_is_numbered_without_a_warning():
    # A 5,000-school trust's board pack runs to ~5,000 pages; fpdf2 warned that "{nb}" could
    # not hold the total.
    pdf = pack.PackPDF("2025/26 Autumn 2", "groups of fewer than 5 pupils")
    for _ in range(1001):
        pdf.add_page()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reader = PdfReader(io.BytesIO(bytes(pdf.output())))
    assert len(reader.pages) == 1001
    assert "Page 1001 of 1001" in reader.pages[-1].extract_text()
    assert "Page 7 of 1001" in reader.pages[6].extract_text()


def test_each_target_has_status_rule_and_sentence(oak_pdf):
    text = _flat(" ".join(_pages(oak_pdf)))
    assert "✖ Off track Off track: 19.4% is 5.4 points above the 14% expected" in text
    assert "Persistent absence (90% attendance or below) rose from 18% to 19.4% since 2023/24 " \
        "Summer 2; no more than 14% was expected by now, so this target is off track." in text
    assert "▲ At risk At risk: 57% is 3.7 points below the 60.7% expected by 2025/26 Autumn 2, " \
        "within the tolerance of 4 points" in text
    assert "★ Achieved" in text and "Attendance rose from 93.1% to 95.9%" in text
    assert "Writing at the expected standard has no figure yet" in text
    # Targets appear exceptions first.
    assert text.index("T4 · Persistent") < text.index("T1 · Maths") < text.index("T2 · Reading") \
        < text.index("T3 · Attend") < text.index("T5 · Writing")


def test_small_cohorts_and_pupil_names_never_printed(oak_pdf, oakfield_trust, settings):
    text = _flat(" ".join(_pages(oak_pdf)))
    assert "fewer than 5 pupils" in text
    for figure in SMALL_VALUES:
        assert figure not in text
    assert PUPIL_NAME not in text and "Jayden" not in text
    # The tables behind the pack hide the same figures.
    tables = pack.pack_tables(oakfield_trust, settings, OAK)
    t2 = tables["targets"].set_index("Target").loc["T2"]
    assert t2["Status"] == "On track"
    assert t2["Latest"] == t2["Baseline"] == t2["Pupils"] == t2["Expected"] == "fewer than 5 pupils"
    assert "58.3" not in t2["Rule"] and "58.3" not in t2["Sentence"]
    reading = tables["measures"][tables["measures"]["Measure"].str.startswith("Reading")]
    assert set(reading["Value"]) == {"fewer than 5 pupils"}
    every_cell = " ".join(str(v) for t in tables.values() for v in t.to_numpy().ravel())
    assert PUPIL_NAME not in every_cell and "41.7" not in every_cell and "58.3" not in every_cell


def test_deployments_creep_ratings_and_sustainability(oak_pdf, oakfield_trust, settings):
    text = _flat(" ".join(_pages(oak_pdf)))
    # Roles spelled out, ratings in words (issue 13).
    assert "Jane Carter (national leader of education)" in text
    assert "Priya Shah (specialist leader of education)" in text
    assert "⚑ CREEP 50% of days" in text  # 4 of D1's 8 days were on behaviour
    assert "latest green; 1 green, 1 amber, 0 red visits" in text
    tables = pack.pack_tables(oakfield_trust, settings, OAK)
    sustain = tables["sustainability"].set_index("Target")
    # D1 ended in Autumn 2 2024/25: maths 60 then 57 since; attendance 95.2 then 95.9.
    assert sustain.loc["T1", "Verdict"] == "Fell back by 3 points"  # analysis/formats.py: no ".0"
    assert sustain.loc["T3", "Verdict"] == "Gains held"
    assert "Fell back by 3 points" in text and "Gains held" in text
    # D2 is still running at the data's date: said in words, not a row of dashes.
    assert sustain.loc["T2", "Verdict"] == "Support still running: nothing to judge yet"
    assert sustain.loc["T2", "At end"] == "support still running"
    assert "support still running" in text


def test_trust_pack_lists_every_client_school_exceptions_first(oakfield_trust, settings):
    data = pack.build_trust_pack(oakfield_trust, settings)
    pages = _pages(data)
    front = _flat(pages[0])
    assert "Trust-wide: all client schools" in front
    assert front.index("Oakfield Primary") < front.index("Brookside Academy")  # off track first
    assert "Riverside Teaching School" not in front  # a home school is not a client
    assert any("Brookside Academy (URN 100002)" in p for p in pages)
    everything = _flat(" ".join(pages))
    assert "English and maths grade 4 or above" in everything and "■ Missed" in everything
    for figure in SMALL_VALUES:
        assert figure not in everything
    _render(data, "trust")


def test_unknown_school_is_a_clear_error(oakfield_trust, settings):
    with pytest.raises(pack.PackError, match="URN 999999 is not a client school"):
        pack.build_school_pack(oakfield_trust, settings, "999999")


@pytest.mark.parametrize("value, expected", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
    ("+1", "'+1"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tcmd", "'\tcmd"), ("\rcmd", "'\rcmd"),
    ("Maths", "Maths"), (-3.0, -3.0), (None, None),
])
def test_escape_formula(value, expected):
    assert exports.escape_formula(value) == expected


def test_exports_escape_formulas_in_xlsx_and_csv():
    table = pd.DataFrame({"Leader": ["=cmd|'/c calc'!A1", "Jane"], "Days": [-2.5, 4.0]})
    book = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx_bytes({"deployments": table})))
    sheet = book["deployments"]
    assert sheet["A2"].value == "'=cmd|'/c calc'!A1" and sheet["A2"].data_type == "s"
    assert sheet["B2"].value == -2.5  # a negative number stays a number
    csv = exports.to_csv_bytes(table).decode("utf-8-sig").splitlines()
    assert csv[0] == "Leader,Days" and csv[1] == "'=cmd|'/c calc'!A1,-2.5"


def test_pack_tables_export_as_one_workbook(oakfield_trust, settings):
    tables = pack.pack_tables(oakfield_trust, settings)
    book = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx_bytes(tables)))
    assert book.sheetnames == ["summary", "targets", "measures", "deployments", "sustainability"]
    assert [c.value for c in book["summary"][1]][:4] == ["URN", "School", "Phase", "Targets"]
    assert book["summary"]["B2"].value == "Oakfield Primary"


def test_pages_render_to_png_for_a_look(oak_pdf):
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    pngs = _render(oak_pdf, "oakfield")
    assert len(pngs) == len(_pages(oak_pdf))
    assert all(p.stat().st_size > 5000 for p in pngs)


# ---- the sample trust, read through the real upload path ---------------------------------------

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"


@pytest.fixture(scope="module")
def riverside():
    from analysis.ingest import read_paths
    from analysis.report import dataset_from_upload

    upload = read_paths([SAMPLE / "riverside_trust.xlsx", *sorted((SAMPLE / "next_term").iterdir())])
    assert upload.problems.empty
    return dataset_from_upload(upload)


def test_sample_school_pack_hides_the_small_send_cohort(riverside, settings):
    # Little Fenwick's reading target is for 3 pupils with SEND: baseline 66.7% must never show.
    data = pack.build_school_pack(riverside, settings, "990204")
    text = _flat(" ".join(_pages(data)))
    assert text.startswith("Little Fenwick Church of England Primary School (URN 990204)")
    assert "66.7" not in text and "67%" not in text
    assert "Baseline fewer than 5 pupils (2023/24 Summer 2)" in text
    # Its deployment ended in March 2025: the verdict is withheld, not computed from 3 pupils.
    assert "Not shown: fewer than 5 pupils" in text
    _render(data, "sample-990204")


def test_sample_trust_pack_totals_match_the_overview(riverside, settings):
    tables = pack.pack_tables(riverside, settings)
    summary = tables["summary"]
    assert len(summary) == 8 and summary["Targets"].sum() == len(riverside.targets)
    front = _flat(_pages(pack.build_trust_pack(riverside, settings))[0])
    assert f"8 client schools · {len(riverside.targets)} targets" in front
    kingfisher = summary.set_index("URN").loc["990201"]
    assert f"{kingfisher['Days delivered']:g} of {kingfisher['Days committed']:g}" in front


def test_the_pack_builds_with_very_long_names_and_focus_lists(oakfield_trust):
    """A 2,000-character school name without spaces and a ~900-character focus list once made
    fpdf2 raise; now every text is wrapped or shortened with an ellipsis."""
    import dataclasses
    long_name = "Q" * 2000
    focus = "; ".join(["Reading fluency and phonics across key stage one"] * 19)
    assert len(focus) > 900
    schools = oakfield_trust.schools.copy()
    schools.loc[schools["urn"] == OAK, "school_name"] = long_name
    deployments = oakfield_trust.deployments.copy()
    deployments.loc[deployments["client_urn"] == OAK, "focus_areas"] = focus
    data = dataclasses.replace(oakfield_trust, schools=schools, deployments=deployments)
    for built in (pack.build_school_pack(data, Settings(), OAK), pack.build_trust_pack(data, Settings())):
        text = "".join(_pages(built)).replace("\n", "")
        assert "Q" * 40 in text and "Q…" in text
        assert long_name not in text  # shortened, not printed across pages
        assert "Reading fluency" in text


def test_shorten_keeps_short_text_and_marks_a_cut():
    assert pack.shorten("Maths", 10) == "Maths"
    assert pack.shorten("abcdefghijk", 5) == "abcd…"
