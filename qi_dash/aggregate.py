"""One measure's series for any unit: a team's own data, or pooled up the hierarchy.

A directorate's or organisation's series is built as the measure's definition says: pooled
numerators and denominators (a pooled rate — never an average of team rates), a sum, a
mean, or not at all. Periods with no data are returned as explicit gaps on the measure's
time axis, so charts and the SPC engine see them.
"""

from __future__ import annotations

import pandas as pd

from qi_dash import periods
from qi_dash.definitions import MeasureDefinition

SERIES_COLUMNS = ["period", "numerator", "denominator", "value", "comment", "teams_reporting"]


class NotAggregated(ValueError):
    """The measure's definition says it is not combined across teams."""


def series(observations: pd.DataFrame, definition: MeasureDefinition, team_codes: list[str]) -> pd.DataFrame:
    """The measure's series over ``team_codes`` with every period of its frequency present.

    One team: its own values and comments. Several teams: combined per period by the
    definition's aggregation; ``teams_reporting`` counts the teams with data that period.
    """
    rows = observations[(observations["measure"] == definition.code) & observations["unit"].isin(team_codes)]
    if len(team_codes) == 1:
        out = rows[["period", "numerator", "denominator", "value", "comment"]].copy()
        out["teams_reporting"] = rows[["numerator", "denominator", "value"]].notna().any(axis=1).astype(int)
    else:
        if definition.aggregation == "none":
            raise NotAggregated(
                f"{definition.name} is not combined across teams (its definition says so); choose a team."
            )
        out = combine(rows, definition.aggregation)
    return fill_gaps(out, definition.frequency)


def combine(rows: pd.DataFrame, aggregation: str, by: list[str] | None = None) -> pd.DataFrame:
    """Teams' rows of one measure combined per period (and per ``by`` column, e.g. the unit
    above each team and the measure, to combine many series at once) by an aggregation
    (``vocabulary.AGGREGATIONS``, not "none")."""
    keys = [*(by or []), "period"]
    has_data = rows[["numerator", "denominator", "value"]].notna().any(axis=1)
    grouped = rows[has_data].groupby(keys)
    if aggregation == "pooled":
        out = grouped[["numerator", "denominator"]].sum(min_count=1)
        out["value"] = float("nan")
    else:
        out = grouped[["value"]].agg(aggregation)
        out["numerator"] = out["denominator"] = float("nan")
    out["teams_reporting"] = grouped.size()
    out["comment"] = pd.NA
    return out.reset_index()


def fill_gaps(frame: pd.DataFrame, frequency: str) -> pd.DataFrame:
    """Insert an empty row for each period of the frequency that has no row."""
    if frame.empty:
        return pd.DataFrame(columns=SERIES_COLUMNS)
    out = fill_gaps_many(frame.assign(_series=0), frequency, ["_series"])
    out["teams_reporting"] = out["teams_reporting"].fillna(0).astype(int)
    return out[SERIES_COLUMNS]


def fill_gaps_many(frame: pd.DataFrame, frequency: str, keys: list[str]) -> pd.DataFrame:
    """``fill_gaps`` for many series at once (one per value of ``keys``), vectorised: each
    series gets every period of the frequency between its own first and last period."""
    if frame.empty:
        return frame
    frame = frame.assign(_ordinal=periods.ordinals(frame["period"], frequency))
    bounds = frame.groupby(keys, sort=True)["_ordinal"].agg(["min", "max"]).reset_index()
    owner, numbers = periods.ordinal_ranges(bounds["min"].to_numpy(), bounds["max"].to_numpy())
    full = bounds.loc[owner, keys].reset_index(drop=True).assign(_ordinal=numbers)
    out = full.merge(frame.drop(columns=["period"]), on=[*keys, "_ordinal"], how="left")
    out["period"] = periods.from_ordinals(out["_ordinal"].to_numpy(), frequency)
    return out.drop(columns=["_ordinal"])


def charted_values(frame: pd.DataFrame, definition: MeasureDefinition) -> pd.Series:
    """The value a chart shows per period, after the multiplier (NaN for gaps)."""
    if definition.has_denominator:
        return frame["numerator"] / frame["denominator"] * definition.multiplier
    return frame["value"] * definition.multiplier
