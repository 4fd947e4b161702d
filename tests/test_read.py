"""Reading uploads: every sheet as stored, and every hostile or broken file refused plainly."""

from __future__ import annotations

import dataclasses
import random
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest
from fixtures_hostile import (
    canonical_xlsx,
    empty_workbook_xlsx,
    error_cells_xlsx,
    formulas_xlsx,
    hidden_sheet_xlsx,
    high_ratio_xlsx,
    legacy_xls,
    lying_size_xlsx,
    merged_cells_xlsx,
    not_a_workbook_zip,
    ods_file,
    password_protected_xlsx,
    pdf_renamed,
    png_renamed,
    prefixed_formulas_xlsx,
    random_bytes,
    stray_cell_xlsx,
    text_file,
    truncated_xlsx,
    write_xlsx,
    zip_bomb_xlsx,
)

from qi_dash.ingest import xlsx_scan
from qi_dash.ingest.read import read_file
from qi_dash.ingest.workbook import CellRange, ReadLimits, Sheet, Workbook, cells_frame, sheet_table
from qi_dash.periods import misaligned_mask, parse_periods, to_week_commencing
from qi_dash.problems import InputError, Problem
from tests.conftest import SHARED_DATA

AE_XLSX = SHARED_DATA / "ae_attendances.xlsx"
ONS_CSV = SHARED_DATA / "ons_mortality.csv"
needs_shared = pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="needs ../shared/data beside the repository")


def read_path(path: Path, limits: ReadLimits | None = None) -> Workbook:
    return read_file(path.read_bytes(), path.name, limits or ReadLimits())


def refusal(data: bytes, name: str, limits: ReadLimits | None = None) -> Problem:
    """The single problem a refused file reports."""
    with pytest.raises(InputError) as caught:
        read_file(data, name, limits or ReadLimits())
    [problem] = caught.value.problems
    assert problem.file == name
    return problem


def refusal_of(path: Path, limits: ReadLimits | None = None) -> Problem:
    return refusal(path.read_bytes(), path.name, limits)


# --- workbooks read as stored -------------------------------------------------------------


def test_a_canonical_workbook_keeps_row_numbers_letters_and_cell_types(tmp_path):
    book = read_path(canonical_xlsx(tmp_path, 50))
    [sheet] = book.sheets
    frame = sheet.frame
    assert sheet.name == "Data" and not sheet.hidden and sheet.merged == []
    assert frame.shape == (51, 7)
    assert list(frame.columns) == ["A", "B", "C", "D", "E", "F", "G"]
    assert frame.index[0] == 1 and frame.index[-1] == 51
    assert (frame.dtypes == object).all()
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


def test_hidden_sheets_are_flagged_and_reported(tmp_path):
    book = read_path(hidden_sheet_xlsx(tmp_path))
    assert [(s.name, s.hidden) for s in book.sheets] == [("Data", False), ("Lookup", True), ("Old", True)]
    assert "Sheet 'Lookup' is hidden in Excel; unhide it to check what it holds before using it." in book.notes
    assert any("'Old' is hidden" in note for note in book.notes)


def test_merged_cells_are_reported_and_refused_in_the_table_but_not_above_it(tmp_path):
    book = read_path(merged_cells_xlsx(tmp_path))
    sheet = book.sheets[0]
    assert sheet.merged == [CellRange(1, 1, 1, 3), CellRange(3, 1, 5, 1)]
    assert [str(r) for r in sheet.merged] == ["A1:C1", "A3:A5"]
    assert "Sheet 'Falls' has merged cells (A1:C1, A3:A5); unmerge any in the table before using it." in book.notes
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


# --- hostile and broken workbooks ---------------------------------------------------------


@pytest.mark.parametrize("name", ["data.csv", "data.xlsx"])
def test_an_empty_file_is_refused(name):
    problem = refusal(b"", name)
    assert problem.message == "is empty (0 bytes). Check the file was saved, then upload it again."
    assert str(problem) == f"{name}: is empty (0 bytes). Check the file was saved, then upload it again."


def test_a_workbook_with_no_data_is_refused(tmp_path):
    assert refusal_of(empty_workbook_xlsx(tmp_path)).message == "has no data: every sheet in it is empty."


def test_a_password_protected_workbook_is_refused(tmp_path):
    problem = refusal_of(password_protected_xlsx(tmp_path))
    assert problem.message.startswith("is password-protected; remove the password")
    assert "upload again" in problem.message


def test_a_legacy_xls_workbook_is_refused_with_how_to_convert(tmp_path):
    message = refusal_of(legacy_xls(tmp_path)).message
    assert message.startswith("is an old-style Excel 97–2003 workbook (.xls)")
    assert "'Excel Workbook (.xlsx)'" in message


def test_another_ole2_office_file_is_refused():
    data = bytes.fromhex("D0CF11E0A1B11AE1") + bytes(2000)
    assert refusal(data, "minutes.doc").message.startswith("is an older Microsoft Office file")


