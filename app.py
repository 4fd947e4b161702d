"""Home: the organisation at a glance — teams, measures, latest periods and missing data."""

import streamlit as st

from qi_dash.ui import organisation
from qi_dash.ui.selection import as_of_notice, page
from qi_dash.ui.widgets import markdown_text

selection = page("Home")
st.title(markdown_text(selection.name(selection.org)) or "qi-dash")
st.markdown(
    "Every team's quality-improvement measures in one place, with the same definitions, "
    "run charts and SPC for all — to learn from variation, not to judge."
)
as_of_notice(selection)
summary = organisation.headline(selection)

st.subheader("Variation across teams")
st.caption(
    "Each cell is the Making Data Count variation icon of a team's measure at its latest point: "
    "blue special cause improvement, orange special cause concern, grey common cause, purple neither. "
    "Open a team to see its charts and what they were testing."
)
organisation.variation_matrix(selection)

st.subheader("Teams and where data is missing")
organisation.coverage_table(summary)
