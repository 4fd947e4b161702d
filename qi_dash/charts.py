"""Plotly figures of the SPC engine's result, in NHS Making Data Count ("plot the dots") style.

Pure functions: they read ``result.points`` / ``result.phases`` (see ``qi_dash.spc``) and a
measure definition, and return a figure; nothing here knows about Streamlit. The figures are
drawn for a shared huddle screen: large fonts, a plain white background, every line labelled
in words at its right end, and each point's colour *and* shape saying what kind of variation
it is (``icons.POINT_STYLE``). Traces are SVG scatter traces only: a page of small multiples
with WebGL traces runs out of browser WebGL contexts.

A chart is built as the plain figure dict plotly.js reads (``FigureSpec``) and handed to Plotly
once: adding traces and updating the layout through Plotly's graph objects validated every
property at each step, four fifths of a chart's build time (a board pack builds fifty).
"""

from __future__ import annotations

import hashlib
import html
import json
import math
import re
import textwrap

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.utils import PlotlyJSONEncoder

from qi_dash import chart_cycles, chart_goals, chart_phases
from qi_dash.aims import Aim
from qi_dash.definitions import MeasureDefinition
from qi_dash.icons import COMMON_CAUSE, POINT_STYLE
from qi_dash.spc.limits import TRIAL_LIMIT_POINTS
from qi_dash.targets import Trajectory
from qi_dash.vocabulary import MEDIAN_CHARTS, RATIO_CHARTS, RULE_SET_NAMES

TRIAL_LIMITS = f"Trial limits (fewer than {TRIAL_LIMIT_POINTS} points)"
COMMENTED = "Has a comment (in the hover)"

FONT = "Arial, Helvetica, sans-serif"
TEXT = "#212B32"  # NHS black
GRID = "#E8EDEE"  # NHS pale grey
LIMIT = "#7F7F7F"
LIMIT_TEXT = "#4C6272"  # NHS dark grey: limit labels must stay readable on a distant screen
TRIAL = "#B8B8B8"
SIGMA_2 = "#B8B8B8"

_DAY_MS = 86_400_000


class FigureSpec:
    """A figure being built as plain values: ``spec()`` is ``{"data": [...], "layout": {...}}``
    as plotly.js reads it, and ``plotly_figure`` makes the Plotly figure of it."""

    def __init__(self) -> None:
        self.data: list[dict] = []
        self.layout: dict = {}

    def add_trace(self, **trace: object) -> None:
        """A scatter trace (or of the ``type`` given)."""
        self.data.append({"type": "scatter", **trace})

    def add_annotation(self, **annotation: object) -> None:
        self.layout.setdefault("annotations", []).append(annotation)

    def add_shape(self, **shape: object) -> None:
        self.layout.setdefault("shapes", []).append(shape)

    def spec(self) -> dict:
        return {"data": self.data, "layout": self.layout}


def plotly_figure(spec: dict) -> go.Figure:
    """The Plotly figure of a ``FigureSpec``'s values, validated once."""
    fig = go.Figure(spec)
    # Every style is set in the layout, so no template at all: Plotly's default one, which it
    # gives every new figure, would only be shipped with each figure and merged by the browser
    # (a third of the time a board took to draw its charts), and any template, even an empty
    # one, makes Plotly.react redraw an equal copy in full.
    fig.layout.template = None
    return fig


def hover_period(ts: object, frequency: str) -> str:
    """A period in UK words: "April 2024" for months, "w/c 01 Apr 2024" for weeks."""
    stamp = pd.Timestamp(ts)
    return f"w/c {stamp:%d %b %Y}" if frequency == "week" else f"{stamp:%B %Y}"


def format_value(value: float, definition: MeasureDefinition, *, with_unit: bool = True) -> str:
    """A charted value with the measure's unit: "87.5%", "23.4 per 1,000 occupied bed days", "12 restraints per week"."""
    if value is None or pd.isna(value):
        return "–"
    text = _number(value)
    unit = definition.unit.strip()
    if unit == "%":
        return f"{text}%"
    return f"{text} {unit}" if with_unit and unit else text


def plain_text(text: str) -> str:
    """Text for Plotly, which reads "<b>" and "&amp;" as markup: words from files and people are escaped."""
    return html.escape(text, quote=False)


def _number(value: float) -> str:
    number = float(value)
    if number.is_integer():
        return f"{number:,.0f}"
    if abs(number) < 1:
        return f"{number:.2f}"  # small rates (e.g. 0.42) would all read 0.4 at one decimal
    return f"{number:,.1f}"


