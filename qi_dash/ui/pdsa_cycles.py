"""PDSA cycles under the charts: the list, a form to add or edit one (an edit is a new version),
each cycle's history, and the link to the improvement story."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from qi_dash.pdsa import PdsaCycle, PdsaError, decision_label, on_measure
from qi_dash.access import NotAllowed, Right, can
from qi_dash.store import StoreConflict, StoreError
from qi_dash.ui import session, signin
from qi_dash.ui.selection import Selection
from qi_dash.ui.widgets import html_table, html_text, lazy_expander, markdown_text, table_height
from qi_dash.vocabulary import DECISIONS, PDSA_STEP_WORDS, PDSA_STEPS, RUNNING

NEW = 0  # the "add a new cycle" choice
STORY_PAGE = "pages/6_Story.py"
_STEP_NOTES = {
    "plan": "Plan: who, what, when, where",
    "do": "Do: what happened when you tried it",
    "study": "Study: what the data showed",
    "act": "Act: what happens next",
}


def cycles_section(selection: Selection, *, measure: str | None = None) -> None:
    """The cycles on the unit's charts (on one measure's chart with ``measure``), the story link,
    and the form to add or edit one."""
    cycles = selection.pdsa_cycles()
    if measure:
        cycles = on_measure(cycles, measure)
    st.subheader(f"PDSA cycles ({len(cycles)})")
    if "pdsa_saved" in st.session_state:
        st.success(st.session_state.pop("pdsa_saved"))
    if cycles.empty:
        st.caption("No tests of change recorded yet. Add the first below: any team member can.")
    else:
        cycle_table(cycles)
    st.page_link(STORY_PAGE, label="Read the improvement story", icon=":material/auto_stories:",
                 query_params=selection.link())
    if not can(signin.current(), Right.PDSA, selection.unit, selection.hierarchy):
        st.caption(signin.refusal(Right.PDSA, f" for {selection.name()}"))
        return
    with lazy_expander("Add or edit a PDSA cycle", "pdsa_forms") as opened:
        if opened:
            # Edits start from each cycle as it is now, even on a page showing an earlier day.
            cycle_form(selection, session.pdsa_cycles(selection.path, selection.version, selection.unit))


def cycle_table(cycles: pd.DataFrame) -> None:
    """One row per cycle, numbered as on the charts."""
    columns = {
        "No.": cycles["number"].astype(str),
        "Cycle": cycles["title"],
        **({"Whose": cycles["whose"]} if cycles["whose"].astype(bool).any() else {}),
        **{PDSA_STEP_WORDS[step]: _dates(cycles[f"{step}_date"]) for step in PDSA_STEPS},
        "Decision": [decision_label(d) for d in cycles["decision"]],
        "What we learned": cycles["learned"].fillna(""),
    }
    html_table(list(columns), [[html_text(cell) for cell in row] for row in zip(*columns.values())])


def _dates(column: pd.Series) -> list[str]:
    return [f"{when:%d/%m/%Y}" if pd.notna(when) else "" for when in column]


def cycle_form(selection: Selection, cycles: pd.DataFrame) -> None:
    """Add a cycle to the selected unit, or choose one to edit: its form comes pre-filled, and
    saving keeps what it said before as a version in its history."""
    titles = {int(row.cycle_id): f"{row.number}. {row.title}" for row in cycles.itertuples()}
    chosen = st.selectbox("Cycle", [NEW, *titles], key="pdsa_choice",
                          format_func=lambda c: f"A new cycle for {selection.name()}" if c == NEW else titles[c])
    cycle = (PdsaCycle(title="", unit=selection.unit, plan_date=date.today()) if chosen == NEW
             else PdsaCycle.from_row(cycles[cycles["cycle_id"] == chosen].iloc[0]))
    measures = {d.code: d.name for d in selection.definitions()}
    key = f"pdsa_{chosen}"
    with st.form(key, clear_on_submit=chosen == NEW):
        title = st.text_input("Title", value=cycle.title, max_chars=120, key=f"{key}_title",
                              placeholder="e.g. Safety huddle at every handover")
        change_idea = st.text_area("Change idea: what will you try?", value=cycle.change_idea, key=f"{key}_idea")
        linked = st.multiselect("Measures it should move (none chosen: all of them)", list(measures),
                                default=[m for m in cycle.measures if m in measures], format_func=measures.get,
                                key=f"{key}_measures")
        prediction = st.text_area("Prediction: what will happen, and by how much?", value=cycle.prediction,
                                  key=f"{key}_prediction")
        steps = {}
        for step, column in zip(PDSA_STEPS, st.columns(len(PDSA_STEPS))):
            when = column.date_input(f"{PDSA_STEP_WORDS[step]} date", value=getattr(cycle, f"{step}_date"),
                                     format="DD/MM/YYYY", key=f"{key}_{step}_date")
            notes = column.text_area(_STEP_NOTES[step], value=getattr(cycle, f"{step}_notes"), key=f"{key}_{step}_notes")
            steps.update({f"{step}_date": when, f"{step}_notes": notes})
        learned = st.text_area("What we learned", value=cycle.learned, key=f"{key}_learned")
        decision = st.selectbox("Decision", [None, *DECISIONS], index=[None, *DECISIONS].index(cycle.decision),
                                format_func=lambda d: f"None yet ({RUNNING})" if d is None else decision_label(d),
                                key=f"{key}_decision")
        submitted = st.form_submit_button("Save PDSA cycle")
    if submitted:
        _save(PdsaCycle(title=title, unit=cycle.unit, change_idea=change_idea, measures=tuple(linked),
                        prediction=prediction, learned=learned, decision=decision, cycle_id=cycle.cycle_id, **steps))
    if chosen != NEW:
        cycle_history(selection, chosen)


def _save(cycle: PdsaCycle) -> None:
    try:
        session.store().save_pdsa_cycle(cycle, by=signin.current())
    except PdsaError as err:
        st.error("The cycle was not saved:\n\n" + "\n".join(f"- {markdown_text(p)}" for p in err.problems))
        return
    except (StoreError, StoreConflict, NotAllowed) as err:
        st.error(markdown_text(str(err)))
        return
    st.session_state["pdsa_saved"] = f"Saved the PDSA cycle “{markdown_text(cycle.title.strip())}”."
    st.rerun()


def cycle_history(selection: Selection, cycle_id: int) -> None:
    """Every version of a cycle: who saved it, when, and what it said."""
    versions = session.pdsa_cycle_versions(selection.path, selection.version, cycle_id)
    st.markdown("**This cycle's history**")
    st.dataframe(pd.DataFrame({
        "Version": versions["version"],
        "Saved": pd.to_datetime(versions["saved_at"]).dt.tz_convert("Europe/London").dt.strftime("%d/%m/%Y %H:%M"),
        "By": versions["saved_by"].fillna("–"),
        "Title": versions["title"],
        "Decision": [decision_label(d) for d in versions["decision"]],
        "Study": versions["study_notes"].fillna(""),
        "What we learned": versions["learned"].fillna(""),
    }), hide_index=True, width="stretch", height=table_height(len(versions)))
