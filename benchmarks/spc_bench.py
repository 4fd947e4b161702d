"""Benchmark of the SPC engine: 20,000 series × 156 weekly points, XmR with MDC rules.

Prints, from one run: the vectorised path (``analyse_many``), ``analyse`` on one series,
and a plain-numpy floor (mean, moving range, limits only) with the ratios between them;
then checks that the vectorised result of every series equals ``analyse`` on it.

``analyse_many`` computes every number, rule, point type and icon; the per-series frames
and reason sentences are rendered when a series is looked at, and that rendering is timed
separately (it is what the equality check does for every series).

Run: python benchmarks/spc_bench.py [--sample N]  (default: check all 20,000 series)
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from qi_dash.spc import analyse, analyse_many

SERIES, POINTS, REPEATS = 20_000, 156, 5


def best_of(fn, repeats=REPEATS):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def numpy_floor(values: np.ndarray) -> tuple[np.ndarray, ...]:
    y = values.reshape(SERIES, POINTS)
    mean = y.mean(axis=1)
    amr = np.abs(np.diff(y, axis=1)).mean(axis=1)
    return mean, mean - 2.66 * amr, mean + 2.66 * amr


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sample", type=int, default=SERIES, help="series to check against analyse")
    args = parser.parse_args()

    rng = np.random.default_rng(2024)
    periods = pd.date_range("2022-01-03", periods=POINTS, freq="W-MON")
    values = rng.normal(50, 5, SERIES * POINTS).round(1)
    values[rng.random(values.size) < 0.01] = np.nan  # a few gaps, as in real data
    frame = pd.DataFrame(
        {
            "series": np.repeat(np.arange(SERIES), POINTS),
            "period": np.tile(periods.values, SERIES),
            "value": values,
        }
    )

    floor, _ = best_of(lambda: numpy_floor(values))
    many, batch = best_of(lambda: analyse_many(frame))
    one, _ = best_of(lambda: analyse(periods, values[:POINTS]), repeats=20)

    print(f"{SERIES:,} series × {POINTS} points, XmR with MDC rules (best of {REPEATS}):")
    print(f"  analyse_many (vectorised) : {many:8.3f} s   ({many / floor:5.1f} × the numpy floor)")
    print(f"  numpy floor (mean, MR, limits only): {floor:8.3f} s")
    print(
        f"  analyse, one series       : {one * 1000:8.2f} ms  "
        f"(× {SERIES:,} = {one * SERIES:.1f} s, {one * SERIES / many:.0f} × slower than vectorised)"
    )
    print(f"  target 20,000 series under 1 s: {'met' if many < 1 else 'NOT met'}")

    checked = range(0, SERIES, max(1, SERIES // args.sample))
    start = time.perf_counter()
    unequal = [s for s in checked if not batch[s].equals(analyse(periods, values[s * POINTS : (s + 1) * POINTS]))]
    took = time.perf_counter() - start
    print(
        f"equality: {len(checked) - len(unequal):,} of {len(checked):,} series equal to analyse "
        f"({took:.0f} s for rendering both and comparing)"
    )
    if unequal:
        print(f"  unequal series: {unequal[:10]}")
        sys.exit(1)


if __name__ == "__main__":
    main()
