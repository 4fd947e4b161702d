"""Funnel plot statistics: each unit's proportion or rate against the pooled value, with exact
95 % and 99.8 % limits for its denominator, and an optional overdispersion adjustment.

A pure function over arrays, like the rest of the engine. Two sources, cited by formula:

* Spiegelhalter DJ (2005a). Funnel plots for comparing institutional performance.
  Stat Med 24:1185–1202 — the exact limits: binomial for proportions, Poisson for rates,
  with the interpolation between the discrete quantiles given in its appendix.
* Spiegelhalter DJ (2005b). Handling over-dispersion of performance indicators.
  Qual Saf Health Care 14:347–351 — z-scores winsorised at 10 %/90 %, the overdispersion
  φ, and the additive random-effects variance τ² (DerSimonian–Laird estimate).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special, stats

FUNNEL_COLUMNS = ["value", "denominator", "centre", "lower_95", "upper_95", "lower_998", "upper_998", "z", "outside"]
FUNNEL_CHARTS = ("p", "u")  # binomial proportions, Poisson rates
# Two-sided levels: 95 % and 99.8 % limits are the 2.5/97.5 % and 0.1/99.9 % quantiles.
LEVELS = {"95": (0.025, 0.975), "998": (0.001, 0.999)}
WINSOR = 0.10  # 2005b: the 10 % most extreme z-scores at each end are pulled in to the 10th/90th percentile
OUTSIDE_LEVEL = "998"  # a unit is "outside" beyond its 99.8 % limits, the three-sigma equivalent of SPC


class FunnelError(ValueError):
    """Numerators and denominators a funnel plot cannot be drawn from; the message says which input."""


def funnel(
    numerators, denominators, chart: str = "p", multiplier: float = 1, overdispersion: bool = False
) -> pd.DataFrame:
    """One row per input, in input order: ``FUNNEL_COLUMNS``.

    ``value`` is numerator ÷ denominator × ``multiplier``; ``centre`` the pooled value (all
    numerators ÷ all denominators × multiplier); the limits are exact for each row's
    denominator (``chart`` "p": binomial, "u": Poisson), or, with ``overdispersion`` and a
    positive τ², the random-effects limits of 2005b. ``z`` is the row's z-score on the
    variance-stabilised scale (adjusted for overdispersion when asked). ``outside`` is
    "high" or "low" beyond the 99.8 % limits, else "". A row with a zero or missing
    denominator keeps its place with NaN value, limits and z and ``outside`` "".

    ``attrs`` says how the limits were made: ``phi`` (overdispersion, 1 = none), ``tau2``
    and ``method`` ("exact" or "overdispersed").
    """
    if chart not in FUNNEL_CHARTS:
        raise FunnelError(f"a funnel plot is drawn for a proportion (chart 'p') or a rate (chart 'u'), not {chart!r}")
    if not np.isfinite(multiplier) or multiplier <= 0:
        raise FunnelError(f"the multiplier must be a positive number, not {multiplier!r}")
    num, den = _checked(numerators, denominators, chart)
    usable = np.isfinite(num) & np.isfinite(den) & (den > 0)
    n = np.where(usable, den, np.nan)
    value = np.where(usable, num / np.where(usable, den, 1.0), np.nan)
    theta = float(num[usable].sum() / den[usable].sum()) if usable.any() else np.nan

    stabilised, target, s2 = _stabilise(value, chart), float(_stabilise(theta, chart)), 1.0 / (4.0 * n)
    z = (stabilised - target) / np.sqrt(s2)
    phi, tau2 = _overdispersion(z[usable], s2[usable]) if overdispersion else (1.0, 0.0)
    if tau2 > 0:
        z = (stabilised - target) / np.sqrt(s2 + tau2)
    frame = pd.DataFrame({"value": value * multiplier, "denominator": den})
    limits = funnel_limits(n, theta, chart, multiplier, tau2)
    frame[limits.columns] = limits.to_numpy()
    frame["z"] = z
    frame["outside"] = np.select(
        [frame["value"] > frame[f"upper_{OUTSIDE_LEVEL}"], frame["value"] < frame[f"lower_{OUTSIDE_LEVEL}"]],
        ["high", "low"], default="",
    )
    frame = frame[FUNNEL_COLUMNS]
    frame.attrs.update(phi=phi, tau2=tau2, method="overdispersed" if tau2 > 0 else "exact")
    return frame


def funnel_limits(
    denominators, centre: float, chart: str = "p", multiplier: float = 1, tau2: float = 0.0
) -> pd.DataFrame:
    """The centre and the 95 % and 99.8 % limits for each denominator, around ``centre`` (a
    proportion or rate before the multiplier): exact, or with τ² > 0 overdispersed. A funnel's
    lines are drawn from this over a range of denominators, with the τ² ``funnel`` found."""
    n = np.asarray(denominators, dtype=float)
    n = np.where(n > 0, n, np.nan)
    out = {"centre": np.full(n.shape, centre * multiplier)}
    for level, (low, high) in LEVELS.items():
        for name, p in ((f"lower_{level}", low), (f"upper_{level}", high)):
            if tau2 > 0:
                limit = _overdispersed_limit(p, float(_stabilise(centre, chart)), 1.0 / (4.0 * n) + tau2, chart)
            else:
                limit = _exact_limit(p, n, centre, chart)
            out[name] = limit * multiplier
    return pd.DataFrame(out)


def _checked(numerators, denominators, chart: str) -> tuple[np.ndarray, np.ndarray]:
    """Numbers as floats, or a FunnelError naming the first bad input (1-based, in input order)."""
    try:
        num = np.asarray(numerators, dtype=float).ravel()
        den = np.asarray(denominators, dtype=float).ravel()
    except (TypeError, ValueError) as err:
        raise FunnelError(f"numerators and denominators must be numbers ({err})") from None
    if num.size != den.size:
        raise FunnelError(f"{num.size} numerators but {den.size} denominators: give one of each per unit")
    checks = [
        (np.isinf(num) | np.isinf(den), "is infinite"),
        (num < 0, "has a negative numerator"),
        (den < 0, "has a negative denominator"),
    ]
    if chart == "p":
        checks.append((num > den, "has a numerator larger than its denominator (a proportion is at most 1)"))
    else:
        checks.append(((den == 0) & (num > 0), "has events but a denominator of 0 (a rate needs some exposure)"))
    for bad, words in checks:
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise FunnelError(f"input {i + 1} (numerator {num[i]:g}, denominator {den[i]:g}) {words}")
    return num, den


def _stabilise(x, chart: str):
    """The variance-stabilised scale of 2005b (its appendix): arcsine-square-root for a
    proportion, square root for a Poisson rate; on it a unit's variance is 1 / (4n)."""
    return np.arcsin(np.sqrt(x)) if chart == "p" else np.sqrt(x)


