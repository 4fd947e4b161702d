"""``analyse_many``: every series of an organisation at once, vectorised.

Series that share a chart type, rule set and screening go through the pipeline together as
one 2-D array (one row per phase, padded with gaps), through the same code as ``analyse``,
so each series' result is identical to ``analyse`` on that series alone. Reasons, summaries
and per-series frames are rendered only when a series is looked at.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping

import numpy as np
import pandas as pd

from qi_dash.vocabulary import POINT_TYPES, RATIO_CHARTS, VALUE_CHARTS

from .engine import run_pack
from .inputs import SpcSettings, charted_values, frozen_points, phase_numbers, to_floats
from .result import PackResult, SPCResult


def _per_series(settings: SpcSettings | Mapping[Hashable, SpcSettings], keys: list) -> list[SpcSettings]:
    """The settings of every series: one value for all, or a mapping from series key."""
    if isinstance(settings, Mapping):
        missing = [k for k in keys if k not in settings]
        if missing:
            raise ValueError(f"no settings given for series {missing[:3]}")
        chosen = [settings[k] for k in keys]
    else:
        chosen = [settings] * len(keys)
    if any(isinstance(s.target, tuple) for s in chosen):
        raise ValueError("analyse_many takes one target per series; per-point targets are for analyse")
    return chosen


def _pick(column: np.ndarray | None, take) -> np.ndarray | None:
    return None if column is None else column[take]


class SPCBatch:
    """Results of many series. ``batch[key]`` is the SPCResult of one series (equal to
    ``analyse`` on it); ``icons`` has one row per series with its variation and assurance
    icons and latest target, computed without building any per-series frame."""

    def __init__(self, keys: list, packs: list[PackResult], where: dict):
        self.keys = keys
        self._packs = packs
        self._where = where  # key → (pack index, series index in the pack)

    def __len__(self) -> int:
        return len(self.keys)

    def __iter__(self) -> Iterator[Hashable]:
        return iter(self.keys)

    def __getitem__(self, key: Hashable) -> SPCResult:
        pack, i = self._where[key]
        return self._packs[pack].result(i)

    def items(self) -> Iterator[tuple[Hashable, SPCResult]]:
        return ((key, self[key]) for key in self.keys)

    @property
    def icons(self) -> pd.DataFrame:
        rows = []
        for key in self.keys:
            pack, i = self._where[key]
            p = self._packs[pack]
            rows.append((key, p.variation_icon[i], p.assurance_icon[i], p.target[i]))
        return pd.DataFrame(rows, columns=["series", "variation_icon", "assurance_icon", "target"])

    def _members(self) -> dict[int, list]:
        """Each pack's series keys, in the pack's order."""
        pairs: dict[int, list] = {}
        for key in self.keys:
            pack, i = self._where[key]
            pairs.setdefault(pack, []).append((i, key))
        return {pack: [key for _, key in sorted(found, key=lambda pair: pair[0])] for pack, found in pairs.items()}

    def all_points(self) -> pd.DataFrame:
        """Every series' points in one frame, without the words (a view of hundreds of series
        reads this rather than building each series' result): series, period, value, centre,
        lower, upper, phase, point_type."""
        parts = []
        for pack, keys in self._members().items():
            p, c = self._packs[pack], self._packs[pack].computed
            parts.append(pd.DataFrame({
                "series": np.repeat(np.array(keys, dtype=object), np.diff(p.starts)),
                "period": p.periods, "value": c.value, "centre": c.centre, "lower": c.lower, "upper": c.upper,
                "phase": p.phase.astype(np.int64), "point_type": np.array(POINT_TYPES, dtype=object)[c.point_type],
            }))
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
            columns=["series", "period", "value", "centre", "lower", "upper", "phase", "point_type"])

    @property
    def latest(self) -> pd.DataFrame:
        """One row per series at its latest non-missing point: ``points`` (how many periods
        have a charted value), ``period``, ``value``, ``centre``, ``lower``, ``upper`` (NaT /
        NaN without data), the icons and the latest target, vectorised per pack and made
        into one frame at the end (a frame per pack costs more than a small refresh's maths)."""
        names = ("points", "period", "value", "centre", "lower", "upper", "variation_icon", "assurance_icon", "target")
        keys, parts = [], {name: [] for name in names}
        for index, members in self._members().items():
            p = self._packs[index]
            at = np.clip(p.reference, 0, None)
            no_ref = p.reference < 0
            c = p.computed
            keys += members
            parts["points"].append(p.charted)
            parts["period"].append(np.where(no_ref, np.datetime64("NaT", "ns"), p.periods[at]))
            for name in ("value", "centre", "lower", "upper"):
                parts[name].append(np.where(no_ref, np.nan, c.at(name, at)))
            parts["variation_icon"].append(p.variation_icon)
            parts["assurance_icon"].append(p.assurance_icon)
            parts["target"].append(p.target)
        if not keys:
            return pd.DataFrame(columns=["series", *names])
        return pd.DataFrame({"series": keys, **{name: np.concatenate(arrays) for name, arrays in parts.items()}})


def analyse_many(
    frame: pd.DataFrame,
    settings: SpcSettings | Mapping[Hashable, SpcSettings] = SpcSettings(),
    *,
    phase_starts: Mapping | None = None,
    frozen_from: Mapping | None = None,
    series: str = "series",
    period: str = "period",
    value: str = "value",
    numerator: str = "numerator",
    denominator: str = "denominator",
) -> SPCBatch:
    """Analyse every series of a long frame (one row per series and period).

    Column names are given by ``series``, ``period``, ``value``, ``numerator`` and
    ``denominator``. ``settings`` is one ``SpcSettings`` for all series or a mapping from
    series key to its settings (each with one target, or none), with the meaning they have
    in ``analyse``; ``phase_starts`` maps a series key to its phase start dates and
    ``frozen_from`` to its baseline freeze dates (as in ``analyse``). Ratio
    charts read numerator and denominator; c, g and t read value; run and xmr read value
    when the frame has that column, else the ratio. A series charted from the ratio keeps
    its numerators and denominators in its points.
    """
    codes, uniques = pd.factorize(frame[series], sort=False)
    keys = list(uniques)
    dates = pd.to_datetime(frame[period]).to_numpy(dtype="datetime64[ns]")
    if pd.isna(dates).any():
        raise ValueError("periods must all be dates; found a missing period")
    ticks = dates.view(np.int64)
    same_series = codes[1:] == codes[:-1]
    in_order = ((codes[1:] >= codes[:-1]) & (~same_series | (ticks[1:] > ticks[:-1]))).all()
    order = np.arange(codes.size) if in_order else np.lexsort((ticks, codes))
    if not in_order:
        codes, dates = codes[order], dates[order]
    if ((codes[1:] == codes[:-1]) & (dates[1:] == dates[:-1])).any():
        raise ValueError("each period may appear only once per series: aggregate first")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(codes, minlength=len(keys)))])

    def column(name: str) -> np.ndarray | None:
        if name not in frame.columns:
            return None
        numbers = to_floats(frame[name].to_numpy(), name)
        return numbers if in_order else numbers[order]

    return analyse_laid(keys, bounds, dates, _per_series(settings, keys), values=column(value),
                        numerators=column(numerator), denominators=column(denominator),
                        phase_starts=phase_starts, frozen_from=frozen_from)


