"""NHS financial years (qi_dash/financial_years.py): April to March, labelled 2024/25, and a
measure's figure per year worked out as its definition says."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd
import pytest

from qi_dash import aggregate
from qi_dash.bootstrap import STANDARD_MEASURES
from qi_dash.definitions import read_definitions
from qi_dash.financial_years import (
    financial_years,
    fy_bounds,
    fy_labels,
    fy_of,
    fy_periods,
    fy_range,
    fy_summary,
    method,
)

MEASURES = {d.code: d for d in read_definitions(STANDARD_MEASURES)}


@pytest.mark.parametrize(("day", "label"), [
    (date(2025, 3, 31), "2024/25"),
    (date(2025, 4, 1), "2025/26"),
    (date(2024, 4, 1), "2024/25"),
    (date(2025, 1, 1), "2024/25"),
    (date(2024, 12, 31), "2024/25"),
    (date(1999, 4, 1), "1999/00"),
    (date(2000, 3, 31), "1999/00"),
])
def test_a_day_belongs_to_the_financial_year_from_1_april_to_31_march(day, label):
    assert fy_of(day) == label
    assert fy_of(pd.Timestamp(day)) == label


def test_a_week_belongs_to_the_year_of_the_monday_it_commences():
    # Monday 29 March 2021: its Thursday is 1 April, yet the week is 2020/21 by its w/c date.
    assert pd.Timestamp("2021-03-29").day_name() == "Monday"
    assert fy_of(pd.Timestamp("2021-03-29")) == "2020/21"
    assert fy_of(pd.Timestamp("2021-04-05")) == "2021/22"
    weeks = fy_periods("2020/21", "week")
    assert weeks[0] == pd.Timestamp("2020-04-06") and weeks[-1] == pd.Timestamp("2021-03-29")
    assert (weeks.day_of_week == 0).all()


def test_a_year_has_12_months_and_52_or_53_weeks():
    months = fy_periods("2024/25", "month")
    assert list(months[[0, -1]]) == [pd.Timestamp("2024-04-01"), pd.Timestamp("2025-03-01")] and len(months) == 12
    # 1 April 2024 and 31 March 2025 were both Mondays: 53 weeks commence in 2024/25.
    assert len(fy_periods("2024/25", "week")) == 53
    assert len(fy_periods("2025/26", "week")) == 52


def test_bounds_are_1_april_and_31_march():
    assert fy_bounds("2024/25") == (date(2024, 4, 1), date(2025, 3, 31))
    assert fy_bounds("1999/00") == (date(1999, 4, 1), date(2000, 3, 31))


@pytest.mark.parametrize("text", ["2024/26", "2024-25", "24/25", "2024", "", "FY25"])
def test_text_that_is_not_a_financial_year_is_refused_saying_the_form(text):
    with pytest.raises(ValueError, match=r"is not a financial year; write it as 2024/25"):
        fy_bounds(text)


def test_labels_of_a_series_keep_its_index_and_gaps():
    times = pd.Series(pd.to_datetime(["2025-03-01", None, "2025-04-01"]), index=[5, 6, 7])
    labels = fy_labels(times)
    assert labels.tolist() == ["2024/25", None, "2025/26"] and list(labels.index) == [5, 6, 7]


def test_choices_are_the_years_the_periods_fall_in_newest_first_and_a_year_picks_its_periods():
    choices = list(pd.date_range("2024-01-01", "2025-06-01", freq="MS"))
    assert financial_years(choices) == ["2025/26", "2024/25", "2023/24"]
    assert fy_range(choices, "2024/25") == (pd.Timestamp("2024-04-01"), pd.Timestamp("2025-03-01"))
    assert fy_range(choices, "2023/24") == (pd.Timestamp("2024-01-01"), pd.Timestamp("2024-03-01"))
    assert fy_range(choices, "2019/20") is None


def series(periods, numerators=np.nan, denominators=np.nan, values=np.nan) -> pd.DataFrame:
    frame = pd.DataFrame({"period": pd.to_datetime(periods), "numerator": numerators, "denominator": denominators,
                          "value": values, "comment": pd.NA, "teams_reporting": 1})
    return frame[aggregate.SERIES_COLUMNS]


def test_a_proportion_per_year_is_pooled_from_summed_numerators_and_denominators_not_a_mean_of_rates():
    definition = MEASURES["SAFETY_PLAN"]  # proportion, × 100
    frame = series(["2025-02-01", "2025-03-01", "2025-04-01", "2025-05-01"],
                   numerators=[1.0, 90.0, 5.0, np.nan], denominators=[10.0, 100.0, 10.0, np.nan])
    summary = fy_summary(frame, definition)
    assert summary["financial_year"].tolist() == ["2024/25", "2025/26"]
    first = summary.iloc[0]
    assert (first["numerator"], first["denominator"]) == (91.0, 110.0)
    assert first["value"] == pytest.approx(91 / 110 * 100)  # not (10% + 90%) / 2
    assert (first["periods_with_data"], first["periods_in_year"]) == (2, 12)
    assert summary.iloc[1]["periods_with_data"] == 1  # the gap in May is not a period with data
    assert first["start"] == pd.Timestamp("2024-04-01") and first["end"] == pd.Timestamp("2025-03-31")
    assert set(summary["method"]) == {"pooled"}


def test_a_rate_per_year_keeps_the_multiplier():
    definition = MEASURES["RP_RATE"]  # per 1,000 occupied bed days
    summary = fy_summary(series(["2024-04-01", "2024-05-01"], [3.0, 1.0], [500.0, 300.0]), definition)
    assert summary["value"].tolist() == pytest.approx([4 / 800 * 1000])


def test_a_summed_count_per_year_is_its_total_and_a_weekly_one_counts_weeks_by_commencing_date():
    definition = MEASURES["RESTRAINT"]  # weekly count, summed across teams
    assert method(definition) == "sum"
    frame = series(["2021-03-22", "2021-03-29", "2021-04-05"], values=[2.0, 3.0, 4.0])
    summary = fy_summary(frame, definition)
    assert summary["financial_year"].tolist() == ["2020/21", "2021/22"]
    assert summary["value"].tolist() == [5.0, 4.0]
    assert summary["periods_in_year"].tolist() == [52, 52]
    assert summary["numerator"].isna().all()


def test_a_value_averaged_across_teams_is_the_mean_per_period_over_the_year():
    definition = MEASURES["SAFE_SCORE"]  # weekly value, mean across teams
    assert method(definition) == "mean"
    frame = series(["2024-04-01", "2024-04-08", "2024-04-15"], values=[6.0, np.nan, 9.0])
    summary = fy_summary(frame, definition)
    assert summary["value"].tolist() == [7.5] and summary["periods_with_data"].tolist() == [2]


def test_a_series_without_data_has_no_years():
    summary = fy_summary(series(["2024-04-01"]), MEASURES["PRN"])
    assert summary.empty and "financial_year" in summary.columns


@pytest.mark.parametrize(("kind", "expected"), [("count", "sum"), ("value", "mean")])
def test_a_measure_never_combined_across_teams_totals_a_count_and_averages_a_value(kind, expected):
    definition = replace(MEASURES["PRN"], kind=kind, aggregation="none")
    assert method(definition) == expected
