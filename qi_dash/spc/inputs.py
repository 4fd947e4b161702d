"""Validation and preparation of the engine's inputs, done once before any calculation.

Bad *arguments* (an unknown chart, lengths that differ, a period given twice) raise
ValueError. Bad *data* never raises: a value that is missing, not finite, or impossible
for the chart (a T-chart time of zero or less, a denominator of zero or less) becomes a
gap with a note saying why (Part A §2, §9).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from qi_dash.vocabulary import CHARTS, DIRECTIONS, MDC_RULES, RATIO_CHARTS, RUN_RULES, VALUE_CHARTS

# Why a point's value was turned into a gap (index into NOTES).
NOTE_NONE, NOTE_NOT_FINITE, NOTE_T_NOT_POSITIVE, NOTE_BAD_DENOMINATOR = 0, 1, 2, 3
NOTES = (
    "",
    "Not a finite number: treated as missing",
    "Time between events of zero or less: treated as missing (a T chart needs times above zero)",
    "Denominator of zero or less: treated as missing",
)
MESSAGES = (
    "",
    "{n} value(s) that were not finite numbers were treated as missing.",
    "{n} T-chart value(s) of zero or less were treated as missing (qicharts2 stops instead).",
    "{n} point(s) with a denominator of zero or less were treated as missing.",
)


@dataclass(frozen=True)
class SpcSettings:
    """A series' chart settings as one value, checked when made (all at once,
    NHSRplotthedots style); a measure definition gives its own (``spc_settings``).

    ``target`` is on the charted scale (after ``multiplier``): a number, or, for ``analyse``,
    one per point (assurance uses the latest one given)."""

    chart: str = "xmr"
    direction: str = "increase"
    target: float | tuple[float, ...] | None = None
    run_rules: str = "ihi"
    baseline_points: int | None = None
    screen_moving_ranges: bool = False
    multiplier: float = 1.0

    def __post_init__(self) -> None:
        _one_of("chart", self.chart, CHARTS)
        _one_of("direction", self.direction, DIRECTIONS)
        _one_of("run_rules", self.run_rules, RUN_RULES)
        baseline, multiplier = self.baseline_points, self.multiplier
        if baseline is not None:
            if isinstance(baseline, bool) or not float(baseline).is_integer() or baseline < 1:
                raise ValueError(f"baseline_points must be a whole number of at least 1; got {baseline!r}")
            baseline = int(baseline)
        if isinstance(multiplier, bool) or not np.isfinite(float(multiplier)) or float(multiplier) <= 0:
            raise ValueError(f"multiplier must be a finite number above zero; got {multiplier!r}")
        # Frozen: the normalised values are set once, here.
        object.__setattr__(self, "baseline_points", baseline)
        object.__setattr__(self, "multiplier", float(multiplier))
        object.__setattr__(self, "screen_moving_ranges", bool(self.screen_moving_ranges))
        object.__setattr__(self, "target", _checked_target(self.target))

    @property
    def rule_set(self) -> str:
        """Rule set actually applied: MDC on charts with limits, the chosen one on run charts."""
        return self.run_rules if self.chart == "run" else MDC_RULES


def _one_of(name: str, value, allowed: Sequence[str]) -> str:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")
    return value


def _checked_target(target) -> float | tuple[float, ...] | None:
    """None, a finite number, or a tuple of numbers (NaN where a point has none)."""
    if target is None:
        return None
    if np.ndim(target) == 0:
        value = float(to_floats([target], "target")[0])
        return value if np.isfinite(value) else None
    return tuple(float(v) for v in to_floats(target, "target"))


def to_periods(periods) -> np.ndarray:
    """Dates as datetime64[ns]; a missing or unreadable date is an error. Dates already
    held as datetime64 (an array, Series or index) pass through without a per-point object."""
    if getattr(periods, "dtype", None) is not None and periods.dtype.kind == "M":
        index = pd.DatetimeIndex(periods)
    else:
        index = pd.DatetimeIndex(pd.to_datetime(pd.Index(list(periods), dtype=object)))
    if index.tz is not None:
        index = index.tz_localize(None)
    if index.hasnans:
        raise ValueError("periods must all be dates; found a missing period")
    return index.as_unit("ns").to_numpy()


def to_floats(values, name: str) -> np.ndarray:
    """Numbers as float64 with NaN for None/NaN/pd.NA; anything else non-numeric is an error."""
    if isinstance(values, np.ndarray) and values.dtype.kind in "fiub":
        return values.astype(float)
    try:
        return pd.to_numeric(pd.Series(list(values), dtype=object), errors="raise").to_numpy(
            dtype=float, na_value=np.nan
        )
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be numbers or missing") from error


def charted_values(chart: str, values, numerators, denominators) -> tuple[np.ndarray, ...]:
    """The value each point charts (the ratio for ratio data) plus numerator, denominator
    (NaN where the ratio is missing) and a note code per point. Works on any 1-D arrays,
    so a batch of series is prepared in one call."""
    has_values = values is not None
    has_ratio = numerators is not None or denominators is not None
    if chart in RATIO_CHARTS and not (numerators is not None and denominators is not None):
        raise ValueError(f"a {chart} chart needs numerators and denominators")
    if chart in VALUE_CHARTS and not has_values:
        raise ValueError(f"a {chart} chart needs values")
    if has_values == has_ratio or (has_ratio and (numerators is None or denominators is None)):
        raise ValueError("give either values, or numerators and denominators")

    if has_values:
        y = np.asarray(values, dtype=float)
        note = np.where(np.isinf(y), NOTE_NOT_FINITE, NOTE_NONE).astype(np.int8)
        y = np.where(np.isfinite(y), y, np.nan)
        if chart == "t":
            with np.errstate(invalid="ignore"):
                not_positive = y <= 0
            note[not_positive] = NOTE_T_NOT_POSITIVE
            y[not_positive] = np.nan
        return y, None, None, note

    num = np.asarray(numerators, dtype=float)
    den = np.asarray(denominators, dtype=float)
    note = np.where(np.isinf(num) | np.isinf(den), NOTE_NOT_FINITE, NOTE_NONE).astype(np.int8)
    with np.errstate(invalid="ignore"):
        bad_den = np.isfinite(num) & np.isfinite(den) & (den <= 0)
    note[bad_den] = NOTE_BAD_DENOMINATOR
    # qicharts2: a row missing either part has both set missing.
    ok = np.isfinite(num) & np.isfinite(den) & ~bad_den
    num, den = np.where(ok, num, np.nan), np.where(ok, den, np.nan)
    with np.errstate(all="ignore"):
        y = num / den
    ok &= np.isfinite(y)
    y = np.where(ok, y, np.nan)
    if chart not in RATIO_CHARTS:
        return y, None, None, note
    return y, num, den, note


def phase_numbers(periods: np.ndarray, phase_starts) -> np.ndarray:
    """1-based phase of each (sorted) period. A phase starts at each given date, or at the
    first period after it when the date is not a period of the series (Part A §11)."""
    if phase_starts is None or len(phase_starts) == 0:
        return np.ones(len(periods), np.int64)
    starts = np.unique(to_periods(phase_starts))
    first_rows = np.unique(np.searchsorted(periods, starts, side="left"))
    first_rows = first_rows[(first_rows > 0) & (first_rows < len(periods))]
    return 1 + np.searchsorted(first_rows, np.arange(len(periods)), side="right")


def frozen_points(periods: np.ndarray, phase: np.ndarray, frozen_from) -> np.ndarray:
    """Which (sorted) periods lie after a baseline freeze in their phase: a freeze date
    starts at that period (or the first after it) and lasts to the end of its phase."""
    frozen = np.zeros(len(periods), bool)
    if frozen_from is None or len(frozen_from) == 0 or len(periods) == 0:
        return frozen
    first_rows = np.searchsorted(periods, np.unique(to_periods(frozen_from)), side="left")
    frozen[first_rows[first_rows < len(periods)]] = True
    index = np.arange(len(periods))
    phase_first = np.maximum.accumulate(np.where(np.diff(phase, prepend=0) != 0, index, 0))
    last_freeze = np.maximum.accumulate(np.where(frozen, index, -1))
    return last_freeze >= phase_first


def target_per_point(target: float | tuple[float, ...] | None, n: int) -> np.ndarray:
    """Target of each point in input order (NaN = none), from a checked setting."""
    if target is None:
        return np.full(n, np.nan)
    if isinstance(target, float):
        return np.full(n, target)
    if len(target) != n:
        raise ValueError(f"target has {len(target)} values for {n} periods")
    per_point = np.array(target, dtype=float)
    return np.where(np.isfinite(per_point), per_point, np.nan)
