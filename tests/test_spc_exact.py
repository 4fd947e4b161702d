"""Correctly rounded means (qi_dash/spc/exact.py)."""

import math
from fractions import Fraction

import numpy as np

from qi_dash.spc.exact import row_means, row_sums


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


def _exact_sums(x, mask):
    return [float(sum(map(Fraction, x[i][mask[i]].tolist()), Fraction(0))) for i in range(len(x))]


def test_row_sums_of_counts_are_exact():
    rng = np.random.default_rng(11)
    counts = rng.integers(0, 5000, size=(300, 52)).astype(float)
    mask = rng.random(counts.shape) < 0.9
    assert row_sums(counts, mask).tolist() == _exact_sums(counts, mask)


def test_row_sums_beyond_where_doubles_count_in_ones_are_still_exact():
    # Added left to right in doubles, 2**53 + 1 rounds back to 2**53 twice and loses the 2.
    x = np.array([[2.0**53, 1.0, 1.0], [3.0, 4.0, 5.0]])
    assert row_sums(x, np.ones(x.shape, bool)).tolist() == [2.0**53 + 2, 12.0]


def test_row_sums_of_fractions_are_rounded_once_from_the_exact_sum():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(300, 40)) * 1e3
    mask = rng.random(x.shape) < 0.8
    got, want = row_sums(x, mask), _exact_sums(x, mask)
    assert all(abs(g - w) <= abs(w) * 2.0**-52 for g, w in zip(got, want))
