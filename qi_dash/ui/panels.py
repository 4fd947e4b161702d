"""Measures on screen: one measure's chart with its icons and signals explained, its data, and
the measures a team does not report."""

from __future__ import annotations


import pandas as pd
import streamlit as st

from qi_dash import charts, glossary, periods
from qi_dash.analysis import MeasureView
from qi_dash.analysis import data_table as measure_data
from qi_dash.ui import pack
from qi_dash.ui.widgets import icon_block, markdown_text

def measure_panel(view: MeasureView, key: str, *, show_2s: bool = False, changes: pd.DataFrame | None = None, height: int = 400) -> None:
    """One measure: the chart with its signals explained, its MDC icons, and the latest value."""
    d = view.definition
    if not view.has_data:
        st.markdown(f"#### {markdown_text(d.name)}")
        st.info(view.message or "No data yet.")
        return
    result = view.result
    chart, badges = st.columns([6, 1], vertical_alignment="center")
    figure = charts.spc_figure(view.points, result.phases, d, show_2s=show_2s, changes=changes, height=height,
                               trajectory=view.trajectory, aims=view.aims, phase_changes=view.phase_changes)
    chart.plotly_chart(figure, key=key, config={"displaylogo": False})
    pack.image_downloads(chart, figure, f"{d.code}-chart")
    badges.markdown(icon_block(result), unsafe_allow_html=True)
    latest = view.latest
    if latest is not None:
        st.caption(
            f"Latest: **{markdown_text(charts.format_value(latest['value'], d))}** "
            f"({periods.label(latest['period'], d.frequency)}). {glossary.linked(markdown_text(result.summary))}"
        )
    signals = result.points[result.points["signal"]]
    if not signals.empty:
        with st.expander(f"Why {len(signals)} point(s) are highlighted"):
            table = pd.DataFrame({
                "Period": [periods.label(p, d.frequency) for p in signals["period"]],
                "Value": [charts.format_value(v, d) for v in signals["value"]],
                "Signal": signals["reason"].tolist(),
            })
            st.dataframe(table, hide_index=True, width="stretch")
            st.caption(glossary.signal_words(signals["rule"]))


def data_table(view: MeasureView) -> None:
    """The measure's data, a row per period, with each period's comment and signal."""
    table = measure_data(view)
    st.dataframe(table, hide_index=True, width="stretch",
                 column_config={"Comment": st.column_config.TextColumn(width="large"),
                                "Signal": st.column_config.TextColumn(width="large")})


def not_reported(views: list[MeasureView]) -> None:
    names = [v.definition.name for v in views if not v.has_data]
    if names:
        st.caption("Not reported by this team: " + ", ".join(markdown_text(n) for n in names) + ".")
