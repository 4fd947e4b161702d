"""Funnel: every team of the unit on one proportion or rate measure, against the unit's overall
value with 95 % and 99.8 % limits — which team differs, and which to learn from."""

import streamlit as st

from qi_dash.ui import funnel
from qi_dash.ui.session import failures_told
from qi_dash.ui.selection import breadcrumb, page

with failures_told():
    selection = page("Funnel", of_a_unit=True)
    breadcrumb(selection)
    st.title("Funnel plot: compare teams")
    funnel.funnel_view(selection)
