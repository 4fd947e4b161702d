"""Problems grouped into things a person can do: kind, what is named, a count and an action."""

from __future__ import annotations

import io

import pandas as pd

from qi_dash import cli, exports
from qi_dash.problems import Problem, group_lines, group_problems, problem_table
from qi_dash.upload import plan_upload

HEADER = "team,measure,period,numerator,denominator,value,comment\n"


def csv(lines: list[str]) -> bytes:
    return (HEADER + "\n".join(lines) + "\n").encode()


def test_rows_naming_one_unknown_team_are_one_group_with_the_action_to_place_it(demo_store):
    lines = [f"Ward 12,HUDDLES,{day:02d}/01/2025,,,3," for day in (6, 13, 20, 27)]
    lines += ["Ward 7,HUDDLES,06/01/2025,,,3,", "W-ASH,HUDDLES,32/10/2025,,,3,", "W-ASH,HUDDLES,13/01/2025,,,x,"]
    plan = plan_upload(demo_store, csv(lines), "wards.csv")
    groups = group_problems(plan.problems)
    first = groups.iloc[0]
    assert (first["kind"], first["subject"], first["count"], first["label"]) == ("unknown_team", "Ward 12", 4, "4 rows")
    assert first["problem"] == "team 'Ward 12' is not in the hierarchy"
    assert first["action"].startswith("place it in a directorate")
    assert first["first"] == "row 2, column 'team'"
    by_kind = groups.set_index("problem")
    assert by_kind.loc["period '32/10/2025' is not a date", "label"] == "1 row"
    assert by_kind.loc["period '32/10/2025' is not a date", "action"] == "correct the file and upload it again"
    assert by_kind.loc["'x' is not a number", "kind"] == "not_a_number"
    assert groups["count"].sum() == len(plan.problems) == 7


def test_groups_of_the_same_size_are_in_natural_order():
    problems = [Problem("f.csv", "unknown", None, row, "team", "unknown_team", team)
                for row, team in enumerate(["Ward 12", "Ward 7", "Ward 100", "ward 9"], start=2)]
    assert group_problems(problems)["subject"].tolist() == ["Ward 7", "ward 9", "Ward 12", "Ward 100"]


def test_problems_of_a_kind_without_a_subject_are_grouped_by_their_message():
    problems = [Problem("f.csv", "value is negative; PRN is a count.", None, 2, "value", "numbers"),
                Problem("f.csv", "value is negative; PRN is a count.", None, 3, "value", "numbers"),
                Problem("f.csv", "has no sheet called 'x'.", kind="file"),
                Problem("f.csv", "something new.")]
    groups = group_problems(problems)
    assert groups[["label", "problem"]].values.tolist() == [
        ["2 rows", "value is negative; PRN is a count."],
        ["1 problem", "has no sheet called 'x'."],
        ["1 problem", "something new."],
    ]
    assert groups["action"].tolist()[0] == "correct the numbers in the file"
    assert groups["action"].tolist()[2] == "correct the file and upload it again"


def test_duplicates_of_different_keys_are_one_thing_to_do(demo_store):
    lines = ["W-ASH,HUDDLES,06/01/2025,,,3,", "W-ASH,HUDDLES,06/01/2025,,,4,",
             "W-OAK,HUDDLES,13/01/2025,,,3,", "W-OAK,HUDDLES,13/01/2025,,,5,"]
    (group,) = group_lines(plan_upload(demo_store, csv(lines), "twice.csv").problems)
    assert group == ("2 rows: the same team, measure and period appear more than once → keep one row for each "
                     "team, measure and period in the file")


def test_a_period_on_the_wrong_day_and_an_unknown_measure_name_what_to_do(demo_store):
    lines = ["W-ASH,HUDDLES,07/01/2025,,,3,", "W-ASH,HUDDLES,08/01/2025,,,3,", "W-ASH,HUDLES,06/01/2025,,,3,"]
    groups = group_problems(plan_upload(demo_store, csv(lines), "days.csv").problems).set_index("kind")
    assert groups.loc["misaligned_period", "problem"] == "periods of HUDDLES are not dated on the start of their period"
    assert groups.loc["misaligned_period", "count"] == 2
    assert groups.loc["unknown_measure", "problem"] == "measure 'HUDLES' is not defined"


def test_the_problem_table_and_its_csv_hold_every_problem_with_formulas_neutralised():
    problems = [Problem("f.csv", "'=HYPERLINK(\"x\")' is not a number.", "Data", 5, "value", "not_a_number",
                        '=HYPERLINK("x")'),
                Problem("f.csv", "has no data rows.", kind="no_rows")]
    table = problem_table(problems)
    assert table.columns.tolist() == ["File", "Sheet", "Row", "Column", "Problem", "What to do"]
    assert table["Row"].tolist() == ["5", ""]
    back = pd.read_csv(io.BytesIO(exports.problems_csv(problems)), dtype=str, keep_default_na=False)
    assert back["Problem"].tolist() == ["'=HYPERLINK(\"x\")' is not a number.", "has no data rows."]
    assert back["What to do"].tolist() == ["correct the file and upload it again", "upload a file that has data"]
    formula = Problem("f.csv", "=1+1", kind="file")
    assert pd.read_csv(io.BytesIO(exports.problems_csv([formula])), dtype=str)["Problem"][0] == "'=1+1"


def test_the_cli_says_what_to_do_once_per_kind_when_problems_repeat(demo_db, tmp_path, capsys):
    path = tmp_path / "wards.csv"
    path.write_bytes(csv([f"Ward 12,HUDDLES,{day:02d}/01/2025,,,3," for day in (6, 13, 20)]))
    assert cli.main(["upload", str(path), "--db", str(demo_db)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[:3] == [f"wards.csv, row {r}, column 'team': unknown team 'Ward 12'. Add it to the hierarchy "
                       "(place it in a directorate) before saving." for r in (2, 3, 4)]
    assert err[3:] == [
        "What to do:",
        "  3 rows: team 'Ward 12' is not in the hierarchy → place it in a directorate, or correct the team's name "
        "in the file",
        "3 problem(s); nothing was saved.",
    ]


def test_a_problem_prints_as_before_with_its_place():
    assert str(Problem("f.xlsx", "is wrong.", "Data", 4, "team", "unknown_team", "x")) == (
        "f.xlsx, sheet 'Data', row 4, column 'team': is wrong.")
    assert Problem("f.xlsx", "is wrong.").place == ""
