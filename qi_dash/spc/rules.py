"""Special-cause rules over phases laid out as rows of a 2-D array (see limits.py).

* ``mdc_rules``: Making Data Count rules on any chart with limits, NHSRplotthedots
  precedence (spc-methods Part B §6): beyond a limit → trend → two of three → shift.
* ``ihi_rules``: IHI run-chart rules (Part B §5, Perla, Provost & Murray 2011): trend ≥ 5
  → shift ≥ 6; too few / too many runs is a property of the phase, not of its points.
* ``anhoej``: Anhøj runs analysis (qicharts2 ``runs.analysis``, Part B §4), reported for
  every phase and used as the rule set of run charts when asked for.

Each rule returns, per point, a rule code, the side of the signal (+1 high, −1 low, 0 none)
and, for runs and trends, the length of the pattern and the point's place in it, so that
the reason can name the points it spans.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np

RULES = ("", "beyond_limit", "trend", "two_of_three", "shift")
BEYOND, TREND, TWO_OF_THREE, SHIFT = 1, 2, 3, 4

# Precedence: when several rules flag a point, the first of these names its signal.
MDC_ORDER = (BEYOND, TREND, TWO_OF_THREE, SHIFT)
IHI_ORDER = (TREND, SHIFT)

MDC_TREND = 7  # points; Part A §4 (MDC Excel also allows 6)
MDC_SHIFT = 7
IHI_TREND = 5
IHI_SHIFT = 6

# Kinds of a phase-wide runs signal, for the reason text. Too few or too many runs (or
# crossings) says the process is not random, not which way it moved nor which points moved
# it: it is reported for the phase (on its centre line and in words), and no point is flagged.
NO_RUNS_SIGNAL, TOO_FEW_RUNS, TOO_MANY_RUNS, TOO_FEW_CROSSINGS = 0, 1, 2, 3


@dataclass
class Signals:
    """Per point: rule code, side, pattern length and place; per row: the runs test."""

    rule: np.ndarray
    side: np.ndarray
    span: np.ndarray
    place: np.ndarray
    runs_kind: np.ndarray  # per row, one of the kinds above
    runs_observed: np.ndarray  # runs (IHI) or crossings (Anhøj) counted
    runs_limit: np.ndarray  # the limit that was crossed
    runs_useful: np.ndarray  # points counted by the runs test
    run_max: np.ndarray  # Anhøj longest-run limit (run charts with Anhøj rules)


@dataclass
class RunsAnalysis:
    """Anhøj statistics per row (qicharts2 ``runs.analysis``); -1 where n_useful is 0."""

    n_useful: np.ndarray
    longest_run: np.ndarray
    longest_run_max: np.ndarray
    crossings: np.ndarray
    crossings_min: np.ndarray
    runs_signal: np.ndarray
    run_length: np.ndarray  # per point: length of the run it belongs to (0 if not useful)
    run_place: np.ndarray
    side: np.ndarray


def runs(member: np.ndarray, key: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Maximal runs of consecutive members with equal key (−1, 0 or +1); non-members are
    skipped (they neither break nor extend a run). Returns per point: run id (1-based
    within its row), run length and 1-based place in the run (0 for non-members), and a
    run-start flag. Only accumulations, no gathers: they are the fast numpy operations."""
    width = member.shape[1]
    far = np.int32(width + 1)
    column = np.arange(width, dtype=np.int32)
    if member.all():
        return _runs_of_all(key, column, far)
    # Column and key of the last member so far, packed in one increasing number.
    packed = np.maximum.accumulate(np.where(member, column * 4 + (key.astype(np.int32) + 1), -1), axis=1)
    before = np.full(member.shape, -1, np.int32)
    before[:, 1:] = packed[:, :-1]
    start = member & ((before < 0) | ((before & 3) - 1 != key))
    run_id = np.cumsum(start, axis=1, dtype=np.int32)
    following = np.full(member.shape, far, np.int32)
    following[:, :-1] = np.where(member[:, 1:], run_id[:, 1:], far)
    next_id = np.minimum.accumulate(following[:, ::-1], axis=1)[:, ::-1]
    end = member & (next_id != run_id)
    so_far = np.cumsum(member, axis=1, dtype=np.int32)
    at_start = np.maximum.accumulate(np.where(start, so_far, 0), axis=1)
    at_end = np.minimum.accumulate(np.where(end, so_far, far)[:, ::-1], axis=1)[:, ::-1]
    place = np.where(member, so_far - at_start + 1, 0)
    length = np.where(member, at_end - at_start + 1, 0)
    return run_id, length, place, start


