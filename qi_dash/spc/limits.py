"""Centre lines and limits per chart type, over phases laid out as rows of a 2-D array.

Every array is (rows, width): one row per phase of a series, padded on the right with
missing points. ``valid`` marks points with a usable value, ``base`` the points a phase's
centre and limits come from (its first ``baseline_points`` rows, or all of them).
Formulas: spc-methods.md Part B §2, §3, §10 (qicharts2 ``qic.*`` functions) and §3.2
(NHSRplotthedots ``ptd_spc_standard``); the XmR constant 2.66 is our choice (Part A §2).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qi_dash.vocabulary import LANEY_CHARTS, PROPORTION_CHARTS, RATIO_CHARTS

from .exact import row_means, row_sums

XMR_LIMIT = 2.66  # MDC / NHSRplotthedots: mean ± 2.66 × AMR
D2 = 1.128  # qicharts2: σ = AMR / 1.128 for P′, U′ and T
SCREEN = 3.267  # a moving range not strictly below 3.267 × AMR is screened out
T_POWER = 3.6  # qicharts2 T chart: y ** (1 / 3.6) is roughly normal
TRIAL_LIMIT_POINTS = 13  # a phase with fewer points has trial limits (NHSRplotthedots)


@dataclass
class Lines:
    """Centre line and limits for every point (NaN where a phase has none)."""

    centre: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    lower_2s: np.ndarray
    upper_2s: np.ndarray


def moving_ranges(y: np.ndarray) -> np.ndarray:
    """|y_i − y_(i−1)| within each row; NaN for the first point and beside a gap."""
    mr = np.full(y.shape, np.nan)
    mr[:, 1:] = np.abs(y[:, 1:] - y[:, :-1])
    return mr


def _average_moving_range(y: np.ndarray, use: np.ndarray, screen: bool) -> np.ndarray:
    """AMR of consecutive points that are both in ``use``; optionally screened once."""
    with np.errstate(all="ignore"):
        mr = moving_ranges(np.where(use, y, np.nan))
    mr_use = ~np.isnan(mr)
    amr = row_means(mr, mr_use)
    if screen:
        with np.errstate(invalid="ignore"):
            kept = mr_use & (mr < SCREEN * amr[:, None])
        amr = np.where(kept.any(axis=1), row_means(mr, kept), amr)
    return amr


def row_medians(y: np.ndarray, use: np.ndarray) -> np.ndarray:
    """Median of y[use] per row; an even count averages the two middle values exactly."""
    ordered = np.sort(np.where(use, y, np.nan), axis=1)  # NaN sorts last
    count = use.sum(axis=1)
    lo = np.clip((count - 1) // 2, 0, None)[:, None]
    hi = np.clip(count // 2, 0, None)[:, None]
    pair = np.hstack([np.take_along_axis(ordered, lo, 1), np.take_along_axis(ordered, hi, 1)])
    median = row_means(pair, np.ones(pair.shape, bool))
    median[count == 0] = np.nan
    return median


def _constant(per_row: np.ndarray) -> np.ndarray:
    """A line that is one number per row, as a column: it broadcasts against the points, and
    is widened once at the end (``centre_and_limits``) rather than computed on at full width."""
    return per_row[:, None]


def _lines(centre, half_3s, half_2s, floor=None, cap=None) -> Lines:
    lower, upper = centre - half_3s, centre + half_3s
    lower_2s, upper_2s = centre - half_2s, centre + half_2s
    if floor is not None:
        lower, lower_2s = np.maximum(lower, floor), np.maximum(lower_2s, floor)
    if cap is not None:
        upper, upper_2s = np.minimum(upper, cap), np.minimum(upper_2s, cap)
    return Lines(centre, lower, upper, lower_2s, upper_2s)


def _xmr(y, valid, base, screen):
    use = valid & base
    centre = row_means(y, use)
    half = XMR_LIMIT * _average_moving_range(y, use, screen)
    # MDC's near-limit ("2σ") lines are two thirds of the way to the process limits.
    return _lines(_constant(centre), _constant(half), _constant(half * 2 / 3))


def _run(y, valid, base):
    nan = np.full((y.shape[0], 1), np.nan)
    return Lines(_constant(row_medians(y, valid & base)), nan, nan, nan, nan)


def _proportion_sigma(chart, centre, den):
    if chart in PROPORTION_CHARTS:
        return np.sqrt(centre * (1 - centre) / den)
    return np.sqrt(centre / den)


def _ratio(chart, y, num, den, valid, base, screen):
    """P, P′, U, U′: pooled centre Σnumerators / Σdenominators; per-point σ from n_i."""
    use = valid & base
    centre = row_sums(num, use) / row_sums(den, use)
    centre = _constant(centre)
    sigma = np.where(valid, _proportion_sigma(chart, centre, den), np.nan)
    if chart in LANEY_CHARTS:
        # Laney: scale σ_i by the spread of the z-scores, measured by their moving ranges.
        z = (y - centre) / sigma
        z_ok = use & np.isfinite(z)
        sigma = sigma * _constant(_average_moving_range(z, z_ok, screen) / D2)
    cap = 1.0 if chart in PROPORTION_CHARTS else None
    return _lines(centre, 3 * sigma, 2 * sigma, floor=0.0, cap=cap)


def _count(chart, y, valid, base):
    """C (σ = √mean) and G (σ = √(mean(mean+1)), centre shown at the median)."""
    use = valid & base
    mean = row_means(y, use)
    sigma = np.sqrt(mean) if chart == "c" else np.sqrt(mean * (mean + 1))
    lines = _lines(_constant(mean), _constant(3 * sigma), _constant(2 * sigma), floor=0.0)
    if chart == "g":
        # qicharts2 keeps mean-based limits but reports the median as the centre line.
        lines.centre = _constant(row_medians(y, use))
    return lines


def _time_between(y, valid, base, screen):
    """T chart: I chart of y^(1/3.6) with σ = AMR/1.128, back-transformed (qicharts2)."""
    use = valid & base
    yt = np.where(valid, y, np.nan) ** (1 / T_POWER)
    centre_t = row_means(yt, use)
    sigma = _average_moving_range(yt, use, screen) / D2

    def back(v):  # a transformed limit at or below zero is shown as 0
        return np.where(v > 0, np.abs(v) ** T_POWER, 0.0)

    centre = _constant(np.abs(centre_t) ** T_POWER)
    lines = [_constant(back(centre_t + k * sigma)) for k in (-3, 3, -2, 2)]
    nan_limits = _constant(np.isnan(sigma))
    lines = [np.where(nan_limits, np.nan, line) for line in lines]
    return Lines(centre, *lines)


def centre_and_limits(
    chart: str,
    y: np.ndarray,
    num: np.ndarray | None,
    den: np.ndarray | None,
    valid: np.ndarray,
    base: np.ndarray,
    screen: bool,
) -> Lines:
    """Centre and limits of every point. A phase with fewer than 2 usable baseline points
    gets neither (Part A §10): with one point there is no spread to judge variation by."""
    with np.errstate(all="ignore"):
        if chart == "run":
            lines = _run(y, valid, base)
        elif chart == "xmr":
            lines = _xmr(y, valid, base, screen)
        elif chart in RATIO_CHARTS:
            lines = _ratio(chart, y, num, den, valid, base, screen)
        elif chart in ("c", "g"):
            lines = _count(chart, y, valid, base)
        else:
            lines = _time_between(y, valid, base, screen)
    too_few = ((valid & base).sum(axis=1) < 2)[:, None]
    for name in ("centre", "lower", "upper", "lower_2s", "upper_2s"):
        value = getattr(lines, name)
        # Non-finite limits (e.g. √ of a negative centre) are reported as missing (§10).
        value = np.where(too_few | ~np.isfinite(value), np.nan, value)
        setattr(lines, name, value if value.shape == y.shape else np.broadcast_to(value, y.shape).copy())
    return lines
