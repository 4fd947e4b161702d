"""Home: the organisation at a glance — teams, measures, latest periods and missing data."""

import streamlit as st

from qi_dash import coverage, periods, ui

selection = ui.page("Home")
st.title(selection.name(selection.org) or "qi-dash")
st.markdown(
    "Every team's quality-improvement measures in one place, with the same definitions, "
    "run charts and SPC for all — to learn from variation, not to judge."
)

frame = ui.observations(selection.path, selection.version, selection.team_codes)
definitions = selection.definitions()
summary = coverage.team_summary(frame, selection.hierarchy, definitions, list(selection.team_codes))
latest_month = coverage.latest(frame, definitions, "month")

teams, measures, latest = st.columns(3)
teams.metric("Teams", len(summary))
measures.metric("Measures", len(definitions))
latest.metric("Latest month with data", periods.label(latest_month, "month") if latest_month else "–")

st.subheader("Variation across teams")
st.caption(
    "Each cell is the Making Data Count variation icon of a team's measure at its latest point: "
    "blue special cause improvement, orange special cause concern, grey common cause, purple neither. "
    "Open a team to see its charts and what they were testing."
)
ui.variation_matrix(selection)

st.subheader("Teams and where data is missing")
st.dataframe(
    summary.drop(columns=["unit"]),
    hide_index=True,
    width="stretch",
    height=ui.table_height(len(summary)),
    column_config={
        "Missing periods": st.column_config.NumberColumn(
            help="Periods with no data between a team's first period and the latest period any team reported."
        ),
        "Where": st.column_config.TextColumn(width="large"),
    },
)
