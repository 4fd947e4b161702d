"""Special-cause rules at their exact boundaries (qi_dash/spc/rules.py)."""

import math
from itertools import combinations, pairwise

import numpy as np
import pandas as pd
import pytest

from qi_dash.spc import SpcSettings, analyse
from qi_dash.spc import rules
from qi_dash.spc.rules import anhoej_limits, ihi_runs_limits


def months(n):
    return pd.date_range("2020-01-01", periods=n, freq="MS")


def xmr(values, **kw):
    return analyse(months(len(values)), values, settings=SpcSettings(**kw)).points


def run(values, **kw):
    return analyse(months(len(values)), values, settings=SpcSettings(chart="run", **kw)).points


# Baseline [4, 6, 6, 4] frozen: mean 5, AMR 4/3 -> limits 5 ± 3.5467, 2σ lines 5 ± 2.3644.
BASE = [4, 6, 6, 4]


def test_seven_points_on_one_side_are_a_shift_six_are_not():
    # 7 below then 7 above: mean 76/14 ≈ 5.43, AMR 14/13 -> 2σ lines (3.52, 7.34): no other rule.
    seven = xmr([4, 5, 4, 5, 4, 5, 4, 6, 7, 6, 7, 6, 7, 6])
    assert seven.rule.tolist() == ["shift"] * 14
    assert seven.reason.iloc[6] == "Point 7 of 7 in a row below the mean"
    # 6 and 6: mean 5.5, AMR 1 -> nothing at all.
    six = xmr([4, 5, 4, 5, 4, 5, 6, 7, 6, 7, 6, 7])
    assert not six.signal.any()


def test_a_point_exactly_on_the_mean_breaks_a_shift():
    broken = xmr(BASE + [6, 6, 6, 5, 6, 6, 6], baseline_points=4)
    assert not broken.signal.any()
    whole = xmr(BASE + [6] * 7, baseline_points=4)
    assert whole.rule.tolist() == [""] * 4 + ["shift"] * 7


def test_a_missing_value_is_skipped_by_a_shift():
    p = xmr(BASE + [6, 6, 6, None, 6, 6, 6, 6], baseline_points=4)
    assert p.rule.tolist() == [""] * 4 + ["shift"] * 3 + [""] + ["shift"] * 4
    assert p.reason.iloc[8] == "Point 4 of 7 in a row above the mean"


def test_seven_rising_points_are_a_trend_and_trend_outranks_shift():
    # Baseline [0, 40, 0, 40]: mean 20, limits 20 ± 106.4: only the run rules can fire.
    p = xmr([0, 40, 0, 40, 10, 11, 12, 13, 14, 15, 16], baseline_points=4)
    assert p.rule.tolist()[4:] == ["trend"] * 7  # also 8 points below the mean
    assert p.reason.iloc[4] == "Point 1 of a 7-point rising trend"
    assert p.reason.iloc[10] == "Point 7 of a 7-point rising trend"
    six = xmr([0, 40, 0, 40, 10, 11, 12, 13, 14, 15], baseline_points=4)
    assert not six.signal.any()


def test_a_tie_breaks_a_trend_on_a_chart_with_limits():
    p = xmr([0, 40, 0, 40, 10, 11, 12, 12, 13, 14, 15, 16], baseline_points=4)
    assert "trend" not in p.rule.tolist()
    assert p.rule.tolist() == [""] * 4 + ["shift"] * 8  # 8 below the mean, no 7 rising


def test_a_window_with_a_missing_value_is_no_trend_and_does_not_crash():
    p = xmr([0, 40, 0, 40, 10, 11, 12, None, 13, 14, 15, 16], baseline_points=4)
    assert "trend" not in p.rule.tolist()


def test_a_falling_trend_is_labelled_falling():
    p = xmr([0, 40, 0, 40, 36, 35, 34, 33, 32, 31, 30], baseline_points=4)
    assert p.rule.tolist() == [""] * 3 + ["trend"] * 8  # the fall starts at the second 40
    assert p.reason.iloc[6] == "Point 4 of an 8-point falling trend"


def test_two_of_three_beyond_two_sigma_on_one_side_flags_only_the_close_points():
    values = BASE + [8, 5.5, 8, 5, 8, 4, 8, 5, 9, 8, 5.5, 5]
    p = xmr(values, baseline_points=4)
    assert p.rule.iloc[4:7].tolist() == ["two_of_three", "", "two_of_three"]
    assert p.reason.iloc[4] == "2 of 3 points beyond 2σ above the mean"
    # Split by a point below the mean: not a signal.
    assert p.rule.iloc[8:11].tolist() == ["", "", ""]
    # A point beyond the limit is not "close": only it is flagged.
    assert p.rule.iloc[12:15].tolist() == ["beyond_limit", "", ""]


