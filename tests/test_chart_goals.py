"""The chart's goals: the target as steps over time (the axis reaching the trajectory ahead)
and an aim's goal line from its baseline to its by-date, each labelled."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pandas as pd

from qi_dash.aims import Aim
from qi_dash.charts import spc_figure
from qi_dash.targets import ALL_UNITS, Trajectory
from tests.test_charts import as_dates, definition, phases_frame, points_frame, traces

AIM = Aim(unit="W-ASH", measure="RP_RATE", statement="Reduce restrictive practice by 30% by April 2027",
          change="reduce_by_percent", amount=30, by_date=date(2027, 4, 1), baseline_to=date(2023, 6, 1),
          baseline_from=date(2023, 1, 1))


def labels(fig) -> list[str]:
    return [a.text for a in fig.layout.annotations]


def axis_range(fig) -> list[pd.Timestamp]:
    return [pd.Timestamp(x) for x in json.loads(fig.to_json())["layout"]["xaxis"]["range"]]


def test_a_changing_target_is_drawn_as_steps_reaching_into_the_future():
    points = points_frame([20] * 12)  # Jan–Dec 23
    trajectory = Trajectory("RP_RATE", ALL_UNITS, ((date(2023, 7, 1), 14.0), (date(2024, 4, 1), 12.0)), 15.0)
    fig = spc_figure(points, phases_frame({1: False}), definition(target=15.0), trajectory=trajectory)
    target = traces(fig)["Target"]
    assert target["line"]["shape"] == "hv"
    assert as_dates(target["x"]) == [pd.Timestamp(d) for d in ("2023-01-01", "2023-07-01", "2024-04-01", "2024-07-01")]
    assert target["y"] == [15, 14, 12, 12]
    assert "Target 14 from Jul 23" in target["hovertext"]
    assert "Target 12 from Apr 24" in labels(fig)
    assert axis_range(fig)[1] > pd.Timestamp("2024-04-01")  # the step ahead is on the chart


def test_a_target_that_never_changes_stays_one_flat_line_over_the_data():
    fig = spc_figure(points_frame([20] * 12), phases_frame({1: False}), definition(target=15.0),
                     trajectory=Trajectory("RP_RATE", ALL_UNITS, (), 15.0))
    assert traces(fig)["Target"]["line"]["shape"] == "linear"
    assert axis_range(fig)[1] < pd.Timestamp("2024-01-01")


def test_an_aims_goal_line_starts_at_the_baseline_and_ends_at_the_goal():
    points = points_frame([10, 10, 10, 10, 10, 10, 9, 8, 7, 8, 7, 7])  # baseline Jan–Jun 23: mean 10
    fig = spc_figure(points, phases_frame({1: False}), definition(multiplier=1), aims=(AIM,))
    goal = traces(fig)["Aim: 7 by Apr 27"]
    assert as_dates(goal["x"]) == [pd.Timestamp("2023-06-01"), pd.Timestamp("2027-04-01")]
    assert goal["y"] == [10, 7]
    assert "Baseline 10 (mean of 6 monthly values, Jan 23 to Jun 23)" in goal["hovertext"]
    assert "Aim: 7 by Apr 27" in labels(fig)
    assert axis_range(fig)[1] > pd.Timestamp("2027-03-01")


def test_an_aim_without_baseline_data_draws_no_goal_line():
    aim = replace(AIM, baseline_from=date(2020, 1, 1), baseline_to=date(2020, 6, 1))
    fig = spc_figure(points_frame([10] * 12), phases_frame({1: False}), definition(), aims=(aim,))
    assert not any(name.startswith("Aim") for name in traces(fig))
