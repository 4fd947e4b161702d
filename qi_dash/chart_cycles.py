"""PDSA cycles on a chart: numbered markers whose labels never overlap, the decision in symbols.

Each cycle shown on a chart (``pdsa.on_measure``: linked to the chart's measure or to none) is a
dotted vertical line at the date the change was tried (``pdsa.marker_date``) topped by a label:
its number in date order and its decision's symbol (✓ adopt, ↻ adapt, ✗ abandon, … still
running), so the decision never rests on colour. Labels sit in rows above the data; a label that
would touch one before it goes a row down (qicharts2 #42: close interventions collide), and the
full chart grows by the rows it needs rather than squeezing the data. Title, whose cycle it is,
prediction, dates, decision and what was learned are in the hover (the list under the chart
names them too); the legend has one entry saying what the symbols mean, so a dozen cycles never
crowd the chart out.
"""

from __future__ import annotations

import textwrap

import pandas as pd

from qi_dash import charts
from qi_dash.definitions import MeasureDefinition
from qi_dash.pdsa import decision_label, decision_symbol, marker_date, on_measure
from qi_dash.vocabulary import DECISIONS

# The narrowest plot the app draws a full chart in: about 350 px on the Team page of a 1280 px
# screen with the sidebar open and the icons beside the chart (measured in Chromium); on a wider
# plot the labels are only further apart.
MIN_PLOT_PX = 340
CYCLES_TRACE = "pdsa_cycles"  # the name and meta of the trace of labels, for the page and its tests
LABEL_GAP_PX = 4
# Fill, outline and text of a label: a decided cycle is solid, a running one open; the decision
# is also in the label's symbol.
_COLOURS = {
    "adopt": ("#003087", "#FFFFFF", "#FFFFFF"),  # NHS dark blue
    "adapt": ("#005EB8", "#FFFFFF", "#FFFFFF"),  # NHS blue
    "abandon": ("#768692", "#FFFFFF", "#FFFFFF"),  # NHS mid grey
    None: ("#FFFFFF", "#003087", "#003087"),
}


def add_cycles(fig: charts.FigureSpec, cycles: pd.DataFrame | None, frame: pd.DataFrame, definition: MeasureDefinition,
               style, legend_names: list[str], y_range: tuple[float, float]) -> tuple[float, float]:
    """Draw the cycles that belong on this chart; returns the y range with headroom for their labels.

    ``style`` is the chart's ``charts._Style``: its legend is fitted to ``legend_names`` plus the
    cycles', and its height grows by the rows of labels.
    """
    shown = cycles_on_chart(cycles, frame, definition)
    if shown.empty:
        return y_range
    records = shown.to_dict("records")
    numbers = shown["number"].tolist() if "number" in shown else list(range(1, len(shown) + 1))
    names = [legend_name(number, row) for number, row in zip(numbers, records)]
    key = legend_key(records)
    style.fit_legend([*legend_names, key])
    labels = [label_text(number, row) for number, row in zip(numbers, records)]
    size = label_size(labels, style.font)
    rows = label_rows(shown["date"], charts.time_range(frame, definition.frequency), size)
    row_px = size + LABEL_GAP_PX
    headroom = (max(rows) + 1) * row_px + LABEL_GAP_PX
    if not style.compact:  # the data keeps its height, the labels get their own; a small multiple keeps its size
        style.height += headroom
        style.fit_legend([*legend_names, key])
    bottom, span = y_range[0], y_range[1] - y_range[0]
    # The data keeps the plot below the labels (a small multiple keeps at least a sliver of it).
    top = bottom + span * style.plot_px / max(style.plot_px - headroom, 40)
    per_px = (top - bottom) / style.plot_px
    label_y = [top - per_px * (LABEL_GAP_PX + row * row_px + size / 2) for row in rows]
    _draw(fig, records, numbers, labels, names, label_y, bottom, size, style)
    if not style.compact:
        fig.add_trace(x=[None], y=[None], mode="markers", name=key, hoverinfo="skip",
                      marker={"color": _COLOURS[None][0], "size": 12, "line": {"color": _COLOURS[None][1], "width": 1.5}})
    return bottom, top


def cycles_on_chart(cycles: pd.DataFrame | None, frame: pd.DataFrame, definition: MeasureDefinition) -> pd.DataFrame:
    """The cycles on this measure's chart whose date is within its time axis, in date order, with
    ``date`` where each is marked. Their numbers are ``number`` where the frame has it (the
    unit's numbering, the same on every chart), else their order here."""
    if cycles is None or cycles.empty or frame.empty:
        return pd.DataFrame({"date": pd.to_datetime([]), "title": []})
    mine = on_measure(cycles, definition.code)
    if "plan_date" in mine:
        mine = mine.assign(date=marker_date(mine))
    mine = mine.assign(date=pd.to_datetime(mine["date"])).sort_values("date", kind="stable")
    first, last = charts.time_range(frame, definition.frequency)
    return mine[(mine["date"] >= first) & (mine["date"] <= last)].reset_index(drop=True)


