"""The upload flow: read once, health check, import (remembering what moved), undo.

Not a page; app_pages/upload.py draws it.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis import ingest, portfolio, presenters
from app_pages.loads import (
    audit,
    dataset,
    get_store,
    progress,
    require_administrator,
    school_names,
    settings,
)
from app_pages.sample import remove_sample


def read_uploaded(files) -> ingest.Upload:
    """Read the uploaded files once: Streamlit reruns the page on every click, so keep the result."""
    key = tuple(f.file_id for f in files)
    cache = st.session_state.setdefault("_read_uploads", {})
    if key not in cache:
        cache.clear()  # only the latest selection is needed
        with st.spinner("Reading and checking the files..."):
            cache[key] = ingest.read_files([(f.name, f.getvalue()) for f in files])
    return cache[key]


def health_check(upload: ingest.Upload) -> pd.DataFrame:
    """Every problem at once: the files' own, and references to schools, deployments or targets
    that neither the upload nor the store holds (the import would refuse them anyway)."""
    return pd.concat([upload.problems, upload.check_references(dataset().known())],
                     ignore_index=True)


def import_upload(upload: ingest.Upload, user: str, replace_sample: bool):
    """Import, then remember what it did and which targets moved, for the next run to show."""
    require_administrator("upload")
    store = get_store()
    before = progress()
    if replace_sample:
        remove_sample()
    result = store.import_upload(upload, user)
    audit("upload", result.message)
    st.session_state["last_import"] = (result.message, portfolio.compare_progress(before, progress()))
    st.session_state["uploads_done"] = st.session_state.get("uploads_done", 0) + 1
    return result


def show_last_import() -> None:
    """The result of the import just made, with the targets whose status or figure moved."""
    if "last_import" not in st.session_state:
        return
    message, moved = st.session_state["last_import"]
    st.success(message, icon=":material/check_circle:")
    if moved.empty:
        st.caption("No target's status or latest figure changed.")
        return
    st.markdown(f"**{len(moved)} target(s) moved**")
    st.dataframe(presenters.moved_table(moved, school_names(), settings().small_cohort),
                 hide_index=True, width="stretch")


def undo(batch_id) -> str:
    require_administrator("undo an upload")
    message = get_store().undo(batch_id)
    audit("undo", message)
    return message


def batch_label(batch_id) -> str:
    return presenters.batch_label(get_store().history(), batch_id)