def _overdispersion(z: np.ndarray, s2: np.ndarray) -> tuple[float, float]:
    """φ and τ² of 2005b from the units' z-scores and within-unit variances.

    φ = (1/I) Σ zᵢ² over the winsorised z-scores; τ² = (Iφ − (I − 1)) / (Σwᵢ − Σwᵢ²/Σwᵢ) with
    wᵢ = 1/sᵢ² (DerSimonian–Laird), and 0 when Iφ ≤ I − 1 (no overdispersion to add).
    """
    units = z.size
    if units < 2:
        return 1.0, 0.0
    low, high = np.quantile(z, [WINSOR, 1 - WINSOR])  # R's type 7, as FunnelPlotR and NHS indicators
    winsorised = np.clip(z, low, high)
    phi = float(np.mean(winsorised**2))
    w = 1.0 / s2
    excess = units * phi - (units - 1)
    tau2 = float(excess / (w.sum() - (w**2).sum() / w.sum())) if excess > 0 else 0.0
    return phi, tau2


def _overdispersed_limit(p: float, target: float, variance: np.ndarray, chart: str) -> np.ndarray:
    """target ± z_p √(sᵢ² + τ²) on the stabilised scale, transformed back (2005b). The stabilised
    scale ends where the proportion is 0 or 1 and the rate 0, so the limit stops there."""
    stabilised = target + stats.norm.ppf(p) * np.sqrt(variance)
    if chart == "p":
        return np.sin(np.clip(stabilised, 0.0, np.pi / 2)) ** 2
    return np.clip(stabilised, 0.0, None) ** 2


def _cdf(r: np.ndarray, n: np.ndarray, theta: float, chart: str) -> np.ndarray:
    """P(R ≤ r) for R ~ Binomial(n, θ) or Poisson(nθ), r whole (any sign).

    The binomial CDF is written as the regularised incomplete beta I_{1−θ}(n − r, r + 1), which
    is the exact binomial CDF for whole n and stays defined for a denominator such as 12.5
    days; the Poisson CDF is the regularised upper incomplete gamma Q(r + 1, nθ)."""
    r = np.asarray(r, dtype=float)
    if chart == "p":
        inside = (r >= 0) & (r < n)
        a = np.where(inside, n - r, 1.0)
        b = np.where(inside, r + 1, 1.0)
        return np.where(r < 0, 0.0, np.where(r >= n, 1.0, special.betainc(a, b, 1.0 - theta)))
    return np.where(r < 0, 0.0, special.gammaincc(np.maximum(r, 0) + 1, n * theta))


def _exact_limit(p: float, n: np.ndarray, theta: float, chart: str) -> np.ndarray:
    """The p-quantile of the count for each denominator, interpolated, as a proportion or rate.

    2005a, appendix: r_p is the smallest r with P(R ≤ r) ≥ p; with
    α = (P(R ≤ r_p) − p) / (P(R ≤ r_p) − P(R ≤ r_p − 1)) the limit is (r_p − α) / n — the
    probability of each count spread evenly over the interval below it, so the limits are a
    smooth funnel rather than steps.
    """
    limit = np.full(n.shape, np.nan)
    ok = np.isfinite(n)
    if not ok.any() or not np.isfinite(theta):
        return limit
    size = n[ok]
    if theta <= 0 or (chart == "p" and theta >= 1):
        # Every unit had no events (or only events): the funnel is the line itself.
        limit[ok] = theta
        return limit
    # Bisection on whole counts for r_p: lo always has P ≤ … < p, hi has P ≥ p.
    lo = np.full(size.shape, -1.0)
    if chart == "p":
        hi = np.ceil(size)
    else:
        mean = size * theta
        hi = np.ceil(mean + 12 * np.sqrt(mean) + 30)  # far beyond the 99.9 % quantile
    while (hi - lo > 1).any():
        mid = np.floor((lo + hi) / 2)
        enough = _cdf(mid, size, theta, chart) >= p
        hi = np.where(enough, mid, hi)
        lo = np.where(enough, lo, mid)
    at, below = _cdf(hi, size, theta, chart), _cdf(hi - 1, size, theta, chart)
    alpha = (at - p) / (at - below)
    value = (hi - alpha) / size
    # A limit inside the lowest (or, for a proportion, the highest) possible count is the end of
    # the scale: no unit can lie beyond 0 or 100 %, and the interpolation would otherwise put the
    # limit just below 100 % and flag a unit at 100 % that is not unusual.
    value = np.maximum(value, 0.0)
    if chart == "p":
        value = np.where(hi >= size, 1.0, value)
    limit[ok] = value
    return limit
