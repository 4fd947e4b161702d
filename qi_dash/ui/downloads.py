"""Files to take away from a view: a chart's data (Measure page) and all the data of the
selection (Home and Team pages), each as CSV and xlsx.

Every file is written when its button is clicked (Streamlit's deferred download: the button
holds a function, not the bytes), never on a rerun: a directorate's data is thousands of rows
and most visits download nothing.
"""

from __future__ import annotations

import streamlit as st

from qi_dash import chart_data, exports
from qi_dash.analysis import MeasureView
from qi_dash.ui.selection import Selection

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _stem(selection: Selection, *words: str) -> str:
    as_of = [f"as-of-{selection.as_of:%Y-%m-%d}"] if selection.as_of else []
    return chart_data.file_stem(selection.unit, *words, *as_of)


def chart_data_downloads(selection: Selection, view: MeasureView, *, show_2s: bool = False) -> None:
    """The chart's data as CSV and xlsx (``chart_data``): every period with its value, limits,
    phase, target, signal and comment; the xlsx adds the measure per financial year."""
    if not view.has_data:
        return
    code = view.definition.code
    name = _stem(selection, code, "chart-data")
    with st.container(horizontal=True, gap="small", vertical_alignment="center"):
        st.caption("Chart data:", width="content")
        st.download_button("CSV", lambda: chart_data.chart_data_csv(view, show_2s=show_2s), f"{name}.csv", CSV,
                           key=f"chart_csv_{code}", icon=":material/download:", width="content",
                           help="Every period the chart draws: value, numerator and denominator, centre, limits, "
                                "phase, target, signal and comment. Dates day-first (dd/mm/yyyy).")
        st.download_button("xlsx", lambda: chart_data.chart_data_xlsx(view, show_2s=show_2s), f"{name}.xlsx", XLSX,
                           key=f"chart_xlsx_{code}", icon=":material/download:", width="content",
                           help="The chart's data, and a second sheet with the measure per NHS financial year "
                                "(April to March).")


def all_data_downloads(selection: Selection, views: list[MeasureView] | None = None) -> None:
    """Every observation of the selection's teams (as they stood on the "as it was on" day, if
    one is chosen), every measure, in the upload template as ``python -m qi_dash export``
    writes it: numbers as numbers, text never a formula, and it uploads back unchanged. With
    a board's ``views``, also every chart's data in one xlsx (a sheet per measure)."""
    teams = len(selection.team_codes)
    name = _stem(selection, "all-data")
    with st.container(horizontal=True, gap="small", vertical_alignment="center"):
        st.caption(f"All data of {'this team' if teams == 1 else f'these {teams} teams'}, in the upload template:",
                   width="content")
        st.download_button("CSV", lambda: exports.to_csv_bytes(exports.template_frame(selection.observations())),
                           f"{name}.csv", CSV, key="all_data_csv", icon=":material/download:", width="content",
                           help="One row per team, measure and period; upload it back after editing.")
        st.download_button("xlsx", lambda: exports.to_xlsx_bytes(exports.template_frame(selection.observations())),
                           f"{name}.xlsx", XLSX, key="all_data_xlsx", icon=":material/download:", width="content",
                           help="One row per team, measure and period; upload it back after editing.")
        if views:
            st.download_button("Chart data of every measure (xlsx)", lambda: chart_data.board_data_xlsx(views),
                               f"{_stem(selection, 'board-chart-data')}.xlsx", XLSX, key="board_data_xlsx",
                               icon=":material/download:", width="content",
                               help="A sheet per charted measure: every period with its value, limits, phase, "
                                    "target, signal and comment.")
