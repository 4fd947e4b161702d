"""The organisation at a glance, for directors: headline figures and where data is missing
(the roll-up matrix is ``ui.matrix``). Every read goes through the selection, so
"Show data as it was on" applies here too."""

from __future__ import annotations


import pandas as pd
import streamlit as st

from qi_dash import coverage, periods
from qi_dash.ui.selection import Selection
from qi_dash.ui.widgets import table_height


def headline(selection: Selection) -> pd.DataFrame:
    """Teams, measures and the latest month with data; returns the per-team summary."""
    frame = selection.observations()
    definitions = selection.definitions()
    summary = coverage.team_summary(frame, selection.hierarchy, definitions, list(selection.team_codes))
    latest_month = coverage.latest(frame, definitions, "month")
    teams, measures, latest = st.columns(3)
    teams.metric("Teams", len(summary))
    measures.metric("Measures", len(definitions))
    latest.metric("Latest month with data", periods.label(latest_month, "month") if latest_month else "–")
    return summary


def coverage_table(summary: pd.DataFrame) -> None:
    st.dataframe(
        summary.drop(columns=["unit"]),
        hide_index=True,
        width="stretch",
        height=table_height(len(summary)),
        column_config={
            "Missing periods": st.column_config.NumberColumn(
                help="Periods with no data between a team's first period and the latest period any team reported."
            ),
            "Where": st.column_config.TextColumn(width="large"),
        },
    )
