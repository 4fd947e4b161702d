"""Periods: what a cell may say, what is refused rather than guessed, alignment and labels."""

from __future__ import annotations

from datetime import date, datetime
from datetime import time as clock

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qi_dash import definitions
from qi_dash.periods import (
    EXPECTED,
    FREQUENCIES,
    label,
    misaligned_mask,
    misaligned_reasons,
    parse_periods,
    period_start,
    to_month_start,
    to_week_commencing,
)

APRIL = pd.Timestamp("2024-04-01")


def period_range(start: pd.Timestamp, end: pd.Timestamp, frequency: str) -> pd.DatetimeIndex:
    """Every period from the one holding ``start`` to the one holding ``end``."""
    first = period_start(pd.Timestamp(start), frequency)
    last = period_start(pd.Timestamp(end), frequency)
    return pd.date_range(first, last, freq="MS" if frequency == "month" else "7D", unit="ns")


def parse_one(cell: object, dayfirst: bool = True) -> tuple[pd.Timestamp, str | None]:
    parsed = parse_periods(pd.Series([cell], dtype=object), dayfirst=dayfirst)
    return parsed.timestamps.iloc[0], parsed.reasons.iloc[0]


@pytest.mark.parametrize(
    "cell",
    [
        "2024-04-01",
        "2024/04/01",
        "2024-04-01 00:00:00",
        "01/04/2024",
        "1/4/2024",
        "1/4/24",
        "01.04.2024",
        "01-04-2024",
        "01/04/2024 00:00",
        "01-Apr-2024",
        "1 April 2024",
        "1st April 2024",
        "w/c 01 Apr 24",
        "Apr-24",
        "Apr 24",
        "apr-24",
        "APRIL  2024",
        "April 2024",
        "Apr-2024",
        "Apr'24",
        "2024-04",
        "04/2024",
        "  Apr-24 ",
        date(2024, 4, 1),
        datetime(2024, 4, 1),
        pd.Timestamp("2024-04-01"),
        np.datetime64("2024-04-01"),
        45383,
        45383.0,
        np.int64(45383),
    ],
)
def test_every_accepted_form_reads_as_the_first_of_april_2024(cell):
    assert parse_one(cell) == (APRIL, None)


def test_month_names_can_be_full_abbreviated_or_sept():
    cells = pd.Series(["Jan 24", "February 2024", "Sept 2024", "sep-24", "December 2024"])
    assert parse_periods(cells).timestamps.dt.month.tolist() == [1, 2, 9, 9, 12]


def test_two_digit_years_pivot_like_posix():
    assert parse_one("1/4/68")[0] == pd.Timestamp("2068-04-01")
    assert parse_one("1/4/69")[0] == pd.Timestamp("1969-04-01")
    assert parse_one("Apr-99")[0] == pd.Timestamp("1999-04-01")


@pytest.mark.parametrize("cell", ["04-24", "24/04", "4.24", "12/12"])
def test_two_numbers_without_a_four_digit_year_are_refused_as_ambiguous(cell):
    stamp, reason = parse_one(cell)
    assert stamp is pd.NaT
    assert reason == (
        f"'{cell}' is ambiguous: it could be a day and month or a month and a two-digit year. "
        "Write a month as Apr-24 or 2024-04, or a full date as 01/04/2024."
    )


def test_a_date_that_only_works_month_first_is_refused_as_us():
    stamp, reason = parse_one("04/13/2024")
    assert stamp is pd.NaT
    assert reason == (
        "'04/13/2024' looks like a US month-first date, so it is refused rather than guessed; "
        "write dates day-first (31/01/2024 for 31 January) or as 2024-01-31."
    )


def test_month_first_reading_when_asked_refuses_day_first_only_dates():
    assert parse_one("04/13/2024", dayfirst=False) == (pd.Timestamp("2024-04-13"), None)
    assert parse_one("04/01/2024", dayfirst=False) == (APRIL, None)
    stamp, reason = parse_one("13/04/2024", dayfirst=False)
    assert stamp is pd.NaT and "only makes sense day-first" in reason


@pytest.mark.parametrize("cell", ["31/04/2024", "29/02/2023", "13/13/2024", "2024-02-30", "2024-13"])
def test_impossible_dates_are_refused(cell):
    assert parse_one(cell) == (pd.NaT, f"'{cell}' is not a real date; {EXPECTED}.")


