"""Every validation rule of the canonical template: the message names sheet, row and column,
and nothing is written (an export of the database is byte-identical afterwards)."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from openpyxl import Workbook

from qi_dash.upload import Step, commit, plan_upload
from tests.conftest import export_csv

HEADER = "team,measure,period,numerator,denominator,value,comment\n"

BOTH_ENGINES = True  # store tests run on DuckDB and PostgreSQL (conftest.engine)


def csv(*lines: str) -> bytes:
    return (HEADER + "\n".join(lines) + "\n").encode()


def refused(store, data: bytes, name: str = "team.csv"):
    """Plan an upload that must be refused; check nothing can be written; return problems."""
    before = export_csv(store)
    plan = plan_upload(store, data, name)
    assert plan.problems, "expected the file to be refused"
    assert not plan.ok
    with pytest.raises(ValueError):
        commit(store, plan)
    assert export_csv(store) == before
    return plan.problems


def only(problems):
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def test_missing_required_columns_are_named(demo_store):
    problem = only(refused(demo_store, b"measure,period,value\nHUDDLES,06/01/2025,3\n"))
    assert "missing column(s): team" in problem.message
    assert problem.file == "team.csv"


def test_unknown_team_is_named_with_row_and_column(demo_store):
    problem = only(refused(demo_store, csv("W-ASH,HUDDLES,06/01/2025,,,3,", "Larch Ward,HUDDLES,06/01/2025,,,3,")))
    assert (problem.row, problem.column) == (3, "team")
    assert "unknown team 'Larch Ward'" in problem.message


def test_unknown_measure_suggests_the_closest_and_lists_known(demo_store):
    problem = only(refused(demo_store, csv("W-ASH,HUDDLE,06/01/2025,,,3,")))
    assert (problem.row, problem.column) == (2, "measure")
    assert "Did you mean 'HUDDLES'?" in problem.message
    assert "RP_RATE" in problem.message


@pytest.mark.parametrize("period", ["next week", "31/02/2025", "13/13/2025"])
def test_a_period_that_is_not_a_date_is_refused(demo_store, period):
    problem = only(refused(demo_store, csv(f"W-ASH,HUDDLES,{period},,,3,")))
    assert (problem.row, problem.column) == (2, "period")


def test_a_weekly_period_must_be_a_monday(demo_store):
    problem = only(refused(demo_store, csv("W-ASH,HUDDLES,07/01/2025,,,3,")))
    assert problem.column == "period"
    assert problem.message == (
        "07/01/2025 is a Tuesday, not a Monday; weekly periods are dated on the Monday the week commences, "
        "with no time (06/01/2025 for this week). Measure HUDDLES is weekly."
    )


def test_a_monthly_period_must_be_the_first_of_the_month(demo_store):
    problem = only(refused(demo_store, csv("W-ASH,PRN,15/01/2025,,,3,")))
    assert problem.message.startswith("15/01/2025 is not the 1st of a month; monthly periods are dated on the 1st")
    assert problem.message.endswith("Measure PRN is monthly.")


def test_text_periods_are_read_day_first(demo_store):
    plan = plan_upload(demo_store, csv("W-ASH,PRN,01/02/2025,,,3,"), "t.csv")
    assert plan.ok, [str(p) for p in plan.problems]
    assert str(plan.changes["period"].iloc[0])[:10] == "2025-02-01"


def test_non_numeric_numbers_are_refused(demo_store):
    problem = only(refused(demo_store, csv("W-ASH,HUDDLES,06/01/2025,,,three,")))
    assert (problem.row, problem.column) == (2, "value")
    assert "'three' is not a number" in problem.message


def test_negative_counts_are_refused(demo_store):
    problem = only(refused(demo_store, csv("W-ASH,HUDDLES,06/01/2025,,,-2,")))
    assert (problem.row, problem.column) == (2, "value")
    assert "negative" in problem.message


def test_numerator_above_denominator_is_refused_for_a_proportion(demo_store):
    problem = only(refused(demo_store, csv("W-ASH,SAFETY_PLAN,01/01/2025,21,20,,")))
    assert (problem.row, problem.column) == (2, "numerator")
    assert "larger than the denominator" in problem.message


def test_a_rate_may_exceed_one(demo_store):
    plan = plan_upload(demo_store, csv("W-ASH,RP_RATE,01/01/2025,900,700,,"), "t.csv")
    assert plan.ok, [str(p) for p in plan.problems]


def test_a_zero_denominator_is_refused(demo_store):
    problem = only(refused(demo_store, csv("W-ASH,RP_RATE,01/01/2025,0,0,,")))
    assert (problem.row, problem.column) == (2, "denominator")
    assert "zero" in problem.message


def test_duplicate_team_measure_period_rows_are_refused(demo_store):
    problem = only(refused(demo_store, csv("W-ASH,HUDDLES,06/01/2025,,,3,", "Ash Ward,HUDDLES,06/01/2025,,,4,")))
    assert problem.row == 3
    assert "appears more than once (also row 2)" in problem.message


def test_every_problem_in_a_file_is_listed_and_nothing_is_saved(demo_store):
    problems = refused(demo_store, csv(
        "W-ASH,HUDDLES,06/01/2025,,,3,", "W-ASH,HUDDLES,13/01/2025,,,x,", "W-ASH,NOPE,13/01/2025,,,3,",
        "W-ASH,SAFETY_PLAN,01/01/2025,5,,,",
    ))
    assert [(p.row, p.column) for p in problems] == [(3, "value"), (4, "measure"), (5, "denominator")]


def test_xlsx_problems_name_the_sheet(demo_store):
    book = Workbook()
    sheet = book.active
    sheet.title = "March"
    sheet.append(["team", "measure", "period", "numerator", "denominator", "value", "comment"])
    sheet.append(["W-ASH", "HUDDLES", "not a date", None, None, 3, None])
    raw = io.BytesIO()
    book.save(raw)
    problem = only(refused(demo_store, raw.getvalue(), "ash.xlsx"))
    assert (problem.file, problem.sheet, problem.row, problem.column) == ("ash.xlsx", "March", 2, "period")
    assert str(problem).startswith("ash.xlsx, sheet 'March', row 2, column 'period':")


def test_a_corrected_value_is_saved_and_reported_as_an_update(demo_store):
    current = demo_store.observations(units=["W-ASH"], measures=["HUDDLES"]).iloc[-1]
    period = current["period"].strftime("%d/%m/%Y")
    plan = plan_upload(demo_store, csv(f"W-ASH,HUDDLES,{period},,,{current['value'] + 10:g},corrected"), "fix.csv")
    assert (plan.count("added"), plan.count("updated"), plan.count("unchanged")) == (0, 1, 0)
    summary = commit(demo_store, plan, uploaded_by="Ash lead")
    assert summary.updated == 1
    after = demo_store.observations(units=["W-ASH"], measures=["HUDDLES"]).iloc[-1]
    assert after["value"] == current["value"] + 10
    assert after["comment"] == "corrected"


def test_rows_with_no_numbers_are_saved_as_gaps_not_zero(demo_store):
    plan = plan_upload(demo_store, csv("W-ASH,HUDDLES,01/12/2025,,,,Ward closed"), "gap.csv")
    assert plan.ok
    assert any("missing values (gaps), never as zero" in n for n in plan.notes)
    commit(demo_store, plan)
    saved = demo_store.observations(units=["W-ASH"], measures=["HUDDLES"]).iloc[-1]
    assert saved["value"] != saved["value"]  # NaN
    assert saved["comment"] == "Ward closed"


def test_a_team_is_found_by_its_name_whatever_the_case_and_spacing(demo_store):
    plan = plan_upload(demo_store, csv("  ash   WARD ,HUDDLES,01/12/2025,,,3,"), "team.csv")
    assert plan.ok
    assert plan.changes["unit"].tolist() == ["W-ASH"]


def test_a_directorate_is_not_a_team(demo_store):
    problem = only(refused(demo_store, csv("Forensic Services,HUDDLES,06/01/2025,,,3,")))
    assert (problem.row, problem.column) == (2, "team")
    assert problem.message == "'Forensic Services' is a directorate or organisation, not a team."


def test_a_name_two_teams_share_is_refused_and_their_codes_named(demo_store):
    demo_store.save_units(pd.DataFrame({"code": ["W-ASH2"], "name": ["Ash Ward"], "level": ["team"], "parent": ["DIR-FOR"]}))
    problem = only(refused(demo_store, csv("Ash Ward,HUDDLES,06/01/2025,,,3,")))
    assert (problem.row, problem.column) == (2, "team")
    assert problem.message == "'Ash Ward' is the name of more than one team (W-ASH, W-ASH2); use the team's code."
    assert plan_upload(demo_store, csv("W-ASH2,HUDDLES,06/01/2025,,,3,"), "team.csv").ok


PLACED = {"period": {"column": "period"}, "team": {"column": "ward"}, "directorate": {"column": "dir"},
          "measures": [{"measure": "HUDDLES", "value": "n"}]}


def test_a_directorate_column_places_a_new_team_by_the_directorates_name_or_code(demo_store):
    data = b"ward,dir,period,n\nLarch Ward, forensic  SERVICES ,2025-01-06,3\nAsh Ward,DIR-FOR,2025-01-06,4\n"
    plan = plan_upload(demo_store, data, "wards.csv", mapping=PLACED)
    assert plan.ok, [str(p) for p in plan.problems]
    assert plan.new_units[["code", "name", "level", "parent"]].values.tolist() == [
        ["LARCH-WARD", "Larch Ward", "team", "DIR-FOR"]]


def test_a_directorate_name_two_directorates_share_is_refused(demo_store):
    demo_store.save_units(pd.DataFrame({"code": ["DIR-FOR2"], "name": ["Forensic Services"], "level": ["directorate"],
                                        "parent": ["ORG"]}))
    data = b"ward,dir,period,n\nLarch Ward,Forensic Services,2025-01-06,3\n"
    plan = plan_upload(demo_store, data, "wards.csv", mapping=PLACED)
    # The team is left unplaced (the placement form asks for it) and the file's text is named.
    assert [p.message for p in plan.placement_problems] == [
        "directorate 'Forensic Services' is the name of more than one directorate (DIR-FOR, DIR-FOR2); use its code."]
    assert plan.unknown_teams == ["Larch Ward"] and plan.next_step is Step.PLACE


# -- the step the Upload page takes next ---------------------------------------------------------


def _wide_workbook(hidden_data: bool) -> bytes:
    """A team's own layout (needs a mapping), with or without a hidden sheet holding data."""
    book = Workbook()
    book.active.append(["Month", "Huddles"])
    book.active.append(["Oct-25", 9])
    if hidden_data:
        old = book.create_sheet("Old figures")
        old.append(["Month", "Huddles"])
        old.append(["Sep-25", 7])
        old.sheet_state = "hidden"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize(("data", "name", "step"), [
    (csv("W-ASH,HUDDLES,27/10/2025,,,9,"), "team.csv", Step.PREVIEW),
    (csv("W-ASH,HUDDLES,32/10/2025,,,9,"), "team.csv", Step.FIX),
    (csv("Larch Ward,HUDDLES,27/10/2025,,,9,"), "team.csv", Step.PLACE),
    (_wide_workbook(hidden_data=False), "ward.xlsx", Step.MAP),
    (_wide_workbook(hidden_data=True), "ward.xlsx", Step.MAP),
])
def test_the_plan_names_the_step_the_upload_page_takes_next(demo_store, data, name, step):
    assert plan_upload(demo_store, data, name).next_step is step


def test_a_new_team_once_placed_leaves_the_placement_step_for_the_preview(demo_store):
    data = csv("Larch Ward,HUDDLES,27/10/2025,,,9,")
    placed = plan_upload(demo_store, data, "team.csv", new_teams={"Larch Ward": "DIR-ACU"})
    assert placed.next_step is Step.PREVIEW and placed.count("added") == 1
