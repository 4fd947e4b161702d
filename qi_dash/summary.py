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
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from qi_dash.definitions import MeasureDefinition
from qi_dash.hierarchy import Hierarchy
from qi_dash.phases import active_changes, engine_phases
from qi_dash.spc.batch import analyse_laid
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


def affected(hierarchy: Hierarchy, series: pd.DataFrame) -> pd.DataFrame:
    """The unit × measure series that change when the team series ``series`` (unit, measure)
    change: those series and the pooled series of every unit above them. A few lookups per
    team series, without a join (a small upload's refresh calls this inside its transaction)."""
    teams = list(dict.fromkeys(zip(series["unit"], series["measure"])))
    above = [(unit, measure) for team, measure in teams if team in hierarchy
             for unit in hierarchy.path_to(team)[:-1]]
    return pd.DataFrame(list(dict.fromkeys(teams + above)), columns=["unit", "measure"])


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
    Units and measures are worked on as integer codes and periods as period numbers: an
    organisation's millions of rows are placed and pooled by arithmetic, without sorting,
    grouping or comparing text.
    """
    by_code = {d.code: d for d in definitions}
    measure_of, codes = pd.factorize(observations["measure"])
    known = np.array([str(c) in by_code for c in codes], dtype=bool)
    if not known.all():  # rows of measures without a definition are left out
        kept = known[measure_of]
        observations = observations[kept]
        codes = codes[known]
        measure_of = (np.cumsum(known) - 1)[measure_of[kept]]
    team_of, teams = pd.factorize(observations["unit"])
    teams, measures = [str(t) for t in teams], [by_code[str(c)] for c in codes]
    # Every unit a series may belong to: the teams, then the units above them.
    paths = [hierarchy.path_to(t) if t in hierarchy else [t] for t in teams]
    above_names = sorted({a for path in paths for a in path[:-1]})
    units = teams + [a for a in above_names if a not in set(teams)]
    index = {u: i for i, u in enumerate(units)}
    n = len(measures)
    key = team_of.astype(np.int64) * n + measure_of
    wanted = np.zeros(len(units) * n, bool)  # by series key: the series to summarise
    if series is None:
        for unit in above_names:
            wanted[index[unit] * n : (index[unit] + 1) * n] = True
        team_rows = np.ones(len(key), bool)
    else:
        pairs = affected(hierarchy, series)
        code_index = {d.code: i for i, d in enumerate(measures)}
        known = pairs["unit"].isin(index) & pairs["measure"].isin(code_index)
        wanted[pairs.loc[known, "unit"].map(index).to_numpy(np.int64) * n
               + pairs.loc[known, "measure"].map(code_index).to_numpy(np.int64)] = True
        team_rows = wanted[key]
    numbers = [observations[c].to_numpy(dtype=float) for c in ("numerator", "denominator", "value")]
    ordinal = _ordinals(observations["period"].to_numpy(dtype="datetime64[ns]"), measure_of, measures)
    parts = [_one_row_each(key[team_rows], ordinal[team_rows], [v[team_rows] for v in numbers])]
    # The pooled series: each team's rows with data combined per directorate × measure ×
    # period as the measure's definition says (``aggregate.combine``), then the directorates'
    # totals per organisation, and so on up: the sums and counts of a unit are those of its
    # children's, so each level reads the level below, not every team's rows again.
    how = np.array([d.aggregation for d in measures], dtype=object)
    has_data = ~np.isnan(numbers[0]) | ~np.isnan(numbers[1]) | ~np.isnan(numbers[2])
    rows = has_data & (how != "none")[measure_of]
    parent = np.array([index[hierarchy.parent(u)] if u in hierarchy and hierarchy.parent(u) else -1 for u in units],
                      dtype=np.int64)
    # A unit's totals are needed while it or a unit above it is wanted.
    needed = wanted.reshape(len(units), n).copy()
    for _ in range(max((len(p) for p in paths), default=1)):
        needed[parent >= 0] |= needed[parent[parent >= 0]]
    needed = needed.reshape(-1)
    pooled_key = np.where(parent[team_of] >= 0, parent[team_of] * n + measure_of, -1)
    rows &= (pooled_key >= 0) & needed[np.clip(pooled_key, 0, None)]
    level = _Totals.of(pooled_key[rows], ordinal[rows], [v[rows] for v in numbers]) if rows.any() else None
    while level is not None:
        parts.append(level.laid(how, wanted))
        level = level.above(parent, needed, n)
    return _analyse(Laid.join(parts), measures, units, targets=targets, phase_changes=phase_changes)


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
    measures = [by_code[str(c)] for c in codes]
    key = unit_of.astype(np.int64) * len(measures) + measure_of
    ordinal = _ordinals(rows["period"].to_numpy(dtype="datetime64[ns]"), measure_of, measures)
    laid = _one_row_each(key, ordinal, [rows[c].to_numpy(dtype=float) for c in ("numerator", "denominator", "value")])
    return _analyse(laid, measures, [str(u) for u in units], targets=targets, phase_changes=phase_changes)


_WEEK_EPOCH = np.datetime64("2000-01-03", "ns")  # a Monday: ``periods.ordinals`` counts weeks from it
_WEEK = np.timedelta64(7, "D").astype("timedelta64[ns]").astype(np.int64)
_MONTH_EPOCH = 1970 * 12  # datetime64[M] counts months from January 1970


def _ordinals(dates: np.ndarray, measure_of: np.ndarray, measures: list[MeasureDefinition]) -> np.ndarray:
    """Each row's period number on its measure's time axis (``periods.ordinals``, in numpy:
    a pandas date accessor per row costs more than the rest of the summary)."""
    if np.isnat(dates).any():
        raise ValueError("periods must all be dates; found a missing period")
    out = (dates.view(np.int64) - _WEEK_EPOCH.view(np.int64)) // _WEEK
    monthly = np.array([d.frequency == "month" for d in measures], dtype=bool)
    if monthly.any():
        rows = monthly[measure_of]
        out[rows] = dates[rows].astype("datetime64[M]").view(np.int64) + _MONTH_EPOCH
    return out


def _from_ordinals(numbers: np.ndarray, monthly: np.ndarray) -> np.ndarray:
    """The period starts (datetime64[ns]) ``_ordinals`` numbered; ``monthly`` per number."""
    out = _WEEK_EPOCH + (numbers * _WEEK).astype("timedelta64[ns]")
    if monthly.any():
        out[monthly] = (numbers[monthly] - _MONTH_EPOCH).astype("datetime64[M]").astype("datetime64[ns]")
    return out


@dataclass
class Laid:
    """Series laid end to end with every period between each one's first and last (gaps
    NaN): series ``keys[i]`` starts at period number ``first[i]`` and has ``lengths[i]``
    periods, its numbers in ``columns`` right after those of series ``keys[i - 1]``."""

    keys: np.ndarray
    first: np.ndarray
    lengths: np.ndarray
    columns: list[np.ndarray]  # numerator, denominator, value

    @classmethod
    def join(cls, parts: list[Laid]) -> Laid:
        return cls(*(np.concatenate([getattr(p, f) for p in parts]) for f in ("keys", "first", "lengths")),
                   [np.concatenate([p.columns[i] for p in parts]) for i in range(3)])


def _slots(key: np.ndarray, ordinal: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Where each row goes when its series are laid end to end: the series (in key order),
    their first period numbers and lengths, and each row's slot.

    Rows usually come in runs of one series with periods increasing (a team's series as the
    store gives them, or a directorate's rows from each of its teams in turn): then each run's
    first and last rows bound it, and the work per row is one pass, not a lookup."""
    if not key.size:
        return key, key, key, key
    size = int(key.max()) + 1
    change = key[1:] != key[:-1]
    if not ((ordinal[1:] > ordinal[:-1]) | change).all():
        change = np.ones(key.size - 1, bool)  # runs of one row each
    starts = np.flatnonzero(np.concatenate([[True], change]))
    ends = np.concatenate([starts[1:], [key.size]]) - 1
    run_key = key[starts]
    first = np.full(size, np.iinfo(np.int64).max)
    last = np.full(size, np.iinfo(np.int64).min)
    np.minimum.at(first, run_key, ordinal[starts])
    np.maximum.at(last, run_key, ordinal[ends])
    keys = np.flatnonzero(last >= first)
    lengths = last[keys] - first[keys] + 1
    offset = np.zeros(size, np.int64)
    offset[keys] = np.cumsum(lengths) - lengths
    return keys, first[keys], lengths, np.repeat((offset - first)[run_key], ends - starts + 1) + ordinal


