"""Upload: a team's spreadsheet is checked, previewed and saved — or every problem is listed."""

import streamlit as st

from qi_dash.ui import mapping_form, mappings_panel, upload_wizard
from qi_dash.ui.session import failures_told
from qi_dash.ui.selection import page
from qi_dash.upload import Step

with failures_told():
    selection = page("Upload")
    st.title("Upload data")
    st.markdown(
        "Upload the spreadsheet your team keeps. It is checked against the standard measure "
        "definitions and you see exactly what will change before anything is saved."
    )
    if not upload_wizard.may_upload(selection):
        st.stop()
    upload_wizard.template_download(selection)

    uploaded = st.file_uploader(
        f"A .xlsx or .csv file (up to {upload_wizard.upload_limit_mb()} MB)",
        type=["xlsx", "csv"],
        key=upload_wizard.uploader_key(),
    )
    mappings_panel.mappings_panel()
    if uploaded is None:
        upload_wizard.last_saved_message()
        st.stop()

    plan = upload_wizard.plan_for(uploaded, recognise=mappings_panel.recognising(uploaded))
    mappings_panel.recognised_mapping(uploaded, plan)
    mappings_panel.proposed_mapping(uploaded, plan)
    if plan.next_step is Step.MAP:
        plan = mapping_form.mapping_form(uploaded, plan)  # stays on screen above the mapped file's steps
    match plan.next_step:
        case Step.MAP:
            pass  # waiting for the mapping form above
        case Step.PLACE:
            # The file's other problems wait until the teams are placed: the fix is here, not in the file.
            upload_wizard.show_notes(plan)
            upload_wizard.place_new_teams(plan, selection)
        case Step.FIX:
            upload_wizard.show_notes(plan)
            upload_wizard.show_problems(plan)
        case Step.PREVIEW:
            upload_wizard.show_notes(plan)
            upload_wizard.preview_and_save(uploaded, plan)
