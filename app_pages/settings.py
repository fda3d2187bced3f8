"""Settings: the thresholds behind statuses, creep flags and small-cohort hiding; stored in the database."""

import streamlit as st

from analysis.schema import SMALL_COHORT_MAX, SMALL_COHORT_MIN, VISITS_COUNTED, Settings
from app_pages import changes, downloads, loads, sample

st.title("Settings")
current = loads.settings()

with st.form("settings"):
    tolerance = st.slider(
        "Status tolerance: a target is *At risk* (not *Off track*) while the shortfall from the "
        "expected value is at most this share of the planned change",
        min_value=0, max_value=100, value=round(current.status_tolerance * 100), step=5,
        format="%d%%",
    )
    creep = st.slider(
        "Deployment creep: flag a deployment when more than this share of its delivered days "
        "was spent off its agreed focus",
        min_value=0, max_value=100, value=round(current.creep_threshold * 100), step=5,
        format="%d%%",
    )
    small_cohort = st.number_input(
        "Small cohorts: hide any figure based on fewer than this many pupils in governor-facing "
        f"views (published school data uses {SMALL_COHORT_MIN}, the lowest allowed)",
        min_value=SMALL_COHORT_MIN, max_value=SMALL_COHORT_MAX,
        value=max(current.small_cohort, SMALL_COHORT_MIN), step=1,
    )
    counted = st.radio(
        "Days delivered and deployment creep count", list(VISITS_COUNTED),
        format_func=VISITS_COUNTED.get, index=list(VISITS_COUNTED).index(current.visits_counted),
        help="Every visit record shows drift the week it happens; only checked records count "
             "what the administrator has quality-assured. The QA backlog counts every record "
             "still waiting either way.", key="visits_counted",
    )
    if st.form_submit_button("Save settings", type="primary"):
        changes.save_settings(
            Settings(status_tolerance=tolerance / 100, creep_threshold=creep / 100,
                     small_cohort=int(small_cohort), visits_counted=counted)
        )
        st.success("Settings saved. Every page now uses them.", icon=":material/check_circle:")

st.header("Backup")
st.write("Download the whole store as one file; it can be restored into an empty store with "
         "`python -m analysis restore FILE`.")
downloads.file_button(
    st, "Download a backup", downloads.backup_bytes(), file_name="impact-backup.zip",
    mime="application/zip", key="backup",
)

st.header("Start again")
st.write("Put aside every school, deployment, target, visit and outcome. Nothing is deleted: "
         "the upload history keeps every upload and this step too, and undoing it on the Upload "
         "page brings everything back.")
confirm = st.checkbox("I understand that this empties the store", key="confirm_clear")
if st.button("Empty the store", disabled=not confirm):
    sample.start_empty()
    st.success("The store is empty. Upload spreadsheets to begin.")
