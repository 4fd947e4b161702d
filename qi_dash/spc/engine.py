"""``analyse``: one series through the pipeline phases → centre and limits → rules →
point types → icons, and ``run_pack``, the step shared with the many-series path."""

from __future__ import annotations

import numpy as np
import pandas as pd

from qi_dash.vocabulary import DIRECTIONS

from . import point_types
from .inputs import SpcSettings, charted_values, frozen_points, phase_numbers, target_per_point, to_floats, to_periods
from .kernel import Pack, compute
from .result import COUNT_COLUMNS, PHASE_COLUMNS, POINT_COLUMNS, PackResult, SPCResult

NOT_FROZEN = np.iinfo(np.int64).max


def run_pack(
    settings: list[SpcSettings],
    periods: np.ndarray,
    y: np.ndarray,
    num: np.ndarray | None,
    den: np.ndarray | None,
    notes: np.ndarray,
    phase: np.ndarray,
    starts: np.ndarray,
    target: np.ndarray,
    counts: tuple[np.ndarray, np.ndarray] | None,
    frozen: np.ndarray | None = None,
) -> PackResult:
    """Analyse the series of a pack (same chart, rule set and screening; each series a
    non-empty slice ``starts[i]:starts[i+1]`` sorted by period, with its 1-based phases).
    ``counts`` are the numerators and denominators as given, kept for the result's points;
    ``frozen`` marks the points after a baseline freeze in their phase (``frozen_points``)."""
    first = settings[0]
    n_series = len(settings)
    lengths = np.diff(starts)
    phases_per_series = np.maximum.reduceat(phase, starts[:-1])
    row_starts = np.concatenate([[0], np.cumsum(phases_per_series)])
    row = np.repeat(row_starts[:-1] - 1, lengths) + phase
    # Place of each point in its phase: its index minus the index of the phase's first point
    # (a phase's points are consecutive; repeats rather than lookups, which cost more).
    new_row = np.ones(row.size, bool)
    new_row[1:] = row[1:] != row[:-1]
    row_first = np.flatnonzero(new_row)
    column = np.arange(row.size) - np.repeat(row_first, np.diff(np.append(row_first, row.size)))
    direction = np.array([DIRECTIONS.index(s.direction) for s in settings])
    row_series = np.repeat(np.arange(n_series), phases_per_series)
    per_series = np.array([NOT_FROZEN if s.baseline_points is None else s.baseline_points for s in settings])
    baseline = per_series[row_series]
    if frozen is not None and frozen.any():
        # A freeze inside a phase: its limits come from the points before the freeze.
        np.minimum.at(baseline, row[frozen], column[frozen])
    pack = Pack(
        chart=first.chart,
        screen=first.screen_moving_ranges,
        run_rules=first.run_rules,
        y=y,
        num=num,
        den=den,
        row=row,
        column=column,
        row_series=row_series,
        direction=direction,
        multiplier=np.array([s.multiplier for s in settings]),
        baseline=baseline,
    )
    c = compute(pack)
    # The charted values before the multiplier have their gaps where the charted ones do:
    # reading them spares laying out every point on the charted scale.
    reference = point_types.latest(y, starts[:-1])
    last_target = point_types.latest(target, starts[:-1])
    latest_target = np.where(last_target >= 0, target[np.clip(last_target, 0, None)], np.nan)
    ref = np.clip(reference, 0, None)
    no_ref = reference < 0
    lower = np.where(no_ref, np.nan, c.at("lower", ref))
    upper = np.where(no_ref, np.nan, c.at("upper", ref))
    return PackResult(
        computed=c,
        settings=settings,
        periods=periods,
        counts=counts,
        notes=notes,
        phase=phase,
        starts=starts,
        row_starts=row_starts,
        target=latest_target,
        variation_icon=point_types.variation_icons(
            reference, c.at("point_type", ref), c.at("centre", ref), c.at("upper", ref), direction, first.chart
        ),
        assurance_icon=point_types.assurance_icons(latest_target, lower, upper, direction, first.chart),
        reference=reference,
        charted=np.add.reduceat(~np.isnan(y), starts[:-1]).astype(np.int64),
        baseline=baseline,
    )


