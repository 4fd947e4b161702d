"""Team: the team's board — the family of measures, outcome → process → balancing, summarised and
charted; in huddle mode (``view=huddle``) a shared screen. Above team level, its teams' boards in brief."""

import streamlit as st

from qi_dash.ui import board, huddle, panels, reading_guide, tests_of_change
from qi_dash.ui.selection import breadcrumb, page
from qi_dash.ui.widgets import markdown_text

selection = page("Team")
if selection.level != "team":
    breadcrumb(selection)
    st.title(markdown_text(selection.name()))
    board.team_briefs(selection)
    st.stop()

views = selection.views(tuple(d.code for d in selection.definitions()))
if huddle.requested():
    st.title(markdown_text(selection.name()))
    # The team's aim (qi_dash.ui.aims) goes here, under the name.
    huddle.show(selection, views)
    st.stop()

breadcrumb(selection)
st.title(markdown_text(selection.name()))
# The team's aims and people (qi_dash.ui.aims) go here, at the top of the board.
controls = st.columns([1, 1, 3], vertical_alignment="center")
with controls[0]:
    huddle.toggle()
with controls[1]:
    show_2s = st.toggle("Show 2σ lines", value=False, help="The inner lines used by the 'two of three' rule.")
with controls[2]:
    reading_guide.reading_guide()
board.summary(selection, views)
tests_of_change.test_of_change_form(selection)
# Phase panels go here, above the charts they change.
board.chart_grid(selection, views, show_2s=show_2s)
panels.not_reported(views)
