"""The visit record form and the QA queue through AppTest, per role, on the sample trust.

A system leader (Tom Whitlock: deployments D03 at Kingfisher and D05 at Heron) records, fixes
and resubmits; the administrator checks or returns; the trust leader reads the queue only;
governors have neither page. Each step is asserted on what the store then holds and what the pages say.
"""

from __future__ import annotations

import datetime as dt

import pytest

from analysis import access_store
from analysis import visit_records as vr
from analysis.store import StoreError
from analysis.text import shown
from tests import test_access_pages
from tests.test_access_pages import (
    ADMIN_EMAIL,
    GOVERNOR_EMAIL,
    LEADER_EMAIL,
    TRUST_EMAIL,
    everything_sent,
    open_as,
)

# The sample trust with one person of each role (tests/test_access_pages.py).
sample_file = test_access_pages.sample_file
signed_store = test_access_pages.signed_store


def _button(at, label):
    return next(b for b in at.button if b.label == label)


def record_off_focus(at, words="Parents' evening on reading at home", date=dt.date(2025, 7, 1)):
    """Fill the leader's form for D03 with 'Something else' and save it."""
    at.selectbox(key="v0_deployment").set_value("D03").run()
    at.date_input(key="v0_date").set_value(date).run()
    at.selectbox(key="v0_focus").set_value(vr.SOMETHING_ELSE).run()
    at.text_input(key="v0_other").input(words)
    at.radio(key="v0_rating").set_value("Amber")
    at.radio(key="v0_followup").set_value("Carried forward")
    at.text_area(key="v0_summary").input("Ran a parents' session on reading at home.")
    at.text_area(key="v0_next").input("Maths leader to share the session slides.")
    return at


def test_a_leader_sees_only_their_deployments_and_the_off_focus_warning(signed_store):
    at = open_as(LEADER_EMAIL, "visits")
    assert "Visit records" in [t.value for t in at.title]
    assert at.selectbox(key="v0_deployment").options == [
        "Kingfisher Primary School: Maths; Assessment (D03)",
        "Millstream Primary School: Maths (D05)"]
    sent = everything_sent(at)
    assert "Helen Marsh" not in sent and "Otterbrook" not in sent
    assert vr.NO_PUPIL_NAMES in [shown(i.value) for i in at.info]
    assert vr.OFF_FOCUS_WORDS not in [shown(w.value) for w in at.warning]
    record_off_focus(at)
    assert vr.OFF_FOCUS_WORDS in [shown(w.value) for w in at.warning]
    # The last visit's next steps are on the form, to be followed up.
    d03 = signed_store.load().visits.query("deployment_id == 'D03'")
    last = d03.sort_values("visit_date").iloc[-1]
    assert any(last["next_steps"] in shown(m.value) for m in at.markdown)


def summary_of(store, deployment_id="D03"):
    from analysis.deployments import summarise_deployments

    data = store.load()
    row = summarise_deployments(data.deployments, data.visits, store.get_settings())
    return row.set_index("deployment_id").loc[deployment_id]


def _cards(at) -> list[str]:
    """The first line of every card in the QA queue, as a reader sees it."""
    return [shown(c.value) for c in at.markdown
            if shown(c.value).startswith("**") and " · " in shown(c.value)]


def qa_card(at, deployment_id="D03", date="01/07/2025"):
    """The markdown lines of the queue entry for one visit."""
    lines = [shown(m.value) for m in at.markdown]
    return [line for line in lines if date in line and deployment_id in line]


