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
show_2s = st.toggle("Show 2σ lines", value=False, help="The inner lines used by the 'two of three' rule.")
definitions = selection.definitions()
views = ui.views(selection.path, selection.version, selection.team_codes, tuple(d.code for d in definitions), selection.as_of_moment)
for family in FAMILIES:
    mine = [v for v in views if v.definition.family == family and v.has_data]
    if not mine:
        continue
    st.header(ui.FAMILY_TITLES[family])
    for left, right in zip(mine[::2], [*mine[1::2], None]):
        columns = st.columns(2)
        for column, view in zip(columns, (left, right)):
            if view is not None:
                with column:
                    ui.measure_panel(view, key=f"chart_{view.definition.code}", show_2s=show_2s)
not_reported = [v.definition.name for v in views if not v.has_data]
if not_reported:
    st.caption("Not reported by this team: " + ", ".join(not_reported) + ".")
