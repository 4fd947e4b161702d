"""Upload: a team's spreadsheet is checked, previewed and saved — or every problem is listed."""

import streamlit as st

from qi_dash import ui

selection = ui.page("Upload")
st.title("Upload data")
st.markdown(
    "Upload the spreadsheet your team keeps. It is checked against the standard measure "
    "definitions and you see exactly what will change before anything is saved."
)
ui.template_download(selection)

uploaded = st.file_uploader(
    f"A .xlsx or .csv file (up to {ui.upload_limit_mb()} MB)",
    type=["xlsx", "csv"],
    key=ui.uploader_key(),
)
if uploaded is None:
    ui.last_saved_message()
    st.stop()

plan = ui.plan_for(uploaded)
if plan.needs_mapping and plan.problems:
    ui.show_problems(plan)
    st.stop()
if plan.needs_mapping:
    plan = ui.mapping_form(uploaded, plan)
    if plan is None:
        st.stop()
ui.show_notes(plan)
if plan.unknown_teams and not plan.ok:
    plan = ui.place_new_teams(uploaded, plan, selection)
if plan.problems:
    ui.show_problems(plan)
    st.stop()
ui.preview_and_save(uploaded, plan)