def test_record_return_fix_resubmit_check_each_a_batch_and_audited(signed_store):
    before = summary_of(signed_store)
    batches_before = len(signed_store.history())
    at = record_off_focus(open_as(LEADER_EMAIL, "visits"))
    _button(at, "Save the visit record").click().run()
    assert not at.exception
    assert [shown(s.value) for s in at.success][0].startswith("Saved as batch")
    # Counted at once (visits_counted = all): one more day, all of it off focus.
    after = summary_of(signed_store)
    assert after["days_delivered"] == before["days_delivered"] + 1
    assert after["creep_days"] == before["creep_days"] + 1
    assert after["qa_pending"] == before["qa_pending"] + 1
    history = signed_store.history()
    assert len(history) == batches_before + 1
    assert history.iloc[0]["user"] == LEADER_EMAIL
    assert "awaiting QA" in history.iloc[0]["summary"]
    rec = vr.records(signed_store).iloc[0]
    assert rec["state"] == vr.AWAITING and rec["followup"]["outcome"] == "Carried forward"

    # The administrator's queue: oldest first, this one (the newest visit) last, beside its focus.
    at = open_as(ADMIN_EMAIL, "qa")
    assert "QA queue" in [t.value for t in at.title]
    shown_lines = [shown(m.value) for m in at.markdown]
    dates = [line.split(" · ")[0].strip("*") for line in shown_lines if line.startswith("**")
             and " · " in line]
    assert dates == sorted(dates, key=lambda d: dt.datetime.strptime(d, "%d/%m/%Y"))
    assert dates[-1] == "01/07/2025"
    lines = [shown(m.value) for m in at.markdown]
    assert "Agreed focus: **Maths; Assessment**" in lines
    assert "This visit: **Parents' evening on reading at home** · ⚑ off focus" in lines
    assert any(shown(c.value).startswith("The last visit's next steps") and
               shown(c.value).endswith(": carried forward.") for c in at.caption)
    ident = rec["record_id"]
    at.text_input(key=f"comment_{ident}").input("Which focus area did this serve? Say so.")
    _button_keyed(at, f"return_{ident}").click().run()
    assert not at.exception
    assert vr.records(signed_store).iloc[0]["state"] == vr.RETURNED
    assert summary_of(signed_store)["days_delivered"] == after["days_delivered"]

    # The leader sees it returned with the comment, fixes the focus and resubmits.
    at = open_as(LEADER_EMAIL, "visits")
    assert any("Which focus area did this serve" in shown(w.value) for w in at.warning)
    _button_keyed(at, f"fix_{ident}").click().run()
    assert at.selectbox(key="v1_focus").value == vr.SOMETHING_ELSE
    at.selectbox(key="v1_focus").set_value("Maths").run()
    assert vr.OFF_FOCUS_WORDS not in [shown(w.value) for w in at.warning]
    at.text_input(key="v1_note").input("It was maths homework: changed the focus.")
    _button(at, "Resubmit for QA").click().run()
    assert not at.exception
    rec = vr.records(signed_store).iloc[0]
    assert (rec["state"], rec["focus_area"]) == (vr.AWAITING, "Maths")
    fixed = summary_of(signed_store)
    assert fixed["creep_days"] == before["creep_days"]  # no longer off focus
    assert fixed["days_delivered"] == before["days_delivered"] + 1

    # The administrator checks it: it leaves the queue; its history holds every step.
    at = open_as(ADMIN_EMAIL, "qa")
    assert any("changed the focus" in shown(c.value) for c in at.caption)
    _button_keyed(at, f"check_{ident}").click().run()
    assert not at.exception
    assert vr.records(signed_store).iloc[0]["state"] == vr.CHECKED
    assert summary_of(signed_store)["qa_pending"] == before["qa_pending"]
    steps = vr.record_history(signed_store, ident)
    assert list(steps["state"]) == [vr.AWAITING, vr.RETURNED, vr.AWAITING, vr.CHECKED]
    assert list(steps["changed_by"]) == [LEADER_EMAIL, ADMIN_EMAIL, LEADER_EMAIL, ADMIN_EMAIL]
    assert steps["comment"].iloc[1] == "Which focus area did this serve? Say so."
    assert len(signed_store.history()) == batches_before + 4
    log = access_store.audit_log(signed_store)
    assert (log["action"] == "visit_recorded").sum() == 2
    assert (log["action"] == "visit_qa").sum() == 2
    assert set(log.loc[log["action"] == "visit_qa", "urn"]) == {"990201"}

    # Undo of the record steps back through every batch: the figures are as before.
    at = open_as(ADMIN_EMAIL, "qa")
    at.checkbox(key="qa_confirm_undo").check().run()
    _button_keyed(at, "qa_undo").click().run()
    assert not at.exception
    undone = summary_of(signed_store)
    for column in ("days_delivered", "creep_days", "qa_pending"):
        assert undone[column] == before[column], column
    assert vr.records(signed_store).empty


