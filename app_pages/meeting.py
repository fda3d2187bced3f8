"""Since our last meeting: the School page opens with what moved since a date the governors pick,
or the date a pack was given to them. Not a page; calculations are in analysis/since.py."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from analysis import access_store, since
from analysis.periods import period_index, period_start_date, try_parse_period
from analysis.text import lit
from app_pages import loads


def _default_meeting(measures: pd.DataFrame) -> dt.date:
    """The day before the latest period with figures began: the term's meeting, before them."""
    periods = [p for p in (try_parse_period(x) for x in measures["period"].dropna().unique()) if p]
    if not periods:
        return dt.date.today()
    return period_start_date(max(periods, key=period_index)) - dt.timedelta(days=1)


def _pack_dates(urn: str) -> list[dt.date]:
    """Dates this school's governors' pack was downloaded (the audit log), newest first."""
    try:
        log = access_store.audit_log(loads.get_store())
    except Exception:  # noqa: BLE001 - no audit log yet means no packs to offer
        return []
    mine = log[(log["action"] == "download") & (log["urn"] == urn)
               & log["detail"].astype(str).str.startswith(f"governors-pack-{urn}")]
    when = pd.to_datetime(mine["at"], utc=True).dt.tz_convert("Europe/London").dt.date
    return sorted(set(when), reverse=True)


def since_panel(urn: str) -> tuple[dt.date, list[str]]:
    """Draw the 'since our last meeting' box for one school; returns (date, sentences)."""
    data = loads.school(urn)[0]  # the chosen school's rows only (filtered in SQL)
    left, right = st.columns([1, 2])
    packs = _pack_dates(urn)
    choice = None
    if packs:
        labels = ["a date I choose", *[f"the pack downloaded on {d:%d/%m/%Y}" for d in packs]]
        picked = right.selectbox("Since", labels, key=f"since_pack_{urn}")
        if picked != labels[0]:
            choice = packs[labels.index(picked) - 1]
    meeting = choice or left.date_input(
        "Since our last meeting on", value=_default_meeting(data.measures), format="DD/MM/YYYY",
        key=f"since_date_{urn}")
    lines = since.since_meeting(loads.get_store(), data, urn, loads.settings(), meeting)
    with st.container(border=True):
        st.markdown(f"**{lit(lines[0])}**")
        for line in lines[1:]:
            st.markdown(f"- {lit(line)}")
    return meeting, lines


def board_meeting() -> dt.date | None:
    """The Overview's choice for the board's pack: open it with what moved since a meeting date
    (a trust summary and each exception school's sentences), or not; None when not."""
    data = loads.dataset()
    left, right = st.columns([2, 1])
    on = left.toggle("Add what moved since our last meeting", key="board_since_on",
                     help="The board's pack then opens with a page on what moved across the "
                          "trust since the date, and each exception school's page with what "
                          "moved there.")
    if not on:
        return None
    return right.date_input("Since our last meeting on", value=_default_meeting(data.measures),
                            format="DD/MM/YYYY", key="board_since_date")
