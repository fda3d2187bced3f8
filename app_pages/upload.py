"""Upload for the administrator: health check first, a preview of what changes, then import."""

import streamlit as st

from analysis import presenters, visit_records
from analysis.store import StoreError
from analysis.text import lit
from app_pages import downloads, identity, loads, sample, upload_flow, widgets

st.title("Upload termly spreadsheets")
st.write(
    "Drop this term's files here: the trust workbook, or separate CSV/XLSX files for schools, "
    "deployments, targets, visit records and pupil outcomes. Nothing is stored until you have "
    "seen the health check and pressed **Import**."
)

with st.expander("Blank templates", icon=":material/download:"):
    downloads.template_downloads()

upload_flow.show_last_import()

if identity.sign_in_configured():
    # Signed in: the history names the account, not whatever name is typed.
    user = identity.who()
    st.caption(f"Uploads are recorded in the history as {lit(user)}.")
else:
    user = st.text_input("Your name (recorded in the upload history)", key="upload_user")
files = st.file_uploader(
    "Spreadsheets (.xlsx or .csv)", type=["xlsx", "csv"], accept_multiple_files=True,
    key=f"upload_files_{st.session_state.get('uploads_done', 0)}",
)

upload = upload_flow.read_uploaded(files) if files else None
if not files:
    upload_flow.forget_upload()  # the files were cleared (or imported): nothing to keep
elif upload is None:
    st.error(lit(upload_flow.too_large_message()), icon=":material/error:")
else:
    st.header("Health check")
    if not upload.notices.empty:
        for message in upload.notices["message"].unique():
            st.info(lit(message), icon=":material/info:")
    problems = upload_flow.health_check(upload)
    if len(problems):
        st.error(
            f"{len(problems):d} problem(s) found. Nothing has been stored: fix them in the "
            "spreadsheet and upload it again.",
            icon=":material/error:",
        )
        widgets.upload_problems(problems)
    else:
        st.success("No problems found.", icon=":material/check_circle:")
        changes = loads.get_store().preview(upload)
        st.header("What this upload will change")
        widgets.table(presenters.preview_table(changes), hide_index=True, width="stretch")
        replace_sample = False
        if sample.sample_loaded():
            replace_sample = st.checkbox(
                "Remove the sample data first (a workbook with its own schools list is a fresh "
                "start; a termly file that adds to the sample trust should keep it)",
                value="schools" in upload.frames,
            )
        # Visit records entered in the app that this upload's rows would replace (natural key).
        replaced = visit_records.replaced_by_upload(loads.get_store(), upload)
        confirmed = True
        if not replaced.empty:
            st.warning(f"This upload would replace {len(replaced)} visit record(s) entered in the "
                       "app (same deployment, date and focus): the spreadsheet's rows would count "
                       "instead. Undoing the upload brings the app's records back.",
                       icon=":material/warning:")
            widgets.table(visit_records.replaced_table(replaced), hide_index=True, width="stretch")
            confirmed = st.checkbox("Yes: replace these app-entered visit records",
                                    key="confirm_replace_app")
        if st.button("Import", type="primary", disabled=not user.strip() or not confirmed):
            try:
                upload_flow.import_upload(upload, user.strip(), replace_sample)
            except StoreError as error:
                st.error(lit(error), icon=":material/error:")
            else:
                st.rerun()  # a fresh uploader, and the result shown at the top
        if not user.strip():
            st.caption("Enter your name to enable Import.")

st.header("Upload history")
history = loads.get_store().history()
if history.empty:
    st.caption("Nothing has been imported yet.")
else:
    widgets.table(presenters.history_table(history), hide_index=True, width="stretch")
    live = history[~history["undone"]]
    if not live.empty:
        batch = st.selectbox("Undo an upload", live["batch_id"], format_func=upload_flow.batch_label)
        sure = st.checkbox("Yes: remove what this upload added and bring back what it replaced",
                           key="confirm_undo")
        if st.button("Undo this upload", disabled=not sure):
            try:
                st.success(lit(upload_flow.undo(batch)))
            except StoreError as error:
                st.error(lit(error), icon=":material/error:")