def test_a_truncated_workbook_is_refused_as_damaged(tmp_path):
    message = refusal_of(truncated_xlsx(tmp_path)).message
    assert message.startswith("is damaged or incomplete (it may have been cut off while saving or uploading).")


def test_a_zip_bomb_is_refused_from_its_declared_size_before_anything_is_inflated(tmp_path):
    path = zip_bomb_xlsx(tmp_path, declared_bytes=4_000_000_000)
    message = refusal_of(path).message
    assert message.startswith(
        "would expand to 3,815 MB when opened, more than the 200 MB allowed, so it was not opened."
    )


@pytest.mark.parametrize("source", [formulas_xlsx, merged_cells_xlsx])
def test_random_damage_to_a_workbook_is_refused_or_read_never_a_traceback(tmp_path, source):
    original = source(tmp_path).read_bytes()
    rng = random.Random(2024)
    for _ in range(300):
        damaged = bytearray(original)
        for _ in range(rng.randint(1, 8)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        try:
            read_file(bytes(damaged), "damaged.xlsx")
        except InputError:
            pass


def test_zip_magic_followed_by_junk_is_refused_as_damaged():
    data = b"PK\x03\x04" + random.Random(3).randbytes(5000)
    assert refusal(data, "junk.xlsx").message.startswith("is damaged or incomplete")


def test_an_absurd_compression_ratio_is_refused(tmp_path):
    message = refusal_of(high_ratio_xlsx(tmp_path)).message
    assert message.startswith("contains a part ('xl/worksheets/sheet1.xml') that expands")
    assert "'zip bomb'" in message


def test_a_workbook_whose_sizes_lie_is_refused_as_damaged(tmp_path):
    assert refusal_of(lying_size_xlsx(tmp_path)).message.startswith("is damaged or incomplete")


def test_a_zip_that_is_not_a_workbook_is_refused(tmp_path):
    message = refusal_of(not_a_workbook_zip(tmp_path)).message
    assert (
        message == "is a zip archive (such as a Word document) but not an Excel workbook; upload an .xlsx or .csv file."
    )


def test_an_opendocument_spreadsheet_is_refused_with_how_to_convert(tmp_path):
    assert refusal_of(ods_file(tmp_path)).message.startswith("is an OpenDocument spreadsheet (.ods); save it as")


def test_more_rows_than_the_limit_are_refused_with_the_count(tmp_path):
    problem = refusal_of(canonical_xlsx(tmp_path, 150), ReadLimits(max_rows=100))
    assert problem.sheet == "Data"
    assert problem.message == (
        "has 151 rows, more than the 100 allowed in one upload. Split it into smaller files and upload each."
    )


def test_a_sheet_stretched_by_a_stray_cell_is_refused(tmp_path):
    problem = refusal_of(stray_cell_xlsx(tmp_path), ReadLimits(max_cells=100_000))
    assert problem.sheet == "Data"
    assert problem.message.startswith("spans 1,000 rows × 1,000 columns, more than the 100,000 cells allowed.")
    assert "stray cells" in problem.message


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("upload.csv", "is not a CSV file: it holds binary data"),
        ("upload.xlsx", "is not an Excel workbook: it holds binary data"),
    ],
)
def test_random_bytes_are_refused_whatever_the_name(tmp_path, name, expected):
    assert refusal_of(random_bytes(tmp_path, name)).message.startswith(expected)


def test_short_binary_without_nul_bytes_is_refused():
    # No NUL byte, but control characters no text file holds.
    assert refusal(b"\x01\x02\x03abc\x04\x05", "x.csv").message.startswith("is not a CSV file: it holds binary data")


def test_an_image_renamed_csv_is_refused(tmp_path):
    assert "holds binary data" in refusal_of(png_renamed(tmp_path)).message


def test_a_pdf_renamed_xlsx_is_refused(tmp_path):
    assert refusal_of(pdf_renamed(tmp_path)).message.startswith("is a PDF document, not a spreadsheet")


def test_an_html_export_named_xls_is_refused(tmp_path):
    path = text_file(tmp_path, "export.xls", "<html><body><table><tr><td>1</td></tr></table></body></html>")
    assert refusal_of(path).message.startswith("is a web page (HTML), not a spreadsheet")


def test_undecodable_text_is_refused():
    # 0x81 and 0x8D are undefined in Windows-1252 and invalid UTF-8.
    message = refusal(b"team,value\nWard\x81\x8d,1\n", "x.csv").message
    assert message.startswith("is not text we can read (neither UTF-8 nor Windows-1252)")


def test_blank_csv_is_refused():
    assert refusal(b"\r\n \n", "blank.csv").message == "has no data: it holds no text."


# --- CSV ----------------------------------------------------------------------------------


