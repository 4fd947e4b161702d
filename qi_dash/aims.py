"""Aims: what a unit sets out to improve, by how much and by when — the shared purpose.

An aim belongs to a unit (a team, a directorate or the organisation) and is linked to one
outcome measure. Its baseline is either given (a value as at a date) or worked out from the
unit's own series over a baseline period (the mean or the median of the charted values). The
change is relative ("reduce by 30 %") or absolute ("increase to 90", "reduce by 5"), reached by
a date. From these come the goal value, the goal line from the baseline to the by-date, and
progress in words. Pure: no Streamlit, no SQL.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from qi_dash import periods
from qi_dash.definitions import DefinitionError, MeasureDefinition

# How an aim changes its measure: relative ("by 30 %"), by an amount, or to a level.
CHANGES = ("reduce_by_percent", "increase_by_percent", "reduce_by", "increase_by", "reduce_to", "increase_to")
CHANGE_WORDS = {
    "reduce_by_percent": "reduce by a percentage",
    "increase_by_percent": "increase by a percentage",
    "reduce_by": "reduce by an amount",
    "increase_by": "increase by an amount",
    "reduce_to": "reduce to a level",
    "increase_to": "increase to a level",
}
BASELINE_STATS = ("mean", "median")


@dataclass(frozen=True)
class Aim:
    """One aim. The goal line starts at ``baseline_to`` (the end of the baseline period, or the
    date a given baseline describes). ``baseline_value`` None: worked out from the series
    between ``baseline_from`` and ``baseline_to`` as their ``baseline_stat``."""

    unit: str
    measure: str
    statement: str
    change: str
    amount: float
    by_date: date
    baseline_to: date
    baseline_from: date | None = None
    baseline_value: float | None = None
    baseline_stat: str = "mean"
    aim_id: int | None = None

    @property
    def reduces(self) -> bool:
        return self.change.startswith("reduce")

    @property
    def computed_baseline(self) -> bool:
        return self.baseline_value is None


class AimError(DefinitionError):
    """An aim has problems; ``problems`` lists every one in words (as for a definition)."""


def check_aim(aim: Aim, definition: MeasureDefinition | None) -> Aim:
    """The aim if it makes sense for its measure; AimError listing every problem otherwise."""
    problems = []
    if not aim.statement.strip():
        problems.append("The aim statement is empty: say what, by how much and by when.")
    if definition is None:
        problems.append(f"The aim's measure '{aim.measure}' is not a defined measure.")
    if aim.change not in CHANGES:
        problems.append(f"The change '{aim.change}' is not one of: {', '.join(CHANGE_WORDS.values())}.")
    if aim.baseline_stat not in BASELINE_STATS:
        problems.append(f"The baseline is a {aim.baseline_stat}; it must be a mean or a median.")
    if not math.isfinite(aim.amount) or aim.amount <= 0:
        problems.append(f"The amount of change is {aim.amount:g}; it must be a number above zero.")
    elif aim.change == "reduce_by_percent" and aim.amount >= 100:
        problems.append(f"A reduction of {aim.amount:g} % would take the measure to zero or below.")
    if aim.by_date <= aim.baseline_to:
        problems.append(f"The aim's date ({aim.by_date:%d/%m/%Y}) must come after the baseline "
                        f"({aim.baseline_to:%d/%m/%Y}).")
    if aim.computed_baseline:
        if aim.baseline_from is None:
            problems.append("Give the first period of the baseline, or a baseline value.")
        elif aim.baseline_from > aim.baseline_to:
            problems.append(f"The baseline starts ({aim.baseline_from:%d/%m/%Y}) after it ends "
                            f"({aim.baseline_to:%d/%m/%Y}).")
    elif not math.isfinite(aim.baseline_value):
        problems.append("The baseline value must be a number.")
    elif aim.change in ("reduce_to", "increase_to"):
        wrong = aim.amount >= aim.baseline_value if aim.reduces else aim.amount <= aim.baseline_value
        if wrong:
            problems.append(f"To {'reduce' if aim.reduces else 'increase'} to {aim.amount:g} from a baseline of "
                            f"{aim.baseline_value:g} is no {'reduction' if aim.reduces else 'increase'}.")
    if definition is not None and aim.change in CHANGES:
        against = "increase" if aim.reduces else "decrease"
        if definition.direction == against:
            problems.append(f"{definition.name}: {definition.direction_words.lower()}, so an aim to "
                            f"{'reduce' if aim.reduces else 'increase'} it would aim at a concern.")
    if problems:
        raise AimError(problems)
    return aim


def value_text(value: float, definition: MeasureDefinition, *, with_unit: bool = True) -> str:
    """A value as charts show it ("5.2", "90%")."""
    from qi_dash.charts import format_value  # charts draws aims (chart_goals): import at use, not at load
    return format_value(value, definition, with_unit=with_unit)


@dataclass(frozen=True)
class Baseline:
    value: float | None  # None when the series has no data in the baseline period
    words: str  # how it was found, e.g. "mean of 12 monthly values, Jan 23 to Dec 23"


def baseline(aim: Aim, points: pd.DataFrame | None, frequency: str) -> Baseline:
    """The aim's baseline: as given, or the mean or median of the unit's charted values
    (``points``: period, value) from ``baseline_from`` to ``baseline_to``."""
    if not aim.computed_baseline:
        return Baseline(aim.baseline_value, f"as at {periods.label(pd.Timestamp(aim.baseline_to), 'month')}")
    span = f"{periods.label(pd.Timestamp(aim.baseline_from), frequency)} to {periods.label(pd.Timestamp(aim.baseline_to), frequency)}"
    if points is None:
        return Baseline(None, f"no data from {span}")
    inside = points[(points["period"] >= pd.Timestamp(aim.baseline_from))
                    & (points["period"] <= pd.Timestamp(aim.baseline_to))]["value"].dropna()
    if inside.empty:
        return Baseline(None, f"no data from {span}")
    value = float(inside.mean() if aim.baseline_stat == "mean" else inside.median())
    what = "monthly" if frequency == "month" else "weekly"
    return Baseline(value, f"{aim.baseline_stat} of {len(inside)} {what} values, {span}")


def goal_value(aim: Aim, base: float) -> float:
    """Where the aim takes the measure from a baseline of ``base``."""
    sign = -1 if aim.reduces else 1
    if aim.change.endswith("_by_percent"):
        return base * (1 + sign * aim.amount / 100)
    if aim.change.endswith("_by"):
        return base + sign * aim.amount
    return aim.amount


def goal_line(aim: Aim, base: float) -> tuple[list[pd.Timestamp], list[float]]:
    """x and y of the goal line: the baseline at its end date, straight to the goal at the by-date."""
    return [pd.Timestamp(aim.baseline_to), pd.Timestamp(aim.by_date)], [base, goal_value(aim, base)]


def goal_label(aim: Aim, base: float, definition: MeasureDefinition) -> str:
    """The goal line's label, e.g. "Aim: 5.2 by Apr 27"."""
    goal = value_text(goal_value(aim, base), definition, with_unit=False)
    return f"Aim: {goal} by {periods.label(pd.Timestamp(aim.by_date), 'month')}"


