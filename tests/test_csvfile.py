"""CSV and other delimited text read as stored: ingest/csvfile.py (through ``read_file``)."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from qi_dash.ingest.read import read_file
from qi_dash.ingest.workbook import ReadLimits, sheet_table
from qi_dash.periods import parse_periods, to_week_commencing
from qi_dash.problems import InputError
from tests.conftest import SHARED_DATA
from tests.test_read import needs_shared, read_path, refusal

ONS_CSV = SHARED_DATA / "ons_mortality.csv"


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
