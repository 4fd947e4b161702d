"""Column mappings: team spreadsheets (wide, long, a sheet per team) → the canonical table."""

from __future__ import annotations

import io
from datetime import datetime

import numpy as np
import openpyxl
import pandas as pd
import pytest

from qi_dash.definitions import parse_definition, read_definitions
from qi_dash.hierarchy import Hierarchy, read_hierarchy
from qi_dash.ingest import mapping
from qi_dash.ingest.canonical import check_table
from qi_dash.ingest.spec import load_spec, validate_spec
from qi_dash.ingest.read import read_file
from qi_dash.problems import InputError
from tests.conftest import REPO, SHARED_DATA

EXAMPLES = REPO / "examples"


# --- builders ------------------------------------------------------------------------------


def xlsx(sheets: dict[str, list[list[object]]], name: str = "team.xlsx"):
    """A workbook read exactly as an upload is: sheet name → rows of cells (row 1 first)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return read_file(out.getvalue(), name)


def csv(text: str, name: str = "team.csv"):
    return read_file(text.encode(), name)


def definition(code: str, kind: str, frequency: str = "month"):
    ratio = kind in ("proportion", "rate")
    return parse_definition({
        "code": code, "name": code.title(), "family": "process", "kind": kind, "definition": "d",
        "numerator": "n", "denominator": "d" if ratio else "", "unit": "u", "multiplier": "100" if ratio else "1",
        "frequency": frequency, "direction": "neutral", "chart": "p" if kind == "proportion" else "xmr",
        "aggregation": "pooled" if ratio else "sum",
    })


DEFINITIONS = [definition("FALLS", "count"), definition("PLAN", "proportion"), definition("DEATHS", "value", "week")]
UNITS = pd.DataFrame(
    [("ORG", "Trust", "organisation", ""), ("DIR", "Wards", "directorate", "ORG"),
     ("W-ASH", "Ash Ward", "team", "DIR"), ("W-BIR", "Birch Ward", "team", "DIR")],
    columns=["code", "name", "level", "parent"],
)

WIDE_SPEC = {
    "name": "Ward return",
    "sheet": "Data",
    "period": {"column": "Month"},
    "team": {"column": "Ward"},
    "layout": "wide",
    "measures": [
        {"measure": "FALLS", "value": "Falls"},
        {"measure": "PLAN", "numerator": "Plans", "denominator": "Patients"},
    ],
    "comment": "Notes",
}
WIDE_ROWS = [
    ["Month", "Ward", "Falls", "Plans", "Patients", "Notes"],
    ["Apr-24", "Ash Ward", 3, 18, 20, None],
    ["May-24", "Ash Ward", 1, 19, 20, "+1 agency nurse"],
    ["Apr-24", "Birch Ward", 0, 10, 12, None],
]


def check(table: pd.DataFrame, sheet: str = "Data", new_teams: dict | None = None):
    return check_table(table, "team.xlsx", sheet, Hierarchy(UNITS), DEFINITIONS, new_teams)


# --- wide, long, sheet per team, fixed team -----------------------------------------------


def test_wide_sheet_gives_a_row_per_measure_keeping_the_source_row_number():
    workbook = xlsx({"Cover": [["Ward return"]], "Data": WIDE_ROWS})
    table, sheet = mapping.apply(WIDE_SPEC, workbook)

    assert sheet == "Data"
    assert list(table.columns) == ["team", "measure", "period", "numerator", "denominator", "value", "comment"]
    assert table.index.name == "row"
    assert table.index.tolist() == [2, 2, 3, 3, 4, 4]
    assert table["measure"].tolist() == ["FALLS", "PLAN"] * 3
    assert table["period"].tolist() == [pd.Timestamp("2024-04-01")] * 2 + [pd.Timestamp("2024-05-01")] * 2 + [
        pd.Timestamp("2024-04-01")] * 2
    falls, plan = table.iloc[2], table.iloc[3]
    assert (falls["value"], falls["numerator"], falls["denominator"]) == (1, None, None)
    assert (plan["value"], plan["numerator"], plan["denominator"]) == (None, 19, 20)
    # A row's comment goes with each of its measures.
    assert table.loc[3, "comment"].tolist() == ["+1 agency nurse"] * 2
    assert table.attrs["notes"] == []
    checked = check(table)
    assert checked.ok, checked.problems
    assert len(checked.observations) == 6


def test_long_layout_reads_the_measure_from_a_column():
    workbook = csv(
        "Team,Measure,Period,Value,Numerator,Denominator\n"
        "Ash Ward,FALLS,2024-04,3,,\n"
        "Ash Ward,PLAN,2024-04,,18,20\n"
        "Birch Ward,Falls,April 2024,2,,\n"
    )
    spec = {"period": {"column": "Period"}, "team": {"column": "Team"}, "layout": "long",
            "measure_column": "Measure", "value": "Value", "numerator": "Numerator", "denominator": "Denominator"}
    table, sheet = mapping.apply(spec, workbook)

    assert sheet == "team"
    assert table.index.tolist() == [2, 3, 4]
    assert table["measure"].tolist() == ["FALLS", "PLAN", "Falls"]
    assert table["period"].tolist() == [pd.Timestamp("2024-04-01")] * 3
    assert table.loc[3, ["numerator", "denominator"]].tolist() == ["18", "20"]
    checked = check(table, "team")
    assert checked.ok, checked.problems


def test_a_sheet_per_team_names_the_team_and_the_sheet_of_every_row():
    ward = [["Month", "Falls"], ["Apr-24", 3], ["May-24", 1]]
    workbook = xlsx({"Ash Ward": ward, "Birch Ward": ward[:2], "Empty": []})
    spec = {"sheet": "*", "period": {"column": "Month"}, "team": {"sheet_name": True},
            "measures": [{"measure": "FALLS", "value": "Falls"}]}
    table, sheets = mapping.apply(spec, workbook)

    assert sheets == "Ash Ward, Birch Ward"
    assert table["team"].tolist() == ["Ash Ward", "Ash Ward", "Birch Ward"]
    assert table["sheet"].tolist() == ["Ash Ward", "Ash Ward", "Birch Ward"]
    assert table.index.tolist() == [2, 3, 2]
    assert check(table, sheets).ok

    # A list of sheets reads just those; a sheet the list names but the file lacks is refused.
    listed = dict(spec, sheet=["Birch Ward"])
    assert mapping.apply(listed, workbook)[0]["team"].tolist() == ["Birch Ward"]
    with pytest.raises(InputError) as err:
        mapping.apply(dict(spec, sheet=["Birch Ward", "Cedar Ward"]), workbook)
    assert "has no sheet named 'Cedar Ward'" in str(err.value)


def test_a_sheet_per_team_refuses_a_sheet_without_the_mapped_headings_naming_it():
    workbook = xlsx({"Ash Ward": [["Month", "Falls"], ["Apr-24", 3]], "Read me": [["How to fill this in"]]})
    spec = {"sheet": "*", "period": {"column": "Month"}, "team": {"sheet_name": True},
            "measures": [{"measure": "FALLS", "value": "Falls"}]}
    with pytest.raises(InputError) as err:
        mapping.apply(spec, workbook)
    assert {p.sheet for p in err.value.problems} == {"Read me"}


def test_a_sheet_of_headings_only_maps_to_an_empty_table_the_check_refuses():
    spec = {"period": {"column": "Month"}, "team": {"fixed": "W-ASH"},
            "measures": [{"measure": "FALLS", "value": "Falls"}]}
    table, _ = mapping.apply(spec, csv("Month,Falls\n"))
    assert table.empty and "period" in table.columns
    assert [p.message for p in check(table, "team").problems] == ["has no data rows."]


def test_a_fixed_team_takes_the_whole_sheet():
    workbook = csv("Week commencing,Falls\n01/04/2024,2\n08/04/2024,0\n")
    spec = {"period": {"column": "Week commencing"}, "team": {"fixed": "W-ASH"},
            "measures": [{"measure": "FALLS", "value": "Falls"}]}
    table, _ = mapping.apply(spec, workbook)
    assert table["team"].tolist() == ["W-ASH", "W-ASH"]
    assert table["period"].tolist() == [pd.Timestamp("2024-04-01"), pd.Timestamp("2024-04-08")]


def test_team_from_several_columns_leaves_out_empty_parts():
    workbook = csv("Site,Type,Period,Deaths\nRF4,1,2024-04-01,5\nTotal deaths,,2024-04-01,7\n,,2024-04-01,9\n")
    spec = {"period": {"column": "Period"}, "team": {"columns": ["Site", "Type"], "separator": ": "},
            "measures": [{"measure": "DEATHS", "value": "Deaths"}]}
    table, _ = mapping.apply(spec, workbook)
    assert table["team"].tolist() == ["RF4: 1", "Total deaths", None]
    # The row with no team is kept, so the check refuses it by its row number.
    empty = [(p.row, p.column) for p in check(table, "team").problems if p.message == "team is empty."]
    assert empty == [(4, "team")]


def test_whole_number_cells_name_teams_without_a_decimal_point():
    workbook = xlsx({"Data": [["Org", "Type", "Month", "Falls"], ["RF4", 1, "Apr-24", 2]]})
    spec = {"period": {"column": "Month"}, "team": {"columns": ["Org", "Type"]},
            "measures": [{"measure": "FALLS", "value": "Falls"}]}
    assert mapping.apply(spec, workbook)[0]["team"].tolist() == ["RF4 1"]


def test_rows_with_no_team_are_skipped_and_reported_only_when_the_mapping_says_so():
    workbook = csv("Group,Sub,Period,Deaths\nA,x,2024-04-01,5\n,,2024-04-08,9\n,,2024-04-15,\n")
    spec = {"period": {"column": "Period"}, "team": {"columns": ["Group", "Sub"], "empty": "skip"},
            "measures": [{"measure": "DEATHS", "value": "Deaths"}]}
    table, _ = mapping.apply(spec, workbook)
    assert table.index.tolist() == [2]
    assert table.attrs["notes"] == [
        ("Skipped 2 rows of sheet 'team' (rows 3–4): no team ('Group' and 'Sub' empty), as the mapping's team "
         'setting "empty": "skip" asks; 1 of them held numbers (row 3), which were not loaded.')
    ]


def test_values_rename_teams_and_directorates():
    workbook = xlsx({"Ash": [["Month", "Falls"], ["Apr-24", 3]], "Birch Ward": [["Month", "Falls"], ["Apr-24", 1]]})
    spec = {"sheet": "*", "period": {"column": "Month"},
            "team": {"sheet_name": True, "values": {"ash": "W-ASH"}},
            "directorate": {"fixed": "Wards", "values": {"Wards": "DIR"}},
            "measures": [{"measure": "FALLS", "value": "Falls"}]}
    table, _ = mapping.apply(spec, workbook)
    assert table[["team", "directorate"]].values.tolist() == [["W-ASH", "DIR"], ["Birch Ward", "DIR"]]
    assert validate_spec(dict(spec, team={"column": "Ward", "values": {"Ash": ""}})) == [
        'team.values must map text to text, e.g. {"Ash": "Ash Ward"}.']


def test_directorate_column_places_new_teams():
    workbook = csv("org,type,period,att\nRF4,1,2024-04-01,10\nRF4,other,2024-04-01,4\nR1H,1,2024-04-01,7\n")
    spec = {"period": {"column": "period"}, "team": {"columns": ["org", "type"], "separator": " type "},
            "directorate": {"column": "org"}, "measures": [{"measure": "FALLS", "value": "att"}]}
    table, _ = mapping.apply(spec, workbook)
    assert table[["team", "directorate"]].values.tolist() == [
        ["RF4 type 1", "RF4"], ["RF4 type other", "RF4"], ["R1H type 1", "R1H"]]


# --- periods ---------------------------------------------------------------------------------


def test_month_text_in_every_usual_form_is_the_first_of_the_month():
    months = ["Apr-24", "April 2024", "2024-04", "Apr 24", "01/04/2024", "04/2024"]
    workbook = csv("Month,Falls\n" + "".join(f"{m},1\n" for m in months))
    spec = {"period": {"column": "Month"}, "team": {"fixed": "W-ASH"},
            "measures": [{"measure": "FALLS", "value": "Falls"}]}
    table, _ = mapping.apply(spec, workbook)
    assert table["period"].tolist() == [pd.Timestamp("2024-04-01")] * len(months)
    assert str(table["period"].dtype).startswith("datetime64")


def test_date_cells_and_week_commencing_dates_are_understood():
    workbook = xlsx({"Data": [["Week", "Falls"], [datetime(2024, 4, 1), 2], ["w/c 8 Apr 2024", 1]]})
    spec = {"period": {"column": "Week", "form": "week_commencing"}, "team": {"fixed": "W-ASH"},
            "measures": [{"measure": "FALLS", "value": "Falls"}]}
    table, _ = mapping.apply(spec, workbook)
    assert table["period"].tolist() == [pd.Timestamp("2024-04-01"), pd.Timestamp("2024-04-08")]


def test_week_ending_dates_become_the_monday_the_week_commences():
    # Friday 5 April and Sunday 7 April 2024 both end the week commencing Monday 1 April.
    workbook = csv("Week ending,Deaths\n05/04/2024,10\n2024-04-07,11\n12/04/2024,12\n")
    spec = {"period": {"column": "Week ending", "form": "week_ending"}, "team": {"fixed": "W-ASH"},
            "measures": [{"measure": "DEATHS", "value": "Deaths"}]}
    table, _ = mapping.apply(spec, workbook)
    assert table["period"].tolist() == [pd.Timestamp("2024-04-01")] * 2 + [pd.Timestamp("2024-04-08")]


def test_a_date_within_the_month_moves_to_the_first_only_when_the_form_is_month():
    workbook = csv("Date,Falls\n15/04/2024,2\n")
    spec = {"period": {"column": "Date"}, "team": {"fixed": "W-ASH"},
            "measures": [{"measure": "FALLS", "value": "Falls"}]}
    table, _ = mapping.apply(spec, workbook)
    assert table["period"].tolist() == [pd.Timestamp("2024-04-15")]
    problems = check(table, "team").problems
    assert [(p.row, p.column) for p in problems] == [(2, "period")]
    assert "is not the 1st of a month" in problems[0].message

    table, _ = mapping.apply(dict(spec, period={"column": "Date", "form": "month"}), workbook)
    assert table["period"].tolist() == [pd.Timestamp("2024-04-01")]
    assert check(table, "team").ok


def test_a_period_that_cannot_be_read_is_kept_for_the_check_to_refuse():
    workbook = csv("Month,Falls\nApr-24,1\nsometime,2\n04-24,3\n31/02/2024,4\n")
    spec = {"period": {"column": "Month"}, "team": {"fixed": "W-ASH"},
            "measures": [{"measure": "FALLS", "value": "Falls"}]}
    table, _ = mapping.apply(spec, workbook)
    assert table.index.tolist() == [2, 3, 4, 5]
    assert table["period"].tolist() == [pd.Timestamp("2024-04-01"), "sometime", "04-24", "31/02/2024"]
    assert table.attrs["notes"] == []
    problems = {p.row: p.message for p in check(table, "team").problems}
    assert set(problems) == {3, 4, 5}
    assert "ambiguous" in problems[4]  # never guessed
    assert "not a real date" in problems[5]


# --- skipped rows ------------------------------------------------------------------------------


def test_total_note_and_blank_rows_are_skipped_and_said():
    rows = WIDE_ROWS + [
        [None, None, None, None, None, "checked by KM"],  # a note beside an empty period: no numbers
        ["Total", None, 4, 47, 52, None],
        ["Notes: April excludes bank staff", None, None, None, None, None],
        [None, "Ash Ward", 5, None, None, None],  # numbers but no period: kept, and refused
        ["Summer 24", "Ash Ward", 1, None, None, None],  # not a total: kept, and refused
        ["average", None, 1.3, None, None, None],
    ]
    table, _ = mapping.apply(WIDE_SPEC, xlsx({"Data": rows}))
    assert sorted(set(table.index)) == [2, 3, 4, 8, 9]
    assert table.attrs["notes"] == [
        "Skipped row 5 of sheet 'Data': no period and no numbers (blank, total or note rows).",
        ("Skipped 3 rows of sheet 'Data' (rows 6–7, 10): the period cell reads 'Total', "
         "'Notes: April excludes bank staff', 'average', so these are total or note rows and their numbers "
         "were not loaded."),
    ]
    problems = check(table).problems
    assert {(p.row, p.column) for p in problems} == {(8, "period"), (9, "period")}


# --- problems with the mapping -------------------------------------------------------------------


def test_a_mapped_column_missing_from_the_sheet_names_the_closest_and_lists_the_headings():
    spec = dict(WIDE_SPEC, measures=[{"measure": "FALLS", "value": "Fals"},
                                     {"measure": "PLAN", "numerator": "Plans", "denominator": "Fals"}])
    with pytest.raises(InputError) as err:
        mapping.apply(spec, xlsx({"Data": WIDE_ROWS}))
    [problem] = err.value.problems
    assert (problem.sheet, problem.row) == ("Data", 1)
    assert problem.message == (
        "the mapping reads the value of measure FALLS and the denominator of measure PLAN from a column headed "
        "'Fals', but row 1 has no such heading. Did you mean 'Falls'? The headings are: 'Month', 'Ward', "
        "'Falls', 'Plans', 'Patients', 'Notes'."
    )


def test_headings_match_ignoring_case_and_spaces():
    rows = [["MONTH", "ward", "Falls ", "Plans", "Patients", "notes"]] + WIDE_ROWS[1:]
    table, _ = mapping.apply(WIDE_SPEC, xlsx({"Data": rows}))
    assert len(table) == 6


def test_a_sheet_not_found_names_the_closest():
    with pytest.raises(InputError) as err:
        mapping.apply(WIDE_SPEC, xlsx({"Data 2024": WIDE_ROWS, "Cover": [["x"]]}))
    assert str(err.value) == (
        "team.xlsx: has no sheet named 'Data', which the mapping reads. Did you mean 'Data 2024'? "
        "Its sheets are: 'Data 2024', 'Cover'."
    )
    # Sheet names match ignoring case and surrounding spaces.
    assert len(mapping.apply(WIDE_SPEC, xlsx({" data": WIDE_ROWS}))[0]) == 6


# --- speed -----------------------------------------------------------------------------------------


def test_a_100k_row_sheet_maps_to_a_row_per_team_measure_and_period():
    # Its speed is the ingest benchmark's (benchmarks/ingest_bench.py), not a timed test's.
    rows = [["Month", "Ward", "Falls", "Plans", "Patients", "Notes"]]
    months = [datetime(2022 + i // 12, i % 12 + 1, 1) for i in range(36)]
    rows += [[months[i % 36], f"Ward {i % 40}", float(i % 7), 9.0, 10.0, None] for i in range(100_000)]
    big = read_file(pd.DataFrame(rows[1:], columns=rows[0]).to_csv(index=False).encode(), "big.csv")
    table, _ = mapping.apply(dict(WIDE_SPEC, sheet=None), big)
    assert len(table) == 200_000
    assert pd.to_numeric(table["value"]).sum() == sum(i % 7 for i in range(100_000))


# --- the worked examples on real data ----------------------------------------------------------------

needs_shared = pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="../shared/data (real NHS data) is not beside the repo")


def _new_teams(table: pd.DataFrame, units: pd.DataFrame) -> dict[str, str]:
    """Each new team's directorate, as the user would confirm it in the preview: a directorate
    already in the hierarchy is found by code or name, any other is new (its name as code)."""
    directorates = units[units["level"] == "directorate"]
    lookup = {**dict(zip(directorates["name"].str.casefold(), directorates["code"])),
              **{c.casefold(): c for c in directorates["code"]}}
    code = table["directorate"].map(lambda d: lookup.get(d.casefold(), d))
    pairs = pd.DataFrame({"team": table["team"], "directorate": code}).drop_duplicates()
    assert not pairs["team"].duplicated().any(), "a team is placed in two directorates"
    return dict(zip(pairs["team"], pairs["directorate"]))


def _mapped(file_name: str, spec_name: str):
    """A file of ../shared/data read and mapped by its example mapping: (table, sheet, path)."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is absent")
    path = SHARED_DATA / file_name
    table, sheet = mapping.apply(load_spec(EXAMPLES / spec_name), read_file(path.read_bytes(), path.name))
    return table, sheet, path


