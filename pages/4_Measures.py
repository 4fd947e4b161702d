"""Measures: the shared language — every measure's operational definition, in full, for anyone."""

import streamlit as st

from qi_dash import ui

selection = ui.page("Measures")
st.title("Measure definitions")
st.markdown(
    "Every team's data is checked against these definitions and charted the same way. "
    "A change to a definition is saved as a new dated version; earlier versions are kept."
)
definitions = selection.definitions()
ui.definitions_table(definitions)
ui.definitions_download(definitions)
ui.definition_details(selection, definitions)

st.header("Teams and directorates")
ui.hierarchy_table(selection)

st.header("Add or change a measure")
ui.definition_form(selection, definitions)
st.header("Load a definitions file")
ui.definitions_upload()
