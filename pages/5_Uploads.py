"""Uploads: every upload — who, when, which file, what changed — undo and redo."""

import streamlit as st

from qi_dash.ui import history
from qi_dash.ui.session import failures_told
from qi_dash.ui.selection import page

with failures_told():
    selection = page("Uploads")
    st.title("Upload history")
    st.markdown(
        "Every saved value records the upload that wrote it. Undoing an upload puts back the values "
        "it replaced, keeps values that later uploads wrote, and is itself recorded here; an undone "
        "upload can be redone."
    )
    uploads = history.upload_history(selection)
    history.undo_form(uploads, selection)
    history.redo_form(uploads, selection)
