"""The per-series summary the overview views read: one row per unit × measure with its latest
point, centre line, limits and Making Data Count icons.

Every team's own series and the pooled series of every directorate and organisation above it
(combined as the measure's definition says, ``aggregate.combine``) go through
``spc.analyse_many`` together, each as its chart analyses it (``analysis.measure_view``): with
the unit's phase changes in force and the target in force at the series' latest point. The store keeps the result in a table the upload's transaction
refreshes for the series it touched (``store.summary.refresh``), so no view recomputes every
series; "as it was on" views compute it from the observations of that day.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pandas as pd

from qi_dash import aggregate
from qi_dash.definitions import MeasureDefinition
from qi_dash.hierarchy import Hierarchy
from qi_dash.phases import active_changes, engine_phases
from qi_dash.spc import analyse_many
from qi_dash.targets import Trajectory

Targets = Callable[[str, str], Trajectory]  # targets(unit, measure): ``targets.targets_by_unit``

SUMMARY_COLUMNS = [
    "unit", "measure", "points", "latest_period", "latest_value", "centre", "lower", "upper",
    "variation_icon", "assurance_icon", "target",
]


def empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=_dtype(c)) for c in SUMMARY_COLUMNS})


def _dtype(column: str) -> str:
    if column == "points":
        return "int64"
    if column == "latest_period":
        return "datetime64[ns]"
    return "str" if column in ("unit", "measure", "variation_icon", "assurance_icon") else "float64"


def ancestors(hierarchy: Hierarchy, teams: list[str]) -> pd.DataFrame:
    """One row per team and unit above it (columns team, unit): whose series a team feeds."""
    pairs = [(team, above) for team in teams if team in hierarchy for above in hierarchy.path_to(team)[:-1]]
    return pd.DataFrame(pairs, columns=["team", "unit"])


def affected(hierarchy: Hierarchy, series: pd.DataFrame) -> pd.DataFrame:
    """The unit × measure series that change when the team series ``series`` (unit, measure)
    change: those series and the pooled series of every unit above them."""
    teams = series[["unit", "measure"]].drop_duplicates()
    up = ancestors(hierarchy, teams["unit"].unique().tolist())
    above = teams.merge(up, left_on="unit", right_on="team", suffixes=("_team", ""))[["unit", "measure"]]
    return pd.concat([teams, above], ignore_index=True).drop_duplicates(ignore_index=True)


def summarise(
    observations: pd.DataFrame,
    definitions: list[MeasureDefinition],
    hierarchy: Hierarchy,
    series: pd.DataFrame | None = None,
    *,
    targets: Targets | None = None,
    phase_changes: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The summary (SUMMARY_COLUMNS) of the team series in ``series`` (unit, measure; None:
    every team series in ``observations``) and of the pooled series above them.

    ``targets(unit, measure)`` is the trajectory each unit follows (None: each definition's
    target) and ``phase_changes`` the store's frame of phase changes (each series uses its
    own unit's changes in force, a pooled series never its teams'), as the charts do.

    ``observations`` must hold every team under those units for those measures (a pooled
    series reads all its teams). A measure whose definition says it is not combined across
    teams has no pooled rows; a series with no data at all has ``points`` 0 and no icons.
    Units and measures are worked on as integer codes: an organisation's millions of rows
    are grouped without comparing text.
    """
    by_code = {d.code: d for d in definitions}
    observations = observations[observations["measure"].isin(list(by_code))]
    team_of, teams = pd.factorize(observations["unit"])
    measure_of, codes = pd.factorize(observations["measure"])
    teams, codes = [str(t) for t in teams], [str(c) for c in codes]
    # Every unit a series may belong to: the teams, then the units above them.
    above_names = sorted({a for t in teams if t in hierarchy for a in hierarchy.path_to(t)[:-1]})
    units = teams + [a for a in above_names if a not in set(teams)]
    index = {u: i for i, u in enumerate(units)}
    n_codes = len(codes)
    key = team_of.astype(np.int64) * n_codes + measure_of
    if series is None:
        wanted_teams = np.ones(len(key), dtype=bool)
        wanted = {index[u] * n_codes + m for u in above_names for m in range(n_codes)}
    else:
        pairs = affected(hierarchy, series)
        code_index = {c: i for i, c in enumerate(codes)}
        wanted = {index[u] * n_codes + code_index[m] for u, m in zip(pairs["unit"], pairs["measure"])
                  if u in index and m in code_index}
        wanted_teams = np.isin(key, np.fromiter(wanted, np.int64, len(wanted)))
    numbers = {c: observations[c].to_numpy(dtype=float) for c in ("numerator", "denominator", "value")}
    period = observations["period"].to_numpy()
    parts = [pd.DataFrame({"series": key[wanted_teams], "period": period[wanted_teams],
                           **{c: v[wanted_teams] for c, v in numbers.items()}})]
    # The pooled series: each team's rows once per unit above it, combined per unit × measure.
    depth = max((len(hierarchy.path_to(t)) - 1 for t in teams if t in hierarchy), default=0)
    aggregation = np.array([by_code[c].aggregation for c in codes], dtype=object)
    for level in range(1, depth + 1):
        above = np.array([index[hierarchy.path_to(t)[-1 - level]] if t in hierarchy and
                          len(hierarchy.path_to(t)) > level else -1 for t in teams], dtype=np.int64)
        pooled_key = above[team_of] * n_codes + measure_of
        take = (above[team_of] >= 0) & np.isin(pooled_key, np.fromiter(wanted, np.int64, len(wanted)))
        for how in set(aggregation) - {"none"}:
            rows = take & (aggregation[measure_of] == how)
            if rows.any():
                frame = pd.DataFrame({"series": pooled_key[rows], "period": period[rows],
                                      **{c: v[rows] for c, v in numbers.items()}})
                parts.append(aggregate.combine(frame, how, by=["series"])[list(_SERIES_FRAME)])
    frame = pd.concat(parts, ignore_index=True)
    return analyse(frame, [by_code[c] for c in codes], units, targets=targets, phase_changes=phase_changes)


