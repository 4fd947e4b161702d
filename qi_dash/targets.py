"""Targets that change over time: a measure's trajectory, for all units or for one.

A measure's definition has one ``target`` for all of history. On top of it a trajectory is a
list of steps (from period, value): the target in force at a period is the latest step from on
or before it; before the first step the definition's target holds (or none). Steps may lie in
the future, which is what makes it a trajectory. A unit may have its own trajectory, which
overrides the one for all units; a team without one follows its directorate's, then its
organisation's, then the one for all units (``trajectory_for``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from qi_dash import periods
from qi_dash.definitions import DefinitionError

ALL_UNITS = ""  # the unit of a trajectory that holds for every unit
STEP_COLUMNS = ["unit", "measure", "from_period", "value"]


@dataclass(frozen=True)
class Trajectory:
    """A measure's targets over time for one unit (``unit`` = ALL_UNITS for all of them).

    ``steps`` are (from period, value) in period order; ``default`` is the definition's
    target, in force before the first step."""

    measure: str
    unit: str
    steps: tuple[tuple[date, float], ...]
    default: float | None = None

    @property
    def changes(self) -> bool:
        """True when the target is not one number for all of time."""
        return bool(self.steps)

    def at(self, when) -> np.ndarray:
        """The target in force at each period (NaN where there is none)."""
        stamps = pd.DatetimeIndex(pd.to_datetime(pd.Index(np.atleast_1d(when)))).as_unit("ns").to_numpy()
        default = np.nan if self.default is None else self.default
        if not self.steps:
            return np.full(stamps.size, default)
        starts = pd.DatetimeIndex([pd.Timestamp(d) for d, _ in self.steps]).as_unit("ns").to_numpy()
        values = np.array([default] + [v for _, v in self.steps], dtype=float)
        return values[np.searchsorted(starts, stamps, side="right")]

    def last_step(self) -> date | None:
        return self.steps[-1][0] if self.steps else None


def trajectory_for(steps: pd.DataFrame, measure: str, path: list[str], default: float | None) -> Trajectory:
    """The trajectory a unit follows: its own steps, else the nearest unit's above it (``path``
    runs from the organisation down to the unit), else those for all units, else none."""
    mine = steps[steps["measure"] == measure]
    for unit in [*reversed(path), ALL_UNITS]:
        rows = mine[mine["unit"] == unit].sort_values("from_period")
        if len(rows):
            return Trajectory(measure, unit, tuple(
                (pd.Timestamp(p).date(), float(v)) for p, v in zip(rows["from_period"], rows["value"])
            ), default)
    return Trajectory(measure, ALL_UNITS, (), default)


class TargetError(DefinitionError):
    """A trajectory table has problems; ``problems`` lists every one (as for a definition)."""


def check_steps(table: pd.DataFrame, frequency: str, measure_name: str) -> pd.DataFrame:
    """A trajectory typed into a table (columns ``from_period``, ``value``) as checked steps:
    every period a date at the start of a period of the measure (1st of the month, or a Monday),
    none twice, every value a finite number. Empty rows are ignored; TargetError names every
    problem by row. Returns the steps in period order."""
    problems: list[str] = []
    rows: list[tuple[pd.Timestamp, float]] = []
    for number, (when, value) in enumerate(zip(table["from_period"], table["value"]), start=1):
        blank_when = when is None or (not isinstance(when, str) and pd.isna(when)) or str(when).strip() == ""
        blank_value = value is None or (not isinstance(value, str) and pd.isna(value)) or str(value).strip() == ""
        if blank_when and blank_value:
            continue
        where = f"{measure_name} target row {number}"
        stamp = None
        if blank_when:
            problems.append(f"{where}: 'from period' is empty; give the first period the target holds for")
        else:
            try:
                stamp = pd.Timestamp(when)
            except (TypeError, ValueError):
                problems.append(f"{where}: 'from period' is '{when}', not a date")
        if stamp is not None:
            reason = periods.misaligned_reasons(pd.Series([stamp]), frequency).iloc[0]
            if reason:
                problems.append(f"{where}: {reason}")
                stamp = None
        try:
            number_value = float(str(value).replace(",", "")) if not blank_value else math.nan
        except ValueError:
            number_value = math.nan
        if blank_value or not math.isfinite(number_value):
            problems.append(f"{where}: the value is '{'' if blank_value else value}'; expected a number")
        elif stamp is not None:
            rows.append((stamp, number_value))
    seen: dict[pd.Timestamp, int] = {}
    for stamp, _ in rows:
        seen[stamp] = seen.get(stamp, 0) + 1
    for stamp, count in seen.items():
        if count > 1:
            problems.append(f"{measure_name}: the target from {periods.label(stamp, frequency)} is given {count} times")
    if problems:
        raise TargetError(problems)
    frame = pd.DataFrame(rows, columns=["from_period", "value"]).sort_values("from_period", ignore_index=True)
    frame["from_period"] = frame["from_period"].dt.date
    return frame


def targets_by_unit(steps: pd.DataFrame, path_to: Callable[[str], list[str]],
                    defaults: dict[str, float | None]) -> Callable[[str, str], Trajectory]:
    """``targets(unit, measure)``: the trajectory a unit follows for a measure, from the stored
    ``steps``, the hierarchy's ``path_to`` and each measure's own target (``defaults``)."""
    by_measure = {measure: rows for measure, rows in steps.groupby("measure", sort=False)}

    def targets(unit: str, measure: str) -> Trajectory:
        if measure not in by_measure:  # asked of every series of an organisation: no search
            return Trajectory(measure, ALL_UNITS, (), defaults.get(measure))
        return trajectory_for(by_measure[measure], measure, path_to(unit), defaults.get(measure))
    return targets
