"""The fictional sample trust: loaded at first start, one click to start empty, removable.

Not a page. dashboard.py calls `ensure_sample_or_empty` and `sample_banner` on every run.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from analysis import access, ingest
from analysis.store import EMPTIED, StoreError
from app_pages import identity
from app_pages.loads import audit, current_scope, current_version, get_store, require_administrator

SAMPLE_WORKBOOK = Path(__file__).resolve().parent.parent / "sample_data" / "riverside_trust.xlsx"
SAMPLE_USER = "Sample data (fictional Riverside trust)"


def ensure_sample_or_empty() -> None:
    """First start of an empty store: load the fictional sample trust so there is something to see.

    A store that someone emptied on purpose stays empty (the choice is stored, not guessed).
    """
    store = get_store()
    if store.get_meta("sample_state") is None and store.history().empty:
        upload = ingest.read_paths([SAMPLE_WORKBOOK])
        if upload.ok:
            store.import_upload(upload, SAMPLE_USER)
        store.set_meta("sample_state", "loaded")


@st.cache_data(show_spinner=False, max_entries=4)
def _sample_state(version: str) -> tuple[bool, bool]:
    """(the sample's rows are current, nothing else is): the sample counts as loaded while one of
    its batches stands and no later emptying of the store put it aside."""
    history = get_store().history()
    live = history[~history["undone"]]
    emptied = live.loc[live["summary"].str.startswith(EMPTIED), "batch_id"].max()
    after = live[live["batch_id"] > (0 if pd.isna(emptied) else emptied)]
    sample = after["user"] == SAMPLE_USER
    return bool(sample.any()), bool(sample.any() and sample.all())


def sample_loaded() -> bool:
    """Whether the fictional sample is in the store (asked on every page: cached by version)."""
    return _sample_state(current_version())[0]


def start_empty() -> None:
    """Empty the store as an undoable batch, and remember it was emptied on purpose so the sample
    stays away. The history keeps every upload, and this too."""
    require_administrator("empty the store")
    get_store().clear(f"{identity.who()} (Start again)")
    audit("clear", "Emptied the store (undoable on the Upload page)")
    get_store().set_meta("sample_state", "declined")


def sample_batches() -> list[int]:
    """The sample's own batches still standing (the ones replacing the sample undoes)."""
    history = get_store().history()
    live = history.loc[(history["user"] == SAMPLE_USER) & ~history["undone"], "batch_id"]
    return [int(b) for b in live]


def cannot_remove(error: StoreError) -> StoreError:
    """The sentence when the sample cannot go because a later upload builds on it."""
    return StoreError(
        "The sample data cannot be removed: a later upload builds on it "
        f"({error}). Untick “Remove the sample data first” to import beside it, or empty "
        "the store on the Settings page (that can be undone).")


def remove_sample() -> None:
    """Undo only the sample's own batches, newest first: real uploads are never touched. A real
    upload that replaced sample rows makes the store refuse (StoreError), and nothing changes.
    (Replacing the sample with an upload does this inside the import: upload_flow.import_upload.)"""
    store = get_store()
    for batch_id in sorted(sample_batches(), reverse=True):
        try:
            store.undo(batch_id)
        except StoreError as error:
            raise cannot_remove(error) from error
    store.set_meta("sample_state", "declined")


def sample_banner() -> None:
    loaded, only_sample = _sample_state(current_version())
    if not loaded:
        return
    with st.sidebar:
        st.warning(
            "**Sample data.** You are looking at a fictional trust, made up to show what the "
            "dashboard does. Upload your own spreadsheets to replace it.",
            icon=":material/science:",
        )
        # One click is only offered while the sample is all there is; after real uploads the
        # Settings page's confirmed "Empty the store" (undoable) is the way.
        if only_sample and current_scope().person.role == access.ADMINISTRATOR \
                and st.button("Start with an empty store", key="start_empty"):
            start_empty()
            st.rerun()
