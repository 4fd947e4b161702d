"""Point types and MDC icons (qi_dash/spc/point_types.py), end to end."""

import pandas as pd
import pytest

from qi_dash.spc import SpcSettings, analyse


def months(n):
    return pd.date_range("2021-04-01", periods=n, freq="MS")


# Baseline [4, 6, 4, 6] frozen: mean 5, limits 5 ± 5.32 = (−0.32, 10.32).
def ending_with(last, **kw):
    return analyse(months(5), [4, 6, 4, 6, last], settings=SpcSettings(baseline_points=4, **kw))


@pytest.mark.parametrize(
    ("last", "direction", "point_type", "icon"),
    [
        (20, "increase", "improvement", "improvement_high"),
        (20, "decrease", "concern", "concern_high"),
        (-10, "increase", "concern", "concern_low"),
        (-10, "decrease", "improvement", "improvement_low"),
        (20, "neutral", "neutral_high", "neutral_high"),
        (-10, "neutral", "neutral_low", "neutral_low"),
        (5, "increase", "common_cause", "common_cause"),
    ],
)
def test_variation_icon_follows_the_last_points_type_and_direction(last, direction, point_type, icon):
    r = ending_with(last, direction=direction)
    assert r.points.point_type.iloc[-1] == point_type
    assert r.variation_icon == icon


def test_earlier_signals_do_not_change_the_variation_icon():
    r = analyse(months(6), [4, 6, 4, 6, 20, 5], settings=SpcSettings(baseline_points=4))
    assert r.points.signal.iloc[4] and r.variation_icon == "common_cause"
    assert "1 earlier point(s)" in r.summary


def test_a_trailing_gap_does_not_hide_the_latest_signal():
    r = analyse(months(6), [4, 6, 4, 6, 20, None], settings=SpcSettings(baseline_points=4))
    assert r.variation_icon == "improvement_high"


def test_no_variation_icon_without_limits_on_the_last_point():
    assert analyse(months(1), [5]).variation_icon == "none"
    assert analyse(months(1), [5], settings=SpcSettings(chart="run")).variation_icon == "none"
    assert analyse(months(0), []).variation_icon == "none"


@pytest.mark.parametrize(
    ("target", "direction", "icon"),
    [
        (11, "increase", "fail"),  # target above the upper limit 10.32: never reached
        (11, "decrease", "pass"),
        (-1, "increase", "pass"),  # below the lower limit −0.32: always exceeded
        (-1, "decrease", "fail"),
        (7, "increase", "hit_and_miss"),
        (7, "neutral", "none"),
    ],
)
def test_assurance_icon_compares_the_target_with_the_limits_strictly(target, direction, icon):
    assert ending_with(5, target=target, direction=direction).assurance_icon == icon


def test_a_target_exactly_on_a_limit_is_hit_and_miss():
    r = ending_with(5, target=5 + 2.66 * 2)
    assert r.points.upper.iloc[-1] == 5 + 2.66 * 2 and r.assurance_icon == "hit_and_miss"


def test_assurance_uses_the_latest_non_missing_target():
    r = ending_with(5, target=[11, 11, 11, 7, None])
    assert r.target == 7 and r.assurance_icon == "hit_and_miss"
    r = ending_with(5, target=[7, 7, 7, 7, 11])
    assert r.assurance_icon == "fail"


def test_target_is_on_the_charted_scale_after_the_multiplier():
    # proportions 0.1 (×100 → 10 %) with a 95 % target: far above the limits -> fail
    r = analyse(
        months(4),
        numerators=[10, 12, 9, 11],
        denominators=[100] * 4,
        settings=SpcSettings(chart="p", multiplier=100, target=95),
    )
    assert r.points.upper.iloc[-1] < 95 and r.assurance_icon == "fail"


def test_no_assurance_on_a_run_chart_or_without_a_target():
    assert analyse(months(5), [1, 2, 3, 4, 5], settings=SpcSettings(chart="run", target=3)).assurance_icon == "none"
    assert ending_with(5).assurance_icon == "none"


def test_assurance_uses_the_latest_phase_limits():
    # Phase 2 (from the 5th month) is centred on 50: a target of 20 is below its limits.
    values = [4, 6, 4, 6, 50, 52, 50, 52]
    r = analyse(months(8), values, phase_starts=[months(8)[4]], settings=SpcSettings(target=20))
    assert r.points.phase.tolist() == [1] * 4 + [2] * 4
    assert r.assurance_icon == "pass"
    assert r.target == 20