def chart_caption(definition: MeasureDefinition) -> str:
    """The chart type, rule set and improvement direction, e.g. "XmR chart (individuals) · Making Data Count rules · Lower is better"."""
    rules = RULE_SET_NAMES[definition.spc_settings().rule_set]
    return f"{definition.chart_name} · {rules} · {definition.direction_words}"


def spc_figure(points: pd.DataFrame, phases: pd.DataFrame, definition: MeasureDefinition, **options) -> go.Figure:
    """The Plotly figure of ``spc_spec``: the chart as the app draws it."""
    return plotly_figure(spc_spec(points, phases, definition, **options))


def spc_spec(
    points: pd.DataFrame,
    phases: pd.DataFrame,
    definition: MeasureDefinition,
    *,
    title: str | None = None,
    show_2s: bool = False,
    changes: pd.DataFrame | None = None,
    height: int = 420,
    compact: bool = False,
    trajectory: Trajectory | None = None,
    aims: tuple[Aim, ...] = (),
    phase_changes: tuple = (),
    huddle: bool = False,
) -> dict:
    """A run or SPC chart of one series, as the plain values of its Plotly figure (``spc_figure``
    is the figure; a board pack sends these values to be drawn as they are).

    ``points`` and ``phases`` are the engine's ``result.points`` and ``result.phases``, read as
    they are: rows in date order, periods datetime64. The caller has already inserted a NaN row
    for each missing period, so gaps stay gaps on the time axis. The ``numerator`` and
    ``denominator`` columns the engine keeps for ratio data are shown on hover, and so is a
    ``comment`` column when ``points`` has one (``MeasureView.points``): a commented point
    is ringed. ``changes`` are PDSA cycles (``Store.pdsa_cycles``, or any frame with ``date``
    and ``title``): ``chart_cycles`` marks those linked to this measure. ``compact`` is the small
    multiple: title only, no legend, no line labels. ``trajectory`` (the target over time,
    else the definition's) and ``aims`` (goal lines) are drawn by ``chart_goals``;
    ``phase_changes`` name the phases (``chart_phases``). ``huddle`` is the shared screen read
    from across a room: large type, thick lines, short line labels, no title (the page shows
    it) and no legend (the points' shapes and the page's icons say what they are).
    """
    frame = points
    trial = _trial_phases(phases)
    style = _Style(compact, height, huddle)
    fig = FigureSpec()

    centre_name = "Median" if definition.chart in MEDIAN_CHARTS else "Mean"
    # Ratio charts have limits that change with each denominator: drawn as steps.
    limit_shape = "hvh" if definition.chart in RATIO_CHARTS else "linear"
    in_trial = frame["phase"].isin(trial)

    # Reference lines first, so the data and points are drawn over them.
    for name, column in (("Upper process limit", "upper"), ("Lower process limit", "lower")):
        _add_line(fig, *_by_phase(frame[~in_trial], [column]), name=name, colour=LIMIT, dash="dash",
                  width=style.line, shape=limit_shape)
    _add_line(fig, *_by_phase(frame[in_trial], ["upper", "lower"]), name=TRIAL_LIMITS, colour=TRIAL,
              dash="dash", width=style.line, shape=limit_shape, legend=not compact)
    if show_2s:
        _add_line(fig, *_by_phase(frame, ["upper_2s", "lower_2s"]), name="2σ lines", colour=SIGMA_2, dash="dot",
                  width=style.line, shape=limit_shape, legend=not compact)
    _add_line(fig, *_by_phase(frame, ["centre"]), name=centre_name, colour=TEXT, dash="solid",
              width=style.line + 0.5, shape="linear")
    goals = chart_goals.add_goals(fig, frame, definition, trajectory, aims, width=style.line + 0.5)

    fig.add_trace(
        x=frame["period"], y=_values(frame["value"]), mode="lines", name="Data", connectgaps=False,
        line={"color": COMMON_CAUSE, "width": style.line + 0.5}, hoverinfo="skip", showlegend=False,
    )
    hover = _hover_texts(frame, definition, centre_name, trial)
    # Long series (three years of weeks) would be a wall of overlapping markers at full size;
    # shrink ordinary points more than signals, which are what the chart is for.
    shrink = min(1.0, math.sqrt(60 / max(len(frame), 1)))
    present = frame["value"].notna()
    _add_comment_rings(fig, frame, present, style.marker * max(shrink, 0.85), compact)
    for point_type, (colour, symbol, label) in POINT_STYLE.items():
        rows = present & (frame["point_type"] == point_type)
        if not rows.any():
            continue
        size = style.marker * max(shrink, 0.6 if point_type == "common_cause" else 0.85)
        fig.add_trace(
            x=frame.loc[rows, "period"], y=_values(frame.loc[rows, "value"]), mode="markers", name=label,
            marker={"color": colour, "symbol": symbol, "size": round(size, 1), "line": {"color": "#FFFFFF", "width": 1}},
            hovertext=hover[rows].tolist(), hoverinfo="text", cliponaxis=False, showlegend=not compact,
        )

    y_span = chart_cycles.add_cycles(fig, changes, frame, definition, style,
                                     [t["name"] for t in fig.data if t.get("showlegend")], y_range(frame, goals.levels, show_2s))
    if not compact:
        _add_line_labels(fig, frame, definition, centre_name, trial, y_span, style, goals.labels)
    chart_phases.add_phases(fig, frame, phases, phase_changes, style.font)
    _layout(fig, goals.axis(frame), definition, title, y_span, style)
    if not compact:  # a small multiple's traces go into another figure, without this layout
        fig.layout["datarevision"] = _data_revision(fig)
    return fig.spec()


