"""The shared language on screen: every measure's operational definition, its versions, and
the forms to add, change or load definitions."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from qi_dash import exports
from qi_dash.names import new_look_alikes
from qi_dash.periods import FREQUENCIES
from qi_dash.definitions import (
    FIELD_HELP,
    DefinitionError,
    MeasureDefinition,
    parse_definition,
    read_definitions,
)
from qi_dash.access import Right, can
from qi_dash.ui import session, signin
from qi_dash.ui.selection import Selection
from qi_dash.ui.widgets import markdown_text, table_height
from qi_dash.vocabulary import AGGREGATIONS, CHARTS, DIRECTIONS, FAMILIES, KINDS, RUN_RULES


def definitions_table(definitions: list[MeasureDefinition]) -> None:
    frame = pd.DataFrame(
        {
            "Code": [d.code for d in definitions],
            "Measure": [d.name for d in definitions],
            "Family": [d.family for d in definitions],
            "Kind": [d.kind for d in definitions],
            "Unit": [d.unit for d in definitions],
            "Frequency": [d.frequency for d in definitions],
            "Improvement": [d.direction_words for d in definitions],
            "Chart": [d.chart_name for d in definitions],
            "Across teams": [d.aggregation for d in definitions],
            "Target": [d.target for d in definitions],
            "Since": [d.valid_from for d in definitions],
        }
    )
    st.dataframe(frame, hide_index=True, width="stretch", height=table_height(len(frame)))


def definitions_download(definitions: list[MeasureDefinition]) -> None:
    st.download_button(
        "Download the definitions (CSV)",
        data=exports.definitions_csv(definitions),
        file_name="measures.csv",
        mime="text/csv",
    )


def _look_alikes(definitions: list[MeasureDefinition]) -> bool:
    """Say which names pass for another measure's; True if any does (nothing is saved)."""
    existing = {d.code: d.name for d in session.store().definitions()}
    problems = new_look_alikes({d.code: d.name for d in definitions}, existing, what="measure")
    for problem in problems:
        st.error(markdown_text(problem))
    return bool(problems)


def definition_details(selection: Selection, definitions: list[MeasureDefinition]) -> None:
    """Each definition in words, with its version history."""
    for d in definitions:
        with st.expander(markdown_text(f"{d.name} ({d.code})")):
            st.markdown(markdown_text(d.definition))
            st.markdown(f"**Numerator / value:** {markdown_text(d.numerator)}")
            if d.denominator:
                st.markdown(f"**Denominator:** {markdown_text(d.denominator)}")
            st.markdown(
                f"**Unit:** {markdown_text(d.unit)} (×{d.multiplier:g}) · **{d.direction_words}** · "
                f"{d.chart_name} · rules for run charts: {d.run_rules.upper()} · "
                f"{'screened' if d.screen_moving_ranges else 'unscreened'} moving ranges"
                + (f" · limits frozen on the first {d.baseline_points} points" if d.baseline_points else "")
            )
            versions = session.definition_versions(selection.path, selection.version, d.code)
            if len(versions) > 1:
                st.caption("Version history")
                st.dataframe(versions, hide_index=True, width="stretch")


def definition_form(selection: Selection, definitions: list[MeasureDefinition]) -> None:
    """A form for every field of a definition; an existing code gets a new version."""
    if "definition_saved" in st.session_state:
        st.success(st.session_state.pop("definition_saved"))
    if not can(signin.current(), Right.DEFINITIONS):
        st.caption(signin.refusal(Right.DEFINITIONS))
        return
    codes = ["", *[d.code for d in definitions]]
    names = {d.code: f"{d.name} ({d.code})" for d in definitions}
    chosen = st.selectbox("Start from", codes, format_func=lambda c: names.get(c, "A new measure"), key="def_start")
    base = next((d.as_row() for d in definitions if d.code == chosen), {})
    with st.form("definition"):
        values = {}
        left, right = st.columns(2)
        values["code"] = left.text_input("Code", base.get("code", ""), help=FIELD_HELP["code"], disabled=bool(chosen))
        values["name"] = right.text_input("Name", base.get("name", ""), help=FIELD_HELP["name"])
        for column, key, options in (
            (left, "family", FAMILIES), (right, "kind", KINDS), (left, "frequency", FREQUENCIES),
            (right, "direction", DIRECTIONS), (left, "chart", CHARTS), (right, "aggregation", AGGREGATIONS),
            (left, "run_rules", RUN_RULES),
        ):
            current = base.get(key, options[0])
            values[key] = column.selectbox(key.replace("_", " ").capitalize(), options, index=options.index(current), help=FIELD_HELP[key])
        values["definition"] = st.text_area("Operational definition", base.get("definition", ""), help=FIELD_HELP["definition"])
        values["numerator"] = st.text_area("Numerator (or what the value is)", base.get("numerator", ""), help=FIELD_HELP["numerator"])
        values["denominator"] = st.text_area("Denominator", base.get("denominator", ""), help=FIELD_HELP["denominator"])
        left, right = st.columns(2)
        values["unit"] = left.text_input("Unit", base.get("unit", ""), help=FIELD_HELP["unit"])
        values["multiplier"] = right.text_input("Multiplier", f"{base.get('multiplier', 1):g}", help=FIELD_HELP["multiplier"])
        target = base.get("target")
        values["target"] = left.text_input("Target (optional)", "" if target is None else f"{target:g}", help=FIELD_HELP["target"])
        baseline = base.get("baseline_points")
        values["baseline_points"] = right.text_input("Baseline points (optional)", "" if baseline is None else str(baseline), help=FIELD_HELP["baseline_points"])
        values["screen_moving_ranges"] = "true" if left.checkbox("Screen moving ranges", bool(base.get("screen_moving_ranges")), help=FIELD_HELP["screen_moving_ranges"]) else "false"
        values["valid_from"] = right.date_input("Applies from", date.today(), help=FIELD_HELP["valid_from"], format="DD/MM/YYYY").isoformat()
        saved = st.form_submit_button("Save definition", type="primary")
    if chosen:
        values["code"] = chosen
    if saved:
        try:
            definition = parse_definition(values)
        except DefinitionError as err:
            for problem in err.problems:
                st.error(markdown_text(problem))
            return
        if _look_alikes([definition]):
            return
        if session.store().save_definitions([definition], recorded_by=signin.current()):
            st.session_state["definition_saved"] = f"Saved a new version of {markdown_text(definition.name)} ({markdown_text(definition.code)})."
            st.rerun()
        st.info("Nothing changed: that is the current definition already.")


def definitions_upload() -> None:
    if not can(signin.current(), Right.DEFINITIONS):
        return
    uploaded = st.file_uploader("A definitions CSV (same columns as the download)", type=["csv"], key="definitions_file")
    if uploaded is None:
        return
    try:
        loaded = read_definitions(uploaded.getvalue(), name=uploaded.name)
    except DefinitionError as err:
        st.error(f"{markdown_text(uploaded.name)} was not loaded; nothing changed.")
        for problem in err.problems:
            st.error(markdown_text(problem))
        return
    st.write(f"{len(loaded)} definitions in {markdown_text(uploaded.name)}.")
    if _look_alikes(loaded):
        return
    if st.button("Save these definitions"):
        changed = session.store().save_definitions(loaded, recorded_by=signin.current())
        st.session_state["definition_saved"] = f"{changed} definition(s) saved as new versions; {len(loaded) - changed} unchanged."
        st.rerun()
