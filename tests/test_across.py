"""The periods_across layout (a column per period, measures down the side): ingest/across.py."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fixtures_hostile import Formula, write_xlsx

from qi_dash.ingest import mapping
from qi_dash.ingest.read import read_file
from qi_dash.problems import InputError
from tests.test_mapping import check

APR, MAY, JUN, JUL, AUG = (pd.Timestamp(f"2023-{m:02d}-01") for m in (4, 5, 6, 7, 8))

# A ward's tracker as kept: a merged title, a note and a blank row above the headings; months
# as a date cell, "May-23" and "June 2023"; July not yet filled in (an empty column); a Total
# column and a formula "Rate" row, a blank row and a Total row.
TRACKER = [
    ["Ward 7 restrictive practice tracker 2023/24"],
    ["Figures from Datix; the rate is per 1,000 occupied bed days"],
    [],
    ["Measure", date(2023, 4, 1), "May-23", "June 2023", "Jul-23", "Aug-23", "Total"],
    ["Falls", 4, 2, 3, None, 5, Formula("SUM(B5:F5)", 14)],
    ["Plans", 18, "19", 17, None, None, Formula("SUM(B6:F6)", 54)],
    ["Patients", "1,210", 20, 20, None, None, Formula("SUM(B7:F7)", 1250)],
    ["Rate", Formula("B6/B7", 0.0149), Formula("C6/C7", 0.95), 0.85, None, None, None],
    [],
    ["Total", 1232, 41, 40, None, 5, None],
]
TRACKER_SPEC = {
    "layout": "periods_across",
    "sheet": "Ward 7",
    "header_row": 4,
    "label_column": "measure",  # headings and labels match ignoring case and repeated spaces
    "team": {"sheet_name": True, "values": {"Ward 7": "Ash Ward"}},
    "period": {"form": "auto"},
    "rows": [{"measure": "FALLS", "value": "falls"}, {"measure": "PLAN", "numerator": "Plans", "denominator": "PATIENTS"}],
}


def book(tmp_path: Path, sheets: dict[str, list[list[object]]], **options):
    """A workbook written as raw SpreadsheetML and read exactly as an upload is."""
    path = write_xlsx(tmp_path / "tracker.xlsx", sheets, **options)
    return read_file(path.read_bytes(), path.name)


def problems_of(spec: dict, workbook) -> list[str]:
    with pytest.raises(InputError) as err:
        mapping.apply(spec, workbook)
    return [str(p) for p in err.value.problems]


def test_a_ward_tracker_gives_a_row_per_measure_and_month_with_gaps_for_the_missing_month(tmp_path):
    workbook = book(tmp_path, {"Ward 7": TRACKER}, merged={"Ward 7": ["A1:G1"]})
    table, sheet = mapping.apply(TRACKER_SPEC, workbook)

    assert sheet == "Ward 7"
    assert list(table.columns) == ["team", "measure", "period", "numerator", "denominator", "value", "comment"]
    # Each row is the spreadsheet row of its value cell; a pair's is its numerator's.
    assert table.index.tolist() == [5] * 5 + [6] * 5
    assert table["team"].tolist() == ["Ash Ward"] * 10
    assert table["measure"].tolist() == ["FALLS"] * 5 + ["PLAN"] * 5
    assert table["period"].tolist() == [APR, MAY, JUN, JUL, AUG] * 2
    # Cells are passed on as stored (the check reads "1,210" and "19"); empty cells are gaps.
    assert table["value"].tolist() == [4, 2, 3, None, 5] + [None] * 5
    assert table["numerator"].tolist() == [None] * 5 + [18, "19", 17, None, None]
    assert table["denominator"].tolist() == [None] * 5 + ["1,210", 20, 20, None, None]
    assert table["comment"].tolist() == [None] * 10
    assert table.attrs["notes"] == [
        "Sheet 'Ward 7': column G ('Total') was not read: the heading is not a period.",
        "Skipped 2 rows of sheet 'Ward 7' (rows 8, 10): labelled 'Rate', 'Total', which the mapping does not "
        "read (such as a total, formula or note row); their cells were not loaded.",
        "Skipped row 9 of sheet 'Ward 7': blank.",
    ]


def test_the_check_reads_text_numbers_and_keeps_the_missing_month_as_a_gap_never_zero(tmp_path):
    table, _ = mapping.apply(TRACKER_SPEC, book(tmp_path, {"Ward 7": TRACKER}))
    checked = check(table, "Ward 7")
    assert checked.ok, checked.problems
    obs = checked.observations.set_index(["measure", "period"])
    assert obs.loc[("FALLS", JUL), "value"] is None or np.isnan(obs.loc[("FALLS", JUL), "value"])
    assert obs.loc[("PLAN", APR), ["numerator", "denominator"]].tolist() == [18, 1210]
    assert obs.loc[("PLAN", MAY), ["numerator", "denominator"]].tolist() == [19, 20]
    assert np.isnan(obs.loc[("PLAN", AUG), "numerator"]) and np.isnan(obs.loc[("PLAN", AUG), "denominator"])
    assert (obs["value"].fillna(-1) != 0).all()


def test_period_columns_may_be_named_by_heading_or_by_the_period_a_date_cell_reads_as(tmp_path):
    spec = {**TRACKER_SPEC, "period_columns": ["Apr-23", "june 2023"]}
    table, _ = mapping.apply(spec, book(tmp_path, {"Ward 7": TRACKER}))
    assert table["period"].tolist() == [APR, JUN] * 2
    assert table["value"].tolist() == [4, 3, None, None]
    assert table["numerator"].tolist() == [None, None, 18, 17]


def test_a_period_column_named_but_absent_or_not_a_period_is_a_problem(tmp_path):
    spec = {**TRACKER_SPEC, "period_columns": ["Sep-23", "Total"]}
    assert problems_of(spec, book(tmp_path, {"Ward 7": TRACKER})) == [
        "tracker.xlsx, sheet 'Ward 7', row 4: the mapping reads the period from a column headed 'Sep-23', but row 4 "
        "has no such heading. Did you mean 'May-23'? The headings are: 'Measure', '2023-04-01', 'May-23', 'June 2023', "
        "'Jul-23', 'Aug-23', 'Total'.",
        "tracker.xlsx, sheet 'Ward 7', row 4, column 'G': the mapping reads column G as a period, but its heading "
        "'Total' is not one: expected a date such as 01/04/2024 or 2024-04-01, or a month such as Apr-24 or "
        "April 2024.",
    ]


def test_an_empty_heading_ends_the_period_columns_and_cells_beyond_are_told(tmp_path):
    rows = [["Measure", "Apr-23", "May-23", None, "Jun-23"], ["Falls", 1, 2, None, 9], ["Plans", 3, 4, None, None],
            ["Patients", 5, 6, "ignored", None]]
    table, _ = mapping.apply({**TRACKER_SPEC, "header_row": 1}, book(tmp_path, {"Ward 7": rows}))
    assert table["period"].tolist() == [APR, MAY] * 2
    assert table["value"].tolist() == [1, 2, None, None]
    assert table.attrs["notes"] == [
        "Sheet 'Ward 7': the period columns end at column D, whose heading in row 1 is empty; the cells in "
        "columns D–E were not read."]


def test_no_heading_after_the_label_column_that_is_a_period_is_a_problem(tmp_path):
    rows = [["Target", "Measure", "Notes"], [1, "Falls", "x"]]
    assert problems_of({**TRACKER_SPEC, "header_row": 1}, book(tmp_path, {"Ward 7": rows})) == [
        "tracker.xlsx, sheet 'Ward 7', row 1: no heading after the label column 'measure' in row 1 is a period "
        "(expected a date such as 01/04/2024 or 2024-04-01, or a month such as Apr-24 or April 2024); name the "
        "period columns in period_columns."]


def test_two_headings_for_the_same_month_are_refused(tmp_path):
    rows = [["Measure", datetime(2023, 4, 1), "Apr-23"], ["Falls", 1, 2], ["Plans", 1, 1], ["Patients", 2, 2]]
    assert problems_of({**TRACKER_SPEC, "header_row": 1}, book(tmp_path, {"Ward 7": rows})) == [
        "tracker.xlsx, sheet 'Ward 7', row 1: columns B and C both hold the period starting 1 Apr 2023; keep one "
        "column per period."]


def test_a_listed_label_the_sheet_lacks_is_a_problem_with_the_closest_label(tmp_path):
    rows = [["Measure", "Apr-23"], ["Fall", 1], ["Plans", 2], ["Patients", 3]]
    assert problems_of({**TRACKER_SPEC, "header_row": 1}, book(tmp_path, {"Ward 7": rows})) == [
        "tracker.xlsx, sheet 'Ward 7': the mapping reads the value of measure FALLS from the row labelled 'falls' "
        "in column 'measure', but no row has that label. Did you mean 'Fall'? The labels are: 'Fall', 'Plans', "
        "'Patients'."]


def test_with_a_team_column_each_team_and_label_pair_is_read(tmp_path):
    rows = [
        ["Ward", "Measure", "Apr-23", "May-23"],
        ["Ash Ward", "Falls", 1, 2],
        ["Ash Ward", "Plans", 3, 4],
        ["Ash Ward", "Patients", 5, 6],
        ["Birch Ward", "Falls", 7, None],
        ["Birch Ward", "Notes", "agency", None],
    ]
    spec = {**TRACKER_SPEC, "header_row": 1, "team": {"column": "Ward"}}
    table, _ = mapping.apply(spec, book(tmp_path, {"Ward 7": rows}))
    assert table.index.tolist() == [2, 2, 3, 3, 5, 5]
    assert table["team"].tolist() == ["Ash Ward"] * 4 + ["Birch Ward"] * 2
    assert table["measure"].tolist() == ["FALLS", "FALLS", "PLAN", "PLAN", "FALLS", "FALLS"]
    assert table["period"].tolist() == [APR, MAY] * 3
    assert table["value"].tolist() == [1, 2, None, None, 7, None]
    assert table["denominator"].tolist() == [None, None, 5, 6, None, None]
    assert table.attrs["notes"] == [
        "Skipped row 6 of sheet 'Ward 7': labelled 'Notes', which the mapping does not read (such as a total, "
        "formula or note row); their cells were not loaded.",
        "Sheet 'Ward 7': team 'Birch Ward' has no row for PLAN; nothing was read for it there.",
    ]


def test_a_label_twice_for_one_team_is_a_problem(tmp_path):
    rows = [["Measure", "Apr-23"], ["Falls", 1], ["Plans", 2], ["Patients", 3], ["falls", 4]]
    assert problems_of({**TRACKER_SPEC, "header_row": 1}, book(tmp_path, {"Ward 7": rows})) == [
        "tracker.xlsx, sheet 'Ward 7', row 5, column 'measure': rows 2 and 5 are both labelled 'falls'; the "
        "mapping cannot tell which to read."]


def test_a_month_form_moves_dates_in_the_headings_to_the_first_of_the_month(tmp_path):
    rows = [["Measure", "15/04/2023", datetime(2023, 5, 31)], ["Falls", 1, 2], ["Plans", 1, 1], ["Patients", 2, 2]]
    spec = {**TRACKER_SPEC, "header_row": 1, "period": {"form": "month"}}
    table, _ = mapping.apply(spec, book(tmp_path, {"Ward 7": rows}))
    assert table["period"].tolist() == [APR, MAY] * 2


def test_merged_cells_below_the_headings_are_refused_only_in_the_columns_read(tmp_path):
    rows = [["Measure", "Apr-23", None, "Comments"], ["Falls", 1, None, "see"], ["Plans", 1, None, "below"],
            ["Patients", 2]]
    spec = {**TRACKER_SPEC, "header_row": 1}
    table, _ = mapping.apply(spec, book(tmp_path, {"Ward 7": rows}, merged={"Ward 7": ["D2:D3"]}))
    assert table["value"].tolist() == [1, None]
    problems = problems_of(spec, book(tmp_path, {"Ward 7": rows}, merged={"Ward 7": ["B2:B3"]}))
    assert problems[0].startswith("tracker.xlsx, sheet 'Ward 7', row 2: cells B2:B3 are merged")


def test_every_visible_sheet_is_a_team_and_a_hidden_sheet_is_read_only_when_chosen(tmp_path):
    ash = [["Measure", "Apr-23"], ["Falls", 1], ["Plans", 2], ["Patients", 3]]
    birch = [["Measure", "Apr-23"], ["Falls", 4], ["Plans", 5], ["Patients", 6]]
    workbook = book(tmp_path, {"Ash Ward": ash, "Birch Ward": birch, "Old": ash}, hidden=("Old",))
    spec = {**TRACKER_SPEC, "sheet": "*", "header_row": 1, "team": {"sheet_name": True}}
    table, sheets = mapping.apply(spec, workbook)
    assert sheets == "Ash Ward, Birch Ward"
    assert table["team"].tolist() == ["Ash Ward", "Ash Ward", "Birch Ward", "Birch Ward"]
    assert table["sheet"].tolist() == table["team"].tolist()
    assert table["value"].tolist() == [1, None, 4, None]
    assert table.attrs["notes"] == [
        "Hidden sheet 'Old' was not read; choose it among the sheets to read if it holds data to load."]
    table, sheets = mapping.apply({**spec, "sheet": ["Ash Ward", "Old"]}, workbook)
    assert sheets == "Ash Ward, Old" and table["team"].tolist() == ["Ash Ward", "Ash Ward", "Old", "Old"]
    assert table.attrs["notes"] == []


def test_a_pivot_table_writes_each_ward_once_and_its_rows_below_take_it_when_asked(tmp_path):
    rows = [
        ["Sum of Value", None, "Month"],
        ["Ward", "Measure", datetime(2023, 4, 1), datetime(2023, 5, 1), "Grand Total"],
        ["Ash Ward", "Falls", 1, 2, 3],
        [None, "Plans", 3, 4, 7],
        [None, "Patients", 5, 6, 11],
        ["Ash Ward Total", None, 9, 12, 21],
        ["Birch Ward", "Falls", 7, 8, 15],
        ["Grand Total", None, 16, 20, 36],
    ]
    spec = {**TRACKER_SPEC, "sheet": "Pivot", "header_row": 2, "team": {"column": "Ward", "empty": "above"},
            "rows": [{"measure": "FALLS", "value": "Falls"}, {"measure": "PLAN", "numerator": "Plans",
                                                               "denominator": "Patients"}]}
    table, _ = mapping.apply(spec, book(tmp_path, {"Pivot": rows}))
    assert table.index.tolist() == [3, 3, 4, 4, 7, 7]
    assert table["team"].tolist() == ["Ash Ward"] * 4 + ["Birch Ward"] * 2
    assert table["measure"].tolist() == ["FALLS", "FALLS", "PLAN", "PLAN", "FALLS", "FALLS"]
    assert table["value"].tolist() == [1, 2, None, None, 7, 8]
    assert table["numerator"].tolist() == [None, None, 3, 4, None, None]
    assert table["denominator"].tolist() == [None, None, 5, 6, None, None]
    assert table.attrs["notes"] == [
        "Sheet 'Pivot': column E ('Grand Total') was not read: the heading is not a period.",
        "Rows 4–5 of sheet 'Pivot' had no team ('Ward' empty) and took the team of the row above, as the "
        "mapping's team setting \"empty\": \"above\" asks.",
        "Skipped 2 rows of sheet 'Pivot' (rows 6, 8): no label in column 'measure'; 2 of them held numbers "
        "(rows 6, 8), which were not loaded.",
        "Sheet 'Pivot': team 'Birch Ward' has no row for PLAN; nothing was read for it there.",
    ]
    # Without "above", the rows below a ward have no team, which the check then refuses.
    spec["team"] = {"column": "Ward"}
    table, _ = mapping.apply(spec, book(tmp_path, {"Pivot": rows}))
    assert table["team"].tolist() == ["Ash Ward"] * 2 + [None] * 2 + ["Birch Ward"] * 2
    assert [str(p) for p in check(table, "Pivot").problems][:1] == [
        "team.xlsx, sheet 'Pivot', row 4, column 'team': team is empty."]
