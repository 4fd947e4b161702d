"""Centre lines and limits per chart type (qi_dash/spc/limits.py), checked end to end
through ``analyse`` with numbers worked out by hand from spc-methods.md formulas."""

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from qi_dash.spc import SpcSettings, analyse


def months(n):
    return pd.date_range("2022-01-01", periods=n, freq="MS")


def test_xmr_limits_are_mean_plus_minus_2_66_average_moving_ranges():
    r = analyse(months(5), [1, 2, 3, 4, 5])  # mean 3, every MR 1
    p = r.points
    assert (p.centre == 3).all()
    assert p.upper.iloc[0] == pytest.approx(5.66) and p.lower.iloc[0] == pytest.approx(0.34)
    assert p.upper_2s.iloc[0] == pytest.approx(3 + 2.66 * 2 / 3)
    assert p.moving_range.tolist()[1:] == [1, 1, 1, 1] and np.isnan(p.moving_range.iloc[0])


def test_a_missing_value_breaks_the_moving_ranges_on_both_sides():
    r = analyse(months(5), [1, 3, None, 10, 11])
    p = r.points
    # mean (1+3+10+11)/4 = 6.25; MRs 2 and 1 only (not |10-3|) -> AMR 1.5
    assert p.centre.iloc[0] == 6.25
    assert p.upper.iloc[0] == pytest.approx(6.25 + 2.66 * 1.5)
    assert np.isnan(p.moving_range.iloc[2]) and np.isnan(p.moving_range.iloc[3])
    assert np.isnan(p.value.iloc[2]) and p.point_type.iloc[2] == "common_cause"


def test_screening_drops_moving_ranges_not_below_3_267_amr_once():
    values = [1, 2, 1, 2, 1, 2, 1, 2, 1, 30]  # MRs: eight 1s and 29 -> AMR 37/9
    plain = analyse(months(10), values).points
    screened = analyse(months(10), values, settings=SpcSettings(screen_moving_ranges=True)).points
    assert plain.upper.iloc[0] == pytest.approx(4.3 + 2.66 * 37 / 9)
    assert screened.upper.iloc[0] == pytest.approx(4.3 + 2.66 * 1)  # 29 ≥ 3.267·37/9 dropped


def test_p_chart_limits_vary_with_each_denominator_and_use_the_pooled_proportion():
    r = analyse(months(3), numerators=[10, 20, 30], denominators=[100, 100, 200], settings=SpcSettings(chart="p"))
    p = r.points
    cl = 60 / 400  # pooled, not the mean of 0.1, 0.2, 0.15
    assert (p.centre == cl).all()
    for n, row in zip([100, 100, 200], p.itertuples()):
        sigma = math.sqrt(cl * (1 - cl) / n)
        assert row.upper == pytest.approx(cl + 3 * sigma) and row.lower == pytest.approx(cl - 3 * sigma)
        assert row.upper_2s == pytest.approx(cl + 2 * sigma)
    assert p.upper.iloc[0] != p.upper.iloc[2]


def test_p_chart_limits_are_capped_at_one_and_floored_at_zero():
    p = analyse(months(2), numerators=[1, 0], denominators=[2, 2], settings=SpcSettings(chart="p")).points
    assert (p.upper == 1).all() and (p.lower == 0).all()


def test_u_chart_has_no_cap_and_multiplier_scales_value_centre_and_limits():
    r = analyse(months(2), numerators=[4, 9], denominators=[1, 2], settings=SpcSettings(chart="u", multiplier=1000))
    p = r.points
    cl = 13 / 3
    assert p.centre.iloc[0] == pytest.approx(cl * 1000)
    assert p.upper.iloc[0] == pytest.approx((cl + 3 * math.sqrt(cl / 1)) * 1000)
    assert p.lower.iloc[1] == pytest.approx(max(cl - 3 * math.sqrt(cl / 2), 0) * 1000)
    assert p.value.tolist() == pytest.approx([4000, 4500])


