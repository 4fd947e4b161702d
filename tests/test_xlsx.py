"""Workbooks read as stored, with notes on what the zip checks found: ingest/xlsx.py and
ingest/xlsx_scan.py (through ``read_file``)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from fixtures_hostile import (
    canonical_xlsx,
    error_cells_xlsx,
    formulas_xlsx,
    hidden_sheet_xlsx,
    merged_cells_xlsx,
    prefixed_formulas_xlsx,
    write_xlsx,
)

from qi_dash.ingest.mapping import hidden_sheets_not_read
from qi_dash.ingest import xlsx_scan
from qi_dash.ingest.workbook import CellRange, sheet_table
from qi_dash.periods import misaligned_mask, parse_periods
from qi_dash.problems import InputError
from tests.conftest import SHARED_DATA
from tests.test_read import needs_shared, read_path

AE_XLSX = SHARED_DATA / "ae_attendances.xlsx"


def test_a_canonical_workbook_keeps_row_numbers_letters_and_cell_types(tmp_path):
    book = read_path(canonical_xlsx(tmp_path, 50))
    [sheet] = book.sheets
    frame = sheet.frame
    assert sheet.name == "Data" and not sheet.hidden and sheet.merged == []
    assert frame.shape == (51, 7)
    assert list(frame.columns) == ["A", "B", "C", "D", "E", "F", "G"]
    assert frame.index[0] == 1 and frame.index[-1] == 51
    assert set(frame.dtypes) == {np.dtype(object)}
    assert frame.loc[1].tolist() == ["team", "measure", "period", "numerator", "denominator", "value", "comment"]
    # Excel date cells arrive as dates; numbers as stored (floats); empty cells as None.
    assert isinstance(frame.loc[2, "C"], date)
    assert isinstance(frame.loc[2, "D"], float)
    assert frame.loc[2, "F"] is None
    assert frame.loc[2, "G"] == "+1 agency nurse"
    assert book.notes == []


def test_rows_and_columns_before_the_table_are_kept_so_numbers_match_excel(tmp_path):
    path = write_xlsx(tmp_path / "offset.xlsx", {"Data": [[], [], [None, None, "team"], [None, None, "Ward 1"]]})
    frame = read_path(path).sheets[0].frame
    assert frame.loc[3, "C"] == "team"
    assert frame.loc[4, "C"] == "Ward 1"
    table = sheet_table(read_path(path).sheets[0], header_row=3)
    assert table.index.tolist() == [4] and table.columns.tolist() == ["team"]


@needs_shared
def test_real_ae_attendances_workbook_reads_whole(tmp_path):
    book = read_path(AE_XLSX)
    [sheet] = book.sheets
    assert sheet.name == "ae_attendances"
    assert sheet.frame.shape == (12_766, 6)
    table = sheet_table(sheet)
    assert table.columns.tolist() == ["period", "org_code", "type", "attendances", "breaches", "admissions"]
    assert len(table) == 12_765
    assert table.index[0] == 2 and table.index[-1] == 12_766
    assert table.loc[2, "org_code"] == "RF4" and table.loc[2, "attendances"] == 21289.0
    # The shared data README says "Excel datetimes", but the file stores the period as ISO
    # text (inline strings); either way every period parses and is a month start.
    assert table.loc[2, "period"] == "2017-03-01"
    periods = parse_periods(table["period"])
    assert periods.ok.all()
    assert periods.timestamps.nunique() == 36
    misaligned = misaligned_mask(periods.timestamps.to_numpy(), "month")
    assert not misaligned.any()


def test_formulas_use_cached_values_and_say_so(tmp_path):
    book = read_path(formulas_xlsx(tmp_path))
    frame = book.sheets[0].frame
    assert frame.loc[2, "D"] == 0.75 and frame.loc[3, "D"] == 0.5
    assert frame.loc[4, "D"] is None
    assert "Sheet 'Data' has 3 formulas; the values Excel last calculated were used." in book.notes
    assert any("1 formula cell(s) with no saved result" in note for note in book.notes)


def test_formulas_are_counted_with_namespace_prefixes_and_across_chunks(tmp_path, monkeypatch):
    expected = read_path(formulas_xlsx(tmp_path)).notes
    assert read_path(prefixed_formulas_xlsx(tmp_path)).notes == expected
    # Tiny chunks split every token somewhere; the counts must not change.
    monkeypatch.setattr(xlsx_scan, "_CHUNK", 7)
    assert read_path(formulas_xlsx(tmp_path)).notes == expected
    assert read_path(prefixed_formulas_xlsx(tmp_path)).notes == expected


def test_error_cells_are_read_as_empty_and_counted(tmp_path):
    book = read_path(error_cells_xlsx(tmp_path))
    assert book.sheets[0].frame["B"].tolist() == ["rate", None, None]
    assert book.notes == [
        "Sheet 'Data' has 2 cell(s) showing an error such as #DIV/0! or #REF!; they were read as empty."
    ]


def test_hidden_sheets_are_flagged_and_reported_where_sheets_are_read(tmp_path):
    book = read_path(hidden_sheet_xlsx(tmp_path))
    assert [(s.name, s.hidden) for s in book.sheets] == [("Data", False), ("Lookup", True), ("Old", True)]
    assert not any("hidden" in note for note in book.notes)
    assert hidden_sheets_not_read(book, [book.sheet("Data")]) == [
        "Hidden sheets 'Lookup', 'Old' were not read; choose them among the sheets to read if they hold data to load."
    ]


def test_merged_cells_are_reported_and_refused_in_the_table_but_not_above_it(tmp_path):
    book = read_path(merged_cells_xlsx(tmp_path))
    sheet = book.sheets[0]
    assert sheet.merged == [CellRange(1, 1, 1, 3), CellRange(3, 1, 5, 1)]
    assert [str(r) for r in sheet.merged] == ["A1:C1", "A3:A5"]
    assert ("Sheet 'Falls' has merged cells (A1:C1, A3:A5): a merged cell's value is read in its first cell only, "
            "so check any that lie inside the table.") in book.notes
    with pytest.raises(InputError) as caught:
        sheet_table(sheet, header_row=2)
    # The merged title above the header is harmless; the team merged down rows 3–5 is not.
    [problem] = caught.value.problems
    assert (problem.file, problem.sheet, problem.row) == ("merged.xlsx", "Falls", 3)
    assert problem.message.startswith("cells A3:A5 are merged, which hides which row a value belongs to.")
    assert "Unmerge" in problem.message


def test_a_workbook_named_csv_is_read_by_its_content(tmp_path):
    path = canonical_xlsx(tmp_path, 5, name="actually-a-workbook.csv")
    assert read_path(path).sheets[0].frame.shape == (6, 7)


def test_a_missing_sheet_is_named_with_the_sheets_there_are(tmp_path):
    book = read_path(hidden_sheet_xlsx(tmp_path))
    with pytest.raises(InputError, match="has no sheet named 'Dat'; its sheets are 'Data', 'Lookup', 'Old'"):
        book.sheet("Dat")
    assert book.sheet("Lookup").hidden
