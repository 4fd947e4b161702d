"""Correctly rounded means (qi_dash/spc/exact.py)."""

import math
from fractions import Fraction

import numpy as np

from qi_dash.spc.exact import row_means


def test_three_copies_of_a_tenth_have_a_mean_of_exactly_a_tenth():
    # fsum then divide rounds twice and lands one ulp above 0.1: the point would sit below
    # its own mean. The exact mean of three equal doubles is that double.
    assert math.fsum([0.1] * 3) / 3 != 0.1
    assert row_means(np.array([[0.1, 0.1, 0.1]]), np.ones((1, 3), bool))[0] == 0.1


def test_row_means_equal_the_exact_rational_mean_rounded_once():
    rng = np.random.default_rng(7)
    for scale in (1.0, 1e-300, 1e300, 1e-310):
        x = rng.normal(size=(400, 17)) * scale
        mask = rng.random((400, 17)) < 0.8
        got = row_means(x, mask)
        for i in range(400):
            values = x[i][mask[i]].tolist()
            want = float(sum(map(Fraction, values), Fraction(0)) / len(values)) if values else math.nan
            assert got[i] == want or (math.isnan(want) and math.isnan(got[i]))


def test_a_row_with_nothing_masked_has_no_mean():
    assert np.isnan(row_means(np.array([[1.0, 2.0]]), np.zeros((1, 2), bool))[0])
