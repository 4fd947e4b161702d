"""The numeric pipeline: centre and limits → rules → point types.

``compute`` runs it over a *pack*: the points of one or many series that share a
chart type and rule set, laid out as one row per phase (2-D numpy, padded with gaps), so
one series and twenty thousand go through the same code and give identical results.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from . import limits, point_types, rules


@dataclass
class Pack:
    """Points of one or more series, concatenated in (series, period) order.

    Per point: charted value y, numerator and denominator (ratio charts), note code, the
    phase row it belongs to (``row``, increasing) and its place in that phase
    (``column``). Per row: its series and baseline (how many of its first points its limits
    come from). Per series: direction code, multiplier."""

    chart: str
    screen: bool
    run_rules: str
    y: np.ndarray
    num: np.ndarray | None
    den: np.ndarray | None
    row: np.ndarray
    column: np.ndarray
    row_series: np.ndarray
    direction: np.ndarray
    multiplier: np.ndarray
    baseline: np.ndarray  # per row; a huge number when not frozen


class Computed:
    """Pipeline output, on the charted scale (after the multiplier). Per point, as flat
    arrays: ``value``, ``centre``, ``lower``, ``upper``, ``lower_2s``, ``upper_2s``,
    ``moving_range``, and the codes ``rule``, ``side``, ``span``, ``place``, ``point_type``
    (reasons are rendered from them on demand). The pipeline's blocks are kept as computed
    and each array is joined and laid out flat when first read; ``at`` reads a few points
    without that (a summary reads one point per series). Per row (phase): ``signals`` (the
    runs-test fields), ``row_centre``, and the (rows, width) grids ``raw_value`` and
    ``raw_centre`` before the multiplier, for the Anhøj statistics of a series' phases,
    computed when asked for."""

    SCALED = ("value", "centre", "lower", "upper", "lower_2s", "upper_2s", "moving_range")
    NAMES = (*SCALED, "rule", "side", "span", "place", "point_type")

    def __init__(self, y: np.ndarray, blocks: list[dict], linear: np.ndarray | None, scale: np.ndarray | None,
                 signals: rules.Signals, per_row: np.ndarray):
        self.raw_value, self._blocks, self._linear, self._scale = y, blocks, linear, scale  # scale: None when all 1
        self.signals = signals
        with np.errstate(over="ignore", invalid="ignore"):
            self.row_centre = np.concatenate([b["centre"][:, 0] for b in blocks]) * per_row

    def __getattr__(self, name: str) -> np.ndarray:
        if name == "raw_centre":
            grid = self._grid("centre")
        elif name in self.NAMES:
            grid = self.at(name, slice(None))
        else:
            raise AttributeError(name)
        self.__dict__[name] = grid
        return grid

    def _grid(self, name: str) -> np.ndarray:
        if name == "value":
            return self.raw_value
        parts = [b[name] for b in self._blocks]
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def at(self, name: str, index: np.ndarray | slice) -> np.ndarray:
        """The per-point array ``name`` at flat positions ``index``."""
        if isinstance(index, slice) or name == "value" or len(self._blocks) == 1:
            grid = self._grid(name).reshape(-1)
            if self._linear is not None:
                grid = np.take(grid, self._linear[index])  # one flat index: several times faster than (row, column)
            elif not isinstance(index, slice):
                grid = grid[index]
        else:  # a few points: read from the blocks they lie in
            where = np.asarray(index) if self._linear is None else self._linear[index]
            width = self.raw_value.shape[1]
            row, column = np.divmod(where, width)
            block, row = np.divmod(row, CHUNK_ROWS)
            grid = np.empty(where.size, self._blocks[0][name].dtype)
            for k in np.unique(block):
                mine = block == k
                grid[mine] = self._blocks[k][name][row[mine], column[mine]]
        if self._scale is None or name not in self.SCALED:
            return grid
        with np.errstate(over="ignore", invalid="ignore"):
            return grid * self._scale[index]


def _to_rows(flat: np.ndarray, linear: np.ndarray | None, shape, fill) -> np.ndarray:
    if linear is None:  # every phase the same length: a free reshape
        return flat.reshape(shape)
    grid = np.full(shape, fill, dtype=flat.dtype)
    grid.reshape(-1)[linear] = flat
    return grid


PER_ROW_SIGNALS = ("runs_kind", "runs_observed", "runs_limit", "runs_useful", "run_max")
CHUNK_ROWS = 1024  # phases per block: keeps each block's arrays in cache (about 2× faster)
_BLOCKS = ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1), thread_name_prefix="spc-block")


def _compute_block(pack: Pack, y, num, den, base, direction):
    with np.errstate(over="ignore", invalid="ignore"):  # differences of values near ±1.8e308
        return _compute_block_steps(pack, y, num, den, base, direction)


def _compute_block_steps(pack: Pack, y, num, den, base, direction):
    valid = ~np.isnan(y)
    lines = limits.centre_and_limits(pack.chart, y, num, den, valid, base, pack.screen)
    if pack.chart != "run":
        signals = rules.mdc_rules(y, valid, lines)
    elif pack.run_rules == "ihi":
        signals = rules.ihi_rules(y, valid, lines.centre)
    else:
        signals = rules.anhoej_rules(rules.anhoej(y, valid, lines.centre))
    mr = limits.moving_ranges(y)
    kinds = point_types.point_types(signals.rule, signals.side, direction)
    return lines, signals, mr, kinds


def _concat(parts: list, cls):
    return cls(*(np.concatenate([getattr(p, f) for p in parts]) for f in cls.__dataclass_fields__))


def compute(pack: Pack) -> Computed:
    """Run the pipeline over every phase of every series in the pack, block by block."""
    n_rows = int(pack.row_series.size)
    width = int(pack.column.max()) + 1
    shape = (n_rows, width)
    linear = None if pack.row.size == n_rows * width else pack.row * width + pack.column
    y = _to_rows(pack.y, linear, shape, np.nan)
    num = None if pack.num is None else _to_rows(pack.num, linear, shape, np.nan)
    den = None if pack.den is None else _to_rows(pack.den, linear, shape, np.nan)
    row_baseline = pack.baseline
    row_direction = pack.direction[pack.row_series]

    def block_of(lo: int) -> tuple[dict, rules.Signals]:
        block = slice(lo, lo + CHUNK_ROWS)
        base = np.arange(width)[None, :] < row_baseline[block][:, None]
        lines, signals, mr, kinds = _compute_block(
            pack,
            y[block],
            None if num is None else num[block],
            None if den is None else den[block],
            base,
            row_direction[block],
        )
        per_point = (np.zeros(0) for _ in range(4))
        return ({
            **{name: getattr(lines, name) for name in ("centre", "lower", "upper", "lower_2s", "upper_2s")},
            "moving_range": mr, "rule": signals.rule, "side": signals.side, "point_type": kinds,
            "span": signals.span, "place": signals.place,
        }, rules.Signals(*per_point, *(getattr(signals, f) for f in PER_ROW_SIGNALS)))

    starts = range(0, n_rows, CHUNK_ROWS)
    # Blocks are independent and numpy lets go of the interpreter lock on whole arrays, so
    # an organisation's thousands of series use every core.
    done = list(_BLOCKS.map(block_of, starts) if len(starts) > 1 else map(block_of, starts))
    blocks, signal_parts = [b for b, _ in done], [s for _, s in done]
    per_row = pack.multiplier[pack.row_series]
    scale = per_row[pack.row] if (per_row != 1).any() else None
    return Computed(y, blocks, linear, scale, _concat(signal_parts, rules.Signals), per_row)
