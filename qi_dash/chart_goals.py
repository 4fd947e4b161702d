"""What a chart is aiming at: the target over time as a stepped line, and each aim's goal line
from its baseline to its by-date, both labelled in words.

Called once from ``charts.spc_figure``. Future target steps and aims' by-dates extend the time
axis, so the trajectory ahead is seen. Pure: the chart's figure values (``charts.FigureSpec``);
nothing here knows about Streamlit.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from qi_dash import aims as aims_
from qi_dash import periods
from qi_dash.aims import Aim
from qi_dash.definitions import MeasureDefinition
from qi_dash.icons import TARGET
from qi_dash.targets import ALL_UNITS, Trajectory

if TYPE_CHECKING:  # charts draws its goals with this module
    from qi_dash.charts import FigureSpec

GOAL = "#003087"  # NHS dark blue: the aim's goal line, apart from the red target and the grey limits


@dataclass
class GoalLines:
    """What the goals drawn add to the chart: levels the y axis must show, labels for the
    right-hand stack (y, text, colour) and the last period the time axis must reach."""

    levels: list[float] = field(default_factory=list)
    labels: list[tuple[float, str, str]] = field(default_factory=list)
    last: pd.Timestamp | None = None

    def axis(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The periods the time axis spans: the charted ones, to the last goal when it lies ahead."""
        if frame.empty or self.last is None or self.last <= frame["period"].iloc[-1]:
            return frame
        return pd.concat([frame[["period"]], pd.DataFrame({"period": [self.last]})], ignore_index=True)


def add_goals(fig: FigureSpec, frame: pd.DataFrame, definition: MeasureDefinition, trajectory: Trajectory | None,
              aims: tuple[Aim, ...] | list[Aim], width: float) -> GoalLines:
    """Draw the target (a flat line, or steps when it changes over time) and the aims' goal
    lines; returns what the rest of the chart must make room for."""
    goals = GoalLines()
    if frame.empty:
        return goals
    trajectory = trajectory or Trajectory(definition.code, ALL_UNITS, (), definition.target)
    first, last = frame["period"].iloc[0], frame["period"].iloc[-1]
    # A step ahead is shown for a few periods, so its new level reads as a line, not a point.
    shown_for = pd.DateOffset(months=3) if definition.frequency == "month" else pd.DateOffset(weeks=3)
    ahead = [pd.Timestamp(d) + shown_for for d, _ in trajectory.steps if pd.Timestamp(d) > last]
    ahead += [pd.Timestamp(a.by_date) for a in aims]
    goals.last = max(ahead) if ahead else None
    end = max(last, goals.last) if goals.last is not None else last
    _add_target(fig, goals, trajectory, first, end, definition, width)
    for aim in aims:
        _add_aim(fig, goals, aim, frame, definition, width)
    return goals


def _add_target(fig: FigureSpec, goals: GoalLines, trajectory: Trajectory, first: pd.Timestamp, end: pd.Timestamp,
                definition: MeasureDefinition, width: float) -> None:
    starts = [pd.Timestamp(d) for d, _ in trajectory.steps if first < pd.Timestamp(d) <= end]
    xs = [first, *starts, end]
    ys = trajectory.at(xs)
    if np.isnan(ys).all():
        return
    values = [None if np.isnan(y) else float(y) for y in ys]
    hover = [f"Target {aims_.value_text(y, definition, with_unit=False)} from {periods.label(x, definition.frequency)}" if y is not None else ""
             for x, y in zip(xs, values)]
    fig.add_trace(
        x=xs, y=values, mode="lines", name="Target", connectgaps=False, showlegend=False,
        line={"color": TARGET, "dash": "dash", "width": width, "shape": "hv" if trajectory.changes else "linear"},
        hovertext=hover if trajectory.changes else None, hoverinfo="text" if trajectory.changes else "skip",
    )
    goals.levels.extend(v for v in values if v is not None)
    if values[-1] is not None:
        text = f"Target {aims_.value_text(values[-1], definition, with_unit=False)}"
        if trajectory.changes and goals.last is not None and pd.Timestamp(trajectory.steps[-1][0]) > first:
            text += f" from {periods.label(pd.Timestamp(trajectory.steps[-1][0]), definition.frequency)}"
        goals.labels.append((values[-1], text, TARGET))


def _add_aim(fig: FigureSpec, goals: GoalLines, aim: Aim, frame: pd.DataFrame, definition: MeasureDefinition,
             width: float) -> None:
    base = aims_.baseline(aim, frame, definition.frequency)
    if base.value is None:
        return
    xs, ys = aims_.goal_line(aim, base.value)
    label = aims_.goal_label(aim, base.value, definition)
    fig.add_trace(
        x=xs, y=ys, mode="lines+markers", name=label, showlegend=False,
        line={"color": GOAL, "dash": "longdashdot", "width": width},
        marker={"color": GOAL, "size": 8, "symbol": ["circle-open", "star"]},
        hovertext=[f"Baseline {aims_.value_text(ys[0], definition, with_unit=False)} ({html.escape(base.words, quote=False)})", label],
        hoverinfo="text", cliponaxis=False,
    )
    goals.levels.extend(ys)
    goals.labels.append((ys[1], label, GOAL))

