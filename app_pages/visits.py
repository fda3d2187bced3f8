"""Visit records: a system leader records a visit to one of their deployments (phone-width too),
sees records the administrator returned, fixes and resubmits them. One column, no st.form:
the form must say at once when a focus counts as off focus."""

import datetime as dt

import pandas as pd
import streamlit as st

from analysis import visit_records as vr
from analysis.schema import PROGRESS_RATINGS
from analysis.store import StoreError
from analysis.style import rating_badge_text
from analysis.text import lit
from app_pages import loads, visit_work, widgets

st.title("Visit records")
deployments = loads.directory().deployments.sort_values(["client_urn", "deployment_id"])
if deployments.empty:
    widgets.empty_state("You have no deployments stored yet, so there is nothing to record a "
                       "visit against. Ask your administrator.")
    st.stop()

recs = visit_work.records()
visits = loads.frames("visits").visits
state = st.session_state
gen = state.setdefault("visit_form_gen", 0)
editing = state.get("visit_editing")  # the record_id being fixed, or None
if editing is not None and editing not in set(recs.loc[recs["state"] == vr.RETURNED, "record_id"]):
    editing = state["visit_editing"] = None

if "visit_message" in state:
    st.success(lit(state.pop("visit_message")), icon=":material/check_circle:")


def _start_fixing(rec) -> None:
    """Fill a fresh form with a returned record's contents (as the new widgets' defaults)."""
    state["visit_form_gen"] = state.get("visit_form_gen", 0) + 1
    state["visit_editing"] = rec.record_id
    focus = vr.focus_choices(_focus_of(rec.deployment_id))
    picked = rec.focus_area if rec.focus_area in focus else vr.SOMETHING_ELSE
    state["visit_prefill"] = {
        "deployment": rec.deployment_id, "date": rec.visit_date.date(), "days": float(rec.days),
        "focus": picked, "other": rec.focus_area if picked == vr.SOMETHING_ELSE else "",
        "rating": rec.progress, "summary": rec.summary or "", "next": rec.next_steps or "",
        "followup": (rec.followup or {}).get("outcome"),
    }


def _focus_of(deployment_id: str) -> str:
    return deployments.loc[deployments["deployment_id"] == deployment_id, "focus_areas"].iloc[0]


def _stop_fixing() -> None:
    state["visit_editing"] = None
    state.pop("visit_prefill", None)
    state["visit_form_gen"] = state.get("visit_form_gen", 0) + 1


returned = recs[(recs["state"] == vr.RETURNED) & recs["live"]].sort_values("changed_at")
if not returned.empty:
    st.header(f"Returned to you ({len(returned)})")
    for rec in returned.itertuples():
        with st.container(border=True):
            st.markdown(f"**{rec.visit_date:%d/%m/%Y} · {lit(rec.deployment_id)} · "
                        f"{lit(rec.focus_area)}**")
            st.warning(f"Returned by {lit(rec.changed_by)} on {lit(visit_work.when(rec.changed_at))}: "
                       f"{lit(rec.comment)}", icon=":material/undo:")
            st.button("Fix and resubmit", key=f"fix_{rec.record_id}", on_click=_start_fixing,
                      args=(rec,), disabled=editing == rec.record_id)

gen = state.get("visit_form_gen", 0)
prefill = state.get("visit_prefill", {}) if editing else {}
if editing:
    rec = recs[recs["record_id"] == editing].iloc[0]
    st.header("Fix the returned record")
    st.info(f"The administrator's comment: {lit(rec.comment)}", icon=":material/comment:")
else:
    st.header("Record a visit")

label = visit_work.deployment_label(deployments)
ids = list(deployments["deployment_id"])
deployment_id = st.selectbox("Deployment", ids, format_func=label, key=f"v{gen}_deployment",
                             index=ids.index(prefill["deployment"])
                             if prefill.get("deployment") in ids else 0)
deployment = deployments[deployments["deployment_id"] == deployment_id].iloc[0]
exclude = (rec.deployment_id, rec.visit_date, rec.focus_area) if editing else None
# Today, or the deployment's last day once it has ended.
default_day = dt.date.today()
if pd.notna(deployment["end_date"]):
    default_day = min(default_day, pd.Timestamp(deployment["end_date"]).date())
visit_date = st.date_input("Date of the visit", key=f"v{gen}_date", format="DD/MM/YYYY",
                           value=prefill.get("date", default_day), max_value=dt.date.today(),
                           min_value=dt.date(2000, 1, 1))

