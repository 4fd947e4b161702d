"""Small multiples: one measure, every team of the unit as a small SPC chart in a grid, a page
at a time, ordered by signal or name; each panel's title opens the team's chart.

One figure per panel (not one figure of subplots): measured in
``benchmarks/multiples_bench.py``, 24 separate compact figures build and draw faster than one
figure of 24 subplots, and each keeps the engine's own chart (limits, shapes, hover).
"""

from __future__ import annotations

import math

import streamlit as st

from qi_dash import charts, comparison
from qi_dash.text import summarise
from qi_dash.ui import compare
from qi_dash.ui.selection import Selection
from qi_dash.ui.widgets import markdown_text

PER_PAGE = 24
COLUMNS = 4
ORDERS = {"signal": "Signals first", "name": "Name"}


def multiples_view(selection: Selection) -> None:
    group = compare.compared(selection)
    definitions = selection.definitions()
    if not definitions:
        st.info("No measures are defined yet. Add one on the Measures page.")
        return
    compare.introduce(selection, group)
    measure, order, axis = st.columns([4, 2, 2], vertical_alignment="bottom")
    with measure:
        definition = compare.pick_measure(selection, definitions, key="multiples_measure")
    by = order.segmented_control("Order", list(ORDERS), format_func=ORDERS.get, default="signal",
                                 key="multiples_order") or "signal"
    shared = axis.toggle("Same scale for every team", value=True, key="multiples_shared",
                         help="One y-axis for all, to compare levels; off: each chart fits its own data.")
    results = compare.team_results(selection, group, definition)
    if not len(results):
        st.info(f"No team of {markdown_text(selection.name(group.unit))} has data for "
                f"{markdown_text(definition.name)} yet.")
        return
    teams = comparison.ordered_teams(results, group.names, by_signal=by == "signal")
    shown = _page_of(teams)
    y_range = comparison.shared_range(results, definition) if shared else None
    for start in range(0, len(shown), COLUMNS):
        for column, team in zip(st.columns(COLUMNS), shown[start:start + COLUMNS]):
            result = results[team]
            column.markdown(f"**{compare.team_link(selection, group, team, definition.code)}**",
                            unsafe_allow_html=True)
            figure = charts.spc_figure(result.points, result.phases, definition, compact=True, height=220)
            figure.update_layout(title_text="", margin_t=12)
            if y_range is not None:
                figure.update_yaxes(range=list(y_range))
            column.plotly_chart(figure, key=f"multiple_{team}", config={"displaylogo": False})
    silent = [group.names[t] for t in group.team_codes if t not in set(teams)]
    if silent:
        st.caption(f"No data for this measure: {markdown_text(summarise(silent, 8))}.")
    compare.learning_list(selection, group, definition, compare.teams_to_learn(selection, group, definition))


def _page_of(teams: list[str]) -> list[str]:
    """The teams on the chosen page (PER_PAGE at a time), with the page picker when there are several."""
    pages = math.ceil(len(teams) / PER_PAGE)
    if pages <= 1:
        return teams
    number = st.number_input(f"Page (of {pages}, {PER_PAGE} teams a page)", min_value=1, max_value=pages, value=1,
                             step=1, key="multiples_page")
    first = (int(number) - 1) * PER_PAGE
    st.caption(f"Teams {first + 1}–{min(first + PER_PAGE, len(teams))} of {len(teams)}.")
    return teams[first:first + PER_PAGE]
