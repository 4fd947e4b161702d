"""A chart's data as a table (qi_dash/chart_data.py): the very arrays the chart draws, in words
where words are meant, UK dates, read back from CSV and from xlsx by openpyxl."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from qi_dash import targets
from qi_dash.analysis import measure_view
from qi_dash.bootstrap import STANDARD_MEASURES
from qi_dash.chart_data import (
    FY_SHEET,
    SHEET,
    _sheet_names,
    board_data_xlsx,
    chart_data_csv,
    chart_data_table,
    chart_data_xlsx,
    file_stem,
    fy_table,
)
from qi_dash.definitions import read_definitions
from qi_dash.phases import active_changes
from qi_dash.targets import Trajectory

MEASURES = {d.code: d for d in read_definitions(STANDARD_MEASURES)}
HOSTILE = '=HYPERLINK("http://evil","x")'


def observations(measure: str, periods, numerators=np.nan, denominators=np.nan, values=np.nan, comments=pd.NA,
                 unit: str = "A") -> pd.DataFrame:
    return pd.DataFrame({
        "unit": unit, "measure": measure, "period": pd.to_datetime(periods),
        "numerator": numerators, "denominator": denominators, "value": values, "comment": comments,
    })


def safety_plan_view(**kwargs):
    months = pd.date_range("2024-01-01", periods=15, freq="MS").delete(5)  # June 2024 missing
    rng = np.random.default_rng(7)
    denominators = rng.integers(10, 20, len(months)).astype(float)
    numerators = np.floor(denominators * rng.uniform(0.5, 1.0, len(months)))
    comments = [HOSTILE if i == 2 else pd.NA for i in range(len(months))]
    obs = observations("SAFETY_PLAN", months, numerators, denominators, comments=comments)
    return measure_view(obs, MEASURES["SAFETY_PLAN"], ["A"], **kwargs)


def test_the_values_are_the_charts_own_arrays_with_every_gap_kept():
    view = safety_plan_view()
    table = chart_data_table(view)
    points = view.points
    assert len(table) == len(points) == 15
    assert list(table["Period (month)"]) == list(points["period"])
    for column, field in (("Value (%)", "value"), ("Numerator", "numerator"), ("Denominator", "denominator"),
                          ("Centre (mean)", "centre"), ("Lower process limit", "lower"),
                          ("Upper process limit", "upper")):
        np.testing.assert_array_equal(table[column].to_numpy(), points[field].to_numpy(dtype=float))
    assert np.isnan(table.loc[5, "Value (%)"]) and table.loc[5, "Variation"] == ""  # the gap, empty
    assert table["Phase"].tolist() == points["phase"].tolist()
    assert table["Target"].tolist() == [90.0] * 15  # the definition's target, in force throughout
    assert table.loc[2, "Comment"] == HOSTILE
    assert "Lower 2σ line" not in table.columns
    with_2s = chart_data_table(view, show_2s=True)
    np.testing.assert_array_equal(with_2s["Upper 2σ line"].to_numpy(), points["upper_2s"].to_numpy(dtype=float))


def test_financial_years_are_by_period_start_and_the_year_table_pools_the_counts():
    view = safety_plan_view()
    table = chart_data_table(view)
    by_period = dict(zip(table["Period (month)"], table["Financial year"]))
    assert by_period[pd.Timestamp("2024-03-01")] == "2023/24" and by_period[pd.Timestamp("2024-04-01")] == "2024/25"
    years = fy_table(view)
    assert years["Financial year"].tolist() == ["2023/24", "2024/25"]
    later = table[table["Financial year"] == "2024/25"]
    row = years.iloc[1]
    assert row["Numerator"] == later["Numerator"].sum() and row["Denominator"] == later["Denominator"].sum()
    assert row["Value (%)"] == pytest.approx(row["Numerator"] / row["Denominator"] * 100)
    assert (row["Periods with data"], row["Periods in year"]) == (11, 12)  # June 2024 is a gap
    assert row["From"] == pd.Timestamp("2024-04-01") and row["To"] == pd.Timestamp("2025-03-31")


def test_signals_are_in_words_and_the_target_follows_a_trajectory():
    months = pd.date_range("2024-01-01", periods=16, freq="MS")
    values = [5.0, 7, 4, 8, 6, 5, 7, 6, 30, 6, 5, 7, 4, 8, 6, 5]
    trajectory = Trajectory("PRN", "A", ((date(2024, 7, 1), 4.0),), default=6.0)
    view = measure_view(observations("PRN", months, values=values), MEASURES["PRN"], ["A"], trajectory=trajectory)
    table = chart_data_table(view)
    assert table.loc[8, "Variation"] in ("Special cause concern", "Special cause, neither better nor worse (higher)")
    assert table.loc[8, "Signal"] == "Above the upper process limit"
    points = view.points
    assert table["Signal"].tolist() == points["reason"].where(points["signal"], "").tolist()
    assert (table["Signal"] == "").sum() > 0
    assert table["Target"].tolist() == [6.0] * 6 + [4.0] * 10


def test_a_weekly_measure_keeps_its_week_commencing_dates_and_says_so():
    mondays = pd.date_range("2021-03-01", periods=8, freq="W-MON")
    view = measure_view(observations("RESTRAINT", mondays, values=[1.0, 2, 0, 3, 1, 2, 4, 1]), MEASURES["RESTRAINT"],
                        ["A"])
    table = chart_data_table(view)
    assert list(table["Period (week commencing)"]) == list(mondays)
    # w/c Monday 29 March 2021 runs into April, yet belongs to 2020/21 by its commencing date.
    assert table.set_index("Period (week commencing)").loc[pd.Timestamp("2021-03-29"), "Financial year"] == "2020/21"
    assert "Centre (mean)" in table.columns and "Numerator" not in table.columns


def test_a_pooled_series_says_how_many_teams_each_period_combines():
    months = pd.date_range("2024-01-01", periods=3, freq="MS")
    obs = pd.concat([observations("SAFETY_PLAN", months, [1.0, 2, 3], 10.0, unit="A"),
                     observations("SAFETY_PLAN", months[:2], [4.0, 5], 10.0, unit="B")])
    table = chart_data_table(measure_view(obs, MEASURES["SAFETY_PLAN"], ["A", "B"]))
    assert table["Teams reporting"].tolist() == [2, 2, 1]
    assert table["Numerator"].tolist() == [5.0, 7.0, 3.0]


def test_the_csv_has_uk_dates_and_neutralised_formulas():
    view = safety_plan_view()
    rows = list(csv.DictReader(io.StringIO(chart_data_csv(view).decode("utf-8"))))
    assert rows[0]["Period (month)"] == "01/01/2024" and rows[12]["Period (month)"] == "01/01/2025"
    assert rows[0]["Financial year"] == "2023/24"
    assert rows[2]["Comment"] == "'" + HOSTILE
    assert float(rows[0]["Value (%)"]) == pytest.approx(view.points["value"].iloc[0])


def test_the_xlsx_holds_real_dates_shown_day_first_text_as_text_and_the_years_sheet():
    view = safety_plan_view()
    workbook = load_workbook(io.BytesIO(chart_data_xlsx(view)))
    assert workbook.sheetnames == [SHEET, FY_SHEET]
    sheet = workbook[SHEET]
    headings = [c.value for c in sheet[1]]
    first = dict(zip(headings, sheet[2]))
    assert first["Period (month)"].value == datetime(2024, 1, 1)
    assert first["Period (month)"].number_format == "dd/mm/yyyy"
    assert first["Value (%)"].value == pytest.approx(view.points["value"].iloc[0])
    comment = dict(zip(headings, sheet[4]))["Comment"]
    assert comment.data_type == "s" and comment.value == "'" + HOSTILE
    gap = dict(zip(headings, sheet[7]))
    assert gap["Period (month)"].value == datetime(2024, 6, 1) and gap["Value (%)"].value is None
    years = workbook[FY_SHEET]
    assert [c.value for c in years["A"]][1:] == ["2023/24", "2024/25"]
    assert years["B3"].value == datetime(2024, 4, 1) and years["B3"].number_format == "dd/mm/yyyy"


def test_phases_and_a_frozen_baseline_read_as_the_chart_labels_them(demo_store):
    unit, code = "W-ASH", "HUDDLES"
    hierarchy = demo_store.hierarchy()
    definitions = {d.code: d for d in demo_store.definitions()}
    follows = targets.targets_by_unit(demo_store.target_steps(), hierarchy.path_to,
                                      {d.code: d.target for d in definitions.values()})
    changes = active_changes(demo_store.phase_changes(units=[unit]), unit, code)
    view = measure_view(demo_store.observations([unit]), definitions[code], [unit], trajectory=follows(unit, code),
                        phase_changes=changes)
    table = chart_data_table(view).set_index("Period (week commencing)")
    assert table.loc[pd.Timestamp("2023-04-24"), "Phase reason"] == "Phase 1"
    assert table.loc[pd.Timestamp("2023-05-08"), "Phase reason"].startswith("Baseline frozen: Testing twice-daily huddles")
    assert table.loc[pd.Timestamp("2023-07-03"), "Phase"] == 2
    assert table.loc[pd.Timestamp("2023-07-03"), "Phase reason"] == (
        "Phase 2: Huddles at 09:30 and 21:30 adopted after three PDSA cycles")


def test_a_view_without_data_is_an_empty_table():
    view = measure_view(observations("PRN", []), MEASURES["PRN"], ["A"])
    assert chart_data_table(view).empty and fy_table(view).empty


def test_file_names_keep_letters_digits_dashes_and_underscores():
    assert file_stem("W-ASH", "SAFETY_PLAN", "chart data") == "W-ASH-SAFETY_PLAN-chart-data"
    assert file_stem("../a b?", "") == "a-b"


def test_a_boards_chart_data_is_one_workbook_with_a_sheet_per_charted_measure():
    months = pd.date_range("2024-01-01", periods=6, freq="MS")
    plans = safety_plan_view()
    prn = measure_view(observations("PRN", months, values=[3.0, 4, 2, 5, 3, 4]), MEASURES["PRN"], ["A"])
    empty = measure_view(observations("RP_RATE", []), MEASURES["RP_RATE"], ["A"])
    workbook = load_workbook(io.BytesIO(board_data_xlsx([plans, prn, empty])))
    assert workbook.sheetnames == ["measures", "SAFETY_PLAN", "PRN"]  # a measure without data has no chart
    index = list(workbook["measures"].iter_rows(values_only=True))
    assert index[1][:2] == ("SAFETY_PLAN", "Patients with a co-produced safety plan") and index[2][0] == "PRN"
    values = [row[2] for row in workbook["PRN"].iter_rows(min_row=2, values_only=True)]
    assert values == [3.0, 4, 2, 5, 3, 4]


def test_sheet_names_are_valid_distinct_and_never_the_index():
    names = _sheet_names(["A/B", "A:B", "measures", "X" * 40, ""])
    assert names == ["A-B", "A-B-2", "measures-2", "X" * 28, "measure"]
    assert all(len(n) <= 31 for n in names)