def test_leap_days_exist_in_leap_years():
    assert parse_one("29/02/2024")[0] == pd.Timestamp("2024-02-29")


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("1/4/0024", "'1/4/0024' is outside the years 1950–2099; check the year."),
        ("01/04/2124", "'01/04/2124' is outside the years 1950–2099; check the year."),
        (date(1900, 1, 1), "'01/01/1900' is outside the years 1950–2099; check the year."),
        ("April", f"'April' is not a date; {EXPECTED}."),
        ("Q1 2024", f"'Q1 2024' is not a date; {EXPECTED}."),
        ("Total", f"'Total' is not a date; {EXPECTED}."),
        ("Foo 24", f"'Foo' in 'Foo 24' is not a month name; {EXPECTED}."),
        ("2023", f"'2023' is a number, not a date; {EXPECTED}."),
        ("2024-04-01 13:30", f"'2024-04-01 13:30' is not a date; {EXPECTED}."),
        (True, f"'TRUE' is a TRUE/FALSE value, not a date; {EXPECTED}."),
        (clock(9, 30), f"'09:30:00' is a time or a duration, not a date; {EXPECTED}."),
        (45383.5, f"45383.5 is a number with a fraction, not a date; {EXPECTED}."),
        (
            12,
            f"12 is a number, not a date (as an Excel date number it falls outside 1950–2099); {EXPECTED}.",
        ),
        ("", f"is empty; {EXPECTED}."),
        ("   ", f"is empty; {EXPECTED}."),
        (None, f"is empty; {EXPECTED}."),
        (float("nan"), f"is empty; {EXPECTED}."),
    ],
)
def test_what_is_not_a_period_is_refused_with_the_form_expected(cell, reason):
    assert parse_one(cell) == (pd.NaT, reason)


def test_excel_serials_are_whole_numbers_between_1950_and_2099():
    first, last = 18_264, 73_050  # 1950-01-01 and 2099-12-31 in Excel's 1900 date system
    parsed = parse_periods(pd.Series([first - 1, first, last, last + 1], dtype=object))
    assert parsed.timestamps.tolist() == [pd.NaT, pd.Timestamp("1950-01-01"), pd.Timestamp("2099-12-31"), pd.NaT]


def test_results_keep_the_spreadsheet_rows_and_name_them_in_problems():
    cells = pd.Series(["Apr-24", "04/13/2024", None, date(2024, 5, 1)], index=[2, 3, 5, 9], name="period")
    parsed = parse_periods(cells)
    assert parsed.timestamps.index.tolist() == [2, 3, 5, 9]
    assert parsed.timestamps.dtype == "datetime64[ns]"
    assert parsed.ok.tolist() == [True, False, False, True]
    assert parsed.reasons.dropna().index.tolist() == [3, 5]
    assert parsed.reasons[5] == f"is empty; {EXPECTED}."


def test_a_column_mixing_date_cells_text_and_serials_is_read_cell_by_cell():
    cells = pd.Series([date(2024, 4, 1), "01/05/2024", 45444, "Jul-24"], dtype=object)
    expected = pd.to_datetime(["2024-04-01", "2024-05-01", "2024-06-01", "2024-07-01"])
    assert parse_periods(cells).timestamps.tolist() == list(expected)


def test_an_already_parsed_datetime_column_passes_through():
    cells = pd.Series(pd.to_datetime(["2024-04-01", None]))
    parsed = parse_periods(cells)
    assert parsed.timestamps.tolist() == [APRIL, pd.NaT]
    assert parsed.reasons.tolist() == [None, f"is empty; {EXPECTED}."]


@settings(deadline=None)  # timing belongs to the speed test, not to a busy CI machine
@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2099, 12, 31)))
def test_any_date_written_in_an_accepted_form_reads_back(day):
    forms = [day.isoformat(), day.strftime("%d/%m/%Y"), f"{day.day}/{day.month}/{day.year}", day]
    parsed = parse_periods(pd.Series(forms, dtype=object)).timestamps
    assert (parsed == pd.Timestamp(day)).all()
    month = pd.Timestamp(day.year, day.month, 1)
    for text in (day.strftime("%b %Y"), day.strftime("%B %Y"), day.strftime("%Y-%m")):
        assert parse_one(text)[0] == month