def test_a_point_exactly_on_a_limit_is_not_beyond_it():
    upper = 5 + 2.66 * 2  # baseline [4, 6, 4, 6]: mean 5, AMR 2
    on = xmr([4, 6, 4, 6, upper], baseline_points=4)
    assert on.upper.iloc[4] == upper and not on.signal.iloc[4]
    above = xmr([4, 6, 4, 6, np.nextafter(upper, 99)], baseline_points=4)
    assert above.rule.iloc[4] == "beyond_limit" and above.reason.iloc[4] == "Above the upper process limit"


def test_p_chart_signals_use_each_points_own_limits():
    # Baseline 4 × 10/100: CL 0.1. The same proportion 0.18 is inside the limit at n = 100
    # (UCL 0.1 + 3·√(0.09/100) = 0.19) and far beyond it at n = 10,000 (UCL 0.109).
    p = analyse(
        months(6),
        numerators=[10, 10, 10, 10, 18, 1800],
        denominators=[100] * 5 + [10000],
        settings=SpcSettings(chart="p", baseline_points=4),
    ).points
    assert p.upper.iloc[4] == pytest.approx(0.19) and p.upper.iloc[5] == pytest.approx(0.109)
    assert p.rule.iloc[4:].tolist() == ["", "beyond_limit"]


# ---- run charts: IHI ----


def test_ihi_shift_needs_six_points_and_skips_points_on_the_median():
    # Ten values alternating 2, 8 then six 9s: median 8, the 8s are skipped.
    six = run([2, 8] * 5 + [9] * 6)
    assert six.rule.iloc[10:].tolist() == ["shift"] * 6
    assert six.reason.iloc[15] == "Point 6 of 6 in a row above the median"
    five = run([2, 8] * 5 + [9] * 5)
    assert "shift" not in five.rule.tolist()


def test_ihi_trend_counts_a_repeated_value_once():
    # median 2.5; 1, 2, 2, 3, 4, 5 is a 5-point trend (the second 2 neither breaks nor adds)
    p = run([6, 1, 2, 2, 3, 4, 5, 0, 6, 0])
    assert p.rule.tolist() == [""] + ["trend"] * 6 + [""] * 3
    assert p.reason.iloc[1] == "Point 1 of a 5-point rising trend"
    assert p.reason.iloc[3] == "Point 2 of a 5-point rising trend"
    assert p.reason.iloc[6] == "Point 5 of a 5-point rising trend"
    four = run([6, 1, 2, 3, 4, 0, 6, 0, 6, 0])
    assert "trend" not in four.rule.tolist()


def test_ihi_trend_skips_a_missing_value():
    p = run([6, 1, 2, None, 3, 4, 5, 0, 6, 0])
    assert p.rule.tolist()[1:7] == ["trend", "trend", "", "trend", "trend", "trend"]


def test_ihi_too_few_runs_is_the_phases_signal_not_every_points():
    values = [1, 2, 1, 2, 1, 8, 9, 8, 9, 8, 2, 1, 2, 1, 2, 9, 8, 9, 8, 9]  # median 5, 4 runs
    r = analyse(months(20), values, settings=SpcSettings(chart="run", direction="decrease"))
    assert r.points.rule.tolist() == [""] * 20
    assert set(r.points.point_type) == {"common_cause"}
    reason = "Too few runs: 4 runs where at least 7 are expected for 20 points"
    assert r.phases.runs_reason.tolist() == [reason]
    assert reason + " in the last phase: the variation is not random" in r.summary
    assert r.variation_icon == "common_cause"


def test_ihi_too_many_runs_is_reported_in_words():
    r = analyse(months(20), [1, 9] * 10, settings=SpcSettings(chart="run"))
    assert r.phases.runs_reason.iloc[0].startswith("Too many runs: 20 runs where at most")
    assert not r.points.signal.any()


