"""Spreadsheet cells as text, worked out once per distinct cell of a column.

A key column (team, measure, period, comment) of 100,000 rows holds a few dozen distinct
cells. ``Distinct`` finds them once, the text of each is worked out in plain Python (far
cheaper on a few values than pandas' fixed cost per string operation), and ``codes`` spreads
each result back to every row.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

# Column kinds (pandas' infer_dtype) in which cells that read differently never compare
# equal. TRUE == 1 in Python, so a column that may hold TRUE/FALSE cells is not one of them.
_DISTINCT_KINDS = frozenset(
    {"string", "empty", "floating", "integer", "mixed-integer-float", "date", "datetime", "datetime64"}
)


def cell_text(cell: object) -> str | None:
    """A cell as the text it shows, unstripped: whole numbers without '.0'; None when empty."""
    if cell is None or cell is pd.NA or cell is pd.NaT:
        return None
    if isinstance(cell, float):
        if math.isnan(cell):
            return None
        if cell.is_integer():
            return str(int(cell))
    return str(cell)


def stripped(text: str | None) -> str | None:
    """Text without surrounding spaces; None when nothing is left."""
    return (text.strip() or None) if text is not None else None


def factorize(cells: pd.Series | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(codes, values): the distinct cells followed by one ``None``, and each row's position
    among them (-1 for an empty cell, which picks that ``None``)."""
    raw = cells.to_numpy(dtype=object) if isinstance(cells, pd.Series) else np.asarray(cells, dtype=object)
    if pd.api.types.infer_dtype(raw, skipna=True) in _DISTINCT_KINDS:
        codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    else:
        codes, uniques = np.where(pd.isna(raw), -1, np.arange(len(raw))), raw
    values = np.empty(len(uniques) + 1, dtype=object)
    values[:-1] = uniques
    return codes, values


class Distinct:
    """A column as its distinct cells and each row's position among them.

    ``values`` are the distinct cells followed by one ``None``; ``texts`` their stripped text
    (None for an empty or blank cell). ``codes`` gives each row's position, -1 for an empty
    or blank cell, so ``values[codes]`` and ``texts[codes]`` give every row its cell and text
    back. A column that may hold TRUE/FALSE keeps one value per row, so no cell is mistaken
    for another.
    """

    def __init__(self, cells: pd.Series | np.ndarray):
        codes, self.values = factorize(cells)
        self.texts = np.array([stripped(cell_text(v)) for v in self.values], dtype=object)
        blank = np.flatnonzero(pd.isna(self.texts[:-1]))
        self.codes = np.where(np.isin(codes, blank), -1, codes) if len(blank) else codes

    def rows(self, per_value: np.ndarray | list) -> np.ndarray:
        """Something worked out per distinct value (its last entry for empty cells), per row."""
        return np.asarray(per_value)[self.codes]

    @property
    def empty(self) -> np.ndarray:
        """Which rows' cells are empty or hold only spaces."""
        return self.codes < 0
