"""The funnel plot as a Plotly figure: each team's value against its size, the unit's overall
value, and the 95 % and 99.8 % limits as smooth lines over the range of sizes.

Pure: a funnel frame (``comparison.funnel_frame``) and the measure's definition in, a figure
out. Points use the Making Data Count colours and shapes (``icons.POINT_STYLE``): outside the
99.8 % limits on the better side is improvement, on the worse side concern, and for a measure
where neither direction is better, purple. Each point's ``customdata`` is its unit code, so a
click can open that team's chart.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from qi_dash.charts import FONT, GRID, LIMIT_TEXT, TEXT, format_value, plain_text
from qi_dash.comparison import FUNNEL_CHART
from qi_dash.definitions import MeasureDefinition
from qi_dash.icons import COMMON_CAUSE, POINT_STYLE
from qi_dash.spc.funnel import funnel_limits
from qi_dash.teams_to_learn_from import GOOD_SIDE

MOST_LABELS = 10  # beyond this many teams outside, only the furthest out are named on the chart
LINES = (  # (column, legend name, dash)
    ("upper_998", "99.8% limits", "solid"),
    ("upper_95", "95% limits", "dash"),
)


def point_type(outside: str, direction: str) -> str:
    """The MDC point type of a funnel point: a side of the funnel read by the measure's direction."""
    if not outside:
        return "common_cause"
    if direction not in GOOD_SIDE:
        return f"neutral_{outside}"
    return "improvement" if GOOD_SIDE[direction] == outside else "concern"


def labelled(frame: pd.DataFrame) -> pd.Series:
    """Which teams are named on the chart: those outside, the furthest out first, at most MOST_LABELS."""
    outside = frame[frame["outside"] != ""]
    chosen = outside["z"].abs().sort_values(ascending=False, kind="stable").index[:MOST_LABELS]
    return frame.index.isin(chosen)


def funnel_figure(frame: pd.DataFrame, definition: MeasureDefinition, *, subtitle: str, height: int = 540) -> go.Figure:
    """The funnel plot of ``frame`` (one row per team; teams without data are left off the chart
    and the caller lists them), titled with the measure's name over ``subtitle`` (escaped)."""
    shown = frame[frame["value"].notna()]
    fig = go.Figure()
    if not shown.empty:
        _add_limits(fig, shown, definition, frame.attrs.get("tau2", 0.0))
    _add_points(fig, shown, definition)
    _layout(fig, shown, definition, subtitle, height)
    return fig


def _grid(denominators: pd.Series, log: bool) -> np.ndarray:
    low, high = float(denominators.min()), float(denominators.max())
    low, high = low * 0.8, high * 1.1
    if log:
        return np.geomspace(max(low, 1e-9), high, 200)
    return np.linspace(max(low, 1e-9), high, 200)


def _log_axis(shown: pd.DataFrame) -> bool:
    """Sizes spread over more than two orders of magnitude read better on a log axis."""
    sizes = shown["denominator"]
    return bool(len(sizes) and sizes.min() > 0 and sizes.max() / sizes.min() > 100)


def _add_limits(fig: go.Figure, shown: pd.DataFrame, definition: MeasureDefinition, tau2: float) -> None:
    sizes = _grid(shown["denominator"], _log_axis(shown))
    centre = float(shown["centre"].iloc[0]) / definition.multiplier
    lines = funnel_limits(sizes, centre, FUNNEL_CHART[definition.kind], definition.multiplier, tau2)
    for column, name, dash in LINES:
        lower = column.replace("upper", "lower")
        # One trace per pair of limits: the lower line, a break, the upper line.
        xs = [*sizes, None, *sizes]
        ys = [*lines[lower], None, *lines[column]]
        fig.add_trace(go.Scatter(
            x=xs, y=ys, mode="lines", name=name, hoverinfo="skip", connectgaps=False,
            line={"color": LIMIT_TEXT if dash == "solid" else COMMON_CAUSE, "dash": dash, "width": 2},
        ))
    fig.add_trace(go.Scatter(
        x=[sizes[0], sizes[-1]], y=[lines["centre"].iloc[0]] * 2, mode="lines", hoverinfo="skip",
        name=f"All teams {format_value(lines['centre'].iloc[0], definition)}", line={"color": TEXT, "width": 2.5},
    ))


