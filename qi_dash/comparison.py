"""Comparing one measure across the teams of a unit: each team's totals over a period range for
a funnel plot, and every team's own SPC result for small multiples and teams to learn from.

Pure: observations in, frames and engine results out (``spc.funnel`` does the funnel's
statistics, ``spc.analyse_many`` every team's series at once).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from qi_dash import aggregate, periods
from qi_dash.charts import y_range  # the one home of a chart's y range
from qi_dash.definitions import MeasureDefinition
from qi_dash.spc import SPCBatch, analyse_many, funnel
from qi_dash.text import natural_key

DEFAULT_MONTHS = 12  # a funnel plot compares the last year by default
# The funnel's distribution for each kind of ratio measure: binomial proportions, Poisson rates.
FUNNEL_CHART = {"proportion": "p", "rate": "u"}
# Small multiples "by signal": what a director should look at first, then the rest.
SIGNAL_ORDER = ("concern", "improvement", "neutral", "common_cause", "none")


def funnel_measures(definitions: list[MeasureDefinition]) -> list[MeasureDefinition]:
    """The measures a funnel plot can compare: proportions and rates."""
    return [d for d in definitions if d.kind in FUNNEL_CHART]


def measure_periods(observations: pd.DataFrame, definition: MeasureDefinition) -> list[pd.Timestamp]:
    """Every period of the measure's frequency from the first to the last with data."""
    rows = observations[(observations["measure"] == definition.code) & _has_data(observations)]
    if rows.empty:
        return []
    ordinal = periods.ordinals(rows["period"], definition.frequency)
    numbers = pd.RangeIndex(int(ordinal.min()), int(ordinal.max()) + 1).to_numpy()
    return list(periods.from_ordinals(numbers, definition.frequency))


def default_range(choices: list[pd.Timestamp], frequency: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The last 12 months of the choices (52 weeks for a weekly measure)."""
    last = choices[-1]
    start = last - (pd.DateOffset(months=DEFAULT_MONTHS - 1) if frequency == "month" else pd.Timedelta(weeks=51))
    return next(p for p in choices if p >= start), last


def team_totals(
    observations: pd.DataFrame, definition: MeasureDefinition, team_codes: list[str],
    first: pd.Timestamp, last: pd.Timestamp,
) -> pd.DataFrame:
    """One row per team in ``team_codes`` order: unit, numerator and denominator summed over the
    periods from ``first`` to ``last``, and how many periods had data. A team with no data in
    the range keeps its row, with zeros and ``periods`` 0 (the funnel gives it no limits)."""
    rows = observations[
        (observations["measure"] == definition.code)
        & observations["unit"].isin(team_codes)
        & observations["period"].between(first, last)
        & _has_data(observations)
    ]
    sums = rows.groupby("unit")[["numerator", "denominator"]].sum()
    counts = rows.groupby("unit").size()
    out = pd.DataFrame({"unit": list(team_codes)})
    out["numerator"] = out["unit"].map(sums["numerator"]).fillna(0.0).to_numpy(dtype=float)
    out["denominator"] = out["unit"].map(sums["denominator"]).fillna(0.0).to_numpy(dtype=float)
    out["periods"] = out["unit"].map(counts).fillna(0).astype(int).to_numpy()
    return out


def funnel_frame(
    observations: pd.DataFrame, definition: MeasureDefinition, team_codes: list[str], names: Mapping[str, str],
    first: pd.Timestamp, last: pd.Timestamp, *, overdispersion: bool = False,
) -> pd.DataFrame:
    """Each team's totals with its funnel statistics (``spc.funnel``) and name; ``attrs`` as
    the funnel's (phi, tau2, method)."""
    totals = team_totals(observations, definition, team_codes, first, last)
    stats = funnel(totals["numerator"], totals["denominator"], FUNNEL_CHART[definition.kind],
                   multiplier=definition.multiplier, overdispersion=overdispersion)
    out = pd.concat([totals.drop(columns="denominator"), stats], axis=1)
    out.insert(1, "name", [names.get(u, u) for u in out["unit"]])
    out.attrs = dict(stats.attrs)
    return out


def team_results(observations: pd.DataFrame, definition: MeasureDefinition, team_codes: list[str]) -> SPCBatch:
    """Every team's own series of the measure, gaps made explicit, analysed at once; keyed by
    unit code. Teams with no data for the measure are not in it."""
    rows = observations[(observations["measure"] == definition.code) & observations["unit"].isin(team_codes)]
    rows = rows[_has_data(rows)]
    # A ratio measure is charted from its numerators and denominators (its run and XmR charts
    # chart the ratio); any other from its values.
    columns = ["numerator", "denominator"] if definition.has_denominator else ["value"]
    frame = aggregate.fill_gaps_many(rows[["unit", "period", *columns]], definition.frequency, ["unit"])
    return analyse_many(frame, definition.spc_settings(), series="unit")


def shared_range(results: SPCBatch, definition: MeasureDefinition) -> tuple[float, float]:
    """One y-axis range for every team's chart: the range a single chart would take over all
    the teams' values, centre lines, limits and the target."""
    return y_range(results.all_points(), [] if definition.target is None else [definition.target], False)


def signal_group(variation_icon: str) -> str:
    """An icon's place in ``SIGNAL_ORDER``: "improvement_low" → "improvement"."""
    return next(g for g in SIGNAL_ORDER if variation_icon.startswith(g))


def ordered_teams(batch: SPCBatch, names: Mapping[str, str], *, by_signal: bool) -> list[str]:
    """Team codes with data, by name (natural order) or by signal first, then name."""
    icons = batch.icons
    key = {s: (SIGNAL_ORDER.index(signal_group(v)) if by_signal else 0, natural_key(names.get(s, s)))
           for s, v in zip(icons["series"], icons["variation_icon"])}
    return sorted(key, key=key.__getitem__)


def _has_data(frame: pd.DataFrame) -> pd.Series:
    return frame[["numerator", "denominator", "value"]].notna().any(axis=1)
