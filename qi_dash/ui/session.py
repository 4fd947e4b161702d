"""The store a session works on, and its reads, cached by data version.

Every cached read takes the database path and its data version, so a save in any session
refreshes every session's next read and nothing stale is ever shown.
"""

from __future__ import annotations

import os
from datetime import datetime

import pandas as pd
import streamlit as st

from qi_dash import bootstrap, summary
from qi_dash.analysis import MeasureView, measure_view
from qi_dash.definitions import MeasureDefinition
from qi_dash.hierarchy import Hierarchy
from qi_dash.store import Store


def database_path() -> str:
    return os.environ.get("QI_DASH_DB") or str(bootstrap.DEFAULT_DB)


@st.cache_resource(on_release=lambda store: store.close())
def _store(path: str) -> Store:
    store = Store.open(path)
    if bootstrap.is_new(store):
        bootstrap.load_demo(store)
    return store


def store() -> Store:
    return _store(database_path())


@st.cache_resource(max_entries=8, show_spinner=False)
def hierarchy(path: str, version: int) -> Hierarchy:
    """One immutable hierarchy per data version, shared by every session (not copied per rerun)."""
    return _store(path).hierarchy()


@st.cache_data(max_entries=8, show_spinner=False)
def definitions(path: str, version: int) -> list[MeasureDefinition]:
    return _store(path).definitions()


@st.cache_data(max_entries=32, show_spinner=False)
def observations(path: str, version: int, team_codes: tuple[str, ...], as_of: datetime | None) -> pd.DataFrame:
    return _store(path).observations(units=list(team_codes), as_of=as_of)


@st.cache_data(max_entries=64, show_spinner=False)
def views(
    path: str, version: int, team_codes: tuple[str, ...], measure_codes: tuple[str, ...], as_of: datetime | None
) -> list[MeasureView]:
    frame = observations(path, version, team_codes, as_of)
    by_code = {d.code: d for d in definitions(path, version)}
    return [measure_view(frame, by_code[code], list(team_codes)) for code in measure_codes]


@st.cache_data(max_entries=16, show_spinner=False)
def series_summary(path: str, version: int, units: tuple[str, ...]) -> pd.DataFrame:
    """The stored summary of the units' series (no series is recomputed)."""
    return _store(path).summary(list(units))


def summary_of(
    path: str, version: int, units: tuple[str, ...], team_codes: tuple[str, ...], as_of: datetime | None
) -> pd.DataFrame:
    """The summary of the units' series: stored, or as the data stood at ``as_of`` (computed
    from the observations of ``team_codes`` then)."""
    if as_of is None:
        return series_summary(path, version, units)
    return series_summary_as_of(path, version, team_codes, as_of)


@st.cache_data(max_entries=64, show_spinner=False)
def reported_measures(path: str, version: int, unit: str) -> frozenset[str]:
    """The measures a unit has data for (its own, or pooled from its teams)."""
    found = _store(path).summary([unit])
    return frozenset(found.loc[found["points"] > 0, "measure"])


@st.cache_data(max_entries=8, show_spinner=False)
def series_summary_as_of(path: str, version: int, team_codes: tuple[str, ...], as_of: datetime) -> pd.DataFrame:
    """The summary as the data stood at ``as_of``, computed from that day's observations."""
    return summary.summarise(observations(path, version, team_codes, as_of), definitions(path, version),
                             hierarchy(path, version))


@st.cache_data(max_entries=16, show_spinner=False)
def tests_of_change(path: str, version: int, team_codes: tuple[str, ...]) -> pd.DataFrame:
    return _store(path).tests_of_change(list(team_codes))


@st.cache_data(max_entries=8, show_spinner=False)
def uploads(path: str, version: int) -> pd.DataFrame:
    return _store(path).uploads()


@st.cache_data(max_entries=64, show_spinner=False)
def definition_versions(path: str, version: int, code: str) -> pd.DataFrame:
    return _store(path).definition_versions(code)
