"""Phases on screen: the suggestion to recalculate when the current phase has a sustained
shift (never applied by itself), the form to start a new phase or freeze the baseline with
a reason, and the unit's phase changes with who, when and why, each with an Undo button."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from qi_dash import pdsa, periods
from qi_dash.analysis import MeasureView
from qi_dash.phases import PhaseChange, problems, suggestion
from qi_dash.access import NotAllowed, Right, can
from qi_dash.store import StoreConflict, StoreError
from qi_dash.ui import session, signin
from qi_dash.ui.selection import Selection
from qi_dash.ui.widgets import lazy_expander, markdown_text
from qi_dash.vocabulary import PHASE_KIND_NAMES, PHASE_KIND_WORDS, PHASE_KINDS

DONE = "phase_done"  # a message kept across the rerun that follows a save or an undo


def measure_phases(selection: Selection, view: MeasureView) -> None:
    """The Measure page's phases: suggestion, form, and the changes recorded on this unit and measure."""
    if not view.has_data:
        return
    _done_message()
    _suggest(selection, view)
    # The label stays the same whatever is in force: a changed label would close the expander.
    st.caption(f"Phase changes in force on this chart: {len(view.phase_changes)}.")
    if not _may(selection):
        return
    with lazy_expander("Phases: start a new phase, freeze a baseline, undo", "phases_forms") as opened:
        if opened:
            _form(selection, view)
            _changes(selection, [view])


def team_phases(selection: Selection, views: list[MeasureView]) -> None:
    """The Team page's compact entry: suggestions for its measures and its phase changes."""
    shown = [v for v in views if v.has_data]
    in_force = sum(len(v.phase_changes) for v in shown)
    _done_message()
    suggested = [(v, _suggestion(v)) for v in shown]
    suggested = [(v, s) for v, s in suggested if s is not None]
    # The label stays the same whatever is in force: a changed label would close the expander.
    st.caption(f"Phase changes in force on these charts: {in_force}."
               + (f" A recalculation of the limits is suggested on {len(suggested)} chart(s)." if suggested else ""))
    if not _may(selection):
        return
    with lazy_expander("Phases: suggested recalculations and changes in force", "phases_forms") as opened:
        if opened:
            for view, found in suggested:
                _suggestion_form(selection, view, found)
            _changes(selection, shown)
            st.caption("To start a phase or freeze a baseline at another period, open the measure's page.")


def _done_message() -> None:
    if DONE in st.session_state:
        st.success(st.session_state.pop(DONE))


def _may(selection: Selection) -> bool:
    """Whether the user may record phase changes for the unit; if not, says why."""
    if can(signin.current(), Right.PHASES, selection.unit, selection.hierarchy):
        return True
    st.caption(signin.refusal(Right.PHASES, f" for {selection.name()}"))
    return False


def _suggestion(view: MeasureView):
    d = view.definition
    return suggestion(view.result.points, d.chart, d.frequency, view.phase_changes)


def _suggest(selection: Selection, view: MeasureView) -> None:
    found = _suggestion(view)
    if found is not None and can(signin.current(), Right.PHASES, selection.unit, selection.hierarchy):
        _suggestion_form(selection, view, found)


def _suggestion_form(selection: Selection, view: MeasureView, found) -> None:
    """A suggested recalculation: the user gives the reason and confirms, or ignores it."""
    d = view.definition
    when = periods.label(found.period, d.frequency)
    with st.form(f"phase_suggest_{d.code}", border=True):
        st.markdown(f"**{markdown_text(d.name)}.** {found.text}")  # found.text: the app's own words
        reason = st.text_input("Reason (what changed then)", key=f"phase_suggest_reason_{d.code}",
                               max_chars=500, placeholder="e.g. the test of change that worked")
        if st.form_submit_button(f"Recalculate the limits from {when}"):
            proposed = PhaseChange(selection.unit, d.code, found.period, "new_phase", reason)
            _save(proposed, view)