previous = vr.last_next_steps(visits, deployment_id, before=visit_date, exclude=exclude)
followup = None
if previous:
    with st.container(border=True):
        st.markdown(f"**Next steps from the last visit ({pd.Timestamp(previous['visit_date']):%d/%m/%Y})**")
        st.markdown(lit(previous["next_steps"]))
        done = prefill.get("followup")
        outcome = st.radio("Were they done?", vr.FOLLOWUP_OUTCOMES, horizontal=True,
                           index=vr.FOLLOWUP_OUTCOMES.index(done)
                           if done in vr.FOLLOWUP_OUTCOMES else None, key=f"v{gen}_followup")
        followup = {**previous, "outcome": outcome}

days = st.selectbox("Time spent", vr.HALF_DAYS, format_func=visit_work.days_words,
                    index=vr.HALF_DAYS.index(prefill.get("days", 1.0)), key=f"v{gen}_days")
st.caption(f"Agreed focus of this deployment: {lit(deployment['focus_areas'])}")
choices = vr.focus_choices(deployment["focus_areas"])
picked = st.selectbox("Focus of the visit", choices, key=f"v{gen}_focus",
                      index=choices.index(prefill["focus"]) if prefill.get("focus") in choices
                      else 0)
focus = picked
if picked == vr.SOMETHING_ELSE:
    focus = st.text_input("What did the visit work on?", key=f"v{gen}_other",
                          value=prefill.get("other", ""))
    st.warning(vr.OFF_FOCUS_WORDS, icon=":material/flag:")
rating = st.radio("Your rating of progress", PROGRESS_RATINGS, horizontal=True,
                  format_func=rating_badge_text, key=f"v{gen}_rating",
                  index=PROGRESS_RATINGS.index(prefill["rating"])
                  if prefill.get("rating") in PROGRESS_RATINGS else None)
st.info(vr.NO_PUPIL_NAMES, icon=":material/person_off:")
summary = st.text_area("Summary of the visit", key=f"v{gen}_summary", max_chars=vr.MAX_TEXT,
                       value=prefill.get("summary", ""))
next_steps = st.text_area("Next steps", key=f"v{gen}_next", max_chars=vr.MAX_TEXT,
                          value=prefill.get("next", ""))

entry = vr.VisitEntry(deployment_id, visit_date, days, focus or "", rating or "", summary,
                      next_steps, followup)
if editing:
    note = st.text_input("What you changed (for the administrator, optional)", key=f"v{gen}_note")
    cols = st.columns(2)
    if cols[0].button("Resubmit for QA", type="primary", key=f"v{gen}_resubmit"):
        try:
            state["visit_message"] = visit_work.resubmit(editing, entry, note)
        except StoreError as error:
            st.error(lit(str(error)), icon=":material/error:")
        else:
            _stop_fixing()
            st.rerun()
    cols[1].button("Cancel", key=f"v{gen}_cancel", on_click=_stop_fixing)
elif st.button("Save the visit record", type="primary", key=f"v{gen}_save"):
    try:
        state["visit_message"] = visit_work.record_visit(entry)
    except StoreError as error:
        st.error(lit(str(error)), icon=":material/error:")
    else:
        state["visit_form_gen"] = gen + 1  # an empty form for the next visit
        st.rerun()

st.header("Your visit records")
mine = recs[recs["source"] == "app"].sort_values("visit_date", ascending=False)
if mine.empty:
    st.caption("No visit recorded in the app yet. Visits from spreadsheet uploads show on the "
               "School and Deployments pages.")
else:
    widgets.table(pd.DataFrame({
        "Date": mine["visit_date"].dt.strftime("%d/%m/%Y"),
        "Deployment": mine["deployment_id"],
        "Focus": mine["focus_area"],
        "Time": mine["days"].map(visit_work.days_words),
        "State": [s if live else "Replaced by an upload"
                  for s, live in zip(mine["state"], mine["live"], strict=True)],
        "Last change": [f"{visit_work.when(t)} by {who}"
                        for t, who in zip(mine["changed_at"], mine["changed_by"], strict=True)],
        "Comment": mine["comment"].fillna(""),
        "Last visit's next steps": mine["followup"].map(
            lambda f: f.get("outcome") or "" if isinstance(f, dict) else ""),
    }), hide_index=True, width="stretch")
