"""Huddle mode: the team's board on a shared screen, opened from the Team page's toggle or the
URL (``view=huddle``, kept in the address bar so a bookmark opens it).

No sidebar, header or controls; large type and thick lines; four charts a screen, this
period's signals first, rotating through the rest every ``rotate`` seconds (URL, default 30;
0 stops). Each chart's name, icons (their letters and shapes say what the colour says) and
what it says in words sit above it.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import streamlit as st

from qi_dash import board, icons
from qi_dash.analysis import MeasureView
from qi_dash.ui import board as board_ui
from qi_dash.ui.selection import Selection
from qi_dash.ui.widgets import icon_uri

VIEW = "huddle"
# Two rows of charts under the title and the aims fit a 1080-pixel screen.
CHART_HEIGHT = 350
AIMS_KEY = "huddle_aims"  # the aims' container: set tight, a line each, above the charts
_CHROME_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"] { display: none !important; }
[data-testid="stMainBlockContainer"] { padding: 0.6rem 1.5rem 0.5rem; max-width: 100%; }
[data-testid="stMainBlockContainer"] h1 { font-size: 2.1rem; padding: 0; }
.st-key-huddle_grid [data-testid="stVerticalBlock"] { gap: 0.2rem; }
.st-key-huddle_aims { gap: 0.3rem; }
.st-key-huddle_aims [data-testid="stMarkdown"] p, .st-key-huddle_aims [data-testid="stCaptionContainer"] p {
  font-size: 0.85rem; line-height: 1.3; }
.huddle-head { display: flex; align-items: center; gap: 0.6rem; min-height: 64px; }
.huddle-head .name { font-size: 1.45rem; font-weight: 700; line-height: 1.15; color: #212B32; }
.huddle-head .says { font-size: 1.15rem; line-height: 1.2; color: #212B32; }
</style>"""


def requested() -> bool:
    """Huddle mode is asked for in the URL."""
    return st.query_params.get("view") == VIEW


def toggle() -> None:
    """The Team page's switch into huddle mode: it goes into the URL, so the room can bookmark it."""
    if st.toggle("Huddle mode", key="huddle_toggle", help="A shared screen: large charts, signals first, no controls."):
        st.query_params["view"] = VIEW
        st.rerun()


def show(selection: Selection, views: Sequence[MeasureView]) -> None:
    """The huddle screen for the selected team."""
    st.html(_CHROME_CSS)
    ordered = board.huddle_order(views)
    seconds = board.rotate_seconds(st.query_params.get("rotate"))
    st.session_state["huddle_screen"] = 0  # a full run (a new visit) starts at the signals

    @st.fragment(run_every=seconds if seconds and len(ordered) > board.HUDDLE_CHARTS_PER_SCREEN else None)
    def screens() -> None:
        shown, index, count = board.screen(ordered, st.session_state["huddle_screen"])
        st.session_state["huddle_screen"] = index + 1
        with st.container(key="huddle_grid"):
            for start in range(0, len(shown), 2):
                for column, view in zip(st.columns(2, gap="medium"), shown[start:start + 2]):
                    with column:
                        _chart(selection, view)
        if count > 1:
            rotating = f"; the next in {seconds} s" if seconds else ""
            st.caption(f"Screen {index + 1} of {count}{rotating}. Signals at the latest point come first.")

    screens()
    if st.button("Leave huddle mode", icon=":material/close_fullscreen:", type="tertiary"):
        del st.query_params["view"]  # the rest of the address (the team, the day) stays
        st.rerun()


def _chart(selection: Selection, view: MeasureView) -> None:
    result = view.result
    # Images, not inline SVG, which st.html's sanitiser removes; the alt text is the icon's meaning.
    badges = "".join(
        f'<img src="{icon_uri(code, kind)}" width="56" height="56" alt="{html.escape(icons.icon_title(code, kind=kind))}" '
        f'title="{html.escape(icons.icon_title(code, kind=kind))}">'
        for code, kind in ((result.variation_icon, "variation"), (result.assurance_icon, "assurance")))
    st.html(
        f'<div class="huddle-head">{badges}<div><div class="name">{html.escape(view.definition.name)}</div>'
        f'<div class="says">{html.escape(board.summary_line(view))} · latest {html.escape(board.latest_text(view))}'
        "</div></div></div>"
    )
    st.plotly_chart(board_ui.figure(selection, view, huddle=True, height=CHART_HEIGHT),
                    key=f"huddle_{view.definition.code}", config=board_ui.CHART_CONFIG, theme=None)
