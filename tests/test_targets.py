"""Targets over time: the target in force at a period, a unit's own trajectory over the one
for all units, the table's checks, and the engine judging assurance against the target in
force at the latest point."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from qi_dash import overview
from qi_dash.analysis import measure_view
from qi_dash.targets import ALL_UNITS, TargetError, Trajectory, check_steps, targets_by_unit, trajectory_for
from tests.test_charts import definition

STEPS = pd.DataFrame({
    "unit": [ALL_UNITS, ALL_UNITS, "DIR-ACU", "W-ASH"],
    "measure": ["RP_RATE"] * 4,
    "from_period": pd.to_datetime(["2025-04-01", "2027-04-01", "2025-01-01", "2025-06-01"]),
    "value": [14.0, 10.0, 13.0, 9.0],
})
PATHS = {"W-ASH": ["ORG", "DIR-ACU", "W-ASH"], "W-CED": ["ORG", "DIR-ACU", "W-CED"], "W-OAK": ["ORG", "DIR-OAL", "W-OAK"]}


def test_the_target_in_force_is_the_latest_step_on_or_before_the_period():
    trajectory = trajectory_for(STEPS, "RP_RATE", PATHS["W-OAK"], default=15.0)
    assert trajectory.unit == ALL_UNITS
    at = trajectory.at(pd.to_datetime(["2025-03-01", "2025-04-01", "2026-12-01", "2027-04-01", "2030-01-01"]))
    # Before the first step the definition's target holds; a future step takes over on its date.
    assert at.tolist() == [15.0, 14.0, 14.0, 10.0, 10.0]


def test_without_a_default_there_is_no_target_before_the_first_step():
    at = trajectory_for(STEPS, "RP_RATE", PATHS["W-OAK"], default=None).at(pd.to_datetime(["2025-01-01", "2025-05-01"]))
    assert np.isnan(at[0]) and at[1] == 14.0


def test_a_units_own_trajectory_overrides_the_one_for_all_units_and_teams_follow_their_directorate():
    assert trajectory_for(STEPS, "RP_RATE", PATHS["W-ASH"], 15.0).at(pd.Timestamp("2027-06-01")).tolist() == [9.0]
    cedar = trajectory_for(STEPS, "RP_RATE", PATHS["W-CED"], 15.0)
    assert cedar.unit == "DIR-ACU" and cedar.at(pd.Timestamp("2027-06-01")).tolist() == [13.0]
    assert trajectory_for(STEPS, "SICKNESS", PATHS["W-ASH"], 4.5) == Trajectory("SICKNESS", ALL_UNITS, (), 4.5)


def test_a_typed_trajectory_is_checked_row_by_row():
    table = pd.DataFrame({"from_period": ["2025-04-01", "2025-04-15", "", "2025-05-01", "2025-04-01", None],
                          "value": ["12", "11", "9", "lots", "10", None]})
    with pytest.raises(TargetError) as err:
        check_steps(table, "month", "Restrictive practice")
    problems = err.value.problems
    assert any("row 2" in p and "15/04/2025 is not the 1st of a month" in p for p in problems)
    assert any("row 3" in p and "'from period' is empty" in p for p in problems)
    assert any("row 4" in p and "'lots'; expected a number" in p for p in problems)
    assert any("from Apr 25 is given 2 times" in p for p in problems)
    assert not any("row 6" in p for p in problems)  # an empty row is no row


def test_a_good_table_gives_steps_in_period_order():
    table = pd.DataFrame({"from_period": [date(2026, 4, 1), pd.Timestamp("2025-04-01")], "value": [10, "12.5"]})
    steps = check_steps(table, "month", "Restrictive practice")
    assert steps.values.tolist() == [[date(2025, 4, 1), 12.5], [date(2026, 4, 1), 10.0]]


def _observations(values: list[float]) -> pd.DataFrame:
    periods = pd.date_range("2024-01-01", periods=len(values), freq="MS")
    return pd.DataFrame({"unit": "W-ASH", "measure": "RP_RATE", "period": periods,
                         "numerator": np.nan, "denominator": np.nan, "value": values, "comment": ""})


def test_assurance_uses_the_target_in_force_at_the_latest_point():
    # Around 20 (limits about 14 to 26), lower is better: a target of 30 is always met, of 10 never.
    observations = _observations([20, 21, 19, 20, 22, 18, 20, 21, 19, 20, 21, 19, 20, 20])
    d = definition(kind="value", chart="xmr", aggregation="sum", multiplier=1, target=30.0)
    assert measure_view(observations, d, ["W-ASH"]).result.assurance_icon == "pass"
    falls = Trajectory("RP_RATE", ALL_UNITS, ((date(2025, 2, 1), 10.0),), 30.0)  # the last point: Feb 2025
    view = measure_view(observations, d, ["W-ASH"], trajectory=falls)
    assert view.result.assurance_icon == "fail" and view.result.target == 10.0
    ahead = Trajectory("RP_RATE", ALL_UNITS, ((date(2025, 3, 1), 10.0),), 30.0)  # not yet in force
    assert measure_view(observations, d, ["W-ASH"], trajectory=ahead).result.assurance_icon == "pass"


def test_the_icon_matrix_uses_each_teams_target_at_its_latest_point():
    observations = _observations([20, 21, 19, 20, 22, 18, 20, 21, 19, 20, 21, 19, 20, 20])
    d = definition(kind="value", chart="xmr", aggregation="sum", multiplier=1, target=30.0)
    plain = overview.icon_matrix(observations, [d])
    assert plain["assurance_icon"].tolist() == ["pass"]
    steps = STEPS.assign(from_period=pd.to_datetime(["2025-04-01", "2027-04-01", "2025-01-01", "2025-02-01"]))
    follows = targets_by_unit(steps, PATHS.get, {"RP_RATE": 30.0})
    matrix = overview.icon_matrix(observations, [d], targets=follows)
    assert matrix["assurance_icon"].tolist() == ["fail"]  # Ash's own 9 from Feb 2025
    alone = measure_view(observations, d, ["W-ASH"], trajectory=follows("W-ASH", "RP_RATE"))
    assert alone.result.assurance_icon == "fail"