def _data_revision(fig: FigureSpec) -> str:
    """A fingerprint of the figure's data, for ``layout.datarevision``.

    Streamlit hands Plotly.react each chart twice as it loads (the second time a fresh but equal
    copy). Without a data revision Plotly takes every new array for new data and draws the whole
    chart again; with one, it compares the revision, so an equal copy costs no second drawing.
    Taken from the data itself, it changes whenever any point, line or label does.
    """
    traces = json.dumps(fig.data, cls=PlotlyJSONEncoder, sort_keys=True)
    return hashlib.blake2b(traces.encode(), digest_size=8).hexdigest()


def _values(series: pd.Series) -> list[float | None]:
    """A column as a plain list (a gap is None). Plotly would send a numeric array as a typed
    array, which Plotly.react always takes for new data, so the data revision would not help."""
    return [None if pd.isna(v) else float(v) for v in series]


class _Style:
    """Sizes for the full chart, a small multiple, or huddle mode (read from three metres)."""

    def __init__(self, compact: bool, height: int, huddle: bool = False):
        self.compact = compact
        self.huddle = huddle
        self.height = height
        self.font = 12 if compact else 22 if huddle else 16
        self.marker = 7 if compact else 16 if huddle else 11
        self.line = 1.5 if compact else 3.5 if huddle else 2.0
        self.legend_font = self.font - 3
        self.limit_names = ("UPL", "LPL") if huddle else ("Upper process limit", "Lower process limit")
        self.margin = ({"l": 40, "r": 12, "t": 40, "b": 36} if compact else {"l": 80, "r": 150, "t": 16, "b": 44}
                       if huddle else {"l": 72, "r": 210, "t": 88, "b": 38})
        self.fit_legend([])

    def fit_legend(self, names: list[str], width: int = 800) -> None:
        """Make room under the axis for the horizontal legend.

        When its items wrap, Plotly lines them up in columns as wide as the widest item. The
        chart's width is unknown until the browser lays it out, so assume a modest one: at worst
        a wide screen shows a little spare space, never a legend over the axis labels.
        """
        names = [] if self.compact or self.huddle else names
        rows = 0
        if names:
            widest = max(44 + 0.58 * self.legend_font * len(name) for name in names)
            rows = math.ceil(len(names) / max(1, int(width // widest)))
        self.legend_px = rows * (self.legend_font + 12) + (8 if rows else 0)
        # The plot area's height in pixels, which spaces the line labels and the rows of cycle labels.
        self.plot_px = max(80, self.height - self.margin["t"] - self.margin["b"] - self.legend_px)


def _trial_phases(phases: pd.DataFrame) -> set:
    if phases is None or "trial_limits" not in phases or "phase" not in phases:
        return set()
    return set(phases.loc[phases["trial_limits"].fillna(False).astype(bool), "phase"])


def _by_phase(frame: pd.DataFrame, columns: list[str]) -> tuple[list, list]:
    """x and y of one line per phase (and per column), broken between them by a missing y."""
    xs: list = []
    ys: list = []
    for _, part in frame.groupby("phase", sort=True):
        for column in columns:
            if part[column].isna().all():
                continue
            if xs:
                xs.append(xs[-1])
                ys.append(None)
            xs.extend(part["period"])
            ys.extend(None if pd.isna(v) else float(v) for v in part[column])
    return xs, ys


def _add_line(fig: FigureSpec, xs: list, ys: list, *, name: str, colour: str, dash: str, width: float, shape: str,
              legend: bool = False) -> None:
    if not xs:
        return
    fig.add_trace(
        x=xs, y=ys, mode="lines", name=name, connectgaps=False, hoverinfo="skip", showlegend=legend,
        line={"color": colour, "dash": dash, "width": width, "shape": shape},
    )


def _comments(frame: pd.DataFrame) -> pd.Series:
    """Each point's comment, stripped ("" where there is none)."""
    if "comment" not in frame:
        return pd.Series("", index=frame.index, dtype=object)
    return frame["comment"].map(lambda c: c.strip() if isinstance(c, str) else "")


def _add_comment_rings(fig: FigureSpec, frame: pd.DataFrame, present: pd.Series, size: float, compact: bool) -> None:
    """A ring around each point that has a comment; the point's own hover tells the comment."""
    rows = present & (_comments(frame) != "")
    if not rows.any():
        return
    fig.add_trace(
        x=frame.loc[rows, "period"], y=_values(frame.loc[rows, "value"]), mode="markers", name=COMMENTED,
        marker={"color": TEXT, "symbol": "circle-open", "size": round(size + 10, 1), "line": {"width": 1.5}},
        hoverinfo="skip", cliponaxis=False, showlegend=not compact,
    )


def _hover_texts(frame: pd.DataFrame, definition: MeasureDefinition, centre_name: str, trial: set) -> pd.Series:
    """One hover text per point: period, value with unit, numerator/denominator, why, and the lines."""
    several_phases = frame["phase"].nunique() > 1
    has_ratio = {"numerator", "denominator"} <= set(frame.columns)
    texts = []
    for row, comment in zip(frame.itertuples(index=False), _comments(frame)):
        lines = [f"<b>{hover_period(row.period, definition.frequency)}</b>", plain_text(format_value(row.value, definition))]
        if has_ratio and pd.notna(row.numerator) and pd.notna(row.denominator):
            lines.append(f"Numerator {_number(row.numerator)}, denominator {_number(row.denominator)}")
        reason = row.reason if row.signal and isinstance(row.reason, str) and row.reason else "Common cause variation"
        lines.append(plain_text(reason))
        if pd.notna(row.centre):
            reference = f"{centre_name} {format_value(row.centre, definition, with_unit=False)}"
            if pd.notna(row.lower) and pd.notna(row.upper):
                kind = "trial limits" if row.phase in trial else "process limits"
                reference += (f" · {kind} {format_value(row.lower, definition, with_unit=False)}"
                              f" to {format_value(row.upper, definition, with_unit=False)}")
            lines.append(reference)
        if several_phases:
            lines.append(f"Phase {row.phase}")
        if comment:
            # Wrapped and shortened, so a long comment keeps the hover box inside the chart.
            wrapped = textwrap.wrap(f"Comment: {comment}", 60, max_lines=6, placeholder=" …")
            lines.extend(plain_text(line) for line in wrapped)
        texts.append("<br>".join(lines))
    return pd.Series(texts, index=frame.index, dtype=object)


def y_range(frame: pd.DataFrame, goal_levels: list[float], show_2s: bool) -> tuple[float, float]:
    columns = ["value", "centre", "lower", "upper"] + (["lower_2s", "upper_2s"] if show_2s else [])
    levels = np.append(frame[columns].to_numpy(dtype=float).ravel(), goal_levels)
    levels = levels[np.isfinite(levels)]
    if not levels.size:
        return (0.0, 1.0)
    low, high = float(levels.min()), float(levels.max())
    span = high - low or max(abs(high), 1.0) * 0.2
    bottom, top = low - 0.08 * span, high + 0.08 * span
    if low >= 0:
        bottom = max(bottom, -0.03 * span)  # no negative ticks under data that cannot be negative
    return (bottom, top)


def _add_line_labels(fig: FigureSpec, frame: pd.DataFrame, definition: MeasureDefinition, centre_name: str,
                     trial: set, y_span: tuple[float, float], style: _Style,
                     goal_labels: list[tuple[float, str, str]]) -> None:
    """Name each line and its latest value at the right end, nudged apart so none overlap."""
    labels: list[tuple[float, str, str]] = []
    last = frame.dropna(subset=["centre"])
    if len(last):
        row = last.iloc[-1]
        labels.append((row["centre"], f"{centre_name} {format_value(row['centre'], definition, with_unit=False)}", TEXT))
        suffix = " (trial)" if row["phase"] in trial else ""
        for column, name in zip(("upper", "lower"), style.limit_names):
            if pd.notna(row[column]):
                value = format_value(row[column], definition, with_unit=False)
                labels.append((row[column], f"{name} {value}{suffix}", LIMIT_TEXT))
    if style.huddle:  # the short form fits beside a huddle chart; the board says by when
        goal_labels = [(y, re.split(r" (?:by|from) ", text)[0], colour) for y, text, colour in goal_labels]
    labels.extend(goal_labels)
    if not labels:
        return
    labels.sort(key=lambda label: label[0])
    gap = (y_span[1] - y_span[0]) * 1.25 * style.font / style.plot_px
    placed = [labels[0][0]]
    for y, _, _ in labels[1:]:
        placed.append(max(y, placed[-1] + gap))
    overshoot = placed[-1] - (y_span[1] - gap / 2)
    if overshoot > 0:  # pushed off the top: slide the whole stack down
        placed = [y - overshoot for y in placed]
    for (_, text, colour), y in zip(labels, placed):
        fig.add_annotation(x=1, xref="paper", xanchor="left", xshift=8, y=y, yref="y", yanchor="middle",
                           text=text, showarrow=False, font={"color": colour, "size": style.font - 2, "family": FONT})


def _time_axis(frame: pd.DataFrame, frequency: str, compact: bool) -> dict:
    """A continuous date axis with UK labels: "Apr 24" for months, "01 Apr 24" for weeks."""
    if frame.empty:
        return {"type": "date"}
    first, last = frame["period"].iloc[0], frame["period"].iloc[-1]
    if frequency == "week":
        max_ticks = 4 if compact else 8  # "01 Apr 24" is wider than "Apr 24"
        weeks = (last - first).days // 7 + 1
        step = next((s for s in (1, 2, 4, 8, 13, 26) if weeks / s <= max_ticks), 52)
        ticks = {"tickformat": "%d %b %y", "dtick": step * 7 * _DAY_MS, "tick0": first}
    else:
        max_ticks = 5 if compact else 12
        months = (last.year - first.year) * 12 + last.month - first.month + 1
        step = next((s for s in (1, 2, 3, 6, 12) if months / s <= max_ticks), 12 * math.ceil(months / 12 / max_ticks))
        ticks = {"tickformat": "%b %y", "dtick": f"M{step}", "tick0": first}
    return dict(type="date", range=list(time_range(frame, frequency)), **ticks)


def time_range(frame: pd.DataFrame, frequency: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The dates the time axis spans: half a period either side of the charted periods."""
    half = pd.Timedelta(days=3.5 if frequency == "week" else 15)
    return frame["period"].iloc[0] - half, frame["period"].iloc[-1] + half


def _layout(fig: FigureSpec, frame: pd.DataFrame, definition: MeasureDefinition, title: str | None,
            y_span: tuple[float, float], style: _Style) -> None:
    percent = definition.unit.strip() == "%"
    heading: dict = {"text": plain_text(title or definition.name), "x": 0, "xref": "paper", "xanchor": "left",
                     "font": {"size": style.font + (2 if style.compact else 6), "color": TEXT, "family": FONT}}
    if not style.compact:
        heading["subtitle"] = {"text": chart_caption(definition), "font": {"size": style.font - 2, "color": LIMIT_TEXT}}
    # automargin, which Plotly's default template used to set: angled date labels on a narrow
    # chart then push the legend down instead of lying under it.
    axis = {"showline": True, "linecolor": "#AEB7BD", "gridcolor": GRID, "zeroline": False, "ticks": "outside",
            "automargin": True, "tickfont": {"size": style.font - 2}}
    axis_title = {"font": {"size": style.font - 1}}
    fig.layout.update(
        title=None if style.huddle else heading,
        height=style.height,
        margin=dict(style.margin, b=style.margin["b"] + style.legend_px),
        font={"family": FONT, "size": style.font, "color": TEXT},
        paper_bgcolor="#FFFFFF",
        plot_bgcolor="#FFFFFF",
        showlegend=not (style.compact or style.huddle),
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 0, "yref": "container", "yanchor": "bottom",
                "font": {"size": style.legend_font}},
        hovermode="closest",
        hoverlabel={"font": {"size": style.font - 1, "family": FONT}, "bgcolor": "#FFFFFF"},
        xaxis=dict(axis, title=axis_title, **_time_axis(frame, definition.frequency, style.compact or style.huddle)),
        yaxis=dict(axis, range=list(y_span), ticksuffix="%" if percent else "",
                   title=dict(axis_title, text=None if style.compact else "Percentage" if percent
                              else plain_text(definition.unit))),
    )
