"""A unit's shared purpose at the top of its pages: its aims (and those of the units above it),
progress towards each in words, its improvement coach and sponsor; and, in an expander so the
board stays clean, the forms to add or edit an aim, a target trajectory and the people."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import streamlit as st

from qi_dash import aims as aims_
from qi_dash.access import NotAllowed, Right, can
from qi_dash.aims import CHANGE_WORDS, CHANGES, Aim, AimError
from qi_dash.definitions import MeasureDefinition
from qi_dash.targets import ALL_UNITS, TargetError, check_steps, trajectory_for
from qi_dash.ui import session, signin
from qi_dash.ui.selection import Selection
from qi_dash.ui.widgets import lazy_expander, markdown_text

SAVED = "aims_saved"  # a message kept over the rerun that follows a save


def aims_header(selection: Selection, measure: str | None = None) -> None:
    """The unit's aims (of one measure, on a Measure page) with progress, its people, and the
    forms to change them."""
    aims_lines(selection, measure)
    aims_forms(selection, measure)


def aims_forms(selection: Selection, measure: str | None = None) -> None:
    """The forms that change the unit's aims, targets and people, in an expander built only
    when opened; with the message of the last save above it."""
    if SAVED in st.session_state:
        st.success(st.session_state.pop(SAVED))
    store = session.store()
    by_code = {d.code: d for d in selection.definitions()}
    with lazy_expander("Aims, targets and people", "aims_forms") as opened:
        if not opened:
            return
        if not can(signin.current(), Right.AIMS, selection.unit, selection.hierarchy):
            st.caption(signin.refusal(Right.AIMS, f" for {selection.name()}"))
            return
        mine = [a for a in store.aims() if a.unit == selection.unit and a.measure in by_code]
        aim_tab, target_tab, people_tab = st.tabs(["Aim", "Target over time", "Coach and sponsor"])
        with aim_tab:
            aim_form(selection, mine, by_code, measure)
        with target_tab:
            target_form(selection, by_code, measure)
        with people_tab:
            people_form(selection, store.people())


def aims_lines(selection: Selection, measure: str | None = None) -> None:
    """The unit's aims (its own in full, those above it a line each) with progress, and its
    people: all as they stood at the selection's as-of moment, when there is one."""
    store = session.store()
    by_code = {d.code: d for d in selection.definitions()}
    shown = [a for a in aims_.aims_shown(store.aims(selection.as_of_moment), selection.hierarchy.path_to(selection.unit))
             if a.measure in by_code and (measure is None or a.measure == measure)]
    # The unit's own aims first and in full; those of the units above it in a line each.
    for aim in sorted(shown, key=lambda a: a.unit != selection.unit):
        _aim_line(selection, aim, by_code[aim.measure], brief=aim.unit != selection.unit)
    _people_line(store.people(selection.as_of_moment), selection.unit)


def huddle_aims(selection: Selection) -> None:
    """The unit's own aims, a line each with how far it has come: all the huddle screen has
    room for above its charts (the board shows the rest)."""
    by_code = {d.code: d for d in selection.definitions()}
    for aim in [a for a in session.store().aims(selection.as_of_moment)
                if a.unit == selection.unit and a.measure in by_code]:
        found = _progress(selection, aim, by_code[aim.measure])
        st.markdown(f"**Aim:** {markdown_text(aim.statement)} — {markdown_text(found.headline)}.")


def _progress(selection: Selection, aim: Aim, definition: MeasureDefinition) -> aims_.Progress:
    (view,) = session.views(selection.path, selection.version, tuple(selection.hierarchy.teams_under(aim.unit)),
                            (aim.measure,), selection.as_of_moment, aim.unit)
    return aims_.progress(aim, definition, view.points)


def _aim_line(selection: Selection, aim: Aim, definition: MeasureDefinition, *, brief: bool) -> None:
    whose = selection.name(aim.unit)
    found = _progress(selection, aim, definition)
    if brief:
        st.caption(f"**Aim · {markdown_text(whose)}:** {markdown_text(aim.statement)} — {markdown_text(found.headline)}.")
        return
    st.markdown(f"**Aim · {markdown_text(whose)}:** {markdown_text(aim.statement)}")
    if found.share is not None:
        st.progress(round(100 * min(max(found.share, 0.0), 1.0)), text=markdown_text(found.words))
    else:
        st.caption(markdown_text(found.words))


