"""``analyse``: inputs, ordering, phases, gaps and the result's shape (qi_dash/spc/engine.py)."""

import numpy as np
import pandas as pd
import pytest

from qi_dash.spc import SPCResult, SpcSettings, analyse

POINT_COLUMNS = [
    "period",
    "value",
    "centre",
    "lower",
    "upper",
    "lower_2s",
    "upper_2s",
    "moving_range",
    "phase",
    "signal",
    "rule",
    "reason",
    "point_type",
]
PHASE_COLUMNS = [
    "phase",
    "start",
    "n",
    "n_useful",
    "centre",
    "longest_run",
    "longest_run_max",
    "crossings",
    "crossings_min",
    "runs_signal",
    "runs_reason",
    "trial_limits",
    "baseline_end",
]


def months(n):
    return pd.date_range("2021-01-01", periods=n, freq="MS")


def test_result_has_exactly_the_documented_columns_in_order():
    r = analyse(months(3), [1, 2, 3])
    assert isinstance(r, SPCResult)
    assert list(r.points.columns) == POINT_COLUMNS and list(r.phases.columns) == PHASE_COLUMNS
    assert (r.chart, r.run_rules, r.direction) == ("xmr", "mdc", "increase")
    assert (
        r.summary
        == "Common cause variation: no signals in the last phase. Trial limits: fewer than 13 points in the last phase."
    )


def test_rows_come_back_in_date_order_whatever_the_input_order():
    dates = list(months(4))
    r = analyse([dates[2], dates[0], dates[3], dates[1]], [30, 10, 40, 20], settings=SpcSettings(target=[3, 1, 4, 2]))
    assert r.points.value.tolist() == [10, 20, 30, 40]
    assert r.points.period.tolist() == dates
    assert r.target == 4


def test_a_period_given_twice_is_an_error():
    with pytest.raises(ValueError, match="only once"):
        analyse([months(1)[0]] * 2, [1, 2])


@pytest.mark.parametrize(
    "kwargs",
    [
        {"chart": "x"},
        {"direction": "up"},
        {"run_rules": "nelson"},
        {"baseline_points": 0},
        {"multiplier": 0},
    ],
)
def test_bad_settings_are_refused(kwargs):
    with pytest.raises(ValueError):
        analyse(months(3), [1, 2, 3], settings=SpcSettings(**kwargs))


def test_ratio_charts_need_numerators_and_denominators():
    with pytest.raises(ValueError):
        analyse(months(3), [1, 2, 3], settings=SpcSettings(chart="p"))
    with pytest.raises(ValueError):
        analyse(months(3), [1, 2, 3], numerators=[1, 2, 3], denominators=[4, 5, 6])


def test_a_phase_start_between_periods_starts_at_the_next_period():
    dates = months(6)
    r = analyse(dates, [1, 2, 1, 9, 10, 9], phase_starts=[pd.Timestamp("2021-03-15")])
    assert r.points.phase.tolist() == [1, 1, 1, 2, 2, 2]
    assert r.phases.start.tolist() == [dates[0], dates[3]]
    assert r.phases.centre.tolist() == pytest.approx([4 / 3, 28 / 3])
    # Moving ranges never cross a phase boundary.
    assert np.isnan(r.points.moving_range.iloc[3])


def test_phase_starts_outside_the_series_have_no_effect():
    r = analyse(months(4), [1, 2, 3, 4], phase_starts=["2019-01-01", "2030-01-01", months(4)[0]])
    assert r.points.phase.tolist() == [1, 1, 1, 1]


def test_runs_never_cross_a_phase_boundary():
    values = [1, 2, 1, 2, 1, 2, 8, 9, 8, 9, 8, 9]
    whole = analyse(months(12), values)
    assert (whole.points.rule == "shift").sum() == 0  # 6 + 6 around mean 5.5
    # 7 + 7 points split 4 | 3 + 3 | 4 by phase: no run of 7 on one side within a phase.
    split = analyse(months(14), [4] * 3 + [6] * 4 + [4] * 3 + [6] * 4, phase_starts=[months(14)[7]])
    assert split.points.phase.tolist() == [1] * 7 + [2] * 7
    assert not (split.points.rule == "shift").any()


def test_freeze_applies_within_each_phase():
    dates = months(8)
    r = analyse(dates, [1, 3, 50, 50, 10, 30, 99, 99], phase_starts=[dates[4]], settings=SpcSettings(baseline_points=2))
    assert r.points.centre.tolist() == [2] * 4 + [20] * 4
    assert r.points.upper.iloc[0] == pytest.approx(2 + 2.66 * 2)
    assert r.points.upper.iloc[4] == pytest.approx(20 + 2.66 * 20)


def test_trial_limits_flagged_below_13_points():
    assert analyse(months(12), list(range(12))).phases.trial_limits.tolist() == [True]
    assert analyse(months(13), list(range(13))).phases.trial_limits.tolist() == [False]


def test_identical_values_lie_exactly_on_the_centre_line_and_give_no_signal():
    r = analyse(months(12), [0.1] * 12)
    assert (r.points.value == r.points.centre).all()
    assert not r.points.signal.any() and r.variation_icon == "common_cause"
    assert r.phases.n_useful.iloc[0] == 0 and pd.isna(r.phases.longest_run.iloc[0])


def test_xmr_of_a_ratio_charts_numerator_over_denominator():
    r = analyse(months(3), numerators=[1, 2, 3], denominators=[10, 10, 10], settings=SpcSettings(multiplier=100))
    assert r.points.value.tolist() == pytest.approx([10, 20, 30])
    assert r.points.centre.iloc[0] == pytest.approx(20)


def test_a_zero_denominator_is_a_gap_with_a_note():
    r = analyse(months(3), numerators=[1, 2, 3], denominators=[10, 0, 10], settings=SpcSettings(chart="p"))
    assert np.isnan(r.points.value.iloc[1]) and "Denominator" in r.points.reason.iloc[1]
    assert r.messages


def test_empty_series_gives_empty_frames():
    r = analyse([], [])
    assert r.points.empty and list(r.points.columns) == POINT_COLUMNS
    assert (r.variation_icon, r.assurance_icon, r.summary) == ("none", "none", "No data.")


def test_points_keep_the_numerators_and_denominators_given_in_date_order():
    dates = list(months(3))
    r = analyse([dates[1], dates[0], dates[2]], numerators=[2, 1, 3], denominators=[20, 0, 30],
                settings=SpcSettings(chart="p"))
    assert list(r.points.columns) == POINT_COLUMNS + ["numerator", "denominator"]
    assert r.points.numerator.tolist() == [1, 2, 3] and r.points.denominator.tolist() == [0, 20, 30]
    empty = analyse([], numerators=[], denominators=[])
    assert list(empty.points.columns) == POINT_COLUMNS + ["numerator", "denominator"]


def test_periods_stay_datetime64_from_input_to_points_and_phases():
    periods = months(4).to_numpy().astype("datetime64[D]")
    r = analyse(periods, [1, 2, 3, 4], phase_starts=[months(4)[2]])
    assert r.points.period.dtype == "datetime64[ns]" and r.phases.start.dtype == "datetime64[ns]"
    assert r.points.period.tolist() == list(months(4))
