"""A measure's series for a unit, analysed as its definition says.

The glue between the store's observations, the hierarchy, the measure definitions and the SPC
engine: pages ask for "this measure for this unit" and get the series, the engine's result
and the words that go with it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from qi_dash import aggregate
from qi_dash.definitions import MeasureDefinition
from qi_dash.spc import analyse


@dataclass
class MeasureView:
    definition: MeasureDefinition
    series: pd.DataFrame  # one row per period, gaps included (aggregate.SERIES_COLUMNS)
    result: object | None  # the SPC engine's result; None when there is no data
    message: str = ""

    @property
    def has_data(self) -> bool:
        return self.result is not None

    @property
    def points(self) -> pd.DataFrame:
        """The engine's points with each period's numerator and denominator, for hover text."""
        points = self.result.points
        if self.definition.has_denominator:
            counts = self.series.assign(period=pd.to_datetime(self.series["period"]))
            points = points.merge(counts[["period", "numerator", "denominator"]], on="period", how="left")
        return points

    @property
    def latest(self) -> pd.Series | None:
        """The last period with data, as charted (period, value, …)."""
        if self.result is None:
            return None
        points = self.result.points
        present = points[points["value"].notna()]
        return None if present.empty else present.iloc[-1]


def analyse_series(series: pd.DataFrame, definition: MeasureDefinition) -> object:
    """Run the engine on a gap-filled series with the definition's chart and settings."""
    common = {
        "chart": definition.chart,
        "direction": definition.direction,
        "target": definition.target,
        "run_rules": definition.run_rules,
        "baseline_points": definition.baseline_points,
        "screen_moving_ranges": definition.screen_moving_ranges,
        "multiplier": definition.multiplier,
    }
    periods = pd.to_datetime(series["period"]).to_numpy()
    if definition.has_denominator:
        return analyse(
            periods,
            numerators=series["numerator"].to_numpy(dtype=float),
            denominators=series["denominator"].to_numpy(dtype=float),
            **common,
        )
    return analyse(periods, values=series["value"].to_numpy(dtype=float), **common)


def measure_view(observations: pd.DataFrame, definition: MeasureDefinition, team_codes: list[str]) -> MeasureView:
    """The measure for the teams given (one team, or all teams under a unit)."""
    try:
        series = aggregate.series(observations, definition, team_codes)
    except aggregate.NotAggregated as err:
        return MeasureView(definition, pd.DataFrame(columns=aggregate.SERIES_COLUMNS), None, str(err))
    values = series[["numerator", "denominator", "value"]].to_numpy(dtype=float)
    if series.empty or np.isnan(values).all():
        return MeasureView(definition, series, None, "No data yet.")
    return MeasureView(definition, series, analyse_series(series, definition))