def _people_line(people: pd.DataFrame, unit: str) -> None:
    row = people[people["unit"] == unit]
    if row.empty:
        return
    row = row.iloc[0]
    parts = []
    for role, name, detail in (("Improvement coach", row["coach"], row["coach_role"]),
                               ("Sponsor", row["sponsor"], row["sponsor_role"])):
        if isinstance(name, str) and name:
            extra = f" ({markdown_text(detail)})" if isinstance(detail, str) and detail else ""
            parts.append(f"{role}: **{markdown_text(name)}**{extra}")
    if parts:
        st.markdown(" · ".join(parts))


def _measure_choices(by_code: dict[str, MeasureDefinition], measure: str | None) -> list[str]:
    """The measures an aim or a target may name: this page's, else outcome measures first."""
    if measure is not None:
        return [measure]
    return sorted(by_code, key=lambda c: (by_code[c].family != "outcome", by_code[c].name))


def aim_form(selection: Selection, mine: list[Aim], by_code: dict[str, MeasureDefinition], measure: str | None) -> None:
    """Add an aim for the unit, or edit or delete one of its own."""
    labels = {a.aim_id: a.statement for a in mine}
    chosen = st.selectbox("Aim", [None, *labels], format_func=lambda i: "A new aim" if i is None else labels[i],
                          key="aim_pick")
    base = next((a for a in mine if a.aim_id == chosen), None)
    choices = _measure_choices(by_code, measure)
    with st.form("aim"):
        statement = st.text_input("Aim statement", base.statement if base else "", max_chars=200,
                                  placeholder="e.g. Reduce restrictive practice by 30% by April 2027")
        left, right = st.columns(2)
        code = left.selectbox("Outcome measure", choices, format_func=lambda c: by_code[c].name,
                              index=choices.index(base.measure) if base and base.measure in choices else 0)
        change = right.selectbox("Change", CHANGES, format_func=CHANGE_WORDS.get,
                                 index=CHANGES.index(base.change) if base else 0)
        amount = left.number_input("By how much (a percentage), or to what level", min_value=0.0,
                                   value=float(base.amount) if base else 30.0, step=1.0)
        by_date = right.date_input("By", base.by_date if base else date(date.today().year + 1, 4, 1), format="DD/MM/YYYY")
        st.markdown("**Baseline**: worked out from the data (from, to), or given as a value at the 'to' date.")
        left, middle, right = st.columns(3)
        baseline_from = left.date_input("Baseline from", base.baseline_from if base and base.baseline_from else None,
                                        format="DD/MM/YYYY")
        baseline_to = middle.date_input("Baseline to", base.baseline_to if base else None, format="DD/MM/YYYY")
        stat = right.selectbox("Worked out as the", aims_.BASELINE_STATS,
                               index=aims_.BASELINE_STATS.index(base.baseline_stat) if base else 0)
        given = left.text_input("Or a baseline value", "" if base is None or base.baseline_value is None
                                else f"{base.baseline_value:g}")
        save = st.form_submit_button("Save aim", type="primary")
        delete = st.form_submit_button("Delete this aim", disabled=base is None)
    if delete and base is not None:
        session.store().save_aims([base], by=signin.current(), delete=True)
        _saved(f"Deleted the aim '{markdown_text(base.statement)}' (its history is kept).")
    if not save:
        return
    problems = []
    value = None
    if given.strip():
        try:
            value = float(given.replace(",", ""))
        except ValueError:
            problems.append(f"The baseline value '{given}' is not a number.")
    if baseline_to is None:
        problems.append("Give the date the baseline runs to (the goal line starts there).")
    if problems:
        for problem in problems:
            st.error(markdown_text(problem))
        return
    aim = Aim(selection.unit, code, statement.strip(), change, float(amount), by_date, baseline_to,
              None if value is not None else baseline_from, value, stat, base.aim_id if base else None)
    try:
        aims_.check_aim(aim, by_code.get(code))
    except AimError as err:
        for problem in err.problems:
            st.error(markdown_text(problem))
        return
    session.store().save_aims([aim], by=signin.current())
    _saved(f"Saved the aim '{markdown_text(aim.statement)}'.")


