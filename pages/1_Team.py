"""Team: the team's family of measures — outcome, process, balancing — for the huddle screen."""

import streamlit as st

from qi_dash.ui import aims, panels, pdsa_cycles, phases, reading_guide
from qi_dash.ui.selection import breadcrumb, page
from qi_dash.ui.widgets import markdown_text
from qi_dash.vocabulary import FAMILIES

selection = page("Team")
breadcrumb(selection)
st.title(markdown_text(selection.name()) if selection.level == "team" else "Team measures")
aims.aims_header(selection)
if selection.level != "team":
    st.info("Choose a team in the sidebar to see its measures.")
    st.stop()

reading_guide.reading_guide()
show_2s = st.toggle("Show 2σ lines", value=False, help="The inner lines used by the 'two of three' rule.")
views = selection.views(tuple(d.code for d in selection.definitions()))
phases.team_phases(selection, views)
for family in FAMILIES:
    panels.measure_grid(views, family, show_2s=show_2s, changes=selection.pdsa_cycles())
panels.not_reported(views)
pdsa_cycles.cycles_section(selection)