_SERIES_FRAME = ("series", "period", "numerator", "denominator", "value")


def summarise_rows(
    rows: pd.DataFrame,
    definitions: list[MeasureDefinition],
    *,
    targets: Targets | None = None,
    phase_changes: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The summary of series given as rows (unit, measure, period, numerator, denominator,
    value), each unit × measure one series as it stands: a team's own rows, or a unit's rows
    already combined from its teams (the store pools them in the database, ``store.summary``).
    ``targets`` and ``phase_changes`` as in ``summarise``."""
    by_code = {d.code: d for d in definitions}
    rows = rows[rows["measure"].isin(list(by_code))]
    unit_of, units = pd.factorize(rows["unit"])
    measure_of, codes = pd.factorize(rows["measure"])
    frame = pd.DataFrame({
        "series": unit_of.astype(np.int64) * len(codes) + measure_of,
        "period": rows["period"].to_numpy(),
        **{c: rows[c].to_numpy(dtype=float) for c in ("numerator", "denominator", "value")},
    })
    return analyse(frame, [by_code[str(c)] for c in codes], [str(u) for u in units],
                   targets=targets, phase_changes=phase_changes)


def analyse(
    frame: pd.DataFrame,
    measures: list[MeasureDefinition],
    units: list[str],
    *,
    targets: Targets | None = None,
    phase_changes: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every series of a long frame analysed at once (``_SERIES_FRAME`` columns; series
    ``u * len(measures) + m`` is unit ``units[u]`` × measure ``measures[m]``): gaps made
    explicit per the measure's frequency, then ``analyse_many`` with each series' target in
    force at its latest period (``targets``) and its unit's phase changes in force."""
    if frame.empty:
        return empty()
    n = len(measures)
    measure = frame["series"].to_numpy() % n
    kinds = sorted({d.frequency for d in measures})
    frequency = np.array([kinds.index(d.frequency) for d in measures])[measure]
    frame = pd.concat(
        [aggregate.fill_gaps_many(frame.loc[frequency == i], f, ["series"]) for i, f in enumerate(kinds)],
        ignore_index=True,
    )
    measure = frame["series"].to_numpy() % n
    ratio = np.array([d.has_denominator for d in measures])[measure]
    # Run and XmR charts of a proportion or rate chart the ratio itself.
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["value"] = np.where(ratio, frame["numerator"] / frame["denominator"], frame["value"])
    settings = [d.spc_settings() for d in measures]
    chosen = {s: settings[s % n] for s in pd.unique(frame["series"])}
    if targets is not None:
        _targets_in_force(frame, chosen, targets, measures, units)
    phased = _phases(phase_changes, set(chosen), measures, units)
    batch = analyse_many(frame, chosen, phase_starts={key: p.phase_starts for key, p in phased.items()},
                         frozen_from={key: p.frozen_from for key, p in phased.items()})
    latest = batch.latest
    ids = latest["series"].to_numpy(dtype=np.int64)
    latest["unit"] = np.array(units, dtype=object)[ids // n]
    latest["measure"] = np.array([d.code for d in measures], dtype=object)[ids % n]
    latest = latest.rename(columns={"period": "latest_period", "value": "latest_value"})
    return latest[SUMMARY_COLUMNS].sort_values(["unit", "measure"], ignore_index=True)


def _targets_in_force(frame: pd.DataFrame, chosen: dict, targets: Targets, measures: list[MeasureDefinition],
                      units: list[str]) -> None:
    """Give each series whose target changes over time the one in force at its last period:
    the chart's assurance reads the target at its last period (``analysis.analyse_series``)."""
    n = len(measures)
    moving = {}
    for key in chosen:
        trajectory = targets(units[key // n], measures[key % n].code)
        if trajectory.changes:
            moving[key] = trajectory
    if not moving:
        return
    mine = frame[frame["series"].isin(list(moving))]
    for key, last in mine.groupby("series")["period"].max().items():
        chosen[key] = replace(chosen[key], target=float(moving[key].at(last)[0]))


def _phases(phase_changes: pd.DataFrame | None, keys: set, measures: list[MeasureDefinition], units: list[str]) -> dict:
    """The engine's phase input of each series with phase changes in force on its own unit."""
    if phase_changes is None or phase_changes.empty:
        return {}
    n = len(measures)
    unit_at = {u: i for i, u in enumerate(units)}
    measure_at = {d.code: i for i, d in enumerate(measures)}
    out = {}
    for unit, measure in phase_changes.loc[phase_changes["active"], ["unit", "measure"]].drop_duplicates().itertuples(index=False):
        if unit not in unit_at or measure not in measure_at:
            continue
        key = unit_at[unit] * n + measure_at[measure]
        if key in keys:
            out[key] = engine_phases(active_changes(phase_changes, unit, measure))
    return out