def label_text(number: int, cycle: dict) -> str:
    """A marker's label: the cycle's number and its decision's symbol ("3✓", "4…"); just the
    number for a change with no decision to tell."""
    return f"{number}{decision_symbol(cycle['decision'])}" if "decision" in cycle else str(number)


def label_size(labels: list[str], font: int) -> int:
    """The diameter of every label's circle, wide enough for the longest label."""
    widest = max(len(label) for label in labels)
    return round(max(font + 8, 0.6 * (font - 3) * widest + 8))


def label_rows(dates: pd.Series, axis: tuple[pd.Timestamp, pd.Timestamp], size: float) -> list[int]:
    """The row (0 = top) of each label: the first row where it clears the label before it on a
    plot ``MIN_PLOT_PX`` wide spanning ``axis``; a new row when none has room, so no two labels
    ever overlap."""
    min_gap = (axis[1] - axis[0]) * ((size + LABEL_GAP_PX) / MIN_PLOT_PX)
    row_ends: list[pd.Timestamp] = []  # the date of the last label in each row
    rows = []
    for when in dates:
        row = next((i for i, end in enumerate(row_ends) if when - end >= min_gap), len(row_ends))
        if row == len(row_ends):
            row_ends.append(when)
        row_ends[row] = when
        rows.append(row)
    return rows


def legend_key(cycles: list[dict]) -> str:
    """One legend entry for the cycles (each is named in its hover and listed under the chart): what
    their numbers and symbols mean, e.g. "PDSA cycles: ✓ adopt · … still running"."""
    if not any("decision" in cycle for cycle in cycles):
        return "Tests of change (numbered in date order)"
    decisions = {cycle["decision"] if isinstance(cycle["decision"], str) else None for cycle in cycles}
    shown = [decision_label(d) for d in (*DECISIONS, None) if d in decisions]
    return "PDSA cycles: " + " · ".join(shown)


def legend_name(number: int, cycle: dict) -> str:
    """"3. Hazel Ward (PICU): Sensory room (✓ adopt)": number, whose (when not the chart's unit),
    title and decision, escaped for Plotly."""
    whose = cycle.get("whose") or ""
    name = f"{number}. {charts.plain_text(f'{whose}: ' if whose else '')}{charts.plain_text(str(cycle['title']))}"
    return f"{name} ({decision_label(cycle['decision'])})" if "decision" in cycle else name


def hover_text(number: int, cycle: dict) -> str:
    """The cycle in words: title, dates, change idea, prediction, decision and what was learned."""
    lines = [f"<b>{legend_name(number, cycle)}</b>"]
    dates = [(step, cycle.get(f"{step.lower()}_date")) for step in ("Plan", "Do", "Study", "Act")]
    dated = " · ".join(f"{step} {pd.Timestamp(when):%d %b %Y}" for step, when in dates if _given(when))
    lines.append(dated or f"{pd.Timestamp(cycle['date']):%d %b %Y}")
    for heading, key in (("Change", "change_idea"), ("Change", "detail"), ("Prediction", "prediction"),
                         ("Learned", "learned")):
        text = cycle.get(key)
        if isinstance(text, str) and text.strip():
            # Wrapped and shortened, so the hover box stays inside a narrow chart.
            wrapped = textwrap.wrap(f"{heading}: {text.strip()}", 60, max_lines=4, placeholder=" …")
            lines.extend(charts.plain_text(line) for line in wrapped)
    return "<br>".join(lines)


def _given(value: object) -> bool:
    return value is not None and not pd.isna(value)


def _draw(fig: charts.FigureSpec, records: list[dict], numbers: list[int], labels: list[str], names: list[str],
          label_y: list[float], bottom: float, size: int, style) -> None:
    """The cycles as one trace of labels (each with its hover; ``customdata`` its name) and their
    dotted lines as shapes between the grid and the traces, so a line never hides a point on the
    date of its change. One trace, however many cycles: drawing stays quick."""
    colours = [_COLOURS[d if isinstance(d, str) else None] for d in (c.get("decision") for c in records)]
    fig.add_trace(
        x=[c["date"] for c in records], y=label_y, mode="markers+text", name=CYCLES_TRACE, text=labels,
        textposition="middle center", customdata=names,
        textfont={"color": [text for _, _, text in colours], "size": style.font - 3, "family": charts.FONT},
        marker={"color": [fill for fill, _, _ in colours], "size": size,
                "line": {"color": [outline for _, outline, _ in colours], "width": 1.5}},
        hovertext=[hover_text(n, c) for n, c in zip(numbers, records)], hoverinfo="text", cliponaxis=False,
        showlegend=False, meta=CYCLES_TRACE,
    )
    for c, top in zip(records, label_y):
        fig.add_shape(type="line", x0=c["date"], x1=c["date"], y0=bottom, y1=top, layer="between",
                      line={"color": _COLOURS[None][1], "dash": "dot", "width": 2})
