"""The organisation at a glance, for directors: headline figures and where data is missing
(the roll-up matrix is ``ui.matrix``). Every read goes through the selection, so
"Show data as it was on" applies here too."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from qi_dash import coverage, periods
from qi_dash.ui import session
from qi_dash.ui.selection import Selection
from qi_dash.ui.widgets import table_height


def headline(selection: Selection) -> None:
    """Teams, measures and the latest month with data, from the series summary (no
    observation is read: an organisation of 500 teams has millions)."""
    definitions = selection.definitions()
    series = session.summary_of(selection.path, selection.version, selection.team_codes, selection.team_codes,
                                selection.as_of_moment)
    # The latest month a monthly measure has data for; an organisation that reports only weekly
    # gets its latest week instead of a dash.
    reported = series.loc[series["points"].gt(0)]
    found = {f: reported.loc[reported["measure"].isin([d.code for d in definitions if d.frequency == f]),
                             "latest_period"].max() for f in ("month", "week")}
    frequency = "week" if pd.isna(found["month"]) and not pd.isna(found["week"]) else "month"
    teams, measures, latest = st.columns(3)
    teams.metric("Teams", len(selection.team_codes))
    measures.metric("Measures", len(definitions))
    latest.metric(f"Latest {frequency} with data",
                  "–" if pd.isna(found[frequency]) else periods.label(pd.Timestamp(found[frequency]), frequency))


def coverage_section(selection: Selection) -> None:
    """Every team and where its data is missing, read from the observations when asked for."""
    if not st.toggle("Show every team and where data is missing", key="coverage_on"):
        return
    frame = selection.observations()
    coverage_table(coverage.team_summary(frame, selection.hierarchy, selection.definitions(), list(selection.team_codes)))


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
