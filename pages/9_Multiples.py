"""Multiples: one measure, every team of the unit as a small SPC chart — where the signals are,
and which teams to learn from."""

import streamlit as st

from qi_dash.ui import multiples
from qi_dash.ui.session import failures_told
from qi_dash.ui.selection import breadcrumb, page

with failures_told():
    selection = page("Multiples", of_a_unit=True)
    breadcrumb(selection)
    st.title("Small multiples")
    multiples.multiples_view(selection)
