"""Proposing a mapping for a file never seen before: layout, headings, period, team, measures."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from qi_dash import bootstrap
from qi_dash.cli import main
from qi_dash.definitions import read_definitions
from qi_dash.hierarchy import Hierarchy, read_hierarchy
from qi_dash.ingest.detect import SURE, propose
from qi_dash.ingest.mapping import apply
from qi_dash.ingest.read import read_file
from qi_dash.ingest.spec import validate_spec
from tests.fixtures_hostile import Formula, write_xlsx

ROOT = Path(__file__).resolve().parent.parent
AE_DATA = Path("/work/shared/data/ae_attendances.csv")


@pytest.fixture(scope="module")
def demo() -> tuple[Hierarchy, list]:
    return Hierarchy(read_hierarchy(bootstrap.DEMO_HIERARCHY)), read_definitions(bootstrap.STANDARD_MEASURES)


def _propose(path: Path, demo):
    hierarchy, definitions = demo
    return propose(read_file(path.read_bytes(), path.name), hierarchy, definitions)


def _sure(proposal, *names: str) -> None:
    for name in names:
        assert proposal.confidence[name] >= SURE, (name, proposal.why[name])


def test_the_canonical_template_needs_no_mapping(tmp_path, demo):
    path = write_xlsx(tmp_path / "template.xlsx", {"data": [
        ["team", "measure", "period", "numerator", "denominator", "value", "comment"],
        ["Ash Ward", "PRN", date(2024, 4, 1), None, None, 3, None],
    ]})
    proposal = _propose(path, demo)
    assert proposal.template and proposal.spec == {}
    assert proposal.confidence["layout"] == 1.0


def _wide_rows() -> list[list[object]]:
    rows = [["Ash Ward monthly quality return"], ["Note: figures from the ward's own records"], [],
            ["Month", "Ward", "PRN doses", "Admissions", "Seclusion hours", "Comments"]]
    for month in range(1, 13):
        rows.append([date(2024, month, 1), "Ash Ward", month + 3, 10 + month, 2.5 * month, "ok" if month == 3 else None])
    return rows


def test_a_wide_sheet_under_a_title_a_note_and_a_blank_row(tmp_path, demo):
    path = write_xlsx(tmp_path / "wide.xlsx", {"Ash": _wide_rows()}, merged={"Ash": ["A1:F1"]})
    proposal = _propose(path, demo)
    spec = proposal.spec
    assert spec["header_row"] == 4
    assert spec["layout"] == "wide"
    assert spec["period"] == {"column": "Month", "form": "auto"}
    assert spec["team"] == {"column": "Ward"}
    assert spec["comment"] == "Comments"
    assert {m["measure"]: m for m in spec["measures"]} == {
        "PRN": {"measure": "PRN", "value": "PRN doses"},
        "ADMISSIONS": {"measure": "ADMISSIONS", "value": "Admissions"},
        "SECL_HRS": {"measure": "SECL_HRS", "value": "Seclusion hours"},
    }
    assert validate_spec(spec) == []
    _sure(proposal, "header_row", "layout", "period", "team", "measure:PRN", "measure:ADMISSIONS")
    assert proposal.confidence["measure:ADMISSIONS"] > proposal.confidence["measure:PRN"]
    table, _ = apply(spec, read_file(path.read_bytes(), path.name))
    assert len(table) == 36 and set(table["team"]) == {"Ash Ward"}


def _tracker(ward: str, offset: int) -> list[list[object]]:
    months = ["Apr-23", "May-23", "June 2023", "July 2023", date(2023, 8, 1), date(2023, 9, 1)]
    return [
        [f"{ward}: restrictive practice tracker 2023/24"],
        ["Figures are entered by the ward manager by the 5th of the month"],
        [],
        ["Measure", *months],
        ["Restrictive practice incidents", *[offset + i for i in range(6)]],
        ["Occupied bed days", *[600 + i for i in range(6)]],
        ["Rate per 1000 OBD", *[Formula(f"{c}5/{c}6*1000", 5.0) for c in "BCDEFG"]],
        ["Restraints", *[2 + i for i in range(6)]],
        ["PRN doses", *[10 + i for i in range(6)]],
        [],
        ["Total", *[Formula(f"SUM({c}5:{c}9)", 600.0) for c in "BCDEFG"]],
    ]


def test_months_across_the_top_in_a_sheet_per_ward(tmp_path, demo):
    path = write_xlsx(
        tmp_path / "tracker.xlsx",
        {"Ash": _tracker("Ash Ward", 3), "Birch Ward": _tracker("Birch Ward", 5), "Lookup": [["Ward", "Directorate"],
                                                                                             ["Ash", "Acute"]]},
        hidden=("Lookup",),
        merged={"Ash": ["A1:G1"], "Birch Ward": ["A1:G1"]},
    )
    proposal = _propose(path, demo)
    spec = proposal.spec
    assert spec["sheet"] == ["Ash", "Birch Ward"]
    assert spec["header_row"] == 4
    assert spec["layout"] == "periods_across"
    assert spec["label_column"] == "Measure"
    assert spec["period"] == {"form": "auto"}
    assert spec["team"] == {"sheet_name": True, "values": {"Ash": "W-ASH"}}
    rows = {r["measure"]: r for r in spec["rows"]}
    assert rows == {
        "RP_RATE": {"measure": "RP_RATE", "numerator": "Restrictive practice incidents",
                    "denominator": "Occupied bed days"},
        "PRN": {"measure": "PRN", "value": "PRN doses"},
    }
    # Restraints is a weekly count: never offered for a monthly tracker.
    assert "measure:RESTRAINT" not in proposal.confidence
    assert "'Restraints'" in proposal.why["unmapped"] and "'Total'" in proposal.why["unmapped"]
    _sure(proposal, "sheet", "header_row", "layout", "period", "team", "measure:RP_RATE", "measure:PRN")


def test_a_sheet_named_after_no_team_gives_a_team_guess_left_for_the_user(tmp_path, demo):
    path = write_xlsx(tmp_path / "tracker.xlsx", {"Sheet1": _tracker("Some ward", 3)})
    proposal = _propose(path, demo)
    assert proposal.spec["team"] == {"sheet_name": True}
    assert proposal.confidence["team"] < SURE <= proposal.confidence["layout"]
    assert "Not sure" in proposal.why["team"]


def _extract(tmp_path: Path) -> Path:
    lines = ["ward_code;indicator;month_end;Num;Denom"]
    for month_end in ("30/04/2023", "31/05/2023", "30/06/2023"):
        for ward in ("W-ASH", "W-BIR", "W-CED"):
            lines.append(f"{ward};Restraint per 1000 OBD;{month_end};4;610")
            lines.append(f"{ward};Safety plan %;{month_end};18;20")
    path = tmp_path / "extract.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_warehouse_extract_is_long_with_measure_values(tmp_path, demo):
    proposal = _propose(_extract(tmp_path), demo)
    spec = proposal.spec
    assert spec["layout"] == "long"
    assert spec["measure_column"] == "indicator"
    assert spec["measure_values"] == {"Restraint per 1000 OBD": "RP_RATE", "Safety plan %": "SAFETY_PLAN"}
    assert (spec["numerator"], spec["denominator"]) == ("Num", "Denom")
    assert "value" not in spec
    # Month-end dates, day first: any date in the month, moved to the 1st.
    assert spec["period"] == {"column": "month_end", "form": "month"}
    assert spec["team"] == {"column": "ward_code"}
    _sure(proposal, "layout", "period", "team", "measure:RP_RATE", "measure:SAFETY_PLAN")
    assert proposal.confidence["team"] > 0.9


def test_a_weekly_sheet_in_week_ending_dates(tmp_path, demo):
    rows = [["Week ending", "Team", "Huddles held", "Restraints"]]
    rows += [[date(2024, 1, 7) + timedelta(weeks=i), "Cedar Ward", 5, i] for i in range(8)]  # Sundays
    proposal = _propose(write_xlsx(tmp_path / "weekly.xlsx", {"Cedar": rows}), demo)
    spec = proposal.spec
    assert spec["period"] == {"column": "Week ending", "form": "week_ending"}
    assert {m["measure"] for m in spec["measures"]} == {"HUDDLES", "RESTRAINT"}
    assert validate_spec(spec) == []


def test_a_column_matching_no_measure_well_is_left_for_the_user(tmp_path, demo):
    rows = [["Month", "Ward", "Directorate", "Seclusion doses", "Admissions"]]
    rows += [[date(2024, m, 1), "Ash Ward", "Adult Acute Inpatients", m, m] for m in range(1, 7)]
    proposal = _propose(write_xlsx(tmp_path / "vague.xlsx", {"Ash": rows}), demo)
    mapped = {m["measure"] for m in proposal.spec["measures"]}
    weak = {name.split(":")[1] for name, c in proposal.confidence.items() if name.startswith("measure:") and c < SURE}
    assert weak and not weak & mapped
    assert proposal.spec["directorate"] == {"column": "Directorate"}
    assert all("Not sure" in proposal.why[f"measure:{code}"] for code in weak)


@pytest.mark.skipif(not AE_DATA.exists(), reason="the real A&E file is not on this machine")
def test_the_real_ae_file_is_proposed_as_its_worked_example_maps_it():
    hierarchy = Hierarchy(read_hierarchy(ROOT / "examples" / "ae_hierarchy.csv"))
    definitions = read_definitions(ROOT / "examples" / "ae_measures.csv")
    expected = json.loads((ROOT / "examples" / "ae_mapping.json").read_text())
    proposal = propose(read_file(AE_DATA.read_bytes(), AE_DATA.name), hierarchy, definitions)
    spec = proposal.spec
    for part in ("header_row", "period", "team", "directorate", "layout", "comment"):
        assert spec[part] == expected[part], part
    assert sorted(spec["measures"], key=lambda m: m["measure"]) == sorted(expected["measures"], key=lambda m: m["measure"])
    assert validate_spec(spec) == []
    _sure(proposal, "header_row", "period", "layout", "measure:AE_ATT", "measure:AE_BREACH", "measure:AE_ADM")
    # No department is in the hierarchy yet: the team is a guess from headings and repeats.
    assert proposal.confidence["team"] < SURE
    assert proposal.confidence["period"] > proposal.confidence["measure:AE_BREACH"]


def test_upload_mapping_auto_uses_the_proposal_and_prints_its_guesses(tmp_path, capsys, demo):
    db = str(tmp_path / "qi.duckdb")
    assert main(["init", "--db", db, "--hierarchy", str(bootstrap.DEMO_HIERARCHY)]) == 0
    path = write_xlsx(tmp_path / "wide.xlsx", {"Ash": _wide_rows()}, merged={"Ash": ["A1:F1"]})
    capsys.readouterr()
    assert main(["upload", str(path), "--db", db, "--mapping", "auto"]) == 0
    out = capsys.readouterr().out
    assert "Proposed mapping for wide.xlsx:" in out
    assert "header_row: row 4 holds the headings (the 2 row(s) above hold a title or notes)." in out
    assert "column 'PRN doses' is PRN" in out
    assert "36 added, 0 updated, 0 unchanged" in out


def test_upload_mapping_auto_of_a_template_file_needs_no_mapping(tmp_path, capsys, demo):
    db = str(tmp_path / "qi.duckdb")
    assert main(["init", "--db", db, "--hierarchy", str(bootstrap.DEMO_HIERARCHY)]) == 0
    path = tmp_path / "template.csv"
    path.write_text("team,measure,period,numerator,denominator,value,comment\nAsh Ward,PRN,2024-04-01,,,3,\n")
    assert main(["upload", str(path), "--db", db, "--mapping", "auto", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "the upload template" in out and "1 added" in out


def test_a_ward_column_beside_the_measure_labels_of_a_periods_across_sheet(tmp_path, demo):
    rows = [["Ward", "Measure", "Apr-24", "May-24", "Jun-24"]]
    for ward in ("Ash Ward", "Birch Ward"):
        rows += [[ward, "PRN doses", 1, 2, 3], [ward, "Admissions", 4, 5, 6]]
    proposal = _propose(write_xlsx(tmp_path / "across.xlsx", {"Sheet1": rows}), demo)
    spec = proposal.spec
    assert (spec["layout"], spec["label_column"]) == ("periods_across", "Measure")
    assert spec["team"] == {"column": "Ward"}
    assert {r["measure"]: r.get("value") for r in spec["rows"]} == {"PRN": "PRN doses", "ADMISSIONS": "Admissions"}
    _sure(proposal, "team", "layout", "period")


def test_a_sheet_per_measure(tmp_path, demo):
    def sheet(offset: int) -> list[list[object]]:
        return [["Month", "Ward", "Count"]] + [[date(2024, m, 1), "Cedar Ward", m + offset] for m in range(1, 7)]

    path = write_xlsx(tmp_path / "measures.xlsx", {"PRN doses": sheet(0), "Admissions": sheet(5), "Notes": [["x"]]})
    proposal = _propose(path, demo)
    spec = proposal.spec
    assert spec["sheet"] == ["PRN doses", "Admissions"]
    assert spec["layout"] == "long" and spec["measure_from_sheet"] is True
    assert spec["value"] == "Count" and "measure_column" not in spec
    assert spec["measure_values"] == {"PRN doses": "PRN"}
    assert spec["team"] == {"column": "Ward"}
    _sure(proposal, "sheet", "layout", "measure:PRN", "measure:ADMISSIONS", "team")


def test_two_header_rows_take_the_lower_and_say_it_is_a_guess(tmp_path, demo):
    rows = [[None, None, "Medicines", "Flow"], ["Date", "Ward", "PRN doses", "Admissions"]]
    # Dates as Excel serial numbers (cells formatted as General).
    rows += [[45383 + 30 * i, "Ash Ward", i, i + 1] for i in range(6)]
    proposal = _propose(write_xlsx(tmp_path / "two.xlsx", {"Ash": rows}), demo)
    assert proposal.spec["header_row"] == 2
    assert proposal.confidence["header_row"] < proposal.confidence["team"]
    assert "two header rows" in proposal.why["header_row"]
    assert proposal.spec["period"] == {"column": "Date", "form": "month"}


def test_a_workbook_with_only_a_hidden_sheet_has_nothing_to_propose(tmp_path, demo):
    path = write_xlsx(tmp_path / "hidden.xlsx", {"Visible": [[]], "Lookup": [["Ward", "Directorate"], ["Ash", "Acute"]]},
                      hidden=("Lookup",))
    proposal = _propose(path, demo)
    assert proposal.spec == {} and not proposal.template
    assert proposal.confidence["sheet"] == 0.0 and "No visible sheet holds data" in proposal.why["sheet"]


def test_an_extract_mixing_pairs_and_values_ignores_its_rate_column(tmp_path, demo):
    lines = ["Ward;Indicator;Month;Num;Denom;Value;Rate"]
    for month in ("01/04/2023", "01/05/2023", "01/06/2023"):
        for ward in ("Ash", "Birch"):
            lines += [f"{ward};Restraint per 1000 OBD;{month};4;610;;6.5", f"{ward};PRN doses;{month};;;12;"]
    path = tmp_path / "mixed.csv"
    path.write_text("\n".join(lines) + "\n")
    spec = _propose(path, demo).spec
    assert {k: spec[k] for k in ("measure_column", "numerator", "denominator", "value")} == {
        "measure_column": "Indicator", "numerator": "Num", "denominator": "Denom", "value": "Value"}
    assert spec["measure_values"] == {"Restraint per 1000 OBD": "RP_RATE", "PRN doses": "PRN"}
    assert spec["team"] == {"column": "Ward", "values": {"Ash": "W-ASH", "Birch": "W-BIR"}}
    assert "Rate" not in json.dumps(spec).replace("RP_RATE", "")


def _monthly_return(worked_out: bool) -> list[list[object]]:
    headings = ["Ward", "Month", "Incidents", "Occupied bed days", "Rate per 1,000 OBD", "Plans in place",
                "Patients audited", "% with plan"]
    keep = [h for h in headings if worked_out or h not in ("Rate per 1,000 OBD", "% with plan")]
    rows = [keep]
    for ward in ("Rowan Ward (medium secure)", "Yew Ward (low secure)"):
        for m in range(4, 8):
            row = dict(zip(headings, [ward, date(2023, m, 1), str(m), "1,240", "3.2", "30", "40", "75%"]))
            rows.append([row[h] for h in keep])
    return rows


def test_a_worked_out_figure_beside_a_pair_confirms_the_pairs_measure(tmp_path, demo):
    # "Plans in place" says little alone; followed by "Patients audited" and "% with plan" it
    # is a proportion's numerator and denominator. A bare "Incidents" over bed days is the
    # restrictive practice rate, not assaults on staff.
    path = write_xlsx(tmp_path / "return.xlsx", {"Monthly": _monthly_return(worked_out=True)})
    proposal = _propose(path, demo)
    assert {m["measure"]: m for m in proposal.spec["measures"]} == {
        "RP_RATE": {"measure": "RP_RATE", "numerator": "Incidents", "denominator": "Occupied bed days"},
        "SAFETY_PLAN": {"measure": "SAFETY_PLAN", "numerator": "Plans in place", "denominator": "Patients audited"},
    }
    _sure(proposal, "measure:RP_RATE", "measure:SAFETY_PLAN")
    bare = _propose(write_xlsx(tmp_path / "bare.xlsx", {"Monthly": _monthly_return(worked_out=False)}), demo)
    assert bare.confidence["measure:SAFETY_PLAN"] < SURE
    assert "SAFETY_PLAN" not in {m["measure"] for m in bare.spec["measures"]}


def test_footnotes_under_a_long_table_and_met_and_total_columns(tmp_path, demo):
    rows = [["Team", "Indicator", "Month", "Met", "Total", "Notes"]]
    for team in ("North Community Mental Health Team", "CRHT"):
        for m in ("Jan 2023", "Feb 2023", "Mar 2023"):
            rows.append([team, "Patients with a co-produced safety plan", m, 15, 20, None])
            rows.append([team, "Staff sickness absence", m, 40, 650, None])
    rows += [[], ["* February figures are provisional."], ["Source: RiO audit tool."], ["Prepared by: J. Smith"]]
    path = write_xlsx(tmp_path / "community.xlsx", {"Community": rows})
    proposal = _propose(path, demo)
    spec = proposal.spec
    # The footnotes sit in the team column, but 12 of its 15 rows name teams.
    assert spec["team"] == {"column": "Team"}
    # Both measures are proportions: the two unnamed number columns are their numerator and denominator.
    assert (spec["numerator"], spec["denominator"]) == ("Met", "Total") and "value" not in spec
    _sure(proposal, "team", "measure:SAFETY_PLAN", "measure:SICKNESS")
    table, _ = apply(spec, read_file(path.read_bytes(), path.name))
    assert table["numerator"].dropna().tolist() == [15, 40] * 6
    assert table["denominator"].dropna().tolist() == [20, 650] * 6


def _pivot(blank_below: bool) -> list[list[object]]:
    months = [date(2023, m, 1) for m in (7, 8, 9)]
    rows = [["Sum of Value", None, "Month"], ["Ward", "Measure", *months, "Grand Total"]]
    for ward in ("Cedar Ward", "Birch Ward"):
        rows.append([ward, "Admissions", 1, 2, 3, 6])
        rows.append([None if blank_below else ward, "PRN doses", 4, 5, 6, 15])
        rows.append([f"{ward} Total", None, 5, 7, 9, 21])
    rows.append(["Grand Total", None, 10, 14, 18, 42])
    return rows


def test_a_team_written_once_per_group_is_given_to_the_rows_below(tmp_path, demo):
    proposal = _propose(write_xlsx(tmp_path / "pivot.xlsx", {"Pivot": _pivot(blank_below=True)}), demo)
    # "Cedar Ward Total" is a total row, not Cedar Ward: no value maps it.
    assert proposal.spec["team"] == {"column": "Ward", "empty": "above"}
    _sure(proposal, "team")
    assert "pivot table" in proposal.why["team"]
    written = _propose(write_xlsx(tmp_path / "flat.xlsx", {"Pivot": _pivot(blank_below=False)}), demo)
    assert written.spec["team"] == {"column": "Ward"}


def test_one_blank_team_cell_in_a_flat_table_is_not_a_pattern(tmp_path, demo):
    rows = [["Ward", "Month", "PRN doses"]]
    rows += [["Ash Ward", date(2024, m, 1), m] for m in range(1, 7)]
    rows += [[None, date(2024, 7, 1), 7]] + [["Birch Ward", date(2024, m, 1), m] for m in range(1, 7)]
    proposal = _propose(write_xlsx(tmp_path / "flat.xlsx", {"Data": rows}), demo)
    assert proposal.spec["team"] == {"column": "Ward"}


def test_a_weekly_sheet_beside_monthly_ones_in_a_sheet_per_measure(tmp_path, demo):
    def sheet(days: list[date]) -> list[list[object]]:
        return [["Team", "Period", "Figure"]] + [["Cedar Ward", day, i] for i, day in enumerate(days)]

    monthly = [date(2023, m, 1) for m in (4, 5, 6)]
    mondays = [date(2023, 4, 3) + timedelta(weeks=k) for k in range(3)]
    path = write_xlsx(tmp_path / "measures.xlsx", {"PRN": sheet(monthly), "Hours in seclusion": sheet(monthly),
                                                   "Physical restraints": sheet(mondays)})
    proposal = _propose(path, demo)
    assert proposal.spec["measure_from_sheet"] is True
    # The first sheet is monthly; the weekly count is matched all the same.
    _sure(proposal, "measure:PRN", "measure:SECL_HRS", "measure:RESTRAINT")


def test_excel_serials_as_text_in_a_csv_are_the_period_column(tmp_path, demo):
    # 45017 is 1 April 2023, 45047 1 May 2023; 45019 and 45026 are Mondays in April 2023.
    lines = ["Ward,Indicator,Date,Count"]
    lines += [f"Ash Ward,Admissions,{serial},{n}" for n, serial in enumerate((45017, 45047), start=4)]
    lines += [f"Ash Ward,Physical restraints,{serial},{n}" for n, serial in enumerate((45019, 45026), start=1)]
    path = tmp_path / "serials.csv"
    path.write_text("\n".join(lines) + "\n")
    proposal = _propose(path, demo)
    assert proposal.spec["period"] == {"column": "Date", "form": "auto"}
    assert "months (the 1st) and weeks (Mondays)" in proposal.why["period"]
    _sure(proposal, "period", "measure:ADMISSIONS", "measure:RESTRAINT")
    table, _ = apply(proposal.spec, read_file(path.read_bytes(), path.name))
    assert table["period"].tolist() == [pd.Timestamp(d) for d in ("2023-04-01", "2023-05-01", "2023-04-03",
                                                                  "2023-04-10")]


def _ward_rows() -> list[list[object]]:
    return [["Ward", "Month", "PRN doses", "Admissions"],
            *[["Ash Ward", date(2024, m, 1), m + 3, m + 10] for m in (4, 5, 6)]]


def test_a_summary_table_below_the_data_ends_the_table_at_the_blank_row(tmp_path, demo):
    rows = _ward_rows() + [[], ["Summary by directorate"], ["Directorate", "Month", "PRN doses", "Admissions"],
                           ["Adult Acute", date(2024, 4, 1), 30, 40]]
    path = write_xlsx(tmp_path / "second.xlsx", {"Return": rows})
    proposal = _propose(path, demo)
    assert proposal.spec["table_end"] == "first_blank_row"
    assert proposal.why["table_end"] == ("row 5 is blank and row 7 below it holds headings: another table, so the "
                                         "data ends at row 5 and the rows below are not read.")
    _sure(proposal, "table_end", "team")
    table, _ = apply(proposal.spec, read_file(path.read_bytes(), path.name))
    assert table.index.unique().tolist() == [2, 3, 4]


def test_text_in_a_column_of_numbers_below_a_blank_row_starts_another_table(tmp_path, demo):
    rows = _ward_rows() + [[], [None, None, None, "Directorate total"], [None, None, None, 45]]
    path = write_xlsx(tmp_path / "second.xlsx", {"Return": rows})
    assert _propose(path, demo).why["table_end"].startswith(
        "row 5 is blank and row 6 below it holds text in columns of numbers")


@pytest.mark.parametrize("below", [
    [["Ash Ward", date(2024, 7, 1), 9, 19]],  # more data after a stray blank row
    [["Figures are provisional until the month closes"]],  # a note
    [["Total", None, 27, 45]],  # a total row
    [],  # only blank rows
])
def test_a_blank_row_followed_by_no_other_table_keeps_the_table_to_the_end_of_the_sheet(tmp_path, demo, below):
    path = write_xlsx(tmp_path / "one.xlsx", {"Return": _ward_rows() + [[]] + below})
    proposal = _propose(path, demo)
    assert "table_end" not in proposal.spec and "table_end" not in proposal.confidence
