"""A measure's series for a unit analysed as its definition says (qi_dash/analysis.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from qi_dash.analysis import measure_view
from qi_dash.bootstrap import STANDARD_MEASURES
from qi_dash.definitions import read_definitions

MEASURES = {d.code: d for d in read_definitions(STANDARD_MEASURES)}


def observations(measure: str, periods, numerators, denominators, values) -> pd.DataFrame:
    return pd.DataFrame({
        "unit": "A", "measure": measure, "period": pd.to_datetime(periods),
        "numerator": numerators, "denominator": denominators, "value": values, "comment": pd.NA,
    })


def test_a_ratio_measures_points_carry_its_numerators_and_denominators():
    periods = pd.date_range("2024-01-01", periods=4, freq="MS").delete(2)  # March missing
    obs = observations("SAFETY_PLAN", periods, [8.0, 9.0, 7.0], [10.0, 10.0, 8.0], np.nan)
    view = measure_view(obs, MEASURES["SAFETY_PLAN"], ["A"])
    points = view.result.points
    assert points["period"].dtype == "datetime64[ns]"
    assert points["period"].tolist() == list(pd.date_range("2024-01-01", periods=4, freq="MS"))
    assert points["numerator"].tolist()[:2] == [8.0, 9.0] and np.isnan(points["numerator"].iloc[2])
    assert points["denominator"].tolist()[3] == 8.0
    assert points["value"].tolist()[:2] == pytest.approx([80.0, 90.0])


def test_the_engine_runs_with_the_definitions_settings():
    definition = MEASURES["SAFETY_PLAN"]
    obs = observations("SAFETY_PLAN", pd.date_range("2024-01-01", periods=3, freq="MS"), [8.0, 9.0, 7.0], 10.0,
                       np.nan)
    result = measure_view(obs, definition, ["A"]).result
    assert (result.chart, result.direction, result.target) == (definition.chart, definition.direction,
                                                               definition.target)


def test_a_count_measures_points_have_no_counts_and_the_latest_is_the_last_value():
    obs = observations("PRN", pd.date_range("2024-01-01", periods=3, freq="MS"), np.nan, np.nan, [3.0, 5.0, np.nan])
    view = measure_view(obs, MEASURES["PRN"], ["A"])
    assert "numerator" not in view.result.points
    assert view.latest["value"] == 5.0


def test_no_data_gives_a_view_without_a_result():
    view = measure_view(observations("PRN", [], [], [], []), MEASURES["PRN"], ["A"])
    assert not view.has_data and view.message == "No data yet." and view.latest is None
