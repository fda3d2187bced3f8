"""Issue 13: report cards and their derived categories, RISE and stuck schools, severe absence,
national figures by phase, period labels read by a rule, and "since our last meeting"."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa

from analysis import policy, portfolio
from analysis.ingest import read_paths
from analysis.national import national_points, national_reference, national_series
from analysis.periods import reading_rule
from analysis.report import dataset_from_upload
from analysis.since import dated_by, held_at, since_meeting, what_moved
from analysis.store import Store
from sample_data.generate import HERE

WORKBOOK = HERE / "riverside_trust.xlsx"


def card(**grades) -> pd.DataFrame:
    areas = {a: "Expected standard" for a in policy.EVALUATION_AREAS} | {"Safeguarding": "Met"}
    areas |= {k.replace("_", " ").capitalize(): v for k, v in grades.items()}
    return pd.DataFrame({"area": list(areas), "judgement": list(areas.values())})


def test_report_card_categories_follow_the_grades():
    assert policy.report_card_category(card()) is None
    assert policy.report_card_category(card(achievement="Urgent improvement")) == (
        "Requires significant improvement")
    assert policy.report_card_category(card(safeguarding="Not met")) == (
        "Requires significant improvement")
    # Leadership urgent improvement on its own: significant improvement; with another area
    # urgent, or safeguarding not met, special measures.
    assert policy.report_card_category(card(leadership_and_governance="Urgent improvement")) == (
        "Requires significant improvement")
    assert policy.report_card_category(card(leadership_and_governance="Urgent improvement",
                                            inclusion="Urgent improvement")) == "Special measures"
    assert policy.report_card_category(card(leadership_and_governance="Urgent improvement",
                                            safeguarding="Not met")) == "Special measures"


@pytest.fixture(scope="module")
def sample():
    return dataset_from_upload(read_paths([WORKBOOK]))


def test_journey_puts_report_cards_beside_single_word_judgements(sample):
    otterbrook = sample.inspections[sample.inspections["urn"] == "990203"]
    journey = policy.inspection_journey_table(otterbrook)
    assert list(journey["scale"]) == ["single-word judgement", "report card"]
    assert journey["sentence"].iloc[0] == (
        "09/03/2022: Requires improvement (single-word judgement, before November 2025).")
    assert journey["sentence"].iloc[1].startswith(
        "11/02/2026: report card: inclusion expected standard; curriculum and teaching needs "
        "attention; achievement urgent improvement;")
    assert journey["sentence"].iloc[1].endswith(
        "safeguarding met. Derived category: requires significant improvement (the category "
        "Ofsted called serious weaknesses before report cards).")


def test_stuck_and_rise_in_the_sample(sample):
    saltmarsh = sample.inspections[sample.inspections["urn"] == "990207"]
    assert policy.is_stuck(saltmarsh)
    assert policy.stuck_sentence(saltmarsh) == (
        "⚑ Stuck school: requires improvement at the latest inspection (06/11/2024) and "
        "serious weaknesses at the one before (18/01/2023).")
    kingfisher = sample.inspections[sample.inspections["urn"] == "990201"]
    assert not policy.is_stuck(kingfisher)  # special measures, RI, then good
    school = sample.schools.set_index("urn").loc["990207"]
    assert policy.rise_words(school, dt.date(2025, 3, 31)) == (
        "RISE: targeted support from a RISE team (funded support for a school that needs to "
        "improve, such as a stuck school) since 25/11/2024.")
    table = portfolio.school_overview(sample.schools, pd.DataFrame(columns=[
        "client_urn", "status", "target_id"]), pd.DataFrame(columns=[
            "deployment_id", "client_urn", "start_date", "end_date", "days_committed",
            "days_delivered", "funding_amount", "creep_flag", "qa_pending"]),
        sample.inspections, today=dt.date(2025, 3, 31)).set_index("urn")
    assert table.loc["990207", "rise"] == "Targeted (from 25/11/2024)"
    assert bool(table.loc["990207", "stuck"]) and not table.drop(index="990207")["stuck"].any()
    # The Overview says both above its table (the columns sit to the right of days and spend).
    assert policy.overview_lines(table.reset_index()) == [
        "⚑ Stuck school (requires improvement and below good before, DfE's RISE term): "
        "Saltmarsh High School.",
        "RISE support: Hollowmere Academy, universal (from 02/09/2024); Saltmarsh High School, "
        "targeted (from 25/11/2024)."]


def journey(*inspections) -> pd.DataFrame:
    """(date, single-word judgement or a card()) -> inspection rows."""
    rows = []
    for when, outcome in inspections:
        if isinstance(outcome, str):
            rows.append({"urn": "1", "inspection_date": when, "area": "Overall",
                         "judgement": outcome})
        else:
            rows += [{"urn": "1", "inspection_date": when, "area": a, "judgement": j}
                     for a, j in zip(outcome["area"], outcome["judgement"], strict=True)]
    return pd.DataFrame(rows)


def test_stuck_after_report_cards_follows_dfes_updated_rule():
    """DfE: after report cards a stuck school has leadership and governance graded needs attention,
    having been below good (or equivalent) at the inspection before."""
    before = (dt.date(2022, 3, 9), "Requires improvement")
    needs = card(leadership_and_governance="Needs attention")
    stuck = journey(before, (dt.date(2026, 1, 14), needs))
    assert policy.is_stuck(stuck)
    assert policy.stuck_sentence(stuck) == (
        "⚑ Stuck school: a report card with leadership and governance graded needs attention at "
        "the latest inspection (14/01/2026) and requires improvement at the one before "
        "(09/03/2022).")
    # Leadership expected standard on the card: not stuck, whatever came before.
    assert not policy.is_stuck(journey(before, (dt.date(2026, 1, 14), card())))
    # Good before: not stuck.
    assert not policy.is_stuck(journey((dt.date(2022, 3, 9), "Good"),
                                       (dt.date(2026, 1, 14), needs)))
    # A category of concern on the latest card is intervention, not "stuck".
    assert not policy.is_stuck(journey(before, (dt.date(2026, 1, 14), card(
        leadership_and_governance="Needs attention", achievement="Urgent improvement"))))
    # Two report cards: leadership needing attention on both is stuck (the earlier one is
    # "below good, or equivalent" by our reading).
    assert policy.is_stuck(journey((dt.date(2025, 12, 1), needs), (dt.date(2027, 12, 1), needs)))
    assert not policy.is_stuck(journey((dt.date(2025, 12, 1), card()),
                                       (dt.date(2027, 12, 1), needs)))


def test_key_judgements_without_an_overall_grade_follow_dfes_interim_rule():
    """September 2024 to November 2025: key judgements, no headline grade. DfE treats requires
    improvement for leadership and management and/or quality of education as requires
    improvement; they are shown as written, never as a report card."""
    rows = pd.DataFrame([
        {"urn": "1", "inspection_date": dt.date(2022, 3, 9), "area": "Overall",
         "judgement": "Requires improvement"},
        *[{"urn": "1", "inspection_date": dt.date(2025, 3, 12), "area": a, "judgement": j}
          for a, j in [("Quality of education", "Requires improvement"),
                       ("Behaviour and attitudes", "Good"), ("Personal development", "Good"),
                       ("Leadership and management", "Good")]]])
    journey = policy.inspection_journey_table(rows)
    assert list(journey["scale"]) == ["single-word judgement", "key judgements"]
    assert journey["sentence"].iloc[1] == (
        "12/03/2025: key judgements, no overall grade (September 2024 to November 2025): quality "
        "of education requires improvement; behaviour and attitudes good; personal development "
        "good; leadership and management good.")
    assert policy.is_stuck(rows)
    assert policy.stuck_sentence(rows).startswith(
        "⚑ Stuck school: key judgements (quality of education requires improvement;")
    good = rows.assign(judgement=rows["judgement"].where(rows["area"] == "Overall", "Good"))
    assert not policy.is_stuck(good)
    latest = portfolio.latest_inspection(rows).set_index("urn")
    assert latest.loc["1", "inspection"] == (
        "Key judgements, no overall grade: 1 Requires improvement, 3 Good")


def test_targets_group_by_evaluation_area(sample):
    progress = sample.targets[sample.targets["client_urn"] == "990201"]
    groups = policy.group_by_area(progress, sample.targets)
    assert [(a, list(g["target_id"])) for a, g in groups] == [
        ("Inclusion", ["T05"]), ("Achievement", ["T01", "T02", "T03"]),
        ("Attendance and behaviour", ["T04"])]
    brackenfield = sample.targets[sample.targets["client_urn"] == "990208"]
    assert [a for a, _ in policy.group_by_area(brackenfield, sample.targets)] == ["All targets"]


def test_severe_absence_from_pupil_rows_with_its_national_figure(sample):
    severe = sample.measures[(sample.measures["measure"] == "severe_absence")
                             & (sample.measures["subgroup"] == "All")]
    kingfisher = severe[(severe["urn"] == "990201") & (severe["period"] == "2024/25 Spring 2")]
    assert kingfisher["value"].round(2).tolist() == [0.56]  # 1 pupil of 180 at or below 50%
    # DfE's 2023/24 full-year figure (171,269 pupils, 2.3%), the latest published.
    assert national_reference("severe_absence", "2024/25") == 2.3


def test_national_figures_by_phase_where_published():
    # Overall absence by phase is published (primary 5.5%, secondary 8.9% in 2023/24); an
    # all-through school gets the all-schools figure (7.1% absence).
    assert national_reference("attendance", "2023/24", phase="Secondary") == 91.1
    assert national_reference("attendance", "2023/24", phase="All-through") == 92.9
    series = national_series("attendance", "All", "Primary")
    assert dict(zip(series["academic_year"], series["value"], strict=True)) == {
        "2022/23": 94.1, "2023/24": 94.5}
    # Persistent absence by phase could not be checked against the release, so none is held:
    # a primary school's line is the all-schools figure.
    assert national_reference("persistent_absence", "2023/24", phase="Primary") == 20.0
    points, source = national_points("rwm_exs", ["2023/24 Summer 2", "2024/25 Autumn 2"])
    assert points == [("2023/24 Summer 2", 61.0), ("2024/25 Autumn 2", 62.0)]
    assert source.startswith("2023/24: DfE, Key stage 2 attainment: national headlines")


def test_labels_read_by_a_rule_are_said():
    assert reading_rule("2024/25 Autumn") == (
        "read as 2024/25 Autumn 2 (Autumn alone means its second half term, Autumn 2)")
    assert reading_rule("2024/25 T4") == (
        "read as 2024/25 Spring 2 (the six terms are numbered 1 to 6, so this is Spring 2)")
    assert reading_rule("2024/25 Spring 2") is None and reading_rule("nonsense") is None


def test_what_moved_since_a_meeting_in_sentences(sample):
    settings = __import__("analysis.schema", fromlist=["Settings"]).Settings()
    meeting = dt.date(2025, 2, 15)
    lines = what_moved(dated_by(sample, meeting), sample, "990201", settings, meeting)
    assert lines[0] == ("Since the meeting on 15/02/2025: 2 targets changed status, 5 new or "
                        "changed figures, 12 visits and £4,375 spent.")
    assert "Maths at the expected standard moved from on track to achieved." in lines
    assert ("Persistent absence (90% attendance or below; lower is better) moved from on track to "
            "at risk.") in lines
    assert "New figure: Reading at the expected standard was 62.8% in 2024/25 Spring 2." in lines
    assert "12 visits (10 days) since 15/02/2025: 7 green, 5 amber, 0 red visits." in lines
    assert "£4,375 spent since 15/02/2025 (£44,775 then, £49,150 now)." in lines


def test_the_store_says_what_it_held_at_a_meeting(tmp_path):
    """Two uploads either side of a meeting: a figure revised after it is a changed figure."""
    store = Store(f"sqlite:///{tmp_path / 's.sqlite'}")
    store.import_upload(read_paths([WORKBOOK]), "alice")
    # The first upload was made before the meeting (the batch keeps its date).
    with store.engine.begin() as conn:
        conn.execute(sa.text("UPDATE batches SET created_at = '2025-02-01T09:00:00Z'"))
    # After the meeting, Kingfisher corrects its Autumn 2 reading assessments: ten more EXS.
    rows = store.pupil_rows("990201", "2024/25 Autumn 2")
    wts = rows.index[rows["reading"] == "WTS"][:10]
    rows.loc[wts, "reading"] = "EXS"
    revised = tmp_path / "revised.csv"
    rows.to_csv(revised, index=False)
    store.import_upload(read_paths([revised]), "bob")
    meeting = dt.date(2025, 2, 15)
    then = held_at(store, meeting)
    was = then.measures[(then.measures["urn"] == "990201")
                        & (then.measures["period"] == "2024/25 Autumn 2")
                        & (then.measures["measure"] == "reading_exs")
                        & (then.measures["subgroup"] == "All")]["value"].iloc[0]
    now = store.load()
    lines = since_meeting(store, now, "990201", store.get_settings(), meeting)
    changed = [line for line in lines if line.startswith("Changed figure")]
    now_value = was + 100 * 10 / 180
    assert any(line == (
        f"Changed figure: Reading at the expected standard in 2024/25 Autumn 2 is now "
        f"{now_value:.1f}% (it was {was:.1f}% at the meeting).") for line in changed), changed
    store.engine.dispose()


def test_the_sample_pack_opens_with_the_meeting_and_speaks_plainly(sample):
    import io

    from pypdf import PdfReader

    from analysis import pack
    from analysis.schema import Settings

    settings, meeting = Settings(), dt.date(2025, 2, 15)
    lines = what_moved(dated_by(sample, meeting), sample, "990201", settings, meeting)
    data = pack.build_school_pack(sample, settings, "990201", since=(meeting, lines))
    pages = [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages]
    assert pages[0].startswith("Kingfisher Primary School (URN 990201)")
    assert "Since our last meeting (15/02/2025)" in pages[0]
    assert "Maths at the expected standard moved from on track to achieved." in pages[0]
    text = " ".join(pages)
    assert "Report-card area: Achievement" in text and "Report-card area: Inclusion" in text
    assert "Persistent absence (90% attendance or below; lower is better)" in text
    assert "(All)" not in text
    assert "National line (England, for reference only" in text
    assert "Key stage 2 attainment: national headlines" in text
    assert "Helen Marsh (national leader of education)" in text
    assert "green," in text and "G 1 ·" not in text
    assert "Words used in this pack" in text and "NLG: National leader of governance" in text


def test_stuck_urns_in_one_pass_gives_is_stucks_answer_for_every_school():
    """Many generated histories (single-word judgements, key judgements, report cards, several on
    one date, unparseable dates): the vectorised stuck_urns agrees with the per-school is_stuck."""
    import random
    rng = random.Random(14)
    old = ["Outstanding", "Good", "Requires improvement", "Inadequate", "Serious weaknesses",
           "Special measures"]
    key_areas = ["Leadership and management", "Quality of education", "Behaviour and attitudes",
                 "Personal development"]
    five = ["Exceptional", "Strong standard", "Expected standard", "Needs attention",
            "Urgent improvement"]
    rows = []
    for school in range(600):
        urn = str(100000 + school)
        for _ in range(rng.randint(0, 4)):
            when = rng.choice([dt.date(rng.randint(2015, 2028), rng.randint(1, 12),
                                       rng.randint(1, 28)), dt.date(2024, 5, 1), "not a date"])
            for kind in rng.sample(["old", "key", "card"], rng.randint(1, 2)):
                if kind == "old":
                    rows.append((urn, when, "Overall", rng.choice(old)))
                elif kind == "key":
                    rows += [(urn, when, a, rng.choice(old[:4])) for a in
                             rng.sample(key_areas, rng.randint(1, 4))]
                else:
                    areas = rng.sample(policy.EVALUATION_AREAS, rng.randint(1, 6))
                    rows += [(urn, when, a, rng.choice(five + five[3:4] * 3)) for a in areas]
                    if rng.random() < 0.5:
                        rows.append((urn, when, "Safeguarding", rng.choice(["Met", "Not met"])))
    inspections = pd.DataFrame(rows, columns=["urn", "inspection_date", "area", "judgement"])
    expected = {urn for urn, school in inspections.groupby("urn") if policy.is_stuck(school)}
    assert expected and len(expected) < inspections["urn"].nunique()  # both answers occur
    assert policy.stuck_urns(inspections) == expected
    assert policy.stuck_urns(inspections.iloc[0:0]) == set()
