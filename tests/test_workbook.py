"""A sheet as a table under its heading row: ingest/workbook.py."""

from __future__ import annotations

from datetime import datetime

import pytest

from qi_dash.ingest.workbook import Sheet, cells_frame, sheet_table
from qi_dash.problems import InputError


def _sheet(rows: list[list[object]]) -> Sheet:
    # Cells given as None (not the readers' ""), so the sheet works out which hold something.
    return Sheet("t.xlsx", "Data", cells_frame(rows, max(map(len, rows)))[0])


def test_sheet_table_strips_headings_and_drops_empty_unnamed_columns():
    table = sheet_table(_sheet([[" team ", None, "value"], ["Ward 1", None, 3.0]]))
    assert table.columns.tolist() == ["team", "value"]
    assert table.index.name == "row"
    assert table.loc[2].tolist() == ["Ward 1", 3.0]


def test_sheet_table_keeps_non_text_headings_as_stored():
    april = datetime(2024, 4, 1)
    table = sheet_table(_sheet([["team", april], ["Ward 1", 3.0]]))
    assert table.columns.tolist() == ["team", april]


def test_sheet_table_refuses_values_without_a_heading_and_repeated_headings():
    with pytest.raises(InputError) as caught:
        sheet_table(_sheet([["team", None, "value", "value"], ["Ward 1", 5, 3.0, 4.0]]))
    messages = [p.message for p in caught.value.problems]
    assert messages == [
        "column B has values but no heading in row 1; give it a heading.",
        "columns C and D are both headed 'value'; give each a different heading.",
    ]
    assert all(p.sheet == "Data" and p.row == 1 for p in caught.value.problems)


def test_sheet_table_refuses_a_header_row_past_the_end():
    with pytest.raises(InputError, match="has no row 9 to use as the header; it has 2 rows"):
        sheet_table(_sheet([["team"], ["Ward 1"]]), header_row=9)
