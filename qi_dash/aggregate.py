"""One measure's series for any unit: a team's own data, or pooled up the hierarchy.

A directorate's or organisation's series is built as the measure's definition says: pooled
numerators and denominators (a pooled rate — never an average of team rates), a sum, a
mean, or not at all. Periods with no data are returned as explicit gaps on the measure's
time axis, so charts and the SPC engine see them.
"""

from __future__ import annotations

import numpy as np
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
    series gets every period of the frequency between its own first and last period.

    Rows come back in key order, then period order; columns are the keys, the other columns
    and ``period`` (each period its start). Two rows of one series in the same period both
    stay. Each row is placed by arithmetic on period numbers, so a whole organisation is one
    sort and one take per column rather than a join."""
    if frame.empty:
        return frame
    ordinal = periods.ordinals(frame["period"], frequency)
    group = frame.groupby(keys, sort=True).ngroup().to_numpy(dtype=np.int64)
    rows = np.flatnonzero(group >= 0)  # as the groupby did, rows with a missing key are left out
    group, ordinal = group[rows], ordinal[rows]
    n_groups = int(group.max()) + 1
    first = np.full(n_groups, np.iinfo(np.int64).max)
    last = np.full(n_groups, np.iinfo(np.int64).min)
    np.minimum.at(first, group, ordinal)
    np.maximum.at(last, group, ordinal)
    lengths = last - first + 1
    offsets = np.cumsum(lengths) - lengths
    slot = offsets[group] + ordinal - first[group]
    counts = np.bincount(slot, minlength=int(lengths.sum()))
    if counts.max() <= 1:
        out_slot = np.arange(counts.size)
        taken = np.full(counts.size, -1)
        taken[slot] = rows
    else:  # a second row in a slot stays, after the first (a stable sort keeps frame order)
        empty_slots = np.flatnonzero(counts == 0)
        all_slots = np.concatenate([slot, empty_slots])
        order = np.argsort(all_slots, kind="stable")
        taken = np.concatenate([rows, np.full(empty_slots.size, -1)])[order]
        out_slot = all_slots[order]
    owner = np.repeat(np.arange(n_groups), lengths)[out_slot]
    first_row = np.empty(n_groups, np.int64)
    first_row[group] = rows  # any row of a series: its keys are the same on every row
    others = [c for c in frame.columns if c not in keys and c != "period"]
    table = frame.reset_index(drop=True)
    out = pd.concat(
        [table[keys].take(first_row[owner]).reset_index(drop=True), table[others].reindex(taken).reset_index(drop=True)],
        axis=1,
    )
    out["period"] = periods.from_ordinals(first[owner] + out_slot - offsets[owner], frequency)
    return out


def charted_values(frame: pd.DataFrame, definition: MeasureDefinition) -> pd.Series:
    """The value a chart shows per period, after the multiplier (NaN for gaps)."""
    if definition.has_denominator:
        return frame["numerator"] / frame["denominator"] * definition.multiplier
    return frame["value"] * definition.multiplier
