"""The governed facts every governor-facing page draws from (the disclosure rule is applied in
analysis/, once, and cached by store version, scope and school): governed progress, governed
figures and one analysis.governed.TargetView per target card. A page never holds a hidden
number."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis import charts, governed, presenters
from app_pages import loads


@st.cache_data(show_spinner=False, max_entries=64)
def _governed(version: str, scope_key: str, urn: str, _progress: pd.DataFrame, _data, _settings
              ) -> pd.DataFrame:
    return governed.governed_progress(_progress, _data.measures, _data.milestones, _settings)


@st.cache_data(show_spinner=False, max_entries=64)
def _measures(version: str, scope_key: str, urn: str, _data, _settings) -> pd.DataFrame:
    return governed.governed_measures(_data.measures, _settings)


def governed_progress(urn: str) -> pd.DataFrame:
    """One school's progress after the disclosure rule: hidden figures NA, flags, a safe rule
    and sentence."""
    data, progress, _ = loads.school(urn)
    scope = loads.current_scope()
    return _governed(loads.current_version(), scope.key, str(urn), progress, data,
                     loads.settings())


def governed_measures(urn: str) -> pd.DataFrame:
    """One school's measures with every hidden figure's value and cohort NA (subgroup charts)."""
    data = loads.school(urn)[0]
    scope = loads.current_scope()
    return _measures(loads.current_version(), scope.key, str(urn), data, loads.settings())


def school_views(urn: str) -> list[governed.TargetView]:
    """One school's target cards, exceptions first, built once from the governed facts."""
    data = loads.school(urn)[0]
    return governed.school_views(governed_progress(urn), data, loads.settings(), urn,
                                 national_for=presenters.national_series)


def target_figure(view: governed.TargetView, large: bool = False):
    """The chart for one target card (large: projector sizes, for Presentation mode)."""
    return charts.target_view_chart(view, large=large)
