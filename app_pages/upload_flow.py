"""The upload flow: read once, health check, import (remembering what moved), undo.

Not a page; app_pages/upload.py draws it.
"""

from __future__ import annotations

import ctypes
import gc

import pandas as pd
import streamlit as st

from analysis import ingest, portfolio, presenters
from analysis.store import UndoRefused
from analysis.text import lit
from app_pages.loads import (
    audit,
    dataset,
    get_store,
    progress,
    require_administrator,
    school_names,
    settings,
)
from app_pages.sample import cannot_remove, sample_batches
from app_pages.widgets import table as widgets_table

MB = 1024 * 1024


# A parsed upload is several times its file (a 600,000-row CSV of 36 MB holds ~110 MB once read,
# and reading it peaks near 300 MB): each browser session keeps at most one, and none above this.
SESSION_UPLOAD_LIMIT_MB = 150
_HELD = "_read_upload"  # session state: (file ids, Upload or None when over the cap, bytes held)


def read_uploaded(files) -> ingest.Upload | None:
    """Read the uploaded files once: Streamlit reruns the page on every click, so keep the
    result in this session until it is imported or abandoned. None when the files are too large
    for one session (`too_large_message` says so)."""
    key = tuple(f.file_id for f in files)
    held = st.session_state.get(_HELD)
    if held is not None and held[0] == key:
        return held[1]
    forget_upload(remove_files=False)  # another selection: the one before is abandoned
    with st.spinner("Reading and checking the files..."):
        upload = ingest.read_files([(f.name, f.getvalue()) for f in files])
    size = upload.memory_bytes()
    if size > SESSION_UPLOAD_LIMIT_MB * MB:
        st.session_state[_HELD] = (key, None, size)
        del upload
        release_memory()
        return None
    st.session_state[_HELD] = (key, upload, size)
    return upload


def too_large_message() -> str:
    """Why the chosen files were not checked here, and what to do instead."""
    held = st.session_state.get(_HELD)
    size = held[2] if held is not None else 0
    return (f"These files hold about {size / MB:,.0f} MB of rows once read, more than one "
            f"browser session may check at once ({SESSION_UPLOAD_LIMIT_MB} MB, about 800,000 "
            "pupil rows). Upload them in parts (for example one term's pupil rows at a time), "
            "or import them on the server with the command python -m analysis import.")


def forget_upload(remove_files: bool = True) -> None:
    """Let this session's parsed upload go: imported, or abandoned (other files chosen, the
    files cleared, the page left). remove_files: also drop the uploaded bytes Streamlit keeps
    for the session (not when the same widget still shows them)."""
    held = st.session_state.pop(_HELD, None)
    if held is None:
        return
    if remove_files:
        _remove_uploaded_files(held[0])
    del held
    release_memory()


def release_memory() -> None:
    """Hand freed memory back to the system: pandas' Arrow strings live in a memory pool
    (mimalloc) that keeps freed pages, and glibc keeps its own; without this a server's size
    stays at its largest preview even after every session has let its upload go."""
    gc.collect()
    try:
        import pyarrow

        pyarrow.default_memory_pool().release_unused()
    except (ImportError, AttributeError):  # pragma: no cover - pyarrow is pinned
        pass
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (macOS, Windows): nothing to trim
        pass


def _remove_uploaded_files(file_ids: tuple) -> None:
    """Streamlit keeps every uploaded file's bytes for the session until its widget's x is
    pressed or the session ends; a page left or an import done no longer needs them."""
    try:
        from streamlit.runtime import get_instance
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx()
        manager = get_instance().uploaded_file_mgr
        for file_id in file_ids:
            manager.remove_file(ctx.session_id, file_id)
    except Exception:  # noqa: BLE001 - Streamlit internals: the bytes then go with the session
        pass


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
    # Replacing the sample: its batches are undone inside the import's own transaction, so the
    # sample goes only if the upload is stored, and a failure leaves both as they were.
    try:
        result = store.import_upload(upload, user,
                                     undo_first=sample_batches() if replace_sample else ())
    except UndoRefused as error:
        raise cannot_remove(error) from error
    if replace_sample and not result.unchanged_duplicate:
        store.set_meta("sample_state", "declined")
    forget_upload()  # imported: the parsed rows and the uploaded bytes are no longer needed
    audit("upload", result.message)
    st.session_state["last_import"] = (result.message, portfolio.compare_progress(before, progress()))
    st.session_state["uploads_done"] = st.session_state.get("uploads_done", 0) + 1
    return result


def show_last_import() -> None:
    """The result of the import just made, with the targets whose status or figure moved."""
    if "last_import" not in st.session_state:
        return
    message, moved = st.session_state["last_import"]
    st.success(lit(message), icon=":material/check_circle:")
    if moved.empty:
        st.caption("No target's status or latest figure changed.")
        return
    st.markdown(f"**{len(moved):d} target(s) moved**")
    widgets_table(presenters.moved_table(moved, school_names(), settings().small_cohort),
                 hide_index=True, width="stretch")


def undo(batch_id) -> str:
    require_administrator("undo an upload")
    message = get_store().undo(batch_id)
    audit("undo", message)
    return message


def batch_label(batch_id) -> str:
    return presenters.batch_label(get_store().history(), batch_id)
