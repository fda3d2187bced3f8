"""QA queue for the administrator: visit records awaiting QA, oldest first, each beside its
deployment's agreed focus; Check, or Return to the leader with a comment. Every step is a batch
of the history (undoable) and a line in the audit log. The trust leader reads the same queue
with no Check, Return or Undo (analysis.access.may_quality_assure; visit_work refuses the steps
to anyone else as well)."""

import pandas as pd
import streamlit as st

from analysis import access
from analysis import visit_records as vr
from analysis.schema import VISITS_COUNTED
from analysis.store import StoreError
from analysis.style import rating_badge_text
from analysis.text import lit
from app_pages import loads, visit_work, widgets

QUEUE_PAGE = 20  # cards per page of the queue

st.title("QA queue")
visits = loads.frames("visits").visits  # the queue needs no measures (issue 14)
recs = visit_work.records()
state = st.session_state
can_act = access.may_quality_assure(loads.current_scope().person)
if not can_act:
    st.info("You can read the queue here; checking, returning and undoing visit records is for "
            "administrators.", icon=":material/visibility:")
counted = VISITS_COUNTED[loads.settings().visits_counted]
st.caption(f"Days delivered and deployment creep count: {lit(counted.lower())} (a setting on the "
           "Settings page).")
if "qa_message" in state:
    st.success(lit(state.pop("qa_message")), icon=":material/check_circle:")

queue = vr.qa_queue(visits, loads.directory().deployments, recs)
names = loads.school_names()


def _act(action, *args) -> None:
    try:
        state["qa_message"] = action(*args)
    except StoreError as error:
        state["qa_error"] = str(error)


if "qa_error" in state:
    st.error(lit(state.pop("qa_error")), icon=":material/error:")

show = st.radio("Show", ["All", "Entered in the app", "From spreadsheet uploads"],
                horizontal=True, key="qa_show")
if show != "All":
    queue = queue[queue["source"] == ("app" if show == "Entered in the app" else "upload")]
# One school's records: at 500 schools the whole queue runs to dozens of pages.
in_queue = sorted(set(queue["client_urn"]), key=lambda urn: str(names.get(urn, urn)))
if len(in_queue) > 1:
    only = st.selectbox("School", [None, *in_queue], key="qa_school",
                        format_func=lambda urn: "Every school" if urn is None
                        else f"{names.get(urn, urn)} ({urn})")
    if only is not None:
        queue = queue[queue["client_urn"] == only]
if queue.empty:
    st.success("Nothing awaits QA: every visit record has been checked or is with its leader.",
               icon=":material/task_alt:")
else:
    st.write(f"{len(queue):,} visit record(s) await QA, oldest first.")
    # A card each, a page of them at a time: 1,500 cards at 500 schools took 1.5 s per rerun.
    queue = widgets.paged(queue, "qa_queue", "Visit records", "oldest first", size=QUEUE_PAGE)
for i, row in queue.iterrows():
    record_id = row["record_id"] if isinstance(row["record_id"], str) else None
    ident = record_id or f"upload_{row['deployment_id']}_{row['visit_date']:%Y%m%d}_{i}"
    key = (row["deployment_id"], row["visit_date"], row["focus_area"])
    with st.container(border=True, key=f"qa_{ident}"):
        school = names.get(row["client_urn"], row["client_urn"])
        st.markdown(f"**{row['visit_date']:%d/%m/%Y} · {lit(row['leader_name'])} · "
                    f"{lit(school)}** ({lit(row['deployment_id'])})")
        left, right = st.columns(2)
        left.markdown(f"Agreed focus: **{lit(row['focus_areas'])}**")
        flag = " · ⚑ off focus" if row["off_focus"] else ""
        right.markdown(f"This visit: **{lit(row['focus_area'])}**{lit(flag)}")
        source = ("entered in the app by " + str(row["recorded_by"])
                  if row["source"] == "app" else "from a spreadsheet upload")
        st.markdown(f"{lit(visit_work.days_words(row['days']))} · {lit(rating_badge_text(row['progress']))}"
                    f" · {lit(source)}")
        st.markdown(f"*Summary:* {lit(row['summary'])}")
        if pd.notna(row["next_steps"]) and str(row["next_steps"]).strip():
            st.markdown(f"*Next steps:* {lit(row['next_steps'])}")
        followup = row["followup"]
        if isinstance(followup, dict) and followup.get("outcome"):
            st.caption(f"The last visit's next steps ({lit(followup.get('next_steps'))}): "
                       f"{lit(followup['outcome'].lower())}.")
        if isinstance(row["comment"], str) and row["comment"]:
            st.caption(f"The leader's note on resubmitting: {lit(row['comment'])}")
        if not can_act:
            continue
        if st.button("Check", key=f"check_{ident}", type="primary"):
            _act(visit_work.check, row["deployment_id"], record_id, key)
            st.rerun()
        if row["source"] == "app":
            comment = st.text_input("Comment for the leader (what to put right)",
                                    key=f"comment_{ident}")
            if st.button("Return to the leader", key=f"return_{ident}"):
                _act(visit_work.return_record, record_id, row["deployment_id"], comment)
                st.rerun()
        else:
            st.caption("An uploaded record is corrected in its spreadsheet and uploaded again.")

with_leaders = recs[(recs["state"] == vr.RETURNED) & recs["live"]]
st.header(f"Returned to leaders ({len(with_leaders)})")
if with_leaders.empty:
    st.caption("No record is waiting for its leader.")
else:
    widgets.table(pd.DataFrame({
        "Date": with_leaders["visit_date"].dt.strftime("%d/%m/%Y"),
        "Deployment": with_leaders["deployment_id"],
        "Focus": with_leaders["focus_area"],
        "Returned": [f"{visit_work.when(t)} by {w}" for t, w in
                     zip(with_leaders["changed_at"], with_leaders["changed_by"], strict=True)],
        "Comment": with_leaders["comment"],
    }), hide_index=True, width="stretch")

st.header("A record's history")
app_recs = recs[recs["source"] == "app"].sort_values("visit_date", ascending=False)
if app_recs.empty:
    st.caption("No visit has been recorded in the app yet.")
else:
    labels = {r.record_id: f"{r.visit_date:%d/%m/%Y} · {r.deployment_id} · {r.focus_area} · {r.state}"
              for r in app_recs.itertuples()}
    chosen = st.selectbox("Visit record", list(labels), format_func=labels.get, key="qa_history")
    steps = vr.record_history(loads.get_store(), chosen)
    widgets.table(pd.DataFrame({
        "State": steps["state"],
        "Who": steps["changed_by"],
        "When": steps["changed_at"].map(visit_work.when),
        "Comment": steps["comment"].fillna(""),
        "Focus then": steps["focus_area"],
        "Batch": steps["batch_id"],
    }), hide_index=True, width="stretch")
    rec = app_recs[app_recs["record_id"] == chosen].iloc[0]
    if can_act:
        sure = st.checkbox("Yes: undo this visit record and every QA step of it (the upload "
                           "history keeps them)", key="qa_confirm_undo")
        if st.button("Undo this visit record", disabled=not sure, key="qa_undo"):
            _act(visit_work.undo_record, chosen, rec["deployment_id"])
            st.rerun()