def _hover(row, definition: MeasureDefinition) -> str:
    where = {
        "high": "Above the 99.8% limits",
        "low": "Below the 99.8% limits",
        "": "Within the 99.8% limits",
    }[row.outside]
    return "<br>".join([
        f"<b>{plain_text(row.name)}</b>",
        f"{plain_text(format_value(row.value, definition))} ({row.numerator:,.0f} of {row.denominator:,.0f})"
        if definition.kind == "proportion"
        else f"{plain_text(format_value(row.value, definition))} ({row.numerator:,.0f} in {row.denominator:,.1f})",
        f"All teams {plain_text(format_value(row.centre, definition))}",
        f"95% limits {format_value(row.lower_95, definition, with_unit=False)} to "
        f"{format_value(row.upper_95, definition, with_unit=False)}; 99.8% limits "
        f"{format_value(row.lower_998, definition, with_unit=False)} to "
        f"{format_value(row.upper_998, definition, with_unit=False)}",
        where,
        "Click to open the team's chart",
    ])


def _add_points(fig: go.Figure, shown: pd.DataFrame, definition: MeasureDefinition) -> None:
    types = shown["outside"].map(lambda side: point_type(side, definition.direction))
    named = labelled(shown)
    for kind, (colour, symbol, label) in POINT_STYLE.items():
        rows = (types == kind).to_numpy()
        if not rows.any():
            continue
        part = shown[rows]
        text = [plain_text(n) if keep else "" for n, keep in zip(part["name"], named[rows])]
        fig.add_trace(go.Scatter(
            x=part["denominator"], y=part["value"], mode="markers+text" if any(text) else "markers",
            name=label if kind != "common_cause" else "Within the 99.8% limits",
            text=text, textposition="top center", textfont={"size": 12, "color": TEXT},
            marker={"color": colour, "symbol": symbol, "size": 11 if kind != "common_cause" else 9,
                    "line": {"color": "#FFFFFF", "width": 1}},
            customdata=part["unit"].tolist(),
            hovertext=[_hover(row, definition) for row in part.itertuples(index=False)], hoverinfo="text",
            cliponaxis=False,
        ))


def _layout(fig: go.Figure, shown: pd.DataFrame, definition: MeasureDefinition, subtitle: str, height: int) -> None:
    percent = definition.unit.strip() == "%"
    axis = {"showline": True, "linecolor": "#AEB7BD", "gridcolor": GRID, "zeroline": False, "ticks": "outside"}
    fig.update_layout(
        title={"text": plain_text(definition.name), "x": 0, "xanchor": "left", "font": {"size": 20, "color": TEXT, "family": FONT},
               "subtitle": {"text": plain_text(subtitle), "font": {"size": 14, "color": LIMIT_TEXT}}},
        height=height,
        margin={"l": 72, "r": 24, "t": 80, "b": 96},
        font={"family": FONT, "size": 14, "color": TEXT},
        paper_bgcolor="#FFFFFF",
        plot_bgcolor="#FFFFFF",
        legend={"orientation": "h", "x": 0, "y": 0, "yref": "container", "yanchor": "bottom", "font": {"size": 12}},
        hovermode="closest",
        hoverlabel={"font": {"size": 13, "family": FONT}, "bgcolor": "#FFFFFF"},
        clickmode="event",
        xaxis=dict(axis, type="log" if _log_axis(shown) else "linear",
                   title_text="Size: the denominator over the period (more data, narrower limits)"),
        yaxis=dict(axis, ticksuffix="%" if percent else "", range=_y_range(shown),
                   title_text="Percentage" if percent else plain_text(definition.unit)),
    )


def _y_range(shown: pd.DataFrame) -> list[float] | None:
    """The teams' values and their own 99.8 % limits, with a margin: the limits' lines at the
    very smallest sizes may run off the top rather than squash the points."""
    levels = shown[["value", "centre", "lower_998", "upper_998"]].to_numpy(dtype=float).ravel()
    levels = levels[np.isfinite(levels)]
    if not levels.size:
        return None
    low, high = float(levels.min()), float(levels.max())
    pad = (high - low) * 0.08 or max(abs(high), 1.0) * 0.1
    return [max(low - pad, 0.0) if low >= 0 else low - pad, high + pad]
