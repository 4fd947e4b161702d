"""The Team page as a board: the family of measures summarised (icons, latest value, what each
chart says, a link to its Measure page), then the charts in a grid; above team level, its
teams' boards in brief.

Figures are built once per data version and shared by every session (``figure``): building
ten Plotly figures took longer than analysing the data, and every visit to a board rebuilt them.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from qi_dash import board, charts
from qi_dash.analysis import MeasureView
from qi_dash.ui import matrix
from qi_dash.ui.selection import Selection
from qi_dash.ui.widgets import html_table, html_text, icon_image, page_href
from qi_dash.vocabulary import FAMILIES, FAMILY_TITLES

BOARD_CHART_HEIGHT = 400
FAMILY_TABS = "board_family"  # the open family's tab: st.session_state[FAMILY_TABS] is its label
# No mode bar: on a board of many charts it is drawn for each chart, and the Measure page
# keeps it for downloads.
CHART_CONFIG = {"displaylogo": False, "displayModeBar": False}
# Two charts a row on a wide screen; a chart never narrower than this (it takes the row instead).
_GRID_CSS = """<style>
.st-key-board_grid [data-testid="stHorizontalBlock"] { flex-wrap: wrap; }
.st-key-board_grid [data-testid="stColumn"] { min-width: min(100%, 560px); }
</style>"""


@st.cache_resource(max_entries=256, show_spinner=False)
def _figure(path: str, version: int, unit: str, code: str, as_of: datetime | None, show_2s: bool,
            huddle: bool, height: int, _view: MeasureView, _changes: pd.DataFrame | None) -> go.Figure:
    # The view and the changes follow from the key before them (the selection's reads, cached
    # by data version), so they are not hashed. Streamlit copies a figure before drawing it,
    # so one figure object serves every session.
    return charts.spc_figure(_view.points, _view.result.phases, _view.definition, show_2s=show_2s,
                             changes=_changes, height=height, huddle=huddle, trajectory=_view.trajectory,
                             aims=_view.aims, phase_changes=_view.phase_changes)


def figure(selection: Selection, view: MeasureView, *, show_2s: bool = False, huddle: bool = False,
           height: int = BOARD_CHART_HEIGHT) -> go.Figure:
    """The measure's chart for the selection, built once per data version."""
    return _figure(selection.path, selection.version, selection.unit, view.definition.code,
                   selection.as_of_moment, show_2s, huddle, height, view, selection.pdsa_cycles())


def measure_link(selection: Selection, code: str, name: str) -> str:
    """HTML of a link to the measure's own page for this unit, in this tab (the name escaped)."""
    return (f'<a href="{html.escape(page_href("Measure", selection.link(measure=code)))}" target="_self">'
            f"{html_text(name)}</a>")


def summary(selection: Selection, views: Sequence[MeasureView]) -> None:
    """The family of measures at a glance: a row per measure, outcome → process → balancing."""
    lines = board.board_lines(views)
    if not lines:
        st.info("No data yet for this team.")
        return
    html_table(
        ["Measure", "Variation", "Assurance", "What the chart says", "Latest", "Family"],
        [[measure_link(selection, line.code, line.name), icon_image(line.variation_icon, "variation"),
          icon_image(line.assurance_icon, "assurance"), html_text(line.summary), html_text(line.latest), html_text(line.family.capitalize())]
         for line in lines],
    )


def chart_grid(selection: Selection, views: Sequence[MeasureView], *, show_2s: bool) -> None:
    """The charts, a tab per family (outcome → process → balancing), two a row on a wide screen.

    Only the open tab's charts are built and sent: drawing a Plotly chart is most of what a
    board costs the browser, and the summary above already gives every measure's icons and
    words. A tab is opened by label, so the same family stays open from team to team."""
    families = [(family, [v for v in views if v.definition.family == family and v.has_data]) for family in FAMILIES]
    families = [(family, mine) for family, mine in families if mine]
    if not families:
        return
    st.html(_GRID_CSS)
    tabs = st.tabs([FAMILY_TITLES[family] for family, _ in families], key=FAMILY_TABS, on_change="rerun")
    for tab, (_, mine) in zip(tabs, families):
        if not tab.open:
            continue
        with tab, st.container(key="board_grid"):
            for start in range(0, len(mine), 2):
                for column, view in zip(st.columns(2), mine[start:start + 2]):
                    column.plotly_chart(figure(selection, view, show_2s=show_2s), key=f"chart_{view.definition.code}",
                                        config=CHART_CONFIG, theme=None)


def team_briefs(selection: Selection) -> None:
    """Above team level, the unit's roll-up matrix (``ui.matrix``): a directorate's teams, each
    row a team's board in brief linking to its board; an organisation's directorates, with
    their teams counted by icon, each opening its own teams' boards here."""
    st.subheader(f"Teams' boards in brief ({len(selection.team_codes)} teams)")
    if selection.level == "directorate":
        st.caption("A row per team: each measure's variation and assurance icons at its latest point. "
                   "Open a team for its board, a cell for its chart.")
    else:
        st.caption("A row per directorate: its own icons and its teams counted by icon. "
                   "Open a directorate for its teams' boards.")
    matrix.rollup_matrix(selection, unit_page="Team")
