"""Measures: the shared language — every measure's operational definition, in full, for anyone."""

import streamlit as st

from qi_dash.ui import definitions_panel, hierarchy_table
from qi_dash.ui.session import failures_told
from qi_dash.ui.selection import page

with failures_told():
    selection = page("Measures")
    st.title("Measure definitions")
    st.markdown(
        "Every team's data is checked against these definitions and charted the same way. "
        "A change to a definition is saved as a new dated version; earlier versions are kept."
    )
    definitions = selection.definitions()
    definitions_panel.definitions_table(definitions)
    definitions_panel.definitions_download(definitions)
    definitions_panel.definition_details(selection, definitions)

    st.header("Teams and directorates")
    hierarchy_table.hierarchy_table(selection)

    st.header("Add or change a measure")
    definitions_panel.definition_form(selection, definitions)
    st.header("Load a definitions file")
    definitions_panel.definitions_upload()
