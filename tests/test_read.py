"""Reading uploads: ingest/read.py. Every hostile or broken file refused plainly, whatever it is
named; how workbooks and CSV files are read is in test_xlsx.py and test_csvfile.py."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from fixtures_hostile import (
    canonical_xlsx,
    empty_workbook_xlsx,
    formulas_xlsx,
    high_ratio_xlsx,
    legacy_xls,
    lying_size_xlsx,
    merged_cells_xlsx,
    not_a_workbook_zip,
    ods_file,
    password_protected_xlsx,
    pdf_renamed,
    png_renamed,
    random_bytes,
    stray_cell_xlsx,
    text_file,
    truncated_xlsx,
    zip_bomb_xlsx,
)

from qi_dash.ingest.read import read_file
from qi_dash.ingest.workbook import ReadLimits, Workbook
from qi_dash.problems import InputError, Problem
from tests.conftest import SHARED_DATA

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