def target_form(selection: Selection, by_code: dict[str, MeasureDefinition], measure: str | None) -> None:
    """The target over time of a measure, for this unit or all units: a small table of steps."""
    choices = _measure_choices(by_code, measure)
    code = st.selectbox("Measure", choices, format_func=lambda c: by_code[c].name, key="target_measure")
    definition = by_code[code]
    scopes = [u for u in (selection.unit, ALL_UNITS) if can(signin.current(), Right.AIMS, u, selection.hierarchy)]
    scope = st.radio("For", scopes, horizontal=True, key="target_scope",
                     format_func=lambda u: "All units" if u == ALL_UNITS else selection.name(u))
    steps = session.store().target_steps()
    current = trajectory_for(steps, code, [scope] if scope else [], definition.target)
    own = current.unit == scope
    if not own and scope:
        st.caption("This unit has no trajectory of its own: it follows "
                   f"{'the one for all units' if current.steps else 'the measure’s target'}.")
    shown = current.steps if own else ()
    start = pd.DataFrame({"from_period": pd.to_datetime([d for d, _ in shown]),
                          "value": pd.Series([v for _, v in shown], dtype=float)})
    st.caption(f"Before the first row the measure's own target holds "
               f"({'none' if definition.target is None else f'{definition.target:g}'}). "
               f"Periods are the {'1st of a month' if definition.frequency == 'month' else 'Monday of a week'}; "
               "future periods make a trajectory.")
    table = st.data_editor(
        start, num_rows="dynamic", hide_index=True, key=f"target_steps_{code}_{scope}",
        column_config={"from_period": st.column_config.DateColumn("From period", format="DD/MM/YYYY"),
                       "value": st.column_config.NumberColumn(f"Target ({definition.unit})")},
    )
    _last_saved(session.store().target_versions(scope, code))
    if st.button("Save target over time", key="target_save"):
        save_trajectory(scope, definition, table)


def save_trajectory(unit: str, definition: MeasureDefinition, table: pd.DataFrame) -> None:
    """Check the table and save it as the unit's trajectory (an empty table clears it)."""
    try:
        steps = check_steps(table, definition.frequency, definition.name)
    except TargetError as err:
        for problem in err.problems:
            st.error(markdown_text(problem))
        return
    rows = steps.assign(unit=unit, measure=definition.code) if len(steps) else pd.DataFrame(
        {"unit": [unit], "measure": [definition.code], "from_period": [None], "value": [math.nan]})
    try:
        saved = session.store().save_targets(rows, by=signin.current())
    except NotAllowed as err:
        st.error(markdown_text(str(err)))
        return
    if saved:
        _saved(f"Saved the target over time of {markdown_text(definition.name)}.")
    st.info("Nothing changed: that is the target over time already.")


def people_form(selection: Selection, people: pd.DataFrame) -> None:
    """The unit's improvement coach and sponsor (each edit kept as a version)."""
    row = people[people["unit"] == selection.unit]
    now = {k: "" if row.empty or not isinstance(row.iloc[0][k], str) else row.iloc[0][k]
           for k in ("coach", "coach_role", "sponsor", "sponsor_role")}
    _last_saved(session.store().people_versions(selection.unit))
    with st.form("people"):
        left, right = st.columns(2)
        coach = left.text_input("Improvement coach", now["coach"], max_chars=80)
        coach_role = right.text_input("Coach's role (optional)", now["coach_role"], max_chars=80)
        sponsor = left.text_input("Sponsor", now["sponsor"], max_chars=80)
        sponsor_role = right.text_input("Sponsor's role (optional)", now["sponsor_role"], max_chars=80)
        if not st.form_submit_button("Save coach and sponsor"):
            return
    saved = session.store().save_people(pd.DataFrame([{
        "unit": selection.unit, "coach": coach, "coach_role": coach_role, "sponsor": sponsor,
        "sponsor_role": sponsor_role}]), by=signin.current())
    if saved:
        _saved(f"Saved the coach and sponsor of {markdown_text(selection.name())}.")
    st.info("Nothing changed.")


def _last_saved(versions: pd.DataFrame) -> None:
    """Who saved the current version and when (every earlier one is kept)."""
    if versions.empty:
        return
    newest = versions.iloc[0]
    by = newest["recorded_by"] if isinstance(newest["recorded_by"], str) and newest["recorded_by"] else "someone"
    st.caption(f"Version {newest['version']}, saved by {markdown_text(by)} on "
               f"{pd.Timestamp(newest['recorded_at']):%d/%m/%Y}; earlier versions are kept.")


def _saved(message: str) -> None:
    st.session_state[SAVED] = message
    st.rerun()