def analyse_laid(
    keys: list,
    bounds: np.ndarray,
    dates: np.ndarray,
    chosen: list[SpcSettings],
    *,
    values: np.ndarray | None = None,
    numerators: np.ndarray | None = None,
    denominators: np.ndarray | None = None,
    phase_starts: Mapping | None = None,
    frozen_from: Mapping | None = None,
) -> SPCBatch:
    """``analyse_many`` on series already laid end to end, as its caller checked them: series
    ``keys[i]`` is rows ``bounds[i]:bounds[i + 1]`` of ``dates`` (datetime64[ns], increasing
    within a series) and of the float arrays given, with settings ``chosen[i]``. A caller that
    builds its series as arrays (``summary``) skips making, sorting and checking a frame: an
    organisation's millions of points then cost several fewer passes over memory."""
    targets = np.repeat(np.array([np.nan if s.target is None else s.target for s in chosen]), np.diff(bounds))

    groups: dict[tuple, list[int]] = {}
    for i, s in enumerate(chosen):
        uses_ratio = s.chart in RATIO_CHARTS or (s.chart not in VALUE_CHARTS and values is None)
        groups.setdefault((s.chart, s.rule_set, s.screen_moving_ranges, uses_ratio), []).append(i)

    lengths = np.diff(bounds)
    pack_of = np.empty(len(keys), np.int64)
    for number, members in enumerate(groups.values()):
        pack_of[members] = number
    point_pack = np.repeat(pack_of, lengths)
    packs, where = [], {}
    for number, ((chart_type, _, _, uses_ratio), members) in enumerate(groups.items()):
        members = np.array(members)
        take = slice(None) if members.size == len(keys) else np.flatnonzero(point_pack == number)
        if uses_ratio:
            counts = (_pick(numerators, take), _pick(denominators, take))
            y, num, den, notes = charted_values(chart_type, None, *counts)
        else:
            counts = None
            y, num, den, notes = charted_values(chart_type, _pick(values, take), None, None)
        starts = np.concatenate([[0], np.cumsum(lengths[members])])
        phase = np.ones(int(starts[-1]), np.int64)
        frozen = np.zeros(int(starts[-1]), bool)
        own_dates = dates[take]
        for j, m in enumerate(members):
            if keys[m] not in (phase_starts or {}) and keys[m] not in (frozen_from or {}):
                continue
            own = slice(starts[j], starts[j + 1])
            if phase_starts and keys[m] in phase_starts:
                phase[own] = phase_numbers(own_dates[own], phase_starts[keys[m]])
            if frozen_from and keys[m] in frozen_from:
                frozen[own] = frozen_points(own_dates[own], phase[own], frozen_from[keys[m]])
        result = run_pack(
            [chosen[m] for m in members], own_dates, y, num, den, notes, phase, starts, targets[take], counts, frozen
        )
        for j, m in enumerate(members):
            where[keys[m]] = (len(packs), j)
        packs.append(result)
    return SPCBatch(keys, packs, where)
