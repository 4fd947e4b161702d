"""The engine with phases and frozen baselines, one series and many (issue 10 item 3)."""

import numpy as np
import pandas as pd
import pytest

from qi_dash.spc import SpcSettings, analyse, analyse_many

VALUES = [10, 12, 11, 13, 10, 12, 11, 13, 10, 12, 20, 22, 21, 23, 20, 22, 21, 23, 20, 22]


def months(n):
    return pd.date_range("2023-01-01", periods=n, freq="MS")


def test_a_new_phase_has_its_own_centre_and_limits():
    r = analyse(months(20), VALUES, phase_starts=[months(20)[10]])
    first, second = r.points.iloc[:10], r.points.iloc[10:]
    assert r.points.phase.tolist() == [1] * 10 + [2] * 10
    assert first.centre.unique().tolist() == [11.4] and second.centre.unique().tolist() == [21.4]
    assert not r.points.signal.any()  # each phase is stable about its own mean


def test_one_phase_flags_the_shift_the_new_phase_removes():
    r = analyse(months(20), VALUES)
    assert r.points.signal.sum() >= 10


def test_a_frozen_baseline_takes_limits_from_the_points_before_the_freeze():
    r = analyse(months(20), VALUES, frozen_from=[months(20)[10]])
    assert r.points.phase.eq(1).all()
    assert r.points.centre.unique().tolist() == [11.4]  # the first ten points only
    assert r.points.signal.iloc[10:].all()  # the change, judged against the frozen limits
    assert r.phases.baseline_end.iloc[0] == months(20)[9]


def test_a_freeze_between_periods_starts_at_the_next_period():
    between = analyse(months(20), VALUES, frozen_from=[pd.Timestamp("2023-10-15")])
    at = analyse(months(20), VALUES, frozen_from=[months(20)[10]])
    assert between.points.equals(at.points)


def test_a_freeze_belongs_to_its_phase_only():
    r = analyse(months(20), VALUES, phase_starts=[months(20)[10]], frozen_from=[months(20)[5]])
    assert r.points.centre.iloc[0] == np.mean(VALUES[:5])
    assert r.points.centre.iloc[10] == 21.4  # the later phase is not frozen
    assert pd.isna(r.phases.baseline_end.iloc[1])


def test_without_a_freeze_no_baseline_end_unless_the_definition_freezes():
    assert analyse(months(20), VALUES).phases.baseline_end.isna().all()
    frozen = analyse(months(20), VALUES, settings=SpcSettings(baseline_points=12))
    assert frozen.phases.baseline_end.iloc[0] == months(20)[11]


def test_freezing_earlier_than_the_definition_wins():
    r = analyse(months(20), VALUES, settings=SpcSettings(baseline_points=15), frozen_from=[months(20)[5]])
    assert r.points.centre.iloc[0] == np.mean(VALUES[:5])


@pytest.mark.parametrize("chart", ["xmr", "run", "c"])
def test_the_batch_gives_each_series_what_analyse_gives(chart):
    dates = months(20)
    frame = pd.concat([
        pd.DataFrame({"series": "a", "period": dates, "value": VALUES}),
        pd.DataFrame({"series": "b", "period": dates, "value": VALUES[::-1]}),
        pd.DataFrame({"series": "c", "period": dates, "value": VALUES}),
    ])
    settings = SpcSettings(chart=chart, direction="decrease", target=15.0)
    batch = analyse_many(frame, settings, phase_starts={"a": [dates[10]]}, frozen_from={"b": [dates[8]]})
    assert batch["a"].equals(analyse(dates, VALUES, settings=settings, phase_starts=[dates[10]]))
    assert batch["b"].equals(analyse(dates, VALUES[::-1], settings=settings, frozen_from=[dates[8]]))
    assert batch["c"].equals(analyse(dates, VALUES, settings=settings))
    icons = batch.icons.set_index("series")
    assert icons.loc["a", "assurance_icon"] == batch["a"].assurance_icon