def _form(selection: Selection, view: MeasureView) -> None:
    d = view.definition
    choices = list(view.result.points["period"].iloc[1:])
    if not choices:
        return
    found = _suggestion(view)
    start = choices.index(found.period) if found is not None and found.period in choices else len(choices) - 1
    with st.form(f"phase_form_{d.code}", clear_on_submit=False):
        left, right = st.columns([1, 1])
        kind = left.radio("What to do", PHASE_KINDS, format_func=PHASE_KIND_NAMES.get, key=f"phase_kind_{d.code}")
        period = right.selectbox("From", choices, index=start, key=f"phase_period_{d.code}",
                                 format_func=lambda p: periods.label(p, d.frequency))
        st.caption(" · ".join(f"{PHASE_KIND_NAMES[k]}: from the period chosen, {PHASE_KIND_WORDS[k]}."
                              for k in PHASE_KINDS))
        reason = st.text_area("Reason (required): what changed, usually a test of change", max_chars=500,
                              key=f"phase_reason_{d.code}")
        cycle = _cycle_choice(selection, d.code)
        if st.form_submit_button("Record phase change"):
            proposed = PhaseChange(selection.unit, d.code, pd.Timestamp(period), kind, reason, cycle_id=cycle)
            _save(proposed, view)


def _cycle_choice(selection: Selection, code: str) -> int | None:
    """An optional link to one of the PDSA cycles on this measure's chart, by its number there."""
    cycles = pdsa.on_measure(selection.pdsa_cycles(), code)
    if cycles.empty:
        return None
    titles = {int(c): f"{n}. {t}" for c, n, t in zip(cycles["cycle_id"], cycles["number"], cycles["title"].astype(str))}
    return st.selectbox("PDSA cycle (optional)", [None, *titles], key=f"phase_cycle_{code}",
                        format_func=lambda c: "None" if c is None else titles[c])


def _save(proposed: PhaseChange, view: MeasureView) -> None:
    found = problems(proposed, view.result.points, view.definition.frequency, view.phase_changes)
    if found:
        for text in found:
            st.error(markdown_text(text))
        return
    try:
        session.store().add_phase_change(proposed.unit, proposed.measure, proposed.period, proposed.kind,
                                         proposed.reason.strip(), recorded_by=signin.current(),
                                         cycle_id=proposed.cycle_id)
    except (StoreError, StoreConflict, NotAllowed) as err:
        st.error(markdown_text(str(err)))
        return
    when = periods.label(proposed.period, view.definition.frequency)
    st.session_state[DONE] = (f"{PHASE_KIND_NAMES[proposed.kind]} from {when} recorded on "
                              f"{markdown_text(view.definition.name)}.")
    st.rerun()


def _changes(selection: Selection, views: list[MeasureView]) -> None:
    """Every phase change on this unit's measures (undone ones too), with an Undo button each in force."""
    frame = session.phase_changes(selection.path, selection.version, (selection.unit,))
    by_code = {v.definition.code: v.definition for v in views}
    frame = frame[frame["measure"].isin(list(by_code))]
    if frame.empty:
        st.caption("No phase changes recorded yet.")
        return
    st.dataframe(
        pd.DataFrame({
            "Measure": frame["measure"].map(lambda c: by_code[c].name),
            "From": [periods.label(p, by_code[c].frequency) for p, c in zip(frame["period"], frame["measure"])],
            "What": frame["kind"].map(PHASE_KIND_NAMES),
            "Why": frame["reason"],
            "Recorded by": frame["recorded_by"].fillna(""),
            "Recorded on": frame["recorded_at"].dt.strftime("%d/%m/%Y %H:%M"),
            "Status": [
                "in force" if active else f"undone by {by or 'someone'} on {at:%d/%m/%Y}"
                for active, by, at in zip(frame["active"], frame["undone_by"], frame["undone_at"])
            ],
        }),
        hide_index=True, width="stretch", column_config={"Why": st.column_config.TextColumn(width="large")},
    )
    for row in frame[frame["active"]].itertuples(index=False):
        d = by_code[row.measure]
        what = "new phase" if row.kind == "new_phase" else "baseline freeze"
        if st.button(f"Undo the {what} from {periods.label(row.period, d.frequency)} on {markdown_text(d.name)}",
                     key=f"phase_undo_{row.change_id}", help=markdown_text(row.reason)):
            _undo(int(row.change_id), d.name)


def _undo(change_id: int, name: str) -> None:
    try:
        session.store().undo_phase_change(change_id, by=signin.current())
    except (StoreError, StoreConflict, NotAllowed) as err:
        st.error(markdown_text(str(err)))
        return
    st.session_state[DONE] = f"Phase change undone on {markdown_text(name)}; the limits are as they were before it."
    st.rerun()
