"""Phases on an SPC chart: each phase boundary a vertical line labelled "Phase 2: <reason>",
a frozen baseline a shaded band labelled "Baseline", and a runs-test signal (too few or too
many runs) written on the centre line of its phase. Called by ``charts.spc_figure``; the
limits themselves are already drawn phase by phase there. Words are never only colour: every
mark has a label, and the whole reason is in its hover."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import pandas as pd

from qi_dash import charts
from qi_dash.phases import PhaseChange, phase_label
from qi_dash.vocabulary import BASELINE

BOUNDARY = "#425563"  # NHS mid grey: a boundary must read on a projector, not compete with the data
BAND = "#E8EDEE"  # NHS pale grey
LABEL_CHARS = 48  # longer reasons are cut in the label; the hover has them whole


def add_phases(fig: charts.FigureSpec, frame: pd.DataFrame, phases: pd.DataFrame | None,
               changes: Sequence[PhaseChange], font: int) -> None:
    """Mark the phases of ``phases`` (the engine's) on ``fig``, naming each with the change
    in ``changes`` (a unit × measure's, in force) that made it."""
    if phases is None or phases.empty or frame.empty or not {"phase", "start"} <= set(phases.columns):
        return
    half = _half_period(frame)
    size = font - 3
    labels: list[tuple[pd.Timestamp, str, str]] = []  # x, text, hover: placed at the foot of the plot
    for i, phase in enumerate(phases.itertuples(index=False)):
        start = pd.Timestamp(phase.start)
        end = pd.Timestamp(phases["start"].iloc[i + 1]) if i + 1 < len(phases) else frame["period"].iloc[-1] + half
        if phase.phase > 1:
            change = _change(changes, "new_phase", start - 2 * half, start)
            labels.append(_boundary(fig, start - half, phase_label(int(phase.phase), change), change))
        if pd.notna(getattr(phase, "baseline_end", None)):
            last = pd.Timestamp(phase.baseline_end)
            fig.add_shape(type="rect", x0=start - half, x1=last + half, xref="x", y0=0, y1=1, yref="y domain",
                          fillcolor=BAND, opacity=0.7, layer="below", line={"width": 0})
            labels.append((start - half, f"<i>{BASELINE}</i>", _baseline_hover(frame, start, last)))
            freeze = _change(changes, "freeze_baseline", last, end)
            if freeze is not None:
                labels.append(_boundary(fig, last + half, phase_label(int(phase.phase), freeze), freeze))
        if getattr(phase, "runs_reason", ""):
            _runs_label(fig, frame[frame["phase"] == phase.phase], phase.runs_reason, size)
    span = frame["period"].iloc[-1] - frame["period"].iloc[0] + 2 * half
    for (x, text, hover), row in zip(labels, _rows(labels, span, size)):
        fig.add_annotation(x=x, xref="x", xanchor="left", xshift=4, y=0, yref="paper", yanchor="bottom",
                           yshift=4 + row * (size + 10), text=text, showarrow=False, hovertext=hover,
                           bgcolor="rgba(255,255,255,0.85)", font={"size": size, "color": BOUNDARY, "family": charts.FONT})


def _rows(labels: list[tuple[pd.Timestamp, str, str]], span: pd.Timedelta, size: int) -> list[int]:
    """A row (0 = lowest) for each label so none overlaps the one before it in its row; the
    plot is taken to be about 600 px wide, as for the tests of change (``charts``)."""
    ends: list[pd.Timestamp] = []
    rows = []
    for x, text, _ in labels:
        width = span / 600 * (0.55 * size * len(text.replace("<i>", "").replace("</i>", "")) + 12)
        row = next((r for r, end in enumerate(ends) if x >= end), len(ends))
        if row == len(ends):
            ends.append(x)
        ends[row] = x + width
        rows.append(row)
    return rows


def _half_period(frame: pd.DataFrame) -> pd.Timedelta:
    steps = frame["period"].diff().dropna()
    return (steps.min() if len(steps) else pd.Timedelta(days=30)) / 2


def _change(changes: Sequence[PhaseChange], kind: str, after: pd.Timestamp, until: pd.Timestamp) -> PhaseChange | None:
    """The change of ``kind`` the engine placed in (after, until]: a date between periods starts at the next period."""
    found = [c for c in changes if c.kind == kind and after < pd.Timestamp(c.period) <= until]
    return found[-1] if found else None


def _boundary(fig: charts.FigureSpec, x: pd.Timestamp, label: str, change: PhaseChange | None) -> tuple[pd.Timestamp, str, str]:
    """A boundary's line; returns its label (cut short) and hover (the whole reason, who and from when)."""
    fig.add_shape(type="line", x0=x, x1=x, y0=0, y1=1, xref="x", yref="paper", layer="between",
                  line={"color": BOUNDARY, "width": 2, "dash": "longdash"})
    short = label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "…"
    hover = [f"<b>{charts.plain_text(label.split(':')[0])}</b>"]
    if change is not None:
        hover += [charts.plain_text(line) for line in textwrap.wrap(change.reason.strip(), 60)]
        who = f" by {change.recorded_by}" if change.recorded_by else ""
        hover.append(charts.plain_text(f"From {pd.Timestamp(change.period):%d %b %Y}; recorded{who}"))
    return x, charts.plain_text(short), "<br>".join(hover)


def _baseline_hover(frame: pd.DataFrame, start: pd.Timestamp, last: pd.Timestamp) -> str:
    n = int(((frame["period"] >= start) & (frame["period"] <= last)).sum())
    return charts.plain_text(f"Limits calculated from these {n} points, {start:%b %Y} to {last:%b %Y}, and extended")


def _runs_label(fig: charts.FigureSpec, part: pd.DataFrame, reason: str, size: int) -> None:
    """The runs signal on its phase's centre line: "Not random: too few runs"."""
    centred = part.dropna(subset=["centre"])
    if centred.empty:
        return
    middle = centred.iloc[len(centred) // 2]
    name = reason.split(":")[0]
    fig.add_annotation(x=middle["period"], y=float(middle["centre"]), xref="x", yref="y", yanchor="bottom", yshift=3,
                       text=charts.plain_text(f"Not random: {name.lower()}"), showarrow=False,
                       hovertext="<br>".join(charts.plain_text(line) for line in textwrap.wrap(reason, 60)),
                       bgcolor="rgba(255,255,255,0.85)", bordercolor=charts.TEXT, borderwidth=1,
                       font={"size": size, "color": charts.TEXT, "family": charts.FONT})
