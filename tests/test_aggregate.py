"""A measure's series for any unit (qi_dash/aggregate.py): a team's own, or combined as the
definition says, with every period of its frequency present."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from qi_dash import aggregate
from qi_dash.bootstrap import STANDARD_MEASURES
from qi_dash.definitions import read_definitions

MEASURES = {d.code: d for d in read_definitions(STANDARD_MEASURES)}


def observations(rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["unit", "measure", "period", "numerator", "denominator", "value"])
    return frame.assign(period=pd.to_datetime(frame["period"]), comment=pd.NA)


def test_a_rate_is_pooled_never_an_average_of_team_rates():
    obs = observations([
        ("A", "RP_RATE", "2024-01-01", 1.0, 100.0, np.nan),
        ("B", "RP_RATE", "2024-01-01", 9.0, 900.0 / 3, np.nan),
    ])
    series = aggregate.series(obs, MEASURES["RP_RATE"], ["A", "B"])
    assert series[["numerator", "denominator", "teams_reporting"]].iloc[0].tolist() == [10.0, 400.0, 2]
    assert aggregate.charted_values(series, MEASURES["RP_RATE"]).iloc[0] == pytest.approx(25.0)


def test_counts_sum_and_values_average_across_teams():
    obs = observations([
        ("A", "PRN", "2024-01-01", np.nan, np.nan, 3.0),
        ("B", "PRN", "2024-01-01", np.nan, np.nan, 4.0),
        ("A", "SAFE_SCORE", "2024-01-01", np.nan, np.nan, 6.0),
        ("B", "SAFE_SCORE", "2024-01-01", np.nan, np.nan, 8.0),
    ])
    assert aggregate.series(obs, MEASURES["PRN"], ["A", "B"])["value"].tolist() == [7.0]
    assert aggregate.series(obs, MEASURES["SAFE_SCORE"], ["A", "B"])["value"].tolist() == [7.0]


def test_missing_periods_are_gaps_on_the_time_axis():
    obs = observations([
        ("A", "PRN", "2024-01-01", np.nan, np.nan, 3.0),
        ("A", "PRN", "2024-04-01", np.nan, np.nan, 5.0),
    ])
    series = aggregate.series(obs, MEASURES["PRN"], ["A"])
    assert list(series.columns) == aggregate.SERIES_COLUMNS
    assert series["period"].tolist() == list(pd.date_range("2024-01-01", periods=4, freq="MS"))
    assert series["value"].isna().tolist() == [False, True, True, False]
    assert series["teams_reporting"].tolist() == [1, 0, 0, 1]


def test_a_measure_defined_as_not_combined_is_refused_above_a_team():
    definition = MEASURES["PRN"]
    obs = observations([("A", "PRN", "2024-01-01", np.nan, np.nan, 3.0)])
    with pytest.raises(aggregate.NotAggregated, match="choose a team"):
        aggregate.series(obs, replace(definition, aggregation="none"), ["A", "B"])


def test_filling_many_series_keeps_every_row_in_key_then_period_order():
    frame = pd.DataFrame({
        "unit": ["B", "A", "B", "A", "A"],
        "period": pd.to_datetime(["2024-03-01", "2024-01-01", "2024-01-01", "2024-03-01", "2024-03-01"]),
        "value": [1.0, 2.0, 3.0, 4.0, 5.0],
        "count": [1, 2, 3, 4, 5],
    })
    out = aggregate.fill_gaps_many(frame, "month", ["unit"])
    assert list(out.columns) == ["unit", "value", "count", "period"]
    assert out["unit"].tolist() == ["A", "A", "A", "A", "B", "B", "B"]
    assert out["period"].dt.month.tolist() == [1, 2, 3, 3, 1, 2, 3]
    # A gap is a row of NaN (whole numbers become floats for it); two rows of one period both stay.
    assert out["value"].fillna(-1).tolist() == [2.0, -1, 4.0, 5.0, 3.0, -1, 1.0]
    assert out["count"].dtype == float and out["count"].isna().tolist() == [False, True, False, False, False, True, False]
