"""The column-mapping form: for a file not in the template, which columns hold the period,
the team and each measure — saved under a name so the same layout is recognised next time."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from qi_dash.ingest.detect import Proposal
from qi_dash.ingest.mapping_form import (
    EMPTY_TEAM_WORDS,
    NOT_CHOSEN,
    FormChoices,
    choices_from_spec,
    mapping_from_form,
    sheet_fields,
)
from qi_dash.ingest.recognise import spec_signature
from qi_dash.ingest.workbook import Sheet, sheet_table
from qi_dash.ingest.spec import LAYOUTS, PERIOD_FORMS, TABLE_ENDS, TEAM_SOURCES, load_spec_bytes, validate_spec
from qi_dash.problems import InputError
from qi_dash.access import NotAllowed
from qi_dash.store import StoreConflict, StoreError
from qi_dash.ui import mappings_panel, session, signin
from qi_dash.ui.upload_wizard import plan_for
from qi_dash.ui.value_mapping import EVERY_VISIBLE, FormState, across_rows, sheets_to_read, value_tables
from qi_dash.upload import UploadPlan
from qi_dash.ui.widgets import markdown_text


def mapping_form(uploaded, plan: UploadPlan) -> UploadPlan:
    """Map a file that is not in the template: which columns are the period, the team and
    each measure. Returns the plan for the mapped file, or ``plan`` itself (still needing a
    mapping) until one is applied."""
    workbook = plan.workbook
    visible = [s for s in workbook.sheets if not s.hidden]
    st.warning(
        f"**{markdown_text(uploaded.name)}** is not in the upload template. Say once which columns hold what; "
        "save the mapping under a name and files with the same columns are recognised next time."
    )
    key = f"mapping_{uploaded.file_id}"
    spec_file = st.file_uploader("Already have a mapping file (.json)? Use it", type=["json"], key=f"{key}_file")
    if spec_file is not None:
        try:
            spec = load_spec_bytes(spec_file.getvalue(), spec_file.name)
        except InputError as err:
            for problem in err.problems:
                st.error(markdown_text(str(problem)))
            return plan
        return plan_for(uploaded, mapping=spec)
    proposal = mappings_panel.set_aside_proposal(uploaded)
    proposed = _proposed_choices(proposal)
    first_visible = visible[0].name
    form = FormState(key, proposal, proposed, first_visible)
    if proposed is not None:
        st.caption("The form holds the proposed mapping: each guess says how sure it was (hover the ?). "
                   "Correct what is wrong and apply it.")
    left, right = st.columns(2)
    with left:
        selected = sheets_to_read(form, workbook)
    header_row = right.number_input("Row holding the column headings", min_value=1, step=1,
                                    key=form.widget("header"), help=form.help("header_row"))
    table_end = right.selectbox("The table ends", list(TABLE_ENDS), format_func=TABLE_ENDS.get,
                                key=form.widget("table_end", list(TABLE_ENDS)), help=form.help("table_end"))
    shown = next((workbook.sheet(n) for n in selected if n != EVERY_VISIBLE), visible[0])
    st.caption(f"The first rows of sheet '{markdown_text(shown.name)}', as stored:")
    st.dataframe(shown.frame.head(12).astype("string"), width="stretch")
    headings = [str(h).strip() for h in shown.frame.loc[header_row].tolist() if h is not None and str(h).strip()] if header_row in shown.frame.index else []
    if not selected or not headings:
        st.error("Choose at least one sheet to read." if not selected else
                 f"Row {header_row} of sheet '{shown.name}' has no headings; choose the row that holds them.")
        return plan
    columns = [NOT_CHOSEN, *headings]

    def pick(label, widget_key, where=st, guess=None):
        return where.selectbox(label, columns, key=form.widget(widget_key, columns), help=form.help(guess),
                               format_func=lambda c: c or "— not in this file —")

    layout = st.radio("Layout", list(LAYOUTS), horizontal=True, key=form.widget("layout", list(LAYOUTS)),
                      format_func=LAYOUTS.get, help=form.help("layout"))
    team: dict = {}
    left, right = st.columns(2)
    period_column = NOT_CHOSEN if layout == "periods_across" else pick("Period column", "period", left, "period")
    period_form = right.selectbox("The period is", list(PERIOD_FORMS), key=form.widget("form", list(PERIOD_FORMS)),
                                  format_func=PERIOD_FORMS.get, help=form.help("period"))
    team_how = st.radio("Team", list(TEAM_SOURCES), horizontal=True, key=form.widget("team_how", list(TEAM_SOURCES)),
                        format_func=TEAM_SOURCES.get, help=form.help("team"))
    if team_how == "column":
        team["team_column"] = pick("Team column", "team", guess="team")
    elif team_how == "columns":
        joined, separator = st.columns([3, 1])
        team["team_columns"] = tuple(joined.multiselect("Team columns, in order", headings,
                                                        key=form.widget("teams", headings), help=form.help("team")))
        team["separator"] = separator.text_input("Joined by", key=form.widget("separator", default=" "))
    elif team_how == "fixed":
        tree = session.hierarchy(session.database_path(), session.store().data_version())
        team["fixed_team"] = st.selectbox("Team", tree.teams, format_func=tree.name,
                                          key=form.widget("fixed", tree.teams), help=form.help("team"))
    if team_how in ("column", "columns"):
        team["empty_team"] = st.selectbox("A row with data but no team", list(EMPTY_TEAM_WORDS),
                                          key=form.widget("empty", list(EMPTY_TEAM_WORDS)),
                                          format_func=EMPTY_TEAM_WORDS.get, help=form.help("team"))
    directorate = pick("Directorate column (optional: places teams that are new to the hierarchy)", "directorate",
                       guess="directorate")

    by_layout: dict = {}
    if layout == "wide":
        st.markdown("**Which columns hold which measures**")
        measures: dict = {}
        for d in session.store().definitions():
            cells = st.columns([2, 1, 1]) if d.has_denominator else st.columns([2, 2])
            cells[0].markdown(f"{markdown_text(d.name)}  \n`{d.code}` · {d.kind}")
            if d.has_denominator:
                measures[d.code] = (pick("Numerator", f"num_{d.code}", cells[1], f"measure:{d.code}"),
                                    pick("Denominator", f"den_{d.code}", cells[2], f"measure:{d.code}"))
            else:
                measures[d.code] = (pick("Value", f"val_{d.code}", cells[1], f"measure:{d.code}"),)
        by_layout["measures"] = measures
    elif layout == "long":
        from_sheet = st.checkbox("Each sheet is one measure, named by the sheet", key=form.widget("measure_from_sheets"),
                                 help=form.help("layout"))
        cells = st.columns(4)
        by_layout["measure_from_sheet"] = from_sheet
        if not from_sheet:
            by_layout["measure_column"] = pick("Measure column", "measure_column", cells[0], "layout")
        for cell, part in zip(cells[1:], ("value", "numerator", "denominator")):
            by_layout[f"{part}_column"] = pick(part.capitalize(), f"long_{part}", cell)
    else:
        label = pick("Column holding each row's label", "label", guess="layout")
        by_layout["label_column"] = label
        by_layout["rows"] = across_rows(form, _labels(shown, header_row, label))
    comment = NOT_CHOSEN if layout == "periods_across" else pick("Comment column (optional)", "comment")
    name = st.text_input("Save this mapping as (optional)", key=form.widget("name"),
                         help="Files with the same column headings will be recognised next time.")
    # Every field the form shows is the widgets'; the rest (placements, period columns) as proposed.
    shown_fields = {
        "team_column": NOT_CHOSEN, "team_columns": (), "separator": " ", "fixed_team": None, "empty_team": "refuse",
        "measures": {}, "measure_column": NOT_CHOSEN, "value_column": NOT_CHOSEN, "numerator_column": NOT_CHOSEN,
        "denominator_column": NOT_CHOSEN, "measure_from_sheet": False, "label_column": NOT_CHOSEN, "rows": {},
        **team, **by_layout,
    }
    choices = replace(
        proposed or FormChoices(sheet="", first_sheet=True, header_row=1, period_column=NOT_CHOSEN),
        **sheet_fields(selected, first_visible), header_row=int(header_row), table_end=table_end, period_column=period_column,
        period_form=period_form, team_source=team_how, directorate_column=directorate, layout=layout,
        comment_column=comment, name=name, team_values={}, measure_values={}, **shown_fields,
    )
    choices = replace(choices, **value_tables(form, uploaded, workbook, mapping_from_form(choices), choices))
    spec = mapping_from_form(choices)
    apply, save_only = st.columns(2)
    if save_only.button("Save this mapping only (no upload)", key=f"{key}_save_only", disabled=not name.strip()):
        _save_without_upload(spec, workbook)
    if apply.button("Apply mapping", type="primary", key=f"{key}_apply"):
        problems = validate_spec(spec)
        if problems:
            for problem in problems:
                st.error(markdown_text(problem))
            return plan
        st.session_state[f"{key}_applied"] = spec
    applied = st.session_state.get(f"{key}_applied")
    if not applied:
        return plan
    mapped = plan_for(uploaded, mapping=applied)
    # The mapping is saved by the upload's own save, so a mapping that fails saves nothing.
    if mapped.mapping_to_save is not None and mapped.ok and mapped.count("added") + mapped.count("updated"):
        st.info(f"Mapping '{markdown_text(mapped.mapping_to_save.name)}' will be saved with this upload: "
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
            st.error(markdown_text(problem))
        return
    name = spec["name"].strip()
    try:
        saved = session.store().save_mapping(name, signature, spec, saved_by=signin.current())
    except (StoreError, StoreConflict, NotAllowed) as err:
        st.error(markdown_text(str(err)))
        return
    if saved:
        st.success(f"Mapping '{markdown_text(name)}' saved: files with these columns will be recognised next time.")
    else:
        st.info(f"Mapping '{markdown_text(name)}' is already saved as it is.")


def _proposed_choices(proposal: Proposal | None) -> FormChoices | None:
    """The proposal's choices to open the form with; None without one, or when it says what
    the form cannot show (the form then opens empty)."""
    if proposal is None or not proposal.spec:
        return None
    try:
        return choices_from_spec(proposal.spec)
    except ValueError as err:
        st.caption(f"The form opens empty: the proposed mapping says what it cannot show ({markdown_text(str(err))})")
        return None


def _labels(sheet: Sheet, header_row: int, column: str) -> list[str]:
    """The row labels in a column, once each in the sheet's order."""
    if not column:
        return []
    try:
        table = sheet_table(sheet, header_row)
    except InputError:
        return []
    if column not in table.columns:
        return []
    return list(dict.fromkeys(str(v).strip() for v in table[column].dropna().tolist() if str(v).strip()))