def _runs_probability_table(n):
    """Brute force: every arrangement of ⌊n/2⌋ lows among n points, counting runs."""
    counts = {}
    for lows in combinations(range(n), n // 2):
        sides = [i in lows for i in range(n)]
        r = 1 + sum(a != b for a, b in pairwise(sides))
        counts[r] = counts.get(r, 0) + 1
    return counts, math.comb(n, n // 2)


@pytest.mark.parametrize("n", [10, 11, 12, 14])
def test_ihi_runs_limits_match_brute_force_enumeration_at_2_5_percent_per_tail(n):
    counts, total = _runs_probability_table(n)
    fewest = min(r for r in range(2, n + 2) if sum(c for k, c in counts.items() if k <= r) / total > 0.025)
    most = max(r for r in range(1, n + 1) if sum(c for k, c in counts.items() if k >= r) / total > 0.025)
    assert ihi_runs_limits(n) == (fewest, most)


def test_ihi_runs_limits_hand_derived_values():
    # N=10 (5 and 5): P(R≤2) = 2/252, P(R≤3) = 10/252 = 0.0397 -> fewest 3; symmetric: most 9.
    assert ihi_runs_limits(10) == (3, 9)
    # N=20 (10 and 10): P(R≤6) = 3422/184756 = 0.0185, P(R≤7) = 9470/184756 = 0.051 -> 7;
    # the distribution is symmetric about 11, so most = 22 − 7 = 15.
    assert ihi_runs_limits(20) == (7, 15)


# ---- run charts: Anhøj ----

ANHOEJ_TABLE = {  # spc-methods.md Part B §4 (n: longest run max, crossings min)
    8: (6, 1),
    9: (6, 2),
    10: (6, 2),
    11: (6, 2),
    12: (7, 3),
    13: (7, 3),
    14: (7, 4),
    15: (7, 4),
    16: (7, 4),
    17: (7, 5),
    18: (7, 5),
    19: (7, 6),
    20: (7, 6),
    21: (7, 6),
    22: (7, 7),
    23: (8, 7),
    24: (8, 8),
    25: (8, 8),
    26: (8, 8),
    27: (8, 9),
    28: (8, 9),
    29: (8, 10),
    30: (8, 10),
    31: (8, 11),
    32: (8, 11),
    33: (8, 11),
    34: (8, 12),
    35: (8, 12),
    36: (8, 13),
    37: (8, 13),
    38: (8, 14),
    39: (8, 14),
    40: (8, 14),
    45: (8, 17),
    50: (9, 19),
    60: (9, 23),
    80: (9, 32),
    100: (10, 41),
}


@pytest.mark.parametrize("n", sorted(ANHOEJ_TABLE))
def test_anhoej_limits_reproduce_the_table(n):
    assert anhoej_limits(n) == ANHOEJ_TABLE[n]


def test_anhoej_long_run_signals_shift_with_reason():
    values = [1, 2, 1, 2, 1, 2, 1, 2, 9, 8, 9, 8, 9, 8, 9, 8]  # median 5, two runs of 8 > 7
    r = analyse(months(16), values, settings=SpcSettings(chart="run", run_rules="anhoej"))
    assert r.points.rule.tolist() == ["shift"] * 16
    assert r.points.reason.iloc[0] == (
        "Point 1 of 8 in a row below the median: longer than the 7 expected for 16 points"
    )
    ph = r.phases.iloc[0]
    assert (ph.longest_run, ph.longest_run_max, ph.crossings, ph.crossings_min) == (8, 7, 1, 4)
    assert r.run_rules == "anhoej"


def test_anhoej_too_few_crossings_is_the_phases_signal_not_every_points():
    values = [1, 2, 1, 2, 1, 8, 9, 8, 9, 8, 2, 1, 2, 1, 2, 9, 8, 9, 8, 9]  # 3 crossings, need 6
    r = analyse(months(20), values, settings=SpcSettings(chart="run", run_rules="anhoej"))
    assert r.points.rule.tolist() == [""] * 20
    assert r.phases.runs_reason.iloc[0] == (
        "Too few crossings: 3 crossings of the median where at least 6 are expected for 20 points"
    )


@pytest.mark.parametrize(("direction", "expected"), [("decrease", "concern"), ("increase", "improvement"),
                                                     ("neutral", "neutral_high")])
def test_a_run_chart_shift_reads_by_the_measures_direction(direction, expected):
    values = [5, 4, 6, 5, 4, 6, 5, 4, 6, 5, 4, 6, 9, 9, 9, 9, 9, 9]  # six high points at the end
    r = analyse(months(18), values, settings=SpcSettings(chart="run", direction=direction))
    assert r.points.point_type.iloc[-1] == expected
    assert r.points.rule.iloc[-1] == "shift"


def test_points_on_the_centre_line_are_not_useful_for_anhoej_statistics():
    r = analyse(months(5), [1, 3, 3, 3, 5], settings=SpcSettings(chart="run"))  # median 3
    ph = r.phases.iloc[0]
    assert ph.n == 5 and ph.n_useful == 2 and ph.crossings == 1 and ph.longest_run == 1


def test_a_rising_trend_below_the_lower_limit_starts_as_concern_then_improves():
    # Baseline [4, 6, 4, 6]: mean 5, limits 5 ± 5.32 = (−0.32, 10.32).
    p = xmr([4, 6, 4, 6, -3, -2, -1, 0, 1, 2, 3], baseline_points=4)
    assert p.rule.iloc[4:].tolist() == ["beyond_limit"] * 3 + ["trend"] * 4
    assert p.point_type.iloc[4:].tolist() == ["concern"] * 3 + ["improvement"] * 4


def test_runs_without_gaps_equal_runs_with_a_gap_after_the_last_point():
    """``runs`` takes a shorter way when every point is a member; a trailing non-member
    (which ends no run early) sends the same points the general way: both agree."""
    rng = np.random.default_rng(1)
    for _ in range(200):
        rows, width = int(rng.integers(1, 20)), int(rng.integers(1, 40))
        key = rng.integers(-1, 2, (rows, width)).astype(np.int8)
        every = rules.runs(np.ones((rows, width), bool), key)
        member = np.concatenate([np.ones((rows, width), bool), np.zeros((rows, 1), bool)], axis=1)
        general = rules.runs(member, np.concatenate([key, np.zeros((rows, 1), np.int8)], axis=1))
        for fast, slow in zip(every, general):
            assert (fast == slow[:, :width]).all()
