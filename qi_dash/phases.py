"""Phase changes: a team's record that a measure's limits start again (a new phase) or stay
as they were before a change (a frozen baseline), each with a reason (spc-methods Part A §11).

Pure: the store keeps the changes (``store/phases.py``), the engine takes the dates
(``engine_phases``), the chart draws them (``chart_phases``); this module checks a proposed
change against the series and suggests one when the current phase has a sustained shift.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from qi_dash import periods
from qi_dash.spc.rules import IHI_SHIFT, MDC_SHIFT
from qi_dash.vocabulary import PHASE_KIND_NAMES, PHASE_KINDS

# A phase needs at least as many points as the shift rule counts (MDC_SHIFT, 7): fewer can
# show neither a shift nor a trend. Limits from under 13 points are trial limits (Part A §10).
MIN_PHASE_POINTS = MDC_SHIFT
# A frozen baseline needs 12 points: NHSRplotthedots refuses ``fix_after_n_points`` below 12
# (spc-methods Part B §8), and the MDC guidance takes limits from at least 12.
MIN_BASELINE_POINTS = 12
MAX_REASON = 500

FRAME_COLUMNS = ["change_id", "unit", "measure", "period", "kind", "reason", "cycle_id",
                 "recorded_by", "recorded_at", "undone_by", "undone_at", "active"]


@dataclass(frozen=True)
class PhaseChange:
    """A unit × measure's limits start again (``new_phase``) or are frozen
    (``freeze_baseline``) from ``period``, for ``reason`` (optionally PDSA cycle ``cycle_id``)."""

    unit: str
    measure: str
    period: pd.Timestamp
    kind: str
    reason: str
    cycle_id: int | None = None
    recorded_by: str | None = None
    recorded_at: datetime | None = None
    change_id: int | None = None

    @property
    def name(self) -> str:
        return PHASE_KIND_NAMES[self.kind]


@dataclass(frozen=True)
class EnginePhases:
    """What ``spc.analyse`` takes: ``phase_starts`` and ``frozen_from`` dates."""

    phase_starts: tuple[pd.Timestamp, ...] = ()
    frozen_from: tuple[pd.Timestamp, ...] = ()


@dataclass(frozen=True)
class Suggestion:
    """A recalculation the chart suggests: a sustained shift in the current phase started at ``period``."""

    period: pd.Timestamp
    text: str


def as_it_was(frame: pd.DataFrame, moment: datetime | None) -> pd.DataFrame:
    """The store's frame of changes (``FRAME_COLUMNS``) as it stood at ``moment`` (None: as it
    is now): the changes recorded by then, each in force unless undone by then. "Show data as
    it was on" then draws the limits the charts had that day, not ones recorded since."""
    if moment is None or frame.empty:
        return frame
    then = frame[frame["recorded_at"] <= moment].copy()
    then["active"] = then["undone_at"].isna() | (then["undone_at"] > moment)
    return then


def active_changes(frame: pd.DataFrame | None, unit: str, measure: str) -> tuple[PhaseChange, ...]:
    """A unit × measure's changes still in force (not undone), in period order, from the
    store's frame (``FRAME_COLUMNS``)."""
    if frame is None or frame.empty:
        return ()
    mine = frame[(frame["unit"] == unit) & (frame["measure"] == measure) & frame["active"]]
    return tuple(
        PhaseChange(
            unit=row.unit, measure=row.measure, period=pd.Timestamp(row.period), kind=row.kind, reason=row.reason,
            cycle_id=None if pd.isna(row.cycle_id) else int(row.cycle_id), recorded_by=row.recorded_by,
            recorded_at=row.recorded_at, change_id=int(row.change_id),
        )
        for row in mine.sort_values(["period", "change_id"]).itertuples(index=False)
    )


def engine_phases(changes: Sequence[PhaseChange]) -> EnginePhases:
    """The engine's phase input from a unit × measure's active changes."""
    return EnginePhases(
        phase_starts=tuple(c.period for c in changes if c.kind == "new_phase"),
        frozen_from=tuple(c.period for c in changes if c.kind == "freeze_baseline"),
    )


