"""Small multiples as one Plotly figure: a grid of subplots, each a team's compact SPC chart
(``charts.spc_figure(..., compact=True)``: MDC colours and shapes, limits, hover) under its
name, which is a link to the team's chart.

One figure of subplots rather than a figure per team, as ``benchmarks/multiples_bench.py``
measured (24 panels, headless Chromium, on a busy shared machine): it draws in about 60–70 %
of the time of 24 separate figures and sends a quarter less JSON, but takes about 1.4× as
long to build in Python, since each panel is built as its own compact chart first. In total
the two are within about 20 %; one figure is one chart element with one click handler.
Pure: results in, a figure out.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from qi_dash import charts
from qi_dash.definitions import MeasureDefinition
from qi_dash.spc import SPCResult

COLUMNS = 4
PANEL_HEIGHT = 230  # pixels per row of panels
TITLE_CHARACTERS = 30  # a longer name is cut short (in full on hover), so it stays over its own panel
_AXIS_KEYS = ("type", "range", "tickformat", "dtick", "tick0", "ticksuffix")


@dataclass(frozen=True)
class Panel:
    unit: str
    name: str  # user text: escaped here
    href: str  # the team's chart; opened in this tab
    result: SPCResult


def multiples_figure(panels: list[Panel], definition: MeasureDefinition,
                     y_range: tuple[float, float] | None = None) -> go.Figure:
    """The panels in rows of ``COLUMNS``. With ``y_range`` every panel shares that y-axis;
    without, each fits its own data. Each point's ``customdata`` is its team's unit code."""
    rows = max(1, math.ceil(len(panels) / COLUMNS))
    figure = make_subplots(rows=rows, cols=COLUMNS, horizontal_spacing=0.045,
                           vertical_spacing=min(0.5 / rows, 0.1))
    # Built up as plain values and handed to Plotly in one call each: adding 150 traces and 48
    # axes one at a time costs more than drawing the panels.
    traces, cells, axes, titles = [], {"rows": [], "cols": []}, {}, []
    for i, panel in enumerate(panels):
        row, col = i // COLUMNS + 1, i % COLUMNS + 1
        small = charts.spc_figure(panel.result.points, panel.result.phases, definition, compact=True,
                                  height=PANEL_HEIGHT)
        for trace in small.data:
            if trace.hoverinfo != "skip":
                trace.customdata = [panel.unit] * len(trace.x)
            traces.append(trace)
            cells["rows"].append(row)
            cells["cols"].append(col)
        n = "" if i == 0 else str(i + 1)
        axes[f"xaxis{n}"] = {k: small.layout.xaxis[k] for k in _AXIS_KEYS if small.layout.xaxis[k] is not None}
        axes[f"yaxis{n}"] = {k: small.layout.yaxis[k] for k in _AXIS_KEYS if small.layout.yaxis[k] is not None}
        if y_range is not None:
            axes[f"yaxis{n}"]["range"] = list(y_range)
        shown = panel.name if len(panel.name) <= TITLE_CHARACTERS else panel.name[:TITLE_CHARACTERS - 1] + "…"
        titles.append({
            "text": f'<a href="{html.escape(panel.href)}" target="_self">{html.escape(shown, quote=False)}</a>',
            "hovertext": html.escape(panel.name, quote=False),
            "xref": f"x{n} domain", "yref": f"y{n} domain", "x": 0, "y": 1.0, "xanchor": "left",
            "yanchor": "bottom", "showarrow": False, "font": {"size": 13, "color": charts.TEXT, "family": charts.FONT},
        })
    for i in range(len(panels), rows * COLUMNS):  # the last row's empty cells show nothing
        axes[f"xaxis{i + 1}"] = axes[f"yaxis{i + 1}"] = {"visible": False}
    figure.add_traces(traces, **cells)
    figure.update_layout(axes, annotations=titles)
    axis = {"showline": True, "linecolor": "#AEB7BD", "gridcolor": charts.GRID, "zeroline": False,
            "tickfont": {"size": 10}}
    figure.update_xaxes(axis)
    figure.update_yaxes(axis)
    figure.update_layout(
        height=rows * PANEL_HEIGHT, showlegend=False, margin={"l": 40, "r": 12, "t": 30, "b": 30},
        font={"family": charts.FONT, "size": 12, "color": charts.TEXT}, paper_bgcolor="#FFFFFF",
        plot_bgcolor="#FFFFFF", hovermode="closest", hoverlabel={"font": {"size": 12}, "bgcolor": "#FFFFFF"},
        clickmode="event",
    )
    return figure