@pytest.mark.parametrize(
    "make",
    [
        lambda d: d,  # date cells
        lambda d: d.isoformat(),
        lambda d: d.strftime("%d/%m/%Y"),
        lambda d: d.strftime("%b-%y"),
    ],
    ids=["date cells", "iso text", "uk text", "month text"],
)
def test_100k_rows_parse_to_their_months(make):
    months = [date(2021 + i // 12, i % 12 + 1, 1) for i in range(36)]
    cells = pd.Series([make(months[i % 36]) for i in range(100_000)], dtype=object)
    parsed = parse_periods(cells)
    assert parsed.ok.all()
    assert [d.date() for d in parsed.timestamps[:36]] == months


# --- alignment ----------------------------------------------------------------------------


def test_frequencies_match_the_definitions_module():
    assert FREQUENCIES == ("week", "month") == definitions.FREQUENCIES


def test_monthly_alignment_requires_the_first_at_midnight():
    stamps = pd.Series(
        pd.to_datetime(["2024-04-01", "2024-04-15", "2024-04-01 13:00", None], format="ISO8601"), index=[2, 3, 4, 5]
    )
    aligned, misaligned = period_start(stamps, "month"), misaligned_mask(stamps.to_numpy(), "month")
    assert misaligned.tolist() == [False, True, True, False]
    assert aligned.tolist()[:3] == [APRIL] * 3
    assert misaligned_reasons(stamps, "month").tolist() == [
        None,
        (
            "15/04/2024 is not the 1st of a month; monthly periods are dated on the 1st, with no time "
            "(01/04/2024 or Apr 24)."
        ),
        (
            "01/04/2024 13:00 has a time of day; monthly periods are dated on the 1st, with no time "
            "(01/04/2024 or Apr 24)."
        ),
        None,
    ]


def test_month_text_parses_to_an_aligned_month():
    stamps = parse_periods(pd.Series(["Apr-24", "April 2024", "2024-04"])).timestamps
    misaligned = misaligned_mask(stamps.to_numpy(), "month")
    assert not misaligned.any()


def test_weekly_alignment_requires_a_monday():
    stamps = pd.Series(pd.to_datetime(["2024-04-01", "2024-04-03"]))
    aligned, misaligned = period_start(stamps, "week"), misaligned_mask(stamps.to_numpy(), "week")
    assert misaligned.tolist() == [False, True]
    assert aligned.tolist() == [APRIL, APRIL]
    assert misaligned_reasons(stamps, "week").iloc[1] == (
        "03/04/2024 is a Wednesday, not a Monday; weekly periods are dated on the Monday the week commences, "
        "with no time (01/04/2024 for this week)."
    )


def test_week_commencing_is_the_monday_of_the_iso_week():
    stamps = pd.Series(pd.to_datetime(["2010-01-08", "2024-04-01", "2024-04-07", "2024-04-08 17:00"], format="ISO8601"))
    assert to_week_commencing(stamps).tolist() == list(
        pd.to_datetime(["2010-01-04", "2024-04-01", "2024-04-01", "2024-04-08"])
    )
    assert to_week_commencing(pd.Timestamp("2024-04-05")) == APRIL
    assert to_week_commencing(pd.DatetimeIndex(["2024-04-05"]))[0] == APRIL


def test_month_start():
    stamps = pd.Series(pd.to_datetime(["2024-04-30 23:59", "2024-02-29", None], format="ISO8601"))
    assert to_month_start(stamps).tolist() == [APRIL, pd.Timestamp("2024-02-01"), pd.NaT]


def test_unknown_frequency_is_a_programming_error():
    with pytest.raises(ValueError, match="frequency must be one of"):
        misaligned_mask(pd.Series([APRIL]).to_numpy(), "day")


# --- labels -------------------------------------------------------------------------------


def test_uk_labels():
    assert label(APRIL, "month") == "Apr 24"
    assert label(APRIL, "week") == "w/c 01 Apr 24"
    assert label(pd.Timestamp("2009-12-07"), "week") == "w/c 07 Dec 09"
    assert label(pd.NaT, "month") is None
    series = pd.Series(pd.to_datetime(["2024-04-01", None, "2025-01-01"]), index=[7, 8, 9])
    labelled = label(series, "month")
    assert labelled.tolist() == ["Apr 24", None, "Jan 25"]
    assert labelled.index.tolist() == [7, 8, 9]
    assert label(pd.DatetimeIndex(["2024-04-01"]), "week").tolist() == ["w/c 01 Apr 24"]


@pytest.mark.parametrize("frequency", FREQUENCIES)
def test_labels_read_back_as_the_same_period(frequency):
    periods = period_range(pd.Timestamp("2023-01-01"), pd.Timestamp("2024-12-31"), frequency)
    labels = label(pd.Series(periods), frequency)
    assert parse_periods(labels).timestamps.tolist() == periods.tolist()


@pytest.mark.parametrize(
    ("cell", "day"),
    [("45017", "2023-04-01"), (" 45383 ", "2024-04-01"), ("18264", "1950-01-01"), ("73050", "2099-12-31")],
)
def test_whole_number_text_in_the_range_of_excel_serials_is_a_date_as_a_number_cell_is(cell, day):
    # A CSV saved from a column of General-formatted dates holds the serials as text.
    assert parse_one(cell) == (pd.Timestamp(day), None)
    assert parse_one(cell)[0] == parse_one(float(cell))[0]


@pytest.mark.parametrize("cell", ["2023", "202304", "20230401", "18263", "73051", "045017", "45017.0", "-45017"])
def test_whole_number_text_that_could_mean_other_things_is_still_refused(cell):
    # A year, a year and month run together, numbers outside 1950–2099, and numbers not
    # written as Excel writes a serial are never guessed at.
    stamp, reason = parse_one(cell)
    assert pd.isna(stamp)
    assert reason is not None and "not a date" in reason
