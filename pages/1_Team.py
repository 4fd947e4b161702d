"""Team: the team's family of measures — outcome, process, balancing — for the huddle screen."""

import streamlit as st

from qi_dash import ui
from qi_dash.definitions import FAMILIES

selection = ui.page("Team")
ui.breadcrumb(selection)
if selection.level != "team":
    st.title("Team measures")
    st.info("Choose a team in the sidebar to see its measures.")
    st.stop()

st.title(selection.name())
ui.reading_guide()
show_2s = st.toggle("Show 2σ lines", value=False, help="The inner lines used by the 'two of three' rule.")
ui.test_of_change_form(selection)
changes = ui.changes_for(selection)
definitions = selection.definitions()
views = ui.views(selection.path, selection.version, selection.team_codes, tuple(d.code for d in definitions), selection.as_of_moment)
for family in FAMILIES:
    ui.measure_grid(views, family, show_2s=show_2s, changes=changes)
ui.not_reported(views)
