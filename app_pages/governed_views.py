"""The governed facts every governor-facing page draws from (the disclosure rule is applied in
analysis/, once, and cached by store version and scope): governed progress, governed figures and
one analysis.governed.TargetView per target card. A page never holds a hidden number."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis import charts, governed
from app_pages import common


@st.cache_data(show_spinner=False, max_entries=16)
def _governed(version: str, scope_key: str, _progress: pd.DataFrame, _data, _settings
              ) -> pd.DataFrame:
    return governed.governed_progress(_progress, _data.measures, _data.milestones, _settings)


@st.cache_data(show_spinner=False, max_entries=16)
def _measures(version: str, scope_key: str, _data, _settings) -> pd.DataFrame:
    return governed.governed_measures(_data.measures, _settings)


def governed_progress() -> pd.DataFrame:
    """progress after the disclosure rule: hidden figures NA, flags, a safe rule and sentence."""
    scope = common.current_scope()
    return _governed(common.current_version(), scope.key, common.progress(), common.dataset(),
                     common.settings())


def governed_measures() -> pd.DataFrame:
    """The person's measures with every hidden figure's value and cohort NA (for subgroup charts)."""
    scope = common.current_scope()
    return _measures(common.current_version(), scope.key, common.dataset(), common.settings())


def school_views(urn: str) -> list[governed.TargetView]:
    """One school's target cards, exceptions first, built once from the governed facts."""
    return governed.school_views(governed_progress(), common.dataset(), common.settings(), urn,
                                 national_for=common.national_series)


def target_figure(view: governed.TargetView, large: bool = False):
    """The chart for one target card (large: projector sizes, for Presentation mode)."""
    return charts.target_view_chart(view, large=large)
