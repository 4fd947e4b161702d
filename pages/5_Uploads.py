"""Uploads: every upload — who, when, which file, what changed — and undo."""

import streamlit as st

from qi_dash import ui

selection = ui.page("Uploads")
st.title("Upload history")
st.markdown(
    "Every saved value records the upload that wrote it. Undoing an upload puts back the values "
    "it replaced, keeps values that later uploads wrote, and is itself recorded here."
)
uploads = ui.upload_history(selection)
ui.undo_form(uploads)