def problems(change: PhaseChange, points: pd.DataFrame, frequency: str, existing: Sequence[PhaseChange]) -> list[str]:
    """Why ``change`` cannot be recorded on a series whose points (columns ``period`` and
    ``value``, one row per period, gaps as NaN) are given, beside the ``existing`` active
    changes of the same unit and measure; empty when it can."""
    found = []
    if change.kind not in PHASE_KINDS:
        found.append(f"Choose what to do: {' or '.join(PHASE_KIND_NAMES.values()).lower()}.")
    reason = change.reason.strip()
    if not reason:
        found.append("Give a reason: what changed at this period (usually a test of change).")
    elif len(reason) > MAX_REASON:
        found.append(f"Keep the reason to {MAX_REASON} characters; it has {len(reason)}.")
    period = pd.Timestamp(change.period)
    when = periods.label(period, frequency)
    if periods.misaligned_mask(np.array([period.to_datetime64()], dtype="datetime64[ns]"), frequency)[0]:
        grid = "the 1st of a month" if frequency == "month" else "a Monday (the week it commences)"
        return [*found, f"{period:%d/%m/%Y} is not a period of this measure: choose {grid}."]
    if points.empty or not (points["period"].iloc[0] < period <= points["period"].iloc[-1]):
        first, last = (periods.label(points["period"].iloc[i], frequency) for i in (0, -1)) if len(points) else ("", "")
        span = f"after {first} and no later than {last}" if len(points) else "within the series"
        return [*found, f"{when} is not inside the series: choose a period {span}."]
    if any(pd.Timestamp(c.period) == period for c in existing):
        return [*found, f"There is already a phase change at {when}: undo it first to record another."]
    return found + _points_problems(change, points, frequency, existing)


def _points_problems(change: PhaseChange, points: pd.DataFrame, frequency: str,
                     existing: Sequence[PhaseChange]) -> list[str]:
    """Each phase keeps enough points, and a frozen baseline enough before it."""
    every = sorted([*existing, change], key=lambda c: pd.Timestamp(c.period))
    period = points["period"]
    has_value = points["value"].notna().to_numpy()
    starts = [period.iloc[0]] + [pd.Timestamp(c.period) for c in every if c.kind == "new_phase"]
    ends = starts[1:] + [period.iloc[-1] + pd.Timedelta(days=1)]
    found = []
    for start, end in zip(starts, ends):
        inside = ((period >= start) & (period < end)).to_numpy()
        count = int((inside & has_value).sum())
        if count < MIN_PHASE_POINTS:
            found.append(
                f"The phase from {periods.label(start, frequency)} would have {count} point(s) with data; "
                f"a phase needs at least {MIN_PHASE_POINTS} (fewer can show neither a shift nor a trend)."
            )
        freezes = [c for c in every if c.kind == "freeze_baseline" and start <= pd.Timestamp(c.period) < end]
        if len(freezes) > 1:
            found.append(f"The phase from {periods.label(start, frequency)} would have two frozen baselines; "
                         "a phase has one.")
        for freeze in freezes:
            before = int((inside & has_value & (period < pd.Timestamp(freeze.period)).to_numpy()).sum())
            if before < MIN_BASELINE_POINTS:
                found.append(
                    f"A baseline frozen at {periods.label(pd.Timestamp(freeze.period), frequency)} would have "
                    f"{before} point(s) with data before it; a baseline needs at least {MIN_BASELINE_POINTS}."
                )
    return found


def suggestion(points: pd.DataFrame, chart: str, frequency: str, existing: Sequence[PhaseChange]) -> Suggestion | None:
    """Suggest a new phase where the engine found a shift in the current phase that lasts to
    the latest point: the run it flagged, traced back to its first point (``points`` is the
    engine's result). None when there is no such shift or the new phase could not be recorded."""
    current = points[(points["phase"] == points["phase"].max()) & points["value"].notna()]
    if current.empty or not (current["rule"] == "shift").any():
        return None
    side = np.sign(current["value"] - current["centre"]).to_numpy()
    latest = side[-1]
    if latest == 0 or np.isnan(latest):
        return None
    # A run chart skips points on the median; on a chart with limits they break the run.
    skip = side == 0 if chart == "run" else np.zeros(side.size, bool)
    first = side.size - 1
    while first > 0 and (side[first - 1] == latest or skip[first - 1]):
        first -= 1
    while skip[first]:
        first += 1
    run = current.iloc[first:]
    if (run["rule"] != "shift").all() or int((side[first:] != 0).sum()) < (IHI_SHIFT if chart == "run" else MDC_SHIFT):
        return None
    start = pd.Timestamp(current["period"].iloc[first])
    change = PhaseChange("", "", start, "new_phase", "a shift")
    if problems(change, points[["period", "value"]], frequency, existing):
        return None
    when = periods.label(start, frequency)
    return Suggestion(start, f"A shift started in {when}: recalculate the limits from there?")


def phase_label(number: int, change: PhaseChange | None) -> str:
    """The words at a phase boundary: "Phase 2: <reason>" or "Baseline frozen: <reason>"."""
    if change is not None and change.kind == "freeze_baseline":
        return f"Baseline frozen: {change.reason.strip()}"
    reason = "" if change is None else f": {change.reason.strip()}"
    return f"Phase {number}{reason}"
