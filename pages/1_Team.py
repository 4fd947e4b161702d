"""Team: the team's board — the family of measures, outcome → process → balancing, summarised and
charted; in huddle mode (``view=huddle``) a shared screen. Above team level, its teams' boards in brief."""

import streamlit as st

from qi_dash.ui import aims, board, downloads, huddle, pack, panels, pdsa_cycles, phases, reading_guide
from qi_dash.ui.session import failures_told
from qi_dash.ui.selection import breadcrumb, page
from qi_dash.ui.widgets import markdown_text

with failures_told():
    selection = page("Team", of_a_unit=True)
    pack.board_pack(selection)
    if selection.level != "team":
        breadcrumb(selection)
        st.title(markdown_text(selection.name()))
        aims.aims_header(selection)
        board.team_briefs(selection)
        downloads.all_data_downloads(selection)
        st.stop()

    views = selection.views(tuple(d.code for d in selection.definitions()))
    if huddle.requested():
        st.title(markdown_text(selection.name()))
        with st.container(key=huddle.AIMS_KEY):
            aims.huddle_aims(selection)
        huddle.show(selection, views)
        st.stop()

    breadcrumb(selection)
    st.title(markdown_text(selection.name()))
    aims.aims_header(selection)
    controls = st.columns([1, 1, 3], vertical_alignment="center")
    with controls[0]:
        huddle.toggle()
    with controls[1]:
        show_2s = st.toggle("Show 2σ lines", value=False, help="The inner lines used by the 'two of three' rule.")
    with controls[2]:
        reading_guide.reading_guide()
    board.summary(selection, views)
    phases.team_phases(selection, views)
    board.chart_grid(selection, views, show_2s=show_2s)
    panels.not_reported(views)
    pdsa_cycles.cycles_section(selection)
    downloads.all_data_downloads(selection, views)