@dataclass(frozen=True)
class Progress:
    baseline: Baseline
    goal: float | None
    now: float | None
    now_period: pd.Timestamp | None
    share: float | None  # of the way from baseline to goal (1 = reached); None if unknown
    words: str
    headline: str  # the words in brief, e.g. "72 % of the way to the aim of 5.2 by April 2027"


def progress(aim: Aim, definition: MeasureDefinition, points: pd.DataFrame | None) -> Progress:
    """How far the unit has come, in words, from its latest charted value (``points``:
    period, value, as the engine gives them for the aim's unit)."""
    base = baseline(aim, points, definition.frequency)
    by = f"{pd.Timestamp(aim.by_date):%B %Y}"
    if base.value is None:
        words = (f"{definition.name}: the baseline cannot be worked out ({base.words}), "
                 f"so progress towards the aim by {by} is not known yet.")
        return Progress(base, None, None, None, None, words, "progress not known yet")
    goal = goal_value(aim, base.value)
    present = None if points is None else points.dropna(subset=["value"])
    aim_words = f"the aim of {value_text(goal, definition)} by {by}"
    baseline_words = f"a baseline of {value_text(base.value, definition, with_unit=False)} ({base.words})"
    if present is None or present.empty:
        words = f"{definition.name}: no data yet against {baseline_words}; {aim_words}."
        return Progress(base, goal, None, None, None, words, "no data yet")
    latest = present.iloc[-1]
    now, when = float(latest["value"]), pd.Timestamp(latest["period"])
    share = (now - base.value) / (goal - base.value) if goal != base.value else None
    now_words = (f"{definition.name}: {value_text(now, definition, with_unit=False)} now "
                 f"({periods.label(when, definition.frequency)}) against {baseline_words}")
    if share is None:
        tail = f"{aim_words}"
    elif share >= 1:
        tail = f"the aim of {value_text(goal, definition)} by {by} is reached"
    elif share < 0:
        tail = f"further from {aim_words} than at the baseline"
    else:
        tail = f"{share:.0%} of the way to {aim_words}".replace("%", " %", 1)
    return Progress(base, goal, now, when, None if share is None else float(np.round(share, 4)),
                    f"{now_words} — {tail}.", tail)


def aims_shown(aims: list[Aim], path: list[str]) -> list[Aim]:
    """The aims a unit's page shows: those of the units on its ``path`` (organisation first,
    the unit itself last), each unit's in the order given."""
    rank = {unit: i for i, unit in enumerate(path)}
    return sorted((a for a in aims if a.unit in rank), key=lambda a: rank[a.unit])
