"""Small multiples: one measure, every team of the unit as a small SPC chart in a grid, a page
at a time, ordered by signal or name; each panel's title, and a click on a point, opens the
team's chart (one figure of subplots: ``chart_multiples``).
"""

from __future__ import annotations

import math

import streamlit as st

from qi_dash import comparison
from qi_dash.chart_multiples import Panel, multiples_figure
from qi_dash.text import summarise
from qi_dash.ui import compare
from qi_dash.ui.selection import Selection
from qi_dash.ui.widgets import markdown_text

PER_PAGE = 24
ORDERS = {"signal": "Signals first", "name": "Name"}


def multiples_view(selection: Selection) -> None:
    top = compare.header(selection, selection.definitions(), key="multiples_measure", widths=[3, 2, 3],
                         none="No measures are defined yet. Add one on the Measures page.")
    if top is None:
        return
    group, definition, (order, axis) = top
    by = order.segmented_control("Order", list(ORDERS), format_func=ORDERS.get, default="signal",
                                 key="multiples_order") or "signal"
    shared = axis.toggle("Same scale for every team", value=True, key="multiples_shared",
                         help="One y-axis for all, to compare levels; off: each chart fits its own data.")
    results = compare.team_results(selection, group, definition)
    if not len(results):
        compare.no_data(selection, group, definition)
        return
    teams = comparison.ordered_teams(results, group.names, by_signal=by == "signal")
    shown = _page_of(teams)
    y_range = comparison.shared_range(results, definition) if shared else None
    panels = [Panel(team, group.names[team], compare.measure_href(selection, team, definition.code), results[team])
              for team in shown]
    event = st.plotly_chart(multiples_figure(panels, definition, y_range), key="multiples_chart",
                            on_select="rerun", selection_mode="points", config={"displaylogo": False})
    team = compare.clicked_team(event)
    if team:
        compare.open_measure(selection, team, definition.code)
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
