"""The governed facts every governor-facing page draws from (the disclosure rule is applied in
analysis/, once, and cached by store version and scope): governed progress, governed figures and
one analysis.governed.TargetView per target card. A page never holds a hidden number."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis import charts, governed, presenters
from app_pages import loads


@st.cache_data(show_spinner=False, max_entries=16)
def _governed(version: str, scope_key: str, _progress: pd.DataFrame, _data, _settings
              ) -> pd.DataFrame:
    return governed.governed_progress(_progress, _data.measures, _data.milestones, _settings)


@st.cache_data(show_spinner=False, max_entries=16)
def _measures(version: str, scope_key: str, _data, _settings) -> pd.DataFrame:
    return governed.governed_measures(_data.measures, _settings)


def governed_progress() -> pd.DataFrame:
    """progress after the disclosure rule: hidden figures NA, flags, a safe rule and sentence."""
    scope = loads.current_scope()
    return _governed(loads.current_version(), scope.key, loads.progress(), loads.dataset(),
                     loads.settings())


def governed_measures() -> pd.DataFrame:
    """The person's measures with every hidden figure's value and cohort NA (for subgroup charts)."""
    scope = loads.current_scope()
    return _measures(loads.current_version(), scope.key, loads.dataset(), loads.settings())


def school_views(urn: str) -> list[governed.TargetView]:
    """One school's target cards, exceptions first, built once from the governed facts."""
    return governed.school_views(governed_progress(), loads.dataset(), loads.settings(), urn,
                                 national_for=presenters.national_series)


def target_figure(view: governed.TargetView, large: bool = False):
    """The chart for one target card (large: projector sizes, for Presentation mode)."""
    return charts.target_view_chart(view, large=large)
