"""The column-mapping form: for a file not in the template, which columns hold the period,
the team and each measure — saved under a name so the same layout is recognised next time."""

from __future__ import annotations

import html

import streamlit as st

from qi_dash.ingest.mapping_form import NOT_CHOSEN, FormChoices, mapping_from_form
from qi_dash.ingest.recognise import spec_signature
from qi_dash.ingest.spec import LAYOUTS, PERIOD_FORMS, TEAM_SOURCES, load_spec_bytes, validate_spec
from qi_dash.problems import InputError
from qi_dash.store import StoreConflict, StoreError
from qi_dash.ui import session
from qi_dash.ui.upload_wizard import plan_for
from qi_dash.upload import UploadPlan


def mapping_form(uploaded, plan: UploadPlan) -> UploadPlan:
    """Map a file that is not in the template: which columns are the period, the team and
    each measure. Returns the plan for the mapped file, or ``plan`` itself (still needing a
    mapping) until one is applied."""
    workbook = plan.workbook
    visible = [s for s in workbook.sheets if not s.hidden]
    st.warning(
        f"**{uploaded.name}** is not in the upload template. Say once which columns hold what; "
        "save the mapping under a name and files with the same columns are recognised next time."
    )
    key = f"mapping_{uploaded.file_id}"
    spec_file = st.file_uploader("Already have a mapping file (.json)? Use it", type=["json"], key=f"{key}_file")
    if spec_file is not None:
        try:
            spec = load_spec_bytes(spec_file.getvalue(), spec_file.name)
        except InputError as err:
            for problem in err.problems:
                st.error(str(problem))
            return plan
        return plan_for(uploaded, mapping=spec)
    sheet_names = [s.name for s in visible]
    left, right = st.columns(2)
    sheet_choice = left.selectbox("Sheet", [*sheet_names, "*"], key=f"{key}_sheet",
                                  format_func=lambda n: "Every sheet (a sheet per team)" if n == "*" else n)
    header_row = right.number_input("Row holding the column headings", min_value=1, value=1, step=1, key=f"{key}_header")
    sheet = visible[0] if sheet_choice == "*" else next(s for s in visible if s.name == sheet_choice)
    st.caption("The first rows of the sheet, as stored:")
    st.dataframe(sheet.frame.head(12).astype("string"), width="stretch")
    headings = [str(h).strip() for h in sheet.frame.loc[header_row].tolist() if h is not None and str(h).strip()] if header_row in sheet.frame.index else []
    if not headings:
        st.error(f"Row {header_row} of sheet '{sheet.name}' has no headings; choose the row that holds them.")
        return plan
    columns = [NOT_CHOSEN, *headings]

    def pick(label, widget_key, where=st, help_text=None):
        return where.selectbox(label, columns, key=f"{key}_{widget_key}", help=help_text,
                               format_func=lambda c: c or "— not in this file —")

    team: dict = {}
    left, right = st.columns(2)
    period_column = pick("Period column", "period", left)
    form = right.selectbox("The period is", list(PERIOD_FORMS), key=f"{key}_form", format_func=PERIOD_FORMS.get)
    team_how = st.radio("Team", list(TEAM_SOURCES), horizontal=True, key=f"{key}_team_how",
                        format_func=TEAM_SOURCES.get)
    if team_how == "column":
        team["team_column"] = pick("Team column", "team")
    elif team_how == "columns":
        joined, separator = st.columns([3, 1])
        team["team_columns"] = tuple(joined.multiselect("Team columns, in order", headings, key=f"{key}_teams"))
        team["separator"] = separator.text_input("Joined by", " ", key=f"{key}_separator")
    elif team_how == "fixed":
        tree = session.hierarchy(session.database_path(), session.store().data_version())
        team["fixed_team"] = st.selectbox("Team", tree.teams, format_func=tree.name, key=f"{key}_fixed")
    directorate = pick("Directorate column (optional: places teams that are new to the hierarchy)", "directorate")

    layout = st.radio("Layout", list(LAYOUTS), horizontal=True, key=f"{key}_layout", format_func=LAYOUTS.get)
    measures: dict = {}
    long_columns: dict = {}
    if layout == "wide":
        st.markdown("**Which columns hold which measures**")
        for d in session.store().definitions():
            cells = st.columns([2, 1, 1]) if d.has_denominator else st.columns([2, 2])
            cells[0].markdown(f"{html.escape(d.name)}  \n`{d.code}` · {d.kind}")
            if d.has_denominator:
                measures[d.code] = (pick("Numerator", f"num_{d.code}", cells[1]),
                                    pick("Denominator", f"den_{d.code}", cells[2]))
            else:
                measures[d.code] = (pick("Value", f"val_{d.code}", cells[1]),)
    else:
        cells = st.columns(4)
        long_columns["measure_column"] = pick("Measure column", "measure_column", cells[0])
        for cell, part in zip(cells[1:], ("value", "numerator", "denominator")):
            long_columns[f"{part}_column"] = pick(part.capitalize(), f"long_{part}", cell)
    comment = pick("Comment column (optional)", "comment")
    name = st.text_input("Save this mapping as (optional)", key=f"{key}_name",
                         help="Files with the same column headings will be recognised next time.")
    spec = mapping_from_form(FormChoices(
        sheet=sheet_choice, first_sheet=sheet_choice == sheet_names[0], header_row=header_row,
        period_column=period_column, period_form=form, team_source=team_how, **team,
        directorate_column=directorate, layout=layout, measures=measures, **long_columns,
        comment_column=comment, name=name,
    ))
    apply, save_only = st.columns(2)
    if save_only.button("Save this mapping only (no upload)", key=f"{key}_save_only", disabled=not name.strip()):
        _save_without_upload(spec, workbook)
    if apply.button("Apply mapping", type="primary", key=f"{key}_apply"):
        problems = validate_spec(spec)
        if problems:
            for problem in problems:
                st.error(problem)
            return plan
        st.session_state[f"{key}_applied"] = spec
    applied = st.session_state.get(f"{key}_applied")
    if not applied:
        return plan
    mapped = plan_for(uploaded, mapping=applied)
    # The mapping is saved by the upload's own save, so a mapping that fails saves nothing.
    if mapped.mapping_to_save is not None and mapped.ok and mapped.count("added") + mapped.count("updated"):
        st.info(f"Mapping '{html.escape(mapped.mapping_to_save.name)}' will be saved with this upload: "
                "files with these columns will be recognised next time.")
    return mapped


def _save_without_upload(spec: dict, workbook) -> None:
    """The user's explicit "save this mapping" without uploading the file."""
    problems = validate_spec(spec)
    try:
        signature = None if problems else spec_signature(spec, workbook)
    except InputError as err:
        problems = [str(p) for p in err.problems]
    if problems:
        for problem in problems:
            st.error(problem)
        return
    name = spec["name"].strip()
    try:
        saved = session.store().save_mapping(name, signature, spec)
    except (StoreError, StoreConflict) as err:
        st.error(str(err))
        return
    if saved:
        st.success(f"Mapping '{html.escape(name)}' saved: files with these columns will be recognised next time.")
    else:
        st.info(f"Mapping '{html.escape(name)}' is already saved as it is.")