@pytest.fixture(scope="module")
def ae():
    table, sheet, path = _mapped("ae_attendances.xlsx", "ae_mapping.json")
    return table, sheet, pd.read_excel(path, engine="calamine", dtype={"type": str})


@pytest.fixture(scope="module")
def ons():
    table, sheet, path = _mapped("ons_mortality.csv", "ons_mapping.json")
    return table, sheet, pd.read_csv(path, dtype={"category_1": str, "category_2": str})


@needs_shared
def test_ae_attendances_maps_to_three_rows_per_source_row(ae):
    table, sheet, source = ae
    assert sheet == "ae_attendances"
    assert len(source) == 12_765
    assert len(table) == 3 * 12_765
    assert table.attrs["notes"] == []
    assert table.groupby("measure").size().to_dict() == {"AE_ADM": 12_765, "AE_ATT": 12_765, "AE_BREACH": 12_765}
    assert table["team"].nunique() == 428 and table["directorate"].nunique() == 274

    # Spreadsheet row r holds source row r - 2 (row 1 is the header).
    source.index = source.index + 2
    for measure, column, field in (("AE_ATT", "attendances", "value"), ("AE_ADM", "admissions", "value"),
                                   ("AE_BREACH", "breaches", "numerator"), ("AE_BREACH", "attendances", "denominator")):
        mapped = table.loc[table["measure"] == measure, field].astype(float)
        assert mapped.index.equals(source.index)
        np.testing.assert_array_equal(mapped.to_numpy(), source[column].to_numpy(dtype=float))
    first = table.loc[2]
    assert first["team"].tolist() == ["RF4 type 1"] * 3 and first["directorate"].tolist() == ["RF4"] * 3
    assert (table["period"] == pd.to_datetime(source["period"]).reindex(table.index)).all()
    assert (table["period"].dt.day == 1).all()


