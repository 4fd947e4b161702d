"""Correctly rounded sums and means over the rows of a 2-D array.

Why: a point lies *on* the centre line only if the mean is the correctly rounded mean of
the stored doubles (spc-methods §1 "Floating-point mean"; R's ``mean`` gives it). A naive
``sum / n`` does not: three copies of 0.1 have ``fsum / 3 == 0.10000000000000002``, so the
points would sit just below their own mean. ``math.fsum`` then divide rounds twice and
fails the same way.

How: each row is summed in double-double (error-free TwoSum, Knuth), the quotient is
corrected by its exactly computed residual (Dekker's TwoProduct), and the result is checked:
when the corrected estimate lies within its error bound of a rounding midpoint, or the data
are near overflow/underflow where the error-free transforms stop being exact, that row is
recomputed with Python integers (exact), whose true division is correctly rounded. The same
code serves one series and 20,000, so both paths give identical bits.
"""

from __future__ import annotations

import numpy as np

_SPLITTER = 134217729.0  # 2**27 + 1 (Dekker's split of a double into two 26-bit halves)
_U = 2.0**-53
_BIG = 2.0**900  # beyond this TwoProduct's split may overflow: use the exact path
_TINY = 2.0**-900  # below this TwoProduct's error term may underflow: use the exact path


def _two_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _split(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    t = _SPLITTER * a
    hi = t - (t - a)
    return hi, a - hi


def _two_prod(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    p = a * b
    a_hi, a_lo = _split(a)
    b_hi, b_lo = _split(b)
    return p, ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo


def _double_double_sum(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row sums as hi + lo, plus the row sums of |x| (for the error bound)."""
    hi = np.zeros(x.shape[0])
    lo = np.zeros(x.shape[0])
    for j in range(x.shape[1]):
        hi, err = _two_sum(hi, x[:, j])
        lo += err
    return hi, lo, np.abs(x).sum(axis=1)


def _exact_ratio_of_sum(values: list[float], divisor: int) -> float:
    """sum(values) / divisor, exactly, rounded once."""
    total = 0
    for v in values:
        num, den = v.as_integer_ratio()
        total += num * ((1 << 1074) // den)
    return total / (divisor << 1074)  # int / int is correctly rounded in CPython


def row_sums(x: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Sum of x[mask] per row, rounded once from a double-double accumulation.

    Exact for the integer counts of P and U charts (their sums are far below 2**53)."""
    x = np.where(mask, x, 0.0)
    with np.errstate(all="ignore"):
        # Whole numbers whose row totals stay below 2**52 add exactly in any order, so the
        # usual counts skip the double-double pass (a loop over columns, several times slower).
        if np.isfinite(x).all() and (np.abs(x).sum(axis=1) < 2.0**52).all() and (x == np.trunc(x)).all():
            return x.sum(axis=1)
        hi, lo, _ = _double_double_sum(x)
        return hi + lo


def row_means(x: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Correctly rounded mean of x[mask] per row; NaN for a row with no masked value."""
    x = np.where(mask, x, 0.0)
    n = mask.sum(axis=1)
    nf = n.astype(float)
    with np.errstate(all="ignore"):
        hi, lo, abs_sum = _double_double_sum(x)
        s, e = _two_sum(hi, lo)
        q = s / nf
        p, p_err = _two_prod(q, nf)
        residual = ((s - p) - p_err) + e  # S - q·n, nearly exact
        corr = residual / nf
        mean = q + corr
        # Distance of the refined estimate q + corr from the chosen double, and the gap to
        # the neighbouring double on that side; a midpoint within the error bound is unsafe.
        offset = corr - (mean - q)
        toward = np.where(offset >= 0, np.inf, -np.inf)
        half_gap = np.abs(np.nextafter(mean, toward) - mean) / 2
        width = x.shape[1]
        bound = 4.0 * (width * width * _U * _U * abs_sum / nf + 4.0 * _U * np.abs(corr))
        unsafe = (np.abs(offset) + bound) >= half_gap
        magnitude_unsafe = ~np.isfinite(abs_sum) | (abs_sum > _BIG) | ((s != 0) & (np.abs(s) < _TINY))
    redo = (n > 0) & (unsafe | magnitude_unsafe | ~np.isfinite(mean))
    for r in np.flatnonzero(redo):
        values = x[r][mask[r]]
        if np.isfinite(values).all():
            mean[r] = _exact_ratio_of_sum(values.tolist(), int(n[r]))
        else:  # an infinite moving range (finite values near ±1.8e308): no exact mean exists
            with np.errstate(all="ignore"):
                mean[r] = values.mean()
    mean[n == 0] = np.nan
    return mean