def _button_keyed(at, key):
    return at.button(key=key)


def test_the_form_refuses_a_future_date_and_a_missing_rating_with_a_sentence(signed_store):
    at = open_as(LEADER_EMAIL, "visits")
    at.selectbox(key="v0_deployment").set_value("D03").run()
    at.date_input(key="v0_date").set_value(dt.date(2025, 7, 1)).run()
    at.text_area(key="v0_summary").input("A visit.")
    _button(at, "Save the visit record").click().run()
    assert [shown(e.value) for e in at.error] == [
        "Give your own rating of progress: Green, Amber or Red."]
    assert vr.records(signed_store).empty


def test_checking_an_uploaded_pending_visit_is_a_batch(signed_store):
    pending = signed_store.load().visits.query("qa_status == 'Pending'")
    at = open_as(ADMIN_EMAIL, "qa")
    first = [b for b in at.button if b.label == "Check"][0]
    first.click().run()
    assert not at.exception
    assert len(signed_store.load().visits.query("qa_status == 'Pending'")) == len(pending) - 1
    recs = vr.records(signed_store)
    assert list(recs["source"]) == ["upload"] and list(recs["state"]) == [vr.CHECKED]
    assert "Return to the leader" not in [b.label for b in at.button][:2]


def test_governors_have_neither_page(signed_store):
    at = open_as(GOVERNOR_EMAIL)
    for page in ("visits", "qa"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(f"app_pages/{page}.py")


def test_the_trust_leader_reads_the_qa_queue_with_no_check_return_or_undo(signed_store):
    """The same queue as the administrator's, read-only: no Check, Return, comment or Undo; and
    the steps themselves refuse anyone but an administrator (visit_work, not only the page)."""
    _, rid = vr.record_visit(signed_store, LEADER_EMAIL, vr.VisitEntry(
        "D03", dt.date(2025, 7, 1), 1.0, "Maths", "Green", "Fluency lessons.", ""),
        signed_store.load().deployments)
    admin = open_as(ADMIN_EMAIL, "qa")
    at = open_as(TRUST_EMAIL, "qa")
    assert "QA queue" in [t.value for t in at.title]
    assert qa_card(at) and qa_card(at) == qa_card(admin)  # the leader's new visit, as shown
    assert len(_cards(at)) == len(_cards(admin))
    assert any("checking, returning and undoing visit records is for administrators"
               in shown(i.value) for i in at.info)
    labels = {b.label for b in at.button}
    assert {"Check", "Return to the leader", "Undo this visit record"} <= {b.label for b in admin.button}
    assert not labels & {"Check", "Return to the leader", "Undo this visit record"}
    assert not at.text_input and not at.checkbox
    assert at.selectbox(key="qa_history").options  # a record's history is there to read
    for step, args in [("check", ("D03", rid, ())), ("return_record", (rid, "D03", "why")),
                       ("undo_record", (rid, "D03"))]:
        with pytest.raises(StoreError, match="Only administrators can"):
            _as_trust_leader(step, *args)
    assert vr.records(signed_store).iloc[0]["state"] == vr.AWAITING  # nothing changed


def _as_trust_leader(step, *args):
    """Call a QA step of app_pages/visit_work as the trust leader's scope would."""
    from unittest import mock

    from analysis.access import TRUST_LEADER, Person
    from app_pages import loads, visit_work

    scope = mock.Mock(person=Person(TRUST_EMAIL, TRUST_LEADER))
    with mock.patch.object(loads, "current_scope", return_value=scope):
        return getattr(visit_work, step)(*args)


def test_a_leader_has_no_qa_queue(signed_store):
    at = open_as(LEADER_EMAIL)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("app_pages/qa.py")


def test_the_upload_preview_says_which_app_records_it_replaces_and_asks(signed_store):
    _, rid = vr.record_visit(signed_store, LEADER_EMAIL, vr.VisitEntry(
        "D03", dt.date(2025, 7, 1), 1.0, "Maths", "Green", "Fluency lessons.", ""),
        signed_store.load().deployments)
    csv = (b"deployment_id,visit_date,days,focus_area,progress,summary,next_steps,qa_status\n"
           b"D03,01/07/2025,0.5,Maths,Amber,From the termly sheet,,Checked\n")
    at = open_as(ADMIN_EMAIL, "upload")
    at.file_uploader[0].set_value([("visits.csv", csv, "text/csv")])
    at.run()
    assert not at.exception
    assert any("would replace 1 visit record(s) entered in the app" in shown(w.value)
               for w in at.warning)
    table = at.dataframe[1].value
    assert list(table["Date"]) == ["01/07/2025"] and list(table["Entered by"]) == [LEADER_EMAIL]
    assert _button(at, "Import").disabled, "Import waits for the answer"
    at.checkbox(key="confirm_replace_app").check().run()
    _button(at, "Import").click().run()
    assert not at.exception
    rec = vr.records(signed_store).set_index("record_id").loc[rid]
    assert not rec["live"]
    visit = signed_store.load().visits.query("deployment_id == 'D03' and summary == "
                                             "'From the termly sheet'")
    assert list(visit["days"]) == [0.5]


def test_the_administrator_counts_only_checked_records_on_the_settings_page(signed_store):
    before = summary_of(signed_store)
    at = open_as(ADMIN_EMAIL, "settings")
    at.radio(key="visits_counted").set_value("checked")
    next(b for b in at.button if b.label == "Save settings").click().run()
    assert not at.exception
    assert signed_store.get_settings().visits_counted == "checked"
    after = summary_of(signed_store)
    assert after["days_delivered"] < before["days_delivered"]  # the sample's Pending visits
    log = access_store.audit_log(signed_store)
    assert log[log["action"] == "settings"]["detail"].str.contains("visits_counted").any()


def test_the_qa_queue_shows_a_page_of_cards_at_a_time_oldest_first(signed_store):
    """At 500 schools the queue holds thousands of records: a page of 20 cards at a time, with a
    picker, the count of the whole queue and every record on some page, oldest first."""
    from app_pages.qa import QUEUE_PAGE

    deployments = signed_store.load().deployments
    for day in range(1, 26):  # 25 more records awaiting QA, on 25 days of June 2025
        vr.record_visit(signed_store, LEADER_EMAIL, vr.VisitEntry(
            "D03", dt.date(2025, 6, day), 0.5, "Maths", "Green", f"Visit {day}.", ""), deployments)
    at = open_as(ADMIN_EMAIL, "qa")
    total = int(next(shown(m.value) for m in at.markdown if "await QA" in shown(m.value))
                .split(" ")[0].replace(",", ""))
    assert total >= 25 + 1
    pages = -(-total // QUEUE_PAGE)
    picker = at.number_input(key="qa_queue_page")
    assert picker.label == f"Page (of {pages})" and picker.value == 1
    first = _cards(at)
    assert len(first) == QUEUE_PAGE
    assert any(f"Visit records 1-{QUEUE_PAGE} of {total}, oldest first." in shown(c.value)
               for c in at.caption)
    seen = list(first)
    for page in range(2, pages + 1):
        at.number_input(key="qa_queue_page").set_value(page).run()
        assert not at.exception
        seen += _cards(at)
    assert len(seen) == total and len(set(seen)) == total  # each record on exactly one page
    days = [dt.datetime.strptime(card[2:12], "%d/%m/%Y") for card in seen]
    assert days == sorted(days)  # oldest first across the pages


def test_the_qa_queue_narrows_to_one_school(signed_store):
    at = open_as(ADMIN_EMAIL, "qa")
    everyone = _cards(at)
    picker = at.selectbox(key="qa_school")
    assert picker.value is None and picker.options[0] == "Every school" and len(picker.options) > 2
    schools = signed_store.load().schools
    names = dict(zip(schools["urn"], schools["school_name"], strict=True))
    urn = picker.options[1].rsplit("(", 1)[1].rstrip(")")  # "Alderbank Primary School (990205)"
    at.session_state["qa_school"] = urn  # AppTest re-formats a chosen label; set the value
    at.run()
    assert not at.exception
    mine = _cards(at)
    assert mine and all(names[urn] in card for card in mine)
    assert mine == [card for card in everyone if names[urn] in card]
    assert len(mine) < len(everyone)