def _runs_of_all(key: np.ndarray, column: np.ndarray, far: np.int32):
    """``runs`` when every point is a member (no gaps, the usual case): a run starts where
    the key changes, so places and lengths come from the columns of starts and ends."""
    start = np.ones(key.shape, bool)
    start[:, 1:] = key[:, 1:] != key[:, :-1]
    end = np.ones(key.shape, bool)
    end[:, :-1] = start[:, 1:]
    at_start = np.maximum.accumulate(np.where(start, column, 0), axis=1)
    at_end = np.minimum.accumulate(np.where(end, column, far)[:, ::-1], axis=1)[:, ::-1]
    return np.cumsum(start, axis=1, dtype=np.int32), at_end - at_start + 1, column - at_start + 1, start


def _sides(y: np.ndarray, centre: np.ndarray, valid: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore", invalid="ignore"):
        return np.where(valid & np.isfinite(centre), np.sign(y - centre), 0).astype(np.int8)


def _consecutive_trend(y: np.ndarray, valid: np.ndarray, points: int):
    """NHSRplotthedots trend: ``points`` consecutive rows, every step strictly up (or down).
    A tie or a missing value breaks it (a window with a gap is no trend, where
    NHSRplotthedots stops with an error). A point at a turn belongs to the trend leaving it,
    as NHSRplotthedots labels it by the step to the next point."""
    rows, width = y.shape
    step = np.zeros((rows, width), np.int8)
    with np.errstate(invalid="ignore"):
        step[:, 1:] = np.where(valid[:, 1:] & valid[:, :-1], np.sign(y[:, 1:] - y[:, :-1]), 0)
    # Trends are rare: find the rows with enough same-signed steps in a window (a cheap
    # running sum) and measure runs only there.
    total = np.cumsum(step, axis=1, dtype=np.int16)
    window = total[:, points - 2 :] - np.hstack([np.zeros((rows, 1), np.int16), total[:, : 1 - points]])
    candidate = (np.abs(window) == points - 1).any(axis=1) if width >= points else np.zeros(rows, bool)
    length = np.zeros((rows, width), np.int32)
    place = np.zeros((rows, width), np.int32)
    if candidate.any():
        _, length[candidate], place[candidate], _ = runs(np.ones((int(candidate.sum()), width), bool), step[candidate])
    qualifies = (step != 0) & (length >= points - 1)
    ends = qualifies  # point i ends step i
    starts = np.zeros_like(qualifies)  # point i starts step i+1
    starts[:, :-1] = qualifies[:, 1:] & (place[:, 1:] == 1)

    def nxt(a: np.ndarray) -> np.ndarray:  # each point's value for the step after it
        return np.hstack([a[:, 1:], np.zeros((rows, 1), a.dtype)])

    side = np.where(starts, nxt(step), np.where(ends, step, 0)).astype(np.int8)
    span = np.where(starts, nxt(length) + 1, np.where(ends, length + 1, 0))
    place = np.where(starts, 1, np.where(ends, place + 1, 0))
    return side != 0, side, span, place


def _skipping_trend(y: np.ndarray, valid: np.ndarray, points: int):
    """IHI trend: steps between successive non-missing points; a repeated value neither
    breaks nor extends the trend (it is flagged with its twin when inside one). The trend
    starts at the last point before its first step."""
    rows, width = y.shape
    columns = np.arange(width)
    last_valid = np.maximum.accumulate(np.where(valid, columns, -1), axis=1)
    previous = np.hstack([np.full((rows, 1), -1), last_valid[:, :-1]])
    has_previous = valid & (previous >= 0)
    y_prev = np.take_along_axis(y, np.clip(previous, 0, None), axis=1)
    with np.errstate(invalid="ignore"):
        step = np.where(has_previous, np.sign(y - y_prev), 0).astype(np.int8)
    member = step != 0
    run_id, length, place, start = runs(member, step)
    qualifies = member & (length >= points - 1)
    flagged = qualifies.copy()
    side, span, pos = (
        np.where(qualifies, step, 0),
        np.where(qualifies, length + 1, 0),
        np.where(qualifies, place + 1, 0),
    )
    # The first point of each trend is the point before its first step.
    r, c = np.nonzero(start & qualifies)
    first = previous[r, c]
    flagged[r, first], side[r, first], span[r, first], pos[r, first] = True, step[r, c], length[r, c] + 1, 1
    # Repeated values between two steps of the same qualifying trend.
    last_member = np.maximum.accumulate(np.where(member, columns, -1), axis=1)
    next_member = np.minimum.accumulate(np.where(member, columns, width)[:, ::-1], axis=1)[:, ::-1]
    lm, nm = np.clip(last_member, 0, width - 1), np.clip(next_member, 0, width - 1)
    inside = (
        valid
        & (step == 0)
        & (last_member >= 0)
        & (next_member < width)
        & (np.take_along_axis(run_id, lm, 1) == np.take_along_axis(run_id, nm, 1))
        & np.take_along_axis(qualifies, lm, 1)
    )
    flagged |= inside
    side = np.where(inside, np.take_along_axis(step, lm, 1), side)
    span = np.where(inside, np.take_along_axis(length, lm, 1) + 1, span)
    pos = np.where(inside, np.take_along_axis(place, lm, 1) + 1, pos)
    return flagged, side.astype(np.int8), span, pos


def _no_runs_test(rows: int) -> tuple[np.ndarray, ...]:
    return np.zeros(rows, np.int8), *(np.zeros(rows, np.int64) for _ in range(4))


def _combine(rows_first_wins, shape, runs_test) -> Signals:
    """Apply rules in precedence order: the first rule that flags a point labels it."""
    rule = np.zeros(shape, np.int8)
    side = np.zeros(shape, np.int8)
    span = np.zeros(shape, np.int64)
    place = np.zeros(shape, np.int64)
    for code, flagged, r_side, r_span, r_place in rows_first_wins:
        take = flagged & (rule == 0)
        rule[take], side[take] = code, np.broadcast_to(r_side, shape)[take]
        span[take], place[take] = np.broadcast_to(r_span, shape)[take], np.broadcast_to(r_place, shape)[take]
    return Signals(rule, side, span, place, *runs_test)


def mdc_rules(y: np.ndarray, valid: np.ndarray, lines) -> Signals:
    """Making Data Count rules on a chart with limits (spc-methods Part A §4, Part B §6).

    A point exactly on the centre line breaks a shift (NHSRplotthedots and MDC Excel);
    a missing value is skipped by the shift (Part A §9) but spoils any trend or 2-of-3
    window it falls in, since those rules are about consecutive periods."""
    with np.errstate(invalid="ignore"):
        has_limits = valid & np.isfinite(lines.upper) & np.isfinite(lines.lower)
        above, below = has_limits & (y > lines.upper), has_limits & (y < lines.lower)
        beyond = above | below
        side = _sides(y, lines.centre, has_limits)
        close = has_limits & ~beyond & ((y > lines.upper_2s) | (y < lines.lower_2s))
    rows, width = y.shape

    trend, trend_side, trend_span, trend_place = _consecutive_trend(y, has_limits, MDC_TREND)

    two_of_three = np.zeros((rows, width), bool)
    if width >= 3:
        c = close.astype(np.int8)
        window = ((c[:, :-2] + c[:, 1:-1] + c[:, 2:]) >= 2) & (
            np.abs(side[:, :-2].astype(np.int16) + side[:, 1:-1] + side[:, 2:]) == 3
        )
        in_window = np.zeros((rows, width), bool)
        for offset in range(3):
            in_window[:, offset : width - 2 + offset] |= window
        two_of_three = close & in_window

    _, length, place, _ = runs(has_limits, side)
    shift = (side != 0) & (length >= MDC_SHIFT)

    flagged = {
        BEYOND: (beyond, np.where(above, 1, -1), 0, 0),
        TREND: (trend, trend_side, trend_span, trend_place),
        TWO_OF_THREE: (two_of_three, side, 0, 0),
        SHIFT: (shift, side, length, place),
    }
    return _combine([(code, *flagged[code]) for code in MDC_ORDER], (rows, width), _no_runs_test(rows))


@cache
def ihi_runs_limits(useful: int) -> tuple[int, int]:
    """(fewest, most) runs expected among ``useful`` points not on the median.

    Swed & Eisenhart (1943): with n1 points on one side and n2 on the other in random order,
    P(R = 2k) = 2·C(n1−1, k−1)·C(n2−1, k−1) / C(N, n1) and
    P(R = 2k+1) = [C(n1−1, k−1)·C(n2−1, k) + C(n1−1, k)·C(n2−1, k−1)] / C(N, n1).
    The median splits the points in halves (n1 = ⌊N/2⌋, n2 = ⌈N/2⌉). Fewer runs than
    ``fewest`` has probability at most 2.5 %, more than ``most`` at most 2.5 % ("about a 5 %
    risk", Perla, Provost & Murray 2011, Table 1). Exact integer arithmetic throughout.

    The printed table could not be consulted while this was written; it is derived from the
    same distribution but, as commonly reproduced, differs by one run in some rows (e.g. 20
    points: 6 and 16 there, 7 and 15 here). Where it differs this function is the exact
    2.5 %-per-tail computation; replacing it with the printed rows is a change here only."""
    n1, n2 = useful // 2, useful - useful // 2
    if n1 == 0:
        return 1, useful
    total = math.comb(useful, n1)
    ways = {}
    for r in range(2, useful + 1):
        k = r // 2
        if r % 2 == 0:
            ways[r] = 2 * math.comb(n1 - 1, k - 1) * math.comb(n2 - 1, k - 1)
        else:
            ways[r] = math.comb(n1 - 1, k - 1) * math.comb(n2 - 1, k) + math.comb(n1 - 1, k) * math.comb(n2 - 1, k - 1)
    fewest, tail = 2, 0
    while 40 * (tail + ways[fewest]) <= total:  # P(R ≤ fewest) ≤ 1/40
        tail += ways[fewest]
        fewest += 1
    most, tail = useful, 0
    while 40 * (tail + ways[most]) <= total:
        tail += ways[most]
        most -= 1
    return fewest, most


@cache
def anhoej_limits(useful: int) -> tuple[int, int]:
    """(longest_run_max, crossings_min) for ``useful`` points (qicharts2 ``runs.analysis``):
    round(log2 n) + 3, and the 5 % quantile of Binomial(n − 1, ½), i.e. the smallest c with
    P(X ≤ c) ≥ 0.05, computed exactly as 20·Σ_{j≤c} C(n−1, j) ≥ 2^(n−1)."""
    longest = round(math.log2(useful)) + 3  # log2 of an integer is never a .5 tie
    trials, c, cumulative = useful - 1, 0, 1
    while 20 * cumulative < 2**trials:
        c += 1
        cumulative += math.comb(trials, c)
    return longest, c


def anhoej(y: np.ndarray, valid: np.ndarray, centre: np.ndarray) -> RunsAnalysis:
    """Anhøj runs analysis of each row against its centre line; points on the centre line
    and missing points are not useful (neither break nor extend a run)."""
    side = _sides(y, centre, valid)
    useful = side != 0
    _, length, place, start = runs(useful, side)
    n_useful = useful.sum(axis=1)
    longest = length.max(axis=1, initial=0)
    crossings = start.sum(axis=1) - 1
    limits = np.array([anhoej_limits(int(n)) if n else (-1, -1) for n in n_useful], np.int64).reshape(-1, 2)
    has = n_useful > 0
    signal = has & ((longest > limits[:, 0]) | (crossings < limits[:, 1]))
    return RunsAnalysis(
        n_useful=n_useful,
        longest_run=np.where(has, longest, -1),
        longest_run_max=limits[:, 0],
        crossings=np.where(has, crossings, -1),
        crossings_min=limits[:, 1],
        runs_signal=signal,
        run_length=length,
        run_place=place,
        side=side,
    )


def anhoej_rules(analysis: RunsAnalysis) -> Signals:
    """Run chart with Anhøj rules. Points of a run longer than the limit get ``shift``
    (qicharts2); too few crossings is reported for the phase, with no point flagged."""
    shape = analysis.run_length.shape
    long_run = analysis.run_length > analysis.longest_run_max[:, None]
    few = (analysis.n_useful > 0) & (analysis.crossings < analysis.crossings_min)
    runs_test = (
        np.where(few, TOO_FEW_CROSSINGS, NO_RUNS_SIGNAL).astype(np.int8),
        analysis.crossings,
        analysis.crossings_min,
        analysis.n_useful,
        analysis.longest_run_max,
    )
    return _combine([(SHIFT, long_run, analysis.side, analysis.run_length, analysis.run_place)], shape, runs_test)


def ihi_rules(y: np.ndarray, valid: np.ndarray, centre: np.ndarray) -> Signals:
    """IHI run-chart rules; precedence trend > shift (Part A §5); too few or too many runs
    is the phase's (see the kinds above). Points on the median and missing points are
    skipped by the shift and the runs count."""
    rows, width = y.shape
    has_centre = valid & np.isfinite(centre)
    trend, trend_side, trend_span, trend_place = _skipping_trend(y, has_centre, IHI_TREND)
    side = _sides(y, centre, has_centre)
    useful = side != 0
    _, length, place, start = runs(useful, side)
    shift = useful & (length >= IHI_SHIFT)

    n_useful = useful.sum(axis=1)
    n_runs = start.sum(axis=1)
    bounds = np.array([ihi_runs_limits(int(n)) for n in n_useful], np.int64).reshape(-1, 2)
    few = (n_useful > 0) & (n_runs < bounds[:, 0])
    many = (n_useful > 0) & (n_runs > bounds[:, 1])
    kind = np.where(few, TOO_FEW_RUNS, np.where(many, TOO_MANY_RUNS, NO_RUNS_SIGNAL)).astype(np.int8)
    limit = np.where(few, bounds[:, 0], bounds[:, 1])
    flagged = {
        TREND: (trend, trend_side, trend_span, trend_place),
        SHIFT: (shift, side, length, place),
    }
    return _combine(
        [(code, *flagged[code]) for code in IHI_ORDER],
        (rows, width),
        (kind, n_runs, limit, n_useful, np.zeros(rows, np.int64)),
    )
