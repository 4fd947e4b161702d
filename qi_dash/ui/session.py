"""The store a session works on, and its reads, cached by data version.

Every cached read takes the database path and its data version, so a save in any session
refreshes every session's next read and nothing stale is ever shown.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import pandas as pd
import streamlit as st

from qi_dash import bootstrap, pdsa, summary, targets
from qi_dash.analysis import MeasureView, unit_views
from qi_dash.definitions import MeasureDefinition
from qi_dash.hierarchy import Hierarchy
from qi_dash.store import Store, StoreUnavailable
from qi_dash.ui.widgets import markdown_text


def database_path() -> str:
    return os.environ.get("QI_DASH_DB") or str(bootstrap.DEFAULT_DB)


# The first visit to a new install builds the demo organisation (a few seconds): say so in words.
@st.cache_resource(on_release=lambda store: store.close(),
                   show_spinner="Opening the database (on the first run, building the demo organisation)…")
def _store(path: str) -> Store:
    return bootstrap.open_app_store(path)


def store() -> Store:
    """The session's store; if it cannot be used, the page says why and what to do, and stops
    (not cached, so the next visit tries again once the file is put right)."""
    with failures_told():
        return _store(database_path())
    st.stop()


@contextmanager
def failures_told() -> Iterator[None]:
    """A page's body: if the database fails part-way through it (a PostgreSQL server gone, a
    DuckDB file held by another program beyond the wait), the page says why and what to do in
    words where it stopped, not Streamlit's bare "This app has encountered an error"."""
    try:
        yield
    except StoreUnavailable as err:
        st.error(markdown_text(str(err)), icon="⚠️")


# The Upload page's plan of the file in hand (its rows, problems and preview): one per
# session, released when it is saved or the session leaves the Upload page.
UPLOAD_PLAN = "_plan"


def forget_upload() -> None:
    st.session_state.pop(UPLOAD_PLAN, None)


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
    path: str, version: int, team_codes: tuple[str, ...], measure_codes: tuple[str, ...], as_of: datetime | None,
    unit: str,
) -> list[MeasureView]:
    """The measures of the teams given, against the targets over time and with the aims of
    ``unit`` (the unit the teams make up)."""
    return unit_views(observations(path, version, team_codes, as_of), definitions(path, version), team_codes, unit,
                      measure_codes, targets=unit_targets(path, version, as_of), aims=_store(path).aims(as_of),
                      phase_changes=phase_changes(path, version, (unit,), as_of))


def unit_targets(path: str, version: int, as_of: datetime | None = None):
    """``targets(unit, measure)``: the targets over time a unit follows (as they stood at ``as_of``)."""
    store = _store(path)
    defaults = {d.code: d.target for d in definitions(path, version)}
    return targets.targets_by_unit(store.target_steps(as_of), hierarchy(path, version).path_to, defaults)


@st.cache_data(max_entries=16, show_spinner=False)
def phase_changes(path: str, version: int, units: tuple[str, ...], as_of: datetime | None = None) -> pd.DataFrame:
    return _store(path).phase_changes(units=list(units), as_of=as_of)


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
    """The summary as the data stood at ``as_of``, computed from that day's observations, each
    series as its chart shows it (the targets and phase changes the charts use)."""
    return summary.summarise(observations(path, version, team_codes, as_of), definitions(path, version),
                             hierarchy(path, version), targets=unit_targets(path, version, as_of),
                             phase_changes=_store(path).phase_changes(as_of=as_of))


@st.cache_data(max_entries=16, show_spinner=False)
def pdsa_cycles(path: str, version: int, unit: str, as_of: datetime | None = None) -> pd.DataFrame:
    """The cycles on a unit's charts: now, or as they stood at ``as_of``."""
    tree = hierarchy(path, version)
    return pdsa.cycles_for_unit(_store(path).pdsa_cycles(pdsa.related_units(unit, tree), as_of), unit, tree)


@st.cache_data(max_entries=16, show_spinner=False)
def teams_pdsa_cycles(path: str, version: int, team_codes: tuple[str, ...], as_of: datetime | None) -> pd.DataFrame:
    """The teams' own PDSA cycles (not those of the units above them), as they stood at ``as_of``."""
    return _store(path).pdsa_cycles(list(team_codes), as_of)


@st.cache_data(max_entries=16, show_spinner=False)
def pdsa_cycle_versions(path: str, version: int, cycle_id: int) -> pd.DataFrame:
    return _store(path).pdsa_cycle_versions(cycle_id)


@st.cache_data(max_entries=8, show_spinner=False)
def uploads(path: str, version: int) -> pd.DataFrame:
    return _store(path).uploads()


@st.cache_data(max_entries=64, show_spinner=False)
def definition_versions(path: str, version: int, code: str) -> pd.DataFrame:
    return _store(path).definition_versions(code)
