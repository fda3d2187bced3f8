"""The governed facts every governor-facing page draws from (the disclosure rule is applied in
analysis/, once, and cached by store version, scope and school): governed progress, governed
figures and one analysis.governed.TargetView per target card. A page never holds a hidden
number."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis import charts, governed, presenters
from app_pages import accessible, loads


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
    """One school's target cards, exceptions first, built once per store version, scope and
    school from the governed facts."""
    scope = loads.current_scope()
    return _school_views(loads.current_version(), scope.key, str(urn))


@st.cache_data(show_spinner=False, max_entries=64)
def _school_views(version: str, scope_key: str, urn: str) -> list[governed.TargetView]:
    data = loads.school(urn)[0]
    schools = data.schools
    phase = (schools.loc[schools["urn"].astype(str) == str(urn), "phase"]
             if {"urn", "phase"} <= set(schools.columns) else pd.Series(dtype=object))
    phase = None if phase.empty else str(phase.iloc[0])
    # National figures for the school's phase where they are published (issue 13).
    return governed.school_views(
        governed_progress(urn), data, loads.settings(), urn,
        national_for=lambda measure, subgroup: presenters.national_series(measure, subgroup,
                                                                          phase))


def target_figure(view: governed.TargetView, large: bool = False):
    """The chart for one target card (large: projector sizes, for Presentation mode). Built once
    per store version, scope, school and target (plotly's figure building is most of a warm
    School page's run): the figure depends only on stored data, and pages only read it."""
    scope = loads.current_scope()
    return _target_figure(loads.current_version(), scope.key, str(view.urn), str(view.target_id),
                          large, view)


@st.cache_resource(show_spinner=False, max_entries=256)
def _target_figure(version: str, scope_key: str, urn: str, target_id: str, large: bool,
                   _view: governed.TargetView):
    figure = charts.target_view_chart(_view, large=large)
    if large:
        # Presentation mode states the title and status in words above the chart, which gives
        # their room to the plot. Set here, once: a page never changes a cached figure.
        figure.update_layout(height=accessible.PRESENT_CHART_HEIGHT,
                             title={"text": "", "subtitle": {"text": ""}},
                             margin={"t": 40, "b": 130}, legend={"font": {"size": 16}})
    return figure