def _one_row_each(key: np.ndarray, ordinal: np.ndarray, columns: list[np.ndarray]) -> Laid:
    """Series of one row per period (``aggregate.fill_gaps_many`` on arrays)."""
    keys, first, lengths, slot = _slots(key, ordinal)
    total = int(lengths.sum())
    if slot.size == total and (slot.size == 0 or (slot[0] == 0 and (np.diff(slot) == 1).all())):
        return Laid(keys, first, lengths, list(columns))  # no gaps and no repeats: laid as given
    if np.bincount(slot, minlength=total).max(initial=0) > 1:
        raise ValueError("each period may appear only once per series: aggregate first")
    laid = []
    for values in columns:
        out = np.full(total, np.nan)
        out[slot] = values
        laid.append(out)
    return Laid(keys, first, lengths, laid)


def _steps(lengths: np.ndarray) -> np.ndarray:
    """Each slot's place in its series (0, 1, … per series) for series laid end to end."""
    starts = np.cumsum(lengths) - lengths
    return np.arange(int(lengths.sum())) - np.repeat(starts, lengths)


@dataclass
class _Totals:
    """A level's pooled series laid end to end (as ``Laid``), each slot with the sums and
    counts of its rows' numerators, denominators and values (NaN skipped) and its number of
    rows with data: all the level above needs to pool them again."""

    keys: np.ndarray
    first: np.ndarray
    lengths: np.ndarray
    sums: list[np.ndarray]
    counts: list[np.ndarray]
    rows: np.ndarray

    @classmethod
    def of(cls, key: np.ndarray, ordinal: np.ndarray, columns: list[np.ndarray],
           counts: list[np.ndarray] | None = None, rows: np.ndarray | None = None) -> _Totals:
        """Rows (each row one team's numbers, or a unit's totals with their ``counts`` and
        ``rows``) added up per series and period. Sums are accumulated in row order, as the
        database's are (exact for counts)."""
        keys, first, lengths, slot = _slots(key, ordinal)
        total = int(lengths.sum())
        sums, tallies = [], []
        for i, values in enumerate(columns):
            ok = ~np.isnan(values) if counts is None else counts[i] > 0
            sums.append(np.bincount(slot[ok], weights=values[ok], minlength=total))
            tallies.append(np.bincount(slot, weights=counts[i], minlength=total).astype(np.int64) if counts is not None
                           else np.bincount(slot[ok], minlength=total))
        with_data = np.bincount(slot, minlength=total) if rows is None else np.bincount(
            slot, weights=rows, minlength=total).astype(np.int64)
        return cls(keys, first, lengths, sums, tallies, with_data)

    def above(self, parent: np.ndarray, needed: np.ndarray, n: int) -> _Totals | None:
        """The totals of the units above these (``parent`` of each unit; series key
        ``unit * n + measure``), for the series ``needed``; None at the top."""
        key = np.repeat(self.keys, self.lengths)
        up = parent[key // n]
        pooled_key = np.where(up >= 0, up * n + key % n, -1)
        keep = (self.rows > 0) & (pooled_key >= 0) & needed[np.clip(pooled_key, 0, None)]
        if not keep.any():
            return None
        ordinal = np.repeat(self.first, self.lengths) + _steps(self.lengths)
        return _Totals.of(pooled_key[keep], ordinal[keep], [s[keep] for s in self.sums],
                          [c[keep] for c in self.counts], self.rows[keep])

    def laid(self, how: np.ndarray, wanted: np.ndarray) -> Laid:
        """The ``wanted`` series combined as each measure's definition says
        (``aggregate.combine``: pooled numerators and denominators, a sum or a mean of values,
        over the rows with a number)."""
        series = wanted[self.keys]
        slots = np.repeat(series, self.lengths)
        keys, lengths = self.keys[series], self.lengths[series]
        sums, counts = [s[slots] for s in self.sums], [c[slots] for c in self.counts]
        series_how = np.repeat(how[keys % len(how)], lengths)
        nan = np.full(int(lengths.sum()), np.nan)
        pooled = series_how == "pooled"
        numerator = np.where(pooled & (counts[0] > 0), sums[0], nan)
        denominator = np.where(pooled & (counts[1] > 0), sums[1], nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            value = np.where(series_how == "sum", np.where(self.rows[slots] > 0, sums[2], nan),
                             np.where(series_how == "mean", sums[2] / counts[2], nan))
        return Laid(keys, self.first[series], lengths, [numerator, denominator, value])


def _analyse(
    laid: Laid,
    measures: list[MeasureDefinition],
    units: list[str],
    *,
    targets: Targets | None = None,
    phase_changes: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every laid-out series analysed at once (series ``u * len(measures) + m`` is unit
    ``units[u]`` × measure ``measures[m]``) with ``analyse_laid``, each with the target in
    force at its latest period (``targets``) and its unit's phase changes in force."""
    if laid.keys.size == 0:
        return empty()
    n = len(measures)
    measure = np.repeat(laid.keys % n, laid.lengths)
    numerator, denominator, value = laid.columns
    ratio = np.array([d.has_denominator for d in measures])[measure]
    # Run and XmR charts of a proportion or rate chart the ratio itself.
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(ratio, numerator / denominator, value)
    monthly = np.array([d.frequency == "month" for d in measures])
    period = _from_ordinals(np.repeat(laid.first, laid.lengths) + _steps(laid.lengths), monthly[measure])
    settings = [d.spc_settings() for d in measures]
    keys = laid.keys.tolist()
    chosen = {key: settings[key % n] for key in keys}
    if targets is not None:
        last = _from_ordinals(laid.first + laid.lengths - 1, monthly[laid.keys % n])
        _targets_in_force(dict(zip(keys, last)), chosen, targets, measures, units)
    phased = _phases(phase_changes, set(chosen), measures, units)
    batch = analyse_laid(keys, np.concatenate([[0], np.cumsum(laid.lengths)]), period, list(chosen.values()),
                         values=value, numerators=numerator, denominators=denominator,
                         phase_starts={key: p.phase_starts for key, p in phased.items()},
                         frozen_from={key: p.frozen_from for key, p in phased.items()})
    latest = batch.latest
    ids = latest["series"].to_numpy(dtype=np.int64)
    # Unit then measure order, by each name's place among the sorted names.
    unit_rank = np.argsort(np.argsort(np.array(units, dtype=object)))
    measure_rank = np.argsort(np.argsort(np.array([d.code for d in measures], dtype=object)))
    order = np.lexsort((measure_rank[ids % n], unit_rank[ids // n]))
    ids = ids[order]
    return pd.DataFrame({
        "unit": np.array(units, dtype=object)[ids // n],
        "measure": np.array([d.code for d in measures], dtype=object)[ids % n],
        **{column: latest[name].to_numpy()[order] for column, name in _FROM_LATEST.items()},
    })


_FROM_LATEST = {  # summary column: batch.latest column
    "points": "points", "latest_period": "period", "latest_value": "value", "centre": "centre", "lower": "lower",
    "upper": "upper", "variation_icon": "variation_icon", "assurance_icon": "assurance_icon", "target": "target",
}


def _targets_in_force(last: dict, chosen: dict, targets: Targets, measures: list[MeasureDefinition],
                      units: list[str]) -> None:
    """Give each series whose target changes over time the one in force at its last period
    (``last``: series key → date): the chart's assurance reads the target at its last period
    (``analysis.analyse_series``)."""
    n = len(measures)
    for key, settings in list(chosen.items()):
        trajectory = targets(units[key // n], measures[key % n].code)
        if trajectory.changes:
            chosen[key] = replace(settings, target=float(trajectory.at(pd.Timestamp(last[key]))[0]))


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
