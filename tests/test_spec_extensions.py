"""Issue 9's mapping-spec extensions: their validation, measure values and a sheet per measure
in the long layout, the sheets a mapping reads (hidden ones only when chosen, never a reason
to refuse), and the form's choices for them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
from fixtures_hostile import CANONICAL_COLUMNS, write_xlsx

from qi_dash.ingest import mapping
from qi_dash.ingest.mapping_form import FormChoices, mapping_from_form
from qi_dash.ingest.read import read_file
from qi_dash.ingest.spec import LAYOUTS, validate_spec
from qi_dash.upload import Step, plan_upload
from tests.test_mapping import check, csv

TEAM = {"team": {"fixed": "Ash Ward"}}
APR, MAY = pd.Timestamp("2024-04-01"), pd.Timestamp("2024-05-01")


def book(tmp_path: Path, sheets: dict[str, list[list[object]]], **options):
    path = write_xlsx(tmp_path / "ward.xlsx", sheets, **options)
    return read_file(path.read_bytes(), path.name)


# --- validate_spec --------------------------------------------------------------------------


def test_the_layouts_have_words_for_the_form():
    assert LAYOUTS["periods_across"] == "a column per period (months across the top)"


def test_a_periods_across_mapping_of_the_wrong_shape_is_told_in_sentences():
    spec = {**TEAM, "layout": "periods_across", "period": {"column": "Month", "form": "auto"}, "measures": [],
            "measure_column": "M", "comment": "Notes", "period_columns": "Apr-23"}
    assert validate_spec(spec) == [
        "period has an unknown key 'column'; its keys are form.",
        "measures belongs to the wide layout, not to periods_across.",
        "measure_column belongs to the long layout, not to periods_across.",
        "comment goes with a row per period; a periods_across mapping reads no comment column.",
        "a periods_across layout needs label_column: the heading of the column holding each row's label.",
        "period_columns must list the headings of the period columns (or be left out to read every heading "
        "after the label column that is a period).",
        'rows must list at least one measure and its row label, e.g. [{"measure": "FALLS", "value": "Falls"}].',
    ]
    assert validate_spec({**TEAM, "layout": "periods_across"}) == [
        'period is required: {"form": "auto"} (the periods are the headings).',
        "a periods_across layout needs label_column: the heading of the column holding each row's label.",
        'rows must list at least one measure and its row label, e.g. [{"measure": "FALLS", "value": "Falls"}].',
    ]


def test_each_wrong_row_of_a_periods_across_mapping_is_told():
    rows = [{"measure": "F"}, {"measure": "f", "value": "x", "numerator": "n"}, "x",
            {"measure": "P", "numerator": "N", "value": " "}, {"measure": "Q", "numerator": "N"}]
    spec = {**TEAM, "layout": "periods_across", "period": {}, "label_column": "Measure", "rows": rows}
    assert validate_spec(spec) == [
        "rows item 1 needs a value row, or a numerator and a denominator row.",
        "rows item 2: measure 'f' is listed twice.",
        "rows item 2 takes a value row or a numerator and denominator pair, not both.",
        "rows item 3 must be an object with measure and value (or numerator and denominator) row labels.",
        "rows item 4.value must name a row label.",
        "rows item 5 needs both a numerator and a denominator row.",
    ]
    good = {**spec, "rows": [{"measure": "F", "value": "Falls"}], "period_columns": ["Apr-23"]}
    assert validate_spec(good) == []


def test_measure_values_and_a_sheet_per_measure_are_checked():
    long = {**TEAM, "layout": "long", "period": {"column": "Month"}, "value": "V"}
    assert validate_spec({**long, "measure_column": "M", "measure_from_sheet": True, "measure_values": {"a": ""}}) == [
        "a long layout takes measure_column or measure_from_sheet (each sheet one measure), not both.",
        'measure_values must map text in the file to measure codes, e.g. {"Restraint per 1000 OBD": "RP_RATE"}.',
    ]
    assert validate_spec({**long, "measure_from_sheet": "yes"}) == [
        "measure_from_sheet must be true (each sheet is one measure) or false."]
    assert validate_spec(long) == [
        "a long layout needs measure_column: the heading of the column naming each row's measure "
        "(or measure_from_sheet: true when each sheet is one measure)."]
    assert validate_spec({**long, "measure_from_sheet": True, "measure_values": {"Falls": "FALLS"}}) == []
    wide = {**TEAM, "period": {"column": "M"}, "measures": [{"measure": "F", "value": "F"}],
            "measure_values": {"a": "b"}, "label_column": "X"}
    assert validate_spec(wide) == [
        "measure_values belongs to the long layout; a wide mapping lists its columns under measures.",
        "label_column belongs to the periods_across layout, not to wide.",
    ]


def test_every_visible_sheet_is_asked_for_alone():
    spec = {**TEAM, "period": {"column": "M"}, "measures": [{"measure": "F", "value": "F"}], "sheet": ["A", "*"]}
    assert validate_spec(spec) == ['sheet "*" means every visible sheet; give it alone, not in a list of sheet names.']


# --- the long layout: measure values, a sheet per measure ----------------------------------------


def test_measure_values_name_the_measure_of_indicator_text_ignoring_case_and_spaces():
    workbook = csv("Ward;Indicator;Month;Num;Denom\n"
                   "Ash Ward;Falls  recorded;2024-04;3;\n"
                   "Ash Ward;safety plan %;2024-04;18;20\n"
                   "Ash Ward;FALLS;2024-05;1;\n")
    spec = {"period": {"column": "Month"}, "team": {"column": "Ward"}, "layout": "long",
            "measure_column": "Indicator", "measure_values": {"falls recorded": "FALLS", "Safety plan %": "PLAN"},
            "numerator": "Num", "denominator": "Denom"}
    table, _ = mapping.apply(spec, workbook)
    assert table.index.tolist() == [2, 3, 4]
    assert table["measure"].tolist() == ["FALLS", "PLAN", "FALLS"]
    assert table.attrs["notes"] == []
    # A text not listed is kept for the check, which matches codes and names as it always has.
    assert table["numerator"].tolist() == ["3", "18", "1"]


def test_a_sheet_per_measure_reads_each_sheet_as_its_measure(tmp_path):
    falls = [["Month", "Ward", "Value"], ["Apr-24", "Ash Ward", 3], ["May-24", "Ash Ward", 1]]
    plans = [["Month", "Ward", "Value"], ["Apr-24", "Ash Ward", 0.9]]
    workbook = book(tmp_path, {"FALLS": falls, "Care plans": plans})
    spec = {"sheet": "*", "period": {"column": "Month"}, "team": {"column": "Ward"}, "layout": "long",
            "measure_from_sheet": True, "measure_values": {"care  PLANS": "PLAN"}, "value": "Value"}
    table, sheets = mapping.apply(spec, workbook)
    assert sheets == "FALLS, Care plans"
    assert table.index.tolist() == [2, 3, 2]
    assert table["measure"].tolist() == ["FALLS", "FALLS", "PLAN"]
    assert table["sheet"].tolist() == ["FALLS", "FALLS", "Care plans"]
    assert table["period"].tolist() == [APR, MAY, APR]
    assert table["value"].tolist() == [3, 1, 0.9]


# --- sheets: hidden ones are read only when chosen and never refuse a file -----------------------


def test_a_hidden_sheet_named_by_the_mapping_is_read_and_others_are_listed(tmp_path):
    data = [["Month", "Ward", "Falls"], ["Apr-24", "Ash Ward", 3]]
    workbook = book(tmp_path, {"Front": [["Cover"]], "Data": data, "Lookup": [["Ward", "Dir"]], "Old": data},
                    hidden=("Data", "Lookup", "Old"))
    spec = {"sheet": "Data", "period": {"column": "Month"}, "team": {"column": "Ward"},
            "measures": [{"measure": "FALLS", "value": "Falls"}]}
    table, sheets = mapping.apply(spec, workbook)
    assert sheets == "Data" and table["value"].tolist() == [3]
    assert table.attrs["notes"] == [
        "Hidden sheets 'Lookup', 'Old' were not read; choose them among the sheets to read if they hold data to load."]


def test_a_template_workbook_with_a_hidden_sheet_holding_data_is_not_refused(demo_store, tmp_path):
    data = [CANONICAL_COLUMNS, ["W-ASH", "HUDDLES", date(2030, 11, 4), None, None, 3, None]]
    old = [["team", "value"], ["W-ASH", 99]]
    path = write_xlsx(tmp_path / "hidden.xlsx", {"Data": data, "Old figures": old}, hidden=("Old figures",))
    plan = plan_upload(demo_store, path.read_bytes(), path.name)
    assert plan.problems == []
    assert plan.next_step is Step.PREVIEW and plan.sentence() == "1 added, 0 updated, 0 unchanged"
    assert ("Hidden sheet 'Old figures' was not read; choose it among the sheets to read if it holds data to load."
            in plan.notes)


def test_a_ward_tracker_with_a_hidden_lookup_sheet_uploads_through_a_periods_across_mapping(demo_store, tmp_path):
    tracker = [
        ["Ash Ward tracker"], ["Rates per 1,000 occupied bed days"], [],
        ["Indicator", "Jan-30", "February 2030", "Mar-30", "Total"],
        ["Restraints", 2, 3, None, 5],
        ["Occupied bed days", "1,200", 1100, None, 2300],
        ["Rate", 1.67, 2.73, None, None],
    ]
    path = write_xlsx(tmp_path / "tracker.xlsx", {"Ash": tracker, "Lookup": [["Ward", "Directorate"], ["Ash", "Acute"]]},
                      hidden=("Lookup",), merged={"Ash": ["A1:E1"]})
    spec = {"sheet": "Ash", "header_row": 4, "layout": "periods_across", "label_column": "Indicator",
            "team": {"fixed": "W-ASH"}, "period": {"form": "auto"},
            "rows": [{"measure": "RP_RATE", "numerator": "Restraints", "denominator": "Occupied bed days"}]}
    plan = plan_upload(demo_store, path.read_bytes(), path.name, mapping=spec)
    assert plan.problems == [] and plan.next_step is Step.PREVIEW
    changes = plan.changes.sort_values("period")
    assert changes["row"].tolist() == [5, 5, 5]
    assert changes["period"].tolist() == [pd.Timestamp("2030-01-01"), pd.Timestamp("2030-02-01"),
                                          pd.Timestamp("2030-03-01")]
    assert changes["numerator"].tolist()[:2] == [2, 3] and changes["denominator"].tolist()[:2] == [1200, 1100]
    assert pd.isna(changes["numerator"].iloc[2]) and pd.isna(changes["denominator"].iloc[2])
    assert "Hidden sheet 'Lookup' was not read; choose it among the sheets to read if it holds data to load." in plan.notes
    assert "Sheet 'Ash': column E ('Total') was not read: the heading is not a period." in plan.notes


# --- the form's choices -----------------------------------------------------------------------


def test_the_form_expresses_a_periods_across_layout_on_chosen_sheets(tmp_path):
    choices = FormChoices(sheet="Ash", first_sheet=False, header_row=1, period_column="", period_form="month",
                          team_source="sheet_name", layout="periods_across", label_column="Measure",
                          rows={"FALLS": ("Falls",), "PLAN": ("Plans", "Patients"), "PRN": ("",)},
                          period_columns=("Apr-24",), sheets=("Ash", "Birch (old)"))
    spec = mapping_from_form(choices)
    assert spec == {
        "sheet": ["Ash", "Birch (old)"], "header_row": 1, "period": {"form": "month"}, "team": {"sheet_name": True},
        "layout": "periods_across", "label_column": "Measure",
        "rows": [{"measure": "FALLS", "value": "Falls"},
                 {"measure": "PLAN", "numerator": "Plans", "denominator": "Patients"}],
        "period_columns": ["Apr-24"],
    }
    assert validate_spec(spec) == []
    sheet = [["Measure", "Apr-24", "May-24"], ["Falls", 1, 2], ["Plans", 3, 4], ["Patients", 5, 6]]
    workbook = book(tmp_path, {"Ash": sheet, "Birch (old)": sheet}, hidden=("Birch (old)",))
    table, _ = mapping.apply(spec, workbook)
    assert table["team"].tolist() == ["Ash"] * 2 + ["Birch (old)"] * 2
    assert table["period"].tolist() == [APR] * 4
    assert table["value"].tolist() == [1, None, 1, None]


def test_the_form_expresses_measure_values_and_a_sheet_per_measure():
    choices = FormChoices(sheet="*", first_sheet=False, header_row=2, period_column="Month", team_column="Ward",
                          layout="long", measure_from_sheet=True, measure_values={"Falls": "FALLS"},
                          value_column="Value")
    assert mapping_from_form(choices) == {
        "sheet": "*", "header_row": 2, "period": {"column": "Month", "form": "auto"}, "team": {"column": "Ward"},
        "layout": "long", "measure_from_sheet": True, "measure_values": {"Falls": "FALLS"}, "value": "Value",
        "comment": None,
    }
    by_column = FormChoices(sheet="Data", first_sheet=True, header_row=1, period_column="Month", team_column="Ward",
                            layout="long", measure_column="Indicator", measure_values={"Falls": "FALLS"},
                            value_column="Value", empty_team="above")
    spec = mapping_from_form(by_column)
    assert spec["measure_column"] == "Indicator" and "measure_from_sheet" not in spec
    assert spec["team"] == {"column": "Ward", "empty": "above"}
    assert validate_spec(spec) == []
    checked = check(mapping.apply(spec, csv("Month,Ward,Indicator,Value\nApr-24,Ash Ward,falls,2\n"))[0], "team")
    assert checked.ok, checked.problems
    assert checked.observations[["unit", "measure", "value"]].values.tolist() == [["W-ASH", "FALLS", 2.0]]


def test_a_team_written_once_per_group_is_taken_from_the_row_above_in_any_layout():
    assert validate_spec({"period": {"column": "M"}, "team": {"column": "Ward", "empty": "below"},
                          "measures": [{"measure": "F", "value": "F"}]}) == [
        "team.empty is 'below'; expected refuse, skip or above."]
    workbook = csv("Ward,Month,Falls\nAsh Ward,Apr-24,3\n,May-24,1\nBirch Ward,Apr-24,0\n")
    spec = {"period": {"column": "Month"}, "team": {"column": "Ward", "empty": "above"},
            "measures": [{"measure": "FALLS", "value": "Falls"}]}
    table, _ = mapping.apply(spec, workbook)
    assert table["team"].tolist() == ["Ash Ward", "Ash Ward", "Birch Ward"]
    assert table["period"].tolist() == [APR, MAY, APR]
    assert table.attrs["notes"] == [
        "Row 3 of sheet 'team' had no team ('Ward' empty) and took the team of the row above, as the mapping's "
        "team setting \"empty\": \"above\" asks."]


# --- table_end --------------------------------------------------------------------------------

SUMMARY_BELOW = ("Ward,Month,Falls\nAsh Ward,Apr-24,3\nAsh Ward,May-24,1\n,,\n,,\nSummary by directorate,,\n"
                 "Directorate,Month,Falls\nAdult Acute,Apr-24,3\n")
WIDE_FALLS = {"period": {"column": "Month"}, "team": {"column": "Ward"}, "measures": [{"measure": "FALLS", "value": "Falls"}]}


def test_table_end_is_checked():
    assert validate_spec({**WIDE_FALLS, "table_end": "first_blank_row"}) == []
    assert validate_spec({**WIDE_FALLS, "table_end": "blank"}) == [
        "table_end is 'blank'; expected sheet_end or first_blank_row."]


def test_a_table_ending_at_its_first_blank_row_leaves_what_lies_below_unread_and_says_so():
    table, _ = mapping.apply({**WIDE_FALLS, "table_end": "first_blank_row"}, csv(SUMMARY_BELOW))
    assert table["team"].tolist() == ["Ash Ward", "Ash Ward"]
    assert table["period"].tolist() == [APR, MAY]
    assert table.attrs["notes"] == [
        "Sheet 'team': the table ends at row 4, its first blank row, as the mapping's \"table_end\": "
        "\"first_blank_row\" asks; rows 6–8 below it (from 'Summary by directorate') were not read."]
    # By default the table runs to the end of the sheet: the summary's headings and rows are
    # read (for the check to refuse), its title skipped as a row with no period or numbers.
    whole, _ = mapping.apply(WIDE_FALLS, csv(SUMMARY_BELOW))
    assert whole.index.tolist() == [2, 3, 7, 8]


def test_blank_rows_at_the_top_of_the_data_or_only_below_it_do_not_end_the_table():
    spec = {**WIDE_FALLS, "table_end": "first_blank_row"}
    table, _ = mapping.apply(spec, csv("Ward,Month,Falls\n,,\nAsh Ward,Apr-24,3\nAsh Ward,May-24,1\n,,\n,,\n"))
    assert table.index.tolist() == [3, 4]
    assert table.attrs["notes"] == []


def test_a_periods_across_sheet_ends_at_its_first_blank_row_too(tmp_path):
    workbook = book(tmp_path, {"Ash": [
        ["Measure", "Apr-24", "May-24"],
        ["Falls", 3, 1],
        [],
        ["Directorate summary", None, None],
        ["Falls", 30, 10],
    ]})
    spec = {**TEAM, "layout": "periods_across", "period": {"form": "auto"}, "label_column": "Measure",
            "rows": [{"measure": "FALLS", "value": "Falls"}], "table_end": "first_blank_row"}
    table, _ = mapping.apply(spec, workbook)
    assert table["value"].tolist() == [3, 1]
    assert table.attrs["notes"] == [
        "Sheet 'Ash': the table ends at row 3, its first blank row, as the mapping's \"table_end\": "
        "\"first_blank_row\" asks; rows 4–5 below it (from 'Directorate summary') were not read."]