@needs_shared
def test_ons_mortality_maps_week_ending_fridays_to_mondays_and_skips_the_unlabelled_rows(ons):
    table, sheet, source = ons
    assert sheet == "ons_mortality"
    assert len(source) == 18_803
    source.index = source.index + 2
    no_key = source["category_1"].isna() & source["category_2"].isna()
    assert no_key.sum() == 52 and source.loc[no_key, "counts"].notna().sum() == 2
    assert len(table) == 18_803 - 52
    assert table.index.equals(source.index[~no_key])
    assert table.attrs["notes"] == [
        ("Skipped 52 rows of sheet 'ons_mortality' (rows 7231–7282): no team ('category_1' and 'category_2' "
         'empty), as the mapping\'s team setting "empty": "skip" asks; 2 of them held numbers (rows 7231–7232), '
         "which were not loaded.")
    ]
    kept = source[~no_key]
    fridays = pd.to_datetime(kept["date"])
    assert (fridays.dt.day_of_week == 4).all()
    assert (table["period"] == fridays - pd.Timedelta(days=4)).all()
    assert (table["period"].dt.day_of_week == 0).all()
    np.testing.assert_array_equal(table["value"].astype(float).to_numpy(), kept["counts"].to_numpy())
    assert table.loc[2, "team"] == "Total deaths: all ages" and table.loc[2, "value"] == "12968.0"
    # Where category_2 is empty the team is category_1 alone, with no stray separator ...
    covid = kept[kept["category_1"].str.startswith("Deaths where COVID-19", na=False)].index
    assert set(table.loc[covid, "team"]) == {kept.loc[covid[0], "category_1"]}
    # ... except that the mapping's "values" joins the 2020 rows of the 5-year average (relabelled
    # upstream from 'Total deaths' / 'average of …' to 'average of …' / empty) to their series.
    average = table[table["team"] == "Total deaths: average of same week over 5 years"]
    assert len(average) == 521 + 14 and not average["period"].duplicated().any()
    assert set(average["directorate"]) == {"Total deaths", "ONS-TOTAL"}
    assert table["team"].nunique() == 95
    # No team has two values for one week (the source has no duplicate category × date keys).
    assert not table.duplicated(["team", "measure", "period"]).any()


@needs_shared
@pytest.mark.parametrize("example", ["ae", "ons"])
def test_check_table_accepts_the_mapped_real_files(example, request):
    table, sheet, _ = request.getfixturevalue(example)
    units = read_hierarchy(EXAMPLES / f"{example}_hierarchy.csv")
    definitions = read_definitions(EXAMPLES / f"{example}_measures.csv")
    new_teams = _new_teams(table, units)
    checked = check_table(table, sheet + ".file", sheet, Hierarchy(units), definitions, new_teams)
    assert checked.problems == []
    assert len(checked.observations) == len(table)
    assert sorted(checked.unknown_teams) == []
    assert set(new_teams) == set(table["team"])
    # No new team is named like a unit already there (plan_upload refuses that).
    names = {u.casefold() for u in pd.concat([units["code"], units["name"]])}
    assert not {t.casefold() for t in new_teams} & names
    if example == "ons":
        # The 5-year averages are not whole numbers: the measure is a value, not a count.
        assert (checked.observations["value"].dropna() % 1 != 0).sum() == 278
        assert set(new_teams.values()) <= set(units["code"])
