"""Point types and MDC icons (spc-methods Part A §7–8, Part B §6–7; NHSRplotthedots
``ptd_point_type``, ``ptd_get_icons``, ``ptd_calculate_assurance_type``)."""

from __future__ import annotations

import numpy as np

from qi_dash.vocabulary import DIRECTIONS, POINT_TYPES

# Codes: indexes into POINT_TYPES and DIRECTIONS.
COMMON, IMPROVEMENT, CONCERN, NEUTRAL_HIGH, NEUTRAL_LOW = range(len(POINT_TYPES))
INCREASE = DIRECTIONS.index("increase")
NO_DIRECTION = DIRECTIONS.index("neutral")


def point_types(rule: np.ndarray, side: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """Point type codes. ``direction`` is one code per row (index into DIRECTIONS).

    Every flagged point (beyond a limit, trend, 2 of 3, shift; on run charts too) is
    improvement or concern by its side and the measure's direction; neutral high/low
    (purple) only where the measure has no better direction (Part A §7)."""
    high = side > 0
    neutral = np.where(high, NEUTRAL_HIGH, NEUTRAL_LOW)
    d = np.broadcast_to(np.asarray(direction)[:, None], rule.shape)
    good = np.where(d == INCREASE, high, ~high)
    directed = np.where(d == NO_DIRECTION, neutral, np.where(good, IMPROVEMENT, CONCERN))
    return np.where(rule == 0, COMMON, directed).astype(np.int8)


VARIATION_ICONS = {  # per direction, the icon of each point type (in POINT_TYPES order)
    "increase": ("common_cause", "improvement_high", "concern_low", "neutral_high", "neutral_low"),
    "decrease": ("common_cause", "improvement_low", "concern_high", "neutral_high", "neutral_low"),
    "neutral": ("common_cause", "improvement_high", "concern_low", "neutral_high", "neutral_low"),
}


def latest(flat: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Index of the last non-missing entry of each series (−1 if none); series are the
    consecutive, non-empty slices of ``flat`` beginning at ``starts``."""
    index = np.where(np.isnan(flat), -1, np.arange(flat.size))
    last = np.maximum.reduceat(index, starts)
    return np.where(last >= starts, last, -1)


def variation_icons(
    reference: np.ndarray,
    point_type: np.ndarray,
    centre: np.ndarray,
    upper: np.ndarray,
    direction: np.ndarray,
    chart: str,
) -> np.ndarray:
    """Variation icon per series from the type of its latest non-missing point (a trailing
    gap does not hide the latest signal); "none" when that point has no centre line or,
    on a chart with limits, no limits (Part A §8). ``reference`` is that point's index (−1:
    none); ``point_type``, ``centre`` and ``upper`` are each series' values there."""
    table = np.array([VARIATION_ICONS[d] for d in DIRECTIONS], dtype=object)
    icon = table[direction, point_type]
    missing = (reference < 0) | np.isnan(centre)
    if chart != "run":
        missing |= np.isnan(upper)
    return np.where(missing, "none", icon).astype(object)


def assurance_icons(
    target: np.ndarray, lower: np.ndarray, upper: np.ndarray, direction: np.ndarray, chart: str
) -> np.ndarray:
    """Assurance per series: the latest target against the latest point's limits, strict
    comparisons (NHSRplotthedots ``ptd_calculate_assurance_type``): beyond the upper limit
    is fail (increase) or pass (decrease), beyond the lower the reverse, else hit and miss.
    "none" without a target or limits, for a neutral direction, or on a run chart."""
    with np.errstate(invalid="ignore"):
        above, below = target > upper, target < lower
    increase = direction == INCREASE
    icon = np.where(
        above, np.where(increase, "fail", "pass"), np.where(below, np.where(increase, "pass", "fail"), "hit_and_miss")
    )
    none = np.isnan(target) | np.isnan(lower) | np.isnan(upper) | (direction == NO_DIRECTION) | (chart == "run")
    return np.where(none, "none", icon).astype(object)
