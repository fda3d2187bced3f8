"""Plan and corrections (administrator): when a school's action plan was agreed and by whom,
later agreed changes to a target, and small corrections (a deployment's end date, days
committed, funding; a target's milestone). Each save is one batch of the upload history
(undoable on the Upload page) and one line in the audit log."""

import datetime as dt

import pandas as pd
import streamlit as st

from analysis import agreed_plan, app_edits
from analysis.narrative import format_value
from analysis.schema import measure_label
from analysis.store import StoreError
from analysis.text import lit
from app_pages import identity, loads, widgets

st.title("Plan and corrections")
loads.require_administrator("record the agreed plan or correct records")
# The plan's frames and the scope's directory, not every measure of every school (issue 14).
data = loads.frames("targets", "target_plan", "milestones")
directory = loads.directory()
clients = directory.schools[directory.schools["role"].str.lower() == "client"].sort_values("school_name")
if clients.empty:
    widgets.empty_state("No client schools are stored yet.")
    st.stop()
state = st.session_state
if "plan_message" in state:
    st.success(lit(state.pop("plan_message")), icon=":material/check_circle:")


def _save(action: str, urn: str | None, fn, *args) -> None:
    """Run one change (a batch), audit it, and show the result after the rerun."""
    try:
        batch = fn(loads.get_store(), identity.who(), *args)
    except StoreError as error:
        st.error(lit(str(error)), icon=":material/error:")
        return
    summary = loads.get_store().history().set_index("batch_id").loc[batch, "summary"]
    loads.audit(action, f"{summary} (batch {batch})", urn)
    state["plan_message"] = f"Saved as batch {batch}: {summary}. Undo it on the Upload page."
    st.rerun()


names = dict(zip(clients["urn"], clients["school_name"], strict=False))
urn = st.selectbox("School", list(names), format_func=lambda u: f"{names[u]} ({u})",
                   key="plan_school")
targets = data.targets[data.targets["client_urn"] == urn].sort_values("target_id")
history = agreed_plan.plan_history(data.target_plan, data.targets)

agreed_tab, change_tab, fix_tab = st.tabs(["Agreed plan", "Change a target", "Corrections"])

with agreed_tab:
    done = agreed_plan.agreements(data.target_plan[data.target_plan["client_urn"] == urn])
    if done.empty:
        st.info("No agreement of this school's action plan is recorded yet. Record it when the "
                "plan is agreed (e.g. at the governing board's meeting): the targets as they "
                "stand become the baseline plan, and any later change to them is shown.",
                icon=":material/info:")
    else:
        widgets.table(pd.DataFrame({
            "Agreed on": pd.to_datetime(done["agreed_on"]).dt.strftime("%d/%m/%Y"),
            "By": done["agreed_by"], "Targets": done["targets"]}), hide_index=True)
    agreed_on = st.date_input("Date agreed", value=None, format="DD/MM/YYYY",
                              max_value=dt.date.today(), key="plan_agreed_on")
    agreed_by = st.text_input("Agreed by", value="governors", key="plan_agreed_by")
    st.caption(f"{len(targets)} target(s) of this school become the baseline plan.")
    if st.button("Record the agreed plan", type="primary", key="plan_agree"):
        _save("plan", urn, agreed_plan.agree_plan, urn, agreed_on, agreed_by, data.targets)

with change_tab:
    if targets.empty:
        st.caption("This school has no targets stored.")
    else:
        labels = {t.target_id: f"{t.target_id} · {measure_label(t.measure)} ({t.subgroup}): "
                  f"{format_value(t.target_value, t.measure)} by {t.target_period}"
                  for t in targets.itertuples()}
        target_id = st.selectbox("Target", list(labels), format_func=labels.get, key="plan_target")
        target = targets[targets["target_id"] == target_id].iloc[0]
        for line in agreed_plan.target_sentences(history, target_id):
            st.caption(f":material/history: {lit(line)}")
        value = st.number_input("New target value", value=float(target["target_value"]),
                                step=0.5, key=f"plan_value_{target_id}")
        period = st.text_input("New deadline (half term)", value=target["target_period"],
                               key=f"plan_period_{target_id}")
        when = st.date_input("Date the change was agreed", value=None, format="DD/MM/YYYY",
                             max_value=dt.date.today(), key=f"plan_when_{target_id}")
        by = st.text_input("Agreed by", value="governors", key=f"plan_by_{target_id}")
        if st.button("Save the change to the target", type="primary", key="plan_change"):
            _save("plan", urn, agreed_plan.change_target, target_id, value, period, when, by)

with fix_tab:
    st.markdown("**A deployment**")
    deployments = directory.deployments[directory.deployments["client_urn"] == urn]
    if deployments.empty:
        st.caption("This school has no deployments stored.")
    else:
        d_labels = {d.deployment_id: f"{d.deployment_id} · {d.leader_name} ({d.focus_areas})"
                    for d in deployments.itertuples()}
        deployment_id = st.selectbox("Deployment", list(d_labels), format_func=d_labels.get,
                                     key="fix_deployment")
        d = deployments[deployments["deployment_id"] == deployment_id].iloc[0]
        end = st.date_input("End date", format="DD/MM/YYYY", key=f"fix_end_{deployment_id}",
                            value=None if pd.isna(d["end_date"]) else d["end_date"].date())
        days = st.number_input("Days committed", min_value=0.5, step=0.5,
                               value=float(d["days_committed"]), key=f"fix_days_{deployment_id}")
        money = st.number_input("Funding (£)", min_value=0.0, step=100.0,
                                value=None if pd.isna(d["funding_amount"])
                                else float(d["funding_amount"]),
                                key=f"fix_money_{deployment_id}")
        if st.button("Save the correction", key="fix_deployment_save"):
            _save("edit", urn, app_edits.correct_deployment, deployment_id, end, days, money)
    st.markdown("**A target's milestone**")
    if not targets.empty:
        measure_of = dict(zip(targets["target_id"], targets["measure"], strict=False))
        m_target = st.selectbox("Target", list(targets["target_id"]), key="fix_milestone_target",
                                format_func=lambda t: f"{t} · {measure_label(measure_of[t])}")
        stones = data.milestones[data.milestones["target_id"] == m_target]
        if not stones.empty:
            widgets.table(stones[["period", "value"]].rename(
                columns={"period": "Half term", "value": "Milestone"}), hide_index=True)
        m_period = st.text_input("Half term", key=f"fix_m_period_{m_target}",
                                 placeholder="2024/25 Summer 2")
        m_value = st.number_input("Milestone value", value=None, step=0.5,
                                  key=f"fix_m_value_{m_target}")
        if st.button("Save the milestone", key="fix_milestone_save"):
            _save("edit", urn, app_edits.set_milestone, m_target, m_period, m_value)
