"""Funnel plot statistics (``qi_dash.spc.funnel``) checked against the binomial and Poisson
distributions summed term by term here, and the overdispersion steps of Spiegelhalter 2005b
worked by hand."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest

from qi_dash.spc import FunnelError, funnel
from qi_dash.spc.funnel import FUNNEL_COLUMNS


def binomial_cdf(r: int, n: int, theta: float) -> float:
    return sum(math.comb(n, k) * theta**k * (1 - theta) ** (n - k) for k in range(0, r + 1)) if r >= 0 else 0.0


def poisson_cdf(r: int, mean: float) -> float:
    if r < 0:
        return 0.0
    term, total = math.exp(-mean), 0.0
    for k in range(r + 1):
        total += term
        term *= mean / (k + 1)
    return total


def interpolated_limit(p: float, cdf, size: float) -> float:
    """Spiegelhalter 2005a's limit, by walking up the counts: (r_p − α) / n."""
    r = 0
    while cdf(r) < p:
        r += 1
    alpha = (cdf(r) - p) / (cdf(r) - cdf(r - 1))
    return (r - alpha) / size


@pytest.mark.parametrize("n", [20, 57, 200, 1000])
def test_proportion_limits_are_the_interpolated_binomial_quantiles(n):
    numerators, denominators = [30, 40, 9], [100, 150, n]
    theta = sum(numerators) / sum(denominators)
    row = funnel(numerators, denominators, "p").iloc[2]
    assert row["centre"] == pytest.approx(theta, rel=1e-12)
    for column, p in (("lower_95", 0.025), ("upper_95", 0.975), ("lower_998", 0.001), ("upper_998", 0.999)):
        expected = interpolated_limit(p, lambda r: binomial_cdf(r, n, theta), n)
        assert row[column] == pytest.approx(expected, abs=1e-9), column


@pytest.mark.parametrize("exposure", [40.0, 333.5, 2500.0])
def test_rate_limits_are_the_interpolated_poisson_quantiles(exposure):
    numerators, denominators = [12, 30, 5], [1000.0, 2000.0, exposure]
    theta = sum(numerators) / sum(denominators)
    row = funnel(numerators, denominators, "u", multiplier=1000).iloc[2]
    assert row["centre"] == pytest.approx(theta * 1000, rel=1e-12)
    assert row["value"] == pytest.approx(5 / exposure * 1000)
    for column, p in (("lower_95", 0.025), ("upper_95", 0.975), ("lower_998", 0.001), ("upper_998", 0.999)):
        expected = max(0.0, interpolated_limit(p, lambda r: poisson_cdf(r, exposure * theta), exposure)) * 1000
        assert row[column] == pytest.approx(expected, abs=1e-7), column


def test_large_denominators_approach_the_normal_limits():
    row = funnel([100_000, 10_000], [1_000_000, 100_000], "p").iloc[0]
    half = 3.090232 * math.sqrt(0.1 * 0.9 / 1_000_000)
    assert row["upper_998"] == pytest.approx(0.1 + half, abs=2e-5)
    assert row["lower_998"] == pytest.approx(0.1 - half, abs=2e-5)


def test_units_beyond_the_99_8_limits_are_outside_high_or_low_and_z_says_which_way():
    frame = funnel([5, 50, 100, 150, 100, 100], [1000] * 6, "p")
    assert list(frame.columns) == FUNNEL_COLUMNS
    assert list(frame["outside"]) == ["low", "low", "", "high", "", ""]
    assert (frame["z"].iloc[[0, 1]] < 0).all() and frame["z"].iloc[3] > 0
    # Between the 95 % and 99.8 % limits is not outside.
    between = funnel([72, 100, 100, 100, 100], [1000] * 5, "p").iloc[0]
    assert between["lower_998"] < between["value"] < between["lower_95"]
    assert between["outside"] == ""


def test_a_zero_denominator_keeps_its_row_with_no_limits():
    frame = funnel([3, 0, 7], [30, 0, 70], "p", multiplier=100)
    assert len(frame) == 3 and list(frame["denominator"]) == [30, 0, 70]
    assert frame.iloc[1][["value", "lower_95", "upper_95", "lower_998", "upper_998", "z"]].isna().all()
    assert frame.iloc[1]["outside"] == ""
    assert frame["centre"].tolist() == pytest.approx([10.0] * 3)


def test_a_unit_at_100_percent_is_not_flagged_when_that_is_likely():
    # θ = 0.9 and 5 of 5: P(5 of 5) = 0.59, nothing unusual.
    frame = funnel([5, 895], [5, 995], "p")
    assert frame.iloc[0]["upper_998"] == 1.0 and frame.iloc[0]["outside"] == ""