@needs_shared
def test_real_ons_mortality_csv_reads_as_text():
    book = read_path(ONS_CSV)
    [sheet] = book.sheets
    assert sheet.name == "ons_mortality"
    assert sheet.frame.shape == (18_804, 5)
    table = sheet_table(sheet)
    assert table.columns.tolist() == ["category_1", "category_2", "counts", "date", "week_no"]
    # Text stays text: numbers are not coerced, empty fields are None.
    assert table.loc[2].tolist() == ["Total deaths", "all ages", "12968.0", "2010-01-08", "1"]
    assert table["category_1"].isna().sum() == 52
    # Week-ending Fridays become the Monday the week commences.
    periods = parse_periods(table["date"])
    assert periods.ok.all()
    weeks = to_week_commencing(periods.timestamps)
    assert (weeks.dt.day_of_week == 0).all()
    assert weeks.loc[2] == pd.Timestamp("2010-01-04")
    assert book.notes == []


def test_csv_with_a_bom_has_a_clean_first_heading():
    book = read_file("\ufeffteam,value\nWard 1,3\n".encode("utf-8"), "bom.csv")
    assert book.sheets[0].frame.loc[1].tolist() == ["team", "value"]
    assert book.notes == []


def test_semicolon_csv_with_decimal_commas():
    data = b"team;value;comment\nWard 1;1,5;a\nWard 2;2,25;b\n"
    book = read_file(data, "semi.csv")
    assert book.sheets[0].frame.loc[2].tolist() == ["Ward 1", "1,5", "a"]
    assert book.notes == ["'semi.csv' was read as semicolon-separated."]


def test_tab_separated_text():
    book = read_file(b"team\tvalue\nWard 1\t3\n", "tabs.txt")
    assert book.sheets[0].frame.loc[2].tolist() == ["Ward 1", "3"]
    assert book.notes == ["'tabs.txt' was read as tab-separated."]


def test_windows_1252_csv_keeps_pound_signs_and_accents():
    data = "team,comment\nWard É,£5 voucher for café\n".encode("cp1252")
    book = read_file(data, "ansi.csv")
    assert book.sheets[0].frame.loc[2].tolist() == ["Ward É", "£5 voucher for café"]
    assert book.notes == ["'ansi.csv' is not UTF-8; it was read as Windows-1252 (Excel's usual CSV encoding)."]


def test_utf16_unicode_text_from_excel():
    data = "team\tcomment\nWard 1\tnaïve\n".encode("utf-16")
    assert read_file(data, "unicode.txt").sheets[0].frame.loc[2].tolist() == ["Ward 1", "naïve"]


def test_text_that_looks_like_a_formula_or_number_is_kept_exactly_as_typed():
    typed = ["=SUM(A1:A3)", "+1 agency nurse", "-2 beds closed", "@risk", "007", " padded ", "1e5", "TRUE"]
    data = ("comment\n" + "\n".join(f'"{t}"' for t in typed) + "\n").encode()
    frame = read_file(data, "typed.csv").sheets[0].frame
    assert frame["A"].tolist()[1:] == typed


def test_csv_rows_keep_their_numbers_through_blank_lines_quoted_newlines_and_ragged_rows():
    data = b'team,comment,value\n"Ward 1","two\nlines",3\n\nWard 2\nWard 3,x,4,extra\n'
    sheet = read_file(data, "messy.csv").sheets[0]
    assert sheet.frame.shape == (5, 4)
    assert sheet.frame.loc[2, "B"] == "two\nlines"
    assert sheet.frame.loc[4].tolist() == ["Ward 2", None, None, None]
    with pytest.raises(InputError, match="column D has values but no heading in row 1"):
        sheet_table(sheet)
    sheet = dataclasses.replace(sheet, frame=sheet.frame.drop(columns="D"), present=None)
    table = sheet_table(sheet)
    assert table.index.tolist() == [2, 4, 5]
    assert table.attrs["empty_rows"] == [3]
    assert table.columns.tolist() == ["team", "comment", "value"]


def test_a_text_file_named_xlsx_is_read_as_csv_with_a_note():
    book = read_file(b"team,value\nWard 1,3\n", "export.xlsx")
    assert book.sheets[0].name == "export"
    assert book.notes == ["'export.xlsx' holds plain text, not an Excel workbook; it was read as a CSV file."]


def test_csv_sheet_is_named_after_the_file_even_from_a_windows_path():
    assert read_file(b"a\n1\n", "C:\\Users\\lead\\Falls 2024.csv").sheets[0].name == "Falls 2024"


def test_csv_with_more_rows_than_the_limit_is_refused_with_the_count():
    data = ("v\n" + "1\n" * 150).encode()
    problem = refusal(data, "long.csv", ReadLimits(max_rows=100))
    assert problem.sheet == "long"
    assert problem.message.startswith("has 151 rows, more than the 100 allowed in one upload.")


def test_a_csv_the_csv_reader_rejects_is_refused_with_its_line():
    data = b"team,comment\nWard 1,ok\nWard 2," + b"x" * 200_000 + b"\n"
    message = refusal(data, "huge-cell.csv").message
    assert message.startswith("could not be read as CSV at line 3: field larger than field limit")


# --- sheet_table --------------------------------------------------------------------------


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
