"""Long lists in notes and messages are summarised: the first few, then how many more."""

from __future__ import annotations

import io

import openpyxl

from qi_dash.ingest import mapping
from qi_dash.ingest.read import read_file
from qi_dash.problems import InputError
from qi_dash.text import row_ranges, summarise
from qi_dash.upload import plan_upload

HEADER = ["team", "measure", "period", "numerator", "denominator", "value", "comment"]


def test_a_list_is_shown_whole_when_short_and_as_its_first_items_and_a_count_when_long():
    assert summarise(["A", "B", "C"]) == "A, B, C"
    names = [f"col{i}" for i in range(10_000)]
    assert summarise(names, 3) == "col0, col1, col2 … and 9,997 more"
    assert summarise([], 3) == ""


def test_row_numbers_are_runs_and_a_count_of_the_rows_not_shown():
    assert row_ranges([7]) == "row 7"
    assert row_ranges([40, 41, 45]) == "rows 40–41, 45"
    assert row_ranges(list(range(2, 200, 2)), most=3) == "rows 2, 4, 6 … and 96 more"


def test_ten_thousand_extra_columns_make_a_short_note(demo_store):
    extra = [f"Extra {i}" for i in range(10_000)]
    text = ",".join(HEADER + extra) + "\n" + "W-ASH,HUDDLES,27/10/2025,,,3," + "," * 9_999 + "\n"
    plan = plan_upload(demo_store, text.encode(), "wide.csv")
    (note,) = [n for n in plan.notes if "not part of the template" in n]
    assert note == ("Column(s) Extra 0, Extra 1, Extra 2, Extra 3, Extra 4 … and 9,995 more are not part of "
                    "the template and are not saved.")


def test_a_heading_the_mapping_reads_but_a_wide_sheet_lacks_names_only_the_first_headings():
    headings = ["Month", "Ward", *[f"Extra {i}" for i in range(500)]]
    workbook = read_file((",".join(headings) + "\nApr-24,Ash Ward" + "," * 500 + "\n").encode(), "wide.csv")
    spec = {"sheet": "wide", "period": {"column": "Month"}, "team": {"column": "Ward"}, "layout": "wide",
            "measures": [{"measure": "FALLS", "value": "Falls"}]}
    try:
        mapping.apply(spec, workbook)
    except InputError as err:
        (problem,) = err.problems
    assert problem.kind == "missing_heading" and problem.subject == "Falls"
    assert problem.message.endswith("'Extra 16', 'Extra 17' … and 482 more.")


def test_many_merged_ranges_are_noted_as_the_first_few_and_a_count():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Data"
    for row in range(1, 61):
        sheet.append([f"a{row}", None, "x"])
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
    raw = io.BytesIO()
    book.save(raw)
    workbook = read_file(raw.getvalue(), "merged.xlsx")
    (note,) = [n for n in workbook.notes if "merged cells" in n]
    assert "A1:B1, A2:B2, A3:B3, A4:B4, A5:B5 … and 55 more" in note
    assert len(note) < 200
