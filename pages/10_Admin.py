"""Admin: who may do what — roles per sign-in identity, as a table or a CSV — for administrators only."""

import streamlit as st

from qi_dash.ui import admin
from qi_dash.ui.session import failures_told
from qi_dash.ui.selection import page

with failures_told():
    selection = page("Admin")
    st.title("Administration")
    if not admin.may_administer():
        st.stop()
    st.header("Roles")
    admin.roles_section(selection)
    st.header("Roles as a file")
    admin.roles_file(selection)
    st.header("Every grant and revocation")
    admin.grant_history()
