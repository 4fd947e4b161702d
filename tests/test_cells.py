"""Cells as text, per distinct cell: ingest/cells.py."""

from __future__ import annotations

import numpy as np
import pandas as pd

from qi_dash.ingest.cells import Distinct, cell_text


def test_cell_text_shows_whole_numbers_without_a_point_and_empty_cells_as_none():
    assert [cell_text(c) for c in (3.0, 2.5, " Ash ", None, float("nan"), True)] == ["3", "2.5", " Ash ", None, None, "True"]


def test_distinct_cells_give_every_row_its_cell_and_stripped_text_back():
    cells = pd.Series(["Ash", " Ash ", None, "   ", "Birch", "Ash"], dtype=object)
    distinct = Distinct(cells)
    assert distinct.rows(distinct.texts).tolist() == ["Ash", "Ash", None, None, "Birch", "Ash"]
    assert distinct.empty.tolist() == [False, False, True, True, False, False]
    assert len(distinct.values) == 5  # "Ash", " Ash ", "   ", "Birch" and the empty cell's None


def test_true_is_not_mistaken_for_one():
    # TRUE == 1 in Python, so a column that may hold TRUE/FALSE is kept cell by cell.
    distinct = Distinct(np.array([1.0, True, 0.0, False, None], dtype=object))
    assert distinct.rows(distinct.texts).tolist() == ["1", "True", "0", "False", None]