def test_no_events_anywhere_gives_a_funnel_that_is_the_line():
    frame = funnel([0, 0], [10, 20], "u")
    assert (frame[["lower_95", "upper_998"]] == 0).all().all()
    assert (frame["outside"] == "").all()


@pytest.mark.parametrize(("numerators", "denominators", "chart", "words"), [
    ([1, -1], [10, 10], "p", "input 2 (numerator -1, denominator 10) has a negative numerator"),
    ([1, 1], [10, -3], "u", "input 2 (numerator 1, denominator -3) has a negative denominator"),
    ([11, 1], [10, 10], "p", "input 1 (numerator 11, denominator 10) has a numerator larger than its denominator"),
    ([2, 1], [0, 10], "u", "input 1 (numerator 2, denominator 0) has events but a denominator of 0"),
    ([1, 2], [10], "p", "2 numerators but 1 denominators"),
    ([1], [10], "c", "a proportion (chart 'p') or a rate (chart 'u')"),
    (["a"], [10], "p", "must be numbers"),
])
def test_bad_input_is_refused_with_a_message_naming_it(numerators, denominators, chart, words):
    with pytest.raises(FunnelError, match=words.replace("(", r"\(").replace(")", r"\)").replace("'", ".")):
        funnel(numerators, denominators, chart)


def test_overdispersion_follows_spiegelhalter_2005b_step_by_step():
    numerators = [20, 35, 50, 61, 80, 90, 120, 150, 30, 44, 70, 200]
    denominators = [400, 500, 600, 700, 800, 900, 1000, 1100, 300, 450, 650, 1200]
    frame = funnel(numerators, denominators, "p", multiplier=100, overdispersion=True)
    theta = sum(numerators) / sum(denominators)
    target = math.asin(math.sqrt(theta))
    s2 = [1 / (4 * n) for n in denominators]
    z = [(math.asin(math.sqrt(r / n)) - target) / math.sqrt(v) for r, n, v in zip(numerators, denominators, s2)]
    cuts = statistics.quantiles(z, n=10, method="inclusive")  # the 10th and 90th percentiles, R type 7
    phi = sum(min(max(v, cuts[0]), cuts[-1]) ** 2 for v in z) / len(z)
    w = [1 / v for v in s2]
    tau2 = (len(z) * phi - (len(z) - 1)) / (sum(w) - sum(x * x for x in w) / sum(w))
    assert frame.attrs["phi"] == pytest.approx(phi) and frame.attrs["tau2"] == pytest.approx(tau2)
    assert frame.attrs["method"] == "overdispersed" and tau2 > 0
    for i, (r, n) in enumerate(zip(numerators, denominators)):
        spread = math.sqrt(s2[i] + tau2)
        assert frame["z"].iloc[i] == pytest.approx((math.asin(math.sqrt(r / n)) - target) / spread)
        assert frame["upper_998"].iloc[i] == pytest.approx(100 * math.sin(target + 3.090232 * spread) ** 2, rel=1e-6)
        assert frame["lower_95"].iloc[i] == pytest.approx(100 * math.sin(target - 1.959964 * spread) ** 2, rel=1e-6)
    plain = funnel(numerators, denominators, "p", multiplier=100)
    # The random-effects limits are wider, so fewer teams are outside.
    assert (frame["upper_998"] > plain["upper_998"]).all()
    assert (frame["outside"] != "").sum() < (plain["outside"] != "").sum()


def test_without_overdispersion_to_add_the_limits_stay_exact():
    numerators, denominators = [10, 11, 9, 10], [100, 100, 100, 100]
    adjusted = funnel(numerators, denominators, "p", overdispersion=True)
    assert adjusted.attrs["tau2"] == 0 and adjusted.attrs["method"] == "exact"
    exact = funnel(numerators, denominators, "p")
    assert np.allclose(adjusted[["lower_95", "upper_998"]], exact[["lower_95", "upper_998"]])


def test_overdispersed_rate_limits_use_the_square_root_scale():
    numerators, denominators = [5, 40, 12, 80, 3, 25], [1000, 1500, 900, 2000, 1200, 800]
    frame = funnel(numerators, denominators, "u", overdispersion=True)
    tau2 = frame.attrs["tau2"]
    assert tau2 > 0
    theta = sum(numerators) / sum(denominators)
    spread = math.sqrt(1 / (4 * 1000) + tau2)
    assert frame["upper_95"].iloc[0] == pytest.approx((math.sqrt(theta) + 1.959964 * spread) ** 2, rel=1e-6)
    assert frame["lower_998"].iloc[0] == pytest.approx(max(0.0, math.sqrt(theta) - 3.090232 * spread) ** 2, abs=1e-9)