def test_laney_p_prime_scales_sigma_by_the_moving_range_of_z_scores():
    num, den = [30, 45, 28, 60, 41], [300, 350, 310, 400, 330]
    p = analyse(months(5), numerators=num, denominators=den, settings=SpcSettings(chart="pp")).points
    cl = sum(num) / sum(den)
    sig = [math.sqrt(cl * (1 - cl) / n) for n in den]
    z = [(y / n - cl) / s for y, n, s in zip(num, den, sig)]
    sigma_z = sum(abs(b - a) for a, b in itertools.pairwise(z)) / 4 / 1.128
    for i in range(5):
        assert p.upper.iloc[i] == pytest.approx(cl + 3 * sig[i] * sigma_z)
        assert p.lower.iloc[i] == pytest.approx(max(cl - 3 * sig[i] * sigma_z, 0))


def test_c_chart_sigma_is_the_root_of_the_mean_and_lcl_floors_at_zero():
    p = analyse(months(3), [4, 9, 5], settings=SpcSettings(chart="c")).points
    assert p.centre.iloc[0] == 6
    assert p.upper.iloc[0] == pytest.approx(6 + 3 * math.sqrt(6))
    assert p.lower.iloc[0] == 0


def test_g_chart_limits_from_the_mean_and_centre_line_at_the_median():
    p = analyse(months(4), [1, 3, 8, 20], settings=SpcSettings(chart="g")).points  # mean 8, median 5.5
    assert p.centre.iloc[0] == 5.5
    assert p.upper.iloc[0] == pytest.approx(8 + 3 * math.sqrt(8 * 9))
    assert p.lower.iloc[0] == 0


def test_t_chart_transforms_to_the_power_1_over_3_6_and_back():
    values = [2.0, 30.0, 7.0, 12.0, 3.0, 45.0]
    p = analyse(months(6), values, settings=SpcSettings(chart="t")).points
    yt = [v ** (1 / 3.6) for v in values]
    m = sum(yt) / 6
    sigma = sum(abs(b - a) for a, b in itertools.pairwise(yt)) / 5 / 1.128
    assert p.centre.iloc[0] == pytest.approx(m**3.6)
    assert p.upper.iloc[0] == pytest.approx((m + 3 * sigma) ** 3.6)
    low = m - 3 * sigma
    assert p.lower.iloc[0] == pytest.approx(low**3.6 if low > 0 else 0)
    assert p.value.tolist() == values  # shown on the original scale


def test_t_chart_treats_zero_or_less_as_missing_and_says_so():
    r = analyse(months(4), [5, 0, -1, 8], settings=SpcSettings(chart="t"))
    assert np.isnan(r.points.value.iloc[1]) and np.isnan(r.points.value.iloc[2])
    assert "zero or less" in r.points.reason.iloc[1]
    assert any("zero or less" in m for m in r.messages)


def test_one_usable_point_has_no_centre_or_limits_two_have_both():
    one = analyse(months(2), [5, None]).points
    assert one.centre.isna().all() and one.upper.isna().all()
    two = analyse(months(2), [5, 7]).points
    assert two.centre.iloc[0] == 6 and two.upper.iloc[0] == pytest.approx(6 + 2.66 * 2)


def test_baseline_points_freeze_centre_and_limits_on_the_first_k_points():
    p = analyse(months(6), [1, 2, 3, 100, 100, 100], settings=SpcSettings(baseline_points=3)).points
    assert (p.centre == 2).all() and p.upper.iloc[5] == pytest.approx(2 + 2.66)
    assert p.rule.iloc[3:].tolist() == ["beyond_limit"] * 3


def test_run_chart_centre_is_the_median_and_has_no_limits():
    p = analyse(months(4), [1, 9, 3, 4], settings=SpcSettings(chart="run")).points
    assert (p.centre == 3.5).all() and p.upper.isna().all() and p.lower_2s.isna().all()
