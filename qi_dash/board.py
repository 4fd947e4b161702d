"""A team's board in words: each measure's latest variation in one line, and the order a huddle
reads the measures in (this period's signals first).

Pure functions over ``analysis.MeasureView``: the Team page's summary and huddle mode show
what these say, so the wording is tested without Streamlit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

import pandas as pd

from qi_dash import charts, periods
from qi_dash.analysis import MeasureView
from qi_dash.icons import POINT_STYLE
from qi_dash.vocabulary import FAMILIES

# Which signal a huddle reads first: a concern needs action, an improvement needs holding.
SIGNAL_RANK = {"concern": 0, "improvement": 1, "neutral_high": 2, "neutral_low": 2}
HUDDLE_CHARTS_PER_SCREEN = 4

T = TypeVar("T")


@dataclass(frozen=True)
class BoardLine:
    """One measure on the board: its icons, its latest value and what its chart says."""

    code: str
    name: str
    family: str
    variation_icon: str
    assurance_icon: str
    latest: str  # "12.3 per 1,000 occupied bed days (Oct 25)"
    summary: str  # "Special cause improvement since Mar 25"
    signal_now: bool  # a special cause at the latest point


def _present(view: MeasureView) -> pd.DataFrame:
    points = view.result.points
    return points[points["value"].notna()]


def latest_signal(view: MeasureView) -> str | None:
    """The point type of the latest charted point when it is a special cause, else None."""
    if not view.has_data:
        return None
    present = _present(view)
    if present.empty or present["point_type"].iloc[-1] == "common_cause":
        return None
    return str(present["point_type"].iloc[-1])


def summary_line(view: MeasureView) -> str:
    """What the chart says now, in one line: "Special cause improvement since Mar 25",
    "Special cause concern in Oct 25", "Common cause variation since Jun 24, after special cause concern"."""
    if not view.has_data:
        return view.message or "No data yet."
    result, frequency = view.result, view.definition.frequency
    if result.variation_icon == "none":
        return result.summary
    present = _present(view)
    types = present["point_type"].to_numpy()
    latest = types[-1]
    # The run of charted points, back from the latest, that show the same kind of variation.
    start = len(types) - 1
    while start > 0 and types[start - 1] == latest:
        start -= 1
    since = periods.label(present["period"].iloc[start], frequency)
    if latest != "common_cause":
        label = POINT_STYLE[latest][2]
        return f"{label} in {since}" if start == len(types) - 1 else f"{label} since {since}"
    if start == 0:
        return f"Common cause variation since {since}: no signals"
    # The point before the run is the last signal.
    return f"Common cause variation since {since}, after {POINT_STYLE[types[start - 1]][2].lower()}"


def latest_text(view: MeasureView) -> str:
    """The latest value with its unit and period, "–" without one."""
    latest = view.latest
    if latest is None:
        return "–"
    value = charts.format_value(latest["value"], view.definition)
    return f"{value} ({periods.label(latest['period'], view.definition.frequency)})"


def family_order(views: Sequence[MeasureView]) -> list[MeasureView]:
    """Measures with data, outcome → process → balancing, each family in the order given."""
    return sorted((v for v in views if v.has_data), key=lambda v: FAMILIES.index(v.definition.family))


def board_lines(views: Sequence[MeasureView]) -> list[BoardLine]:
    """The board's summary: a line per measure with data, in family order."""
    return [
        BoardLine(
            code=v.definition.code, name=v.definition.name, family=v.definition.family,
            variation_icon=v.result.variation_icon, assurance_icon=v.result.assurance_icon,
            latest=latest_text(v), summary=summary_line(v), signal_now=latest_signal(v) is not None,
        )
        for v in family_order(views)
    ]


def huddle_order(views: Sequence[MeasureView]) -> list[MeasureView]:
    """This period's signals first (concerns, then improvements, then neither), then the rest;
    within each, outcome → process → balancing."""
    def rank(view: MeasureView) -> int:
        signal = latest_signal(view)
        return len(set(SIGNAL_RANK.values())) if signal is None else SIGNAL_RANK[signal]

    return sorted(family_order(views), key=rank)


def screen(items: Sequence[T], index: int, per_screen: int = HUDDLE_CHARTS_PER_SCREEN) -> tuple[list[T], int, int]:
    """Screen ``index`` (wrapping round) of ``items`` shown ``per_screen`` at a time:
    its items, its number from 0 and how many screens there are."""
    if per_screen < 1:
        raise ValueError("per_screen must be at least 1")
    screens = max(1, -(-len(items) // per_screen))
    index %= screens
    return list(items[index * per_screen:(index + 1) * per_screen]), index, screens


def rotate_seconds(text: str | None, default: int = 30) -> int:
    """Seconds each huddle screen shows, from the URL's ``rotate``: a whole number of at
    least 5 (0 stops rotating); anything else is the default."""
    try:
        seconds = int(text) if text is not None else default
    except ValueError:
        return default
    return seconds if seconds == 0 or seconds >= 5 else default