def analyse(
    periods,
    values=None,
    numerators=None,
    denominators=None,
    *,
    settings: SpcSettings = SpcSettings(),
    phase_starts=(),
    frozen_from=(),
) -> SPCResult:
    """Analyse one series: centre line, limits, special-cause signals with reasons, point
    types and MDC icons (spc-methods.md Part A; issue 3 gives the result's shape).

    ``periods`` are dates, one per point, in any order (rows come back sorted by date; a
    date given twice is an error: aggregate first). ``values`` chart run/xmr/c/g/t;
    ``numerators`` and ``denominators`` chart p/pp/u/up, or the ratio on run/xmr. None or
    NaN is a gap, never a zero; the result's points keep the numerators and denominators
    given. ``settings`` are the chart, direction, target, rules, baseline, screening and
    multiplier (``SpcSettings``); ``phase_starts`` are the dates new phases start;
    ``frozen_from`` the dates from which a phase's limits are frozen: calculated from its
    points before that date and extended from it to the phase's end.

    Where the reference packages differ, we take this side, and why:

    * XmR limits: mean ± 2.66 × AMR (NHSRplotthedots / MDC Excel, what NHS users compare
      with), not qicharts2's 3/1.128; P′, U′ and T use qicharts2's σ = AMR/1.128, as only
      qicharts2 has those charts. 2σ lines of an XmR chart are two thirds of the way to
      the limits (MDC's near-limit lines).
    * Moving-range screening: off unless asked (MDC Excel parity; NHSRplotthedots screens
      by default, qicharts2 when attached).
    * Rules on charts with limits: the MDC set and precedence of NHSRplotthedots (beyond a
      limit → 7-point trend → 2 of 3 beyond 2σ on one side → 7-point shift), on every
      Shewhart chart, not qicharts2's Anhøj rules; Anhøj statistics are still reported per
      phase. Run charts use IHI (default) or Anhøj rules.
    * A point exactly on the centre line breaks a shift on a chart with limits
      (NHSRplotthedots, MDC Excel); on a run chart it is skipped (IHI, qicharts2).
    * Missing values: skipped by shifts and runs tests (qicharts2); a trend or 2-of-3
      window containing one gives no signal (NHSRplotthedots' rows, without its crash).
    * Phases start at dates (NHSRplotthedots ``rebase``), and a date between periods starts
      the phase at the next period (neither peer: NHSRplotthedots would ignore it);
      ``baseline_points`` freezes within each phase, any k ≥ 1 (qicharts2 ``freeze``;
      NHSRplotthedots requires k ≥ 12 and qicharts2 ignores freeze when parts are given).
    * Short series: limits from 2 usable points on; phases under 13 points are marked
      ``trial_limits`` (NHSRplotthedots' threshold); with 1 usable point no centre or limits.
    * T chart: a time of zero or less is a gap with a note (qicharts2 stops with an error).
    * G chart: centre line at the median, limits from the mean (qicharts2); MDC rules
      compare with that median.
    * Icons: the variation icon reads the latest non-missing point (NHSRplotthedots the
      last row, even if empty); assurance compares the latest target with that point's
      limits, strictly (NHSRplotthedots).
    * Too few / too many runs (and Anhøj's too few crossings) say the process is not random
      but not which way it moved nor which points moved it: the phase carries the signal
      (``phases.runs_reason``, the summary), no point is flagged (qicharts2 marks every point
      of the phase; coloured, that read as every point a signal).
    """
    dates = to_periods(periods)
    n = dates.size
    data = {
        name: None if given is None else to_floats(given, name)
        for name, given in (("values", values), ("numerators", numerators), ("denominators", denominators))
    }
    for name, array in data.items():
        if array is not None and array.size != n:
            raise ValueError(f"{name} has {array.size} entries for {n} periods")
    targets = target_per_point(settings.target, n)
    order = np.argsort(dates, kind="stable")
    dates = dates[order]
    if n > 1 and (dates[1:] == dates[:-1]).any():
        raise ValueError("each period may appear only once: aggregate rows of the same period first")
    sorted_data = {name: None if array is None else array[order] for name, array in data.items()}
    y, num, den, notes = charted_values(
        settings.chart, sorted_data["values"], sorted_data["numerators"], sorted_data["denominators"]
    )
    counts = None if values is not None else (sorted_data["numerators"], sorted_data["denominators"])
    phase = phase_numbers(dates, phase_starts)
    if n == 0:
        return _empty(settings, counts is not None)
    frozen = frozen_points(dates, phase, frozen_from)
    pack = run_pack([settings], dates, y, num, den, notes, phase, np.array([0, n]), targets[order], counts, frozen)
    return pack.result(0)


def _empty(settings: SpcSettings, has_counts: bool) -> SPCResult:
    """The result for a series with no points: empty frames, no icons."""
    columns = POINT_COLUMNS + (COUNT_COLUMNS if has_counts else ())
    return SPCResult(
        points=pd.DataFrame({c: [] for c in columns}),
        phases=pd.DataFrame({c: [] for c in PHASE_COLUMNS}),
        variation_icon="none",
        assurance_icon="none",
        chart=settings.chart,
        run_rules=settings.rule_set,
        direction=settings.direction,
        summary="No data.",
    )
