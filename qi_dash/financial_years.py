"""NHS financial years: April to March, labelled ``2024/25``, and a measure's figures per year.

A period belongs to the financial year its start date falls in: a month by its 1st, a week by
the Monday it commences (w/c), as NHS weekly reporting dates it. So the week commencing Monday
29 March 2021, whose last days are in April, belongs to 2020/21. Nothing is split across years.

A year's figure is worked out as the measure's definition says (``fy_summary``): a proportion
or rate from the year's summed numerators and denominators (a pooled rate, never a mean of the
periods' rates); a count or value whose definition adds teams up ("sum") as the year's total;
one whose definition averages them ("mean") as the mean per period. Every summary row says how
many periods had data of how many in the year, so a part year is never read as a whole one.
"""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pandas as pd

from qi_dash import aggregate
from qi_dash.definitions import MeasureDefinition

FIRST_MONTH = 4  # the NHS (and UK government) financial year starts on 1 April
_LABEL = re.compile(r"^\s*(\d{4})\s*/\s*(\d{2})\s*$")

SUMMARY_COLUMNS = ["financial_year", "start", "end", "periods_with_data", "periods_in_year",
                   "numerator", "denominator", "value", "method"]
METHOD_WORDS = {  # how a year's value is worked out, completing "The year's value is …"
    "pooled": "the year's numerators and denominators added up (a pooled rate)",
    "sum": "the total of its periods",
    "mean": "the mean of its periods",
}


def start_year(when: date | pd.Timestamp) -> int:
    """The calendar year in which the financial year holding ``when`` starts."""
    stamp = pd.Timestamp(when)
    return stamp.year if stamp.month >= FIRST_MONTH else stamp.year - 1


def label_of_start(year: int) -> str:
    """``2024`` → ``2024/25``."""
    return f"{year}/{(year + 1) % 100:02d}"


def fy_of(when: date | pd.Timestamp) -> str:
    """The financial year of a date or period start: 31/03/2025 → ``2024/25``, 01/04/2025 → ``2025/26``."""
    return label_of_start(start_year(when))


def fy_labels(times: pd.Series) -> pd.Series:
    """``fy_of`` for each time of a series (None for NaT), on the series' index."""
    stamps = pd.to_datetime(times)
    years = stamps.dt.year - (stamps.dt.month < FIRST_MONTH)
    labels = [None if pd.isna(y) else label_of_start(int(y)) for y in years]
    return pd.Series(labels, index=times.index, name=times.name, dtype=object)


def fy_bounds(label: str) -> tuple[date, date]:
    """The first and last days of a financial year: ``2024/25`` → (01/04/2024, 31/03/2025).

    Raises ValueError, saying the form expected, for text that is not a financial year
    (``2024/26``, ``2024-25``, ``24/25``)."""
    found = _LABEL.match(label)
    if found is None or int(found.group(2)) != (int(found.group(1)) + 1) % 100:
        raise ValueError(f"'{label}' is not a financial year; write it as 2024/25 (1 April 2024 to 31 March 2025).")
    year = int(found.group(1))
    return date(year, FIRST_MONTH, 1), date(year + 1, FIRST_MONTH - 1, 31)


def fy_periods(label: str, frequency: str) -> pd.DatetimeIndex:
    """Every period that belongs to a financial year: its 12 month starts, or the 52 or 53
    Mondays from 1 April to 31 March."""
    first, last = fy_bounds(label)
    if frequency == "month":
        return pd.date_range(first, last, freq="MS", unit="ns")
    return pd.date_range(first, last, freq="W-MON", unit="ns")  # the Mondays on or after 1 April


def financial_years(times: pd.Series | pd.DatetimeIndex) -> list[str]:
    """The financial years the times fall in, newest first (as a list of choices reads)."""
    years = {start_year(t) for t in pd.to_datetime(pd.Series(times)).dropna()}
    return [label_of_start(y) for y in sorted(years, reverse=True)]


def fy_range(choices: list[pd.Timestamp], label: str) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The first and last of ``choices`` (period starts, in order) in a financial year; None
    when none is."""
    first, last = (pd.Timestamp(d) for d in fy_bounds(label))
    inside = [p for p in choices if first <= pd.Timestamp(p) <= last]
    return (inside[0], inside[-1]) if inside else None


def method(definition: MeasureDefinition) -> str:
    """How a year's value is worked out for a measure (a key of ``METHOD_WORDS``): pooled for a
    proportion or rate; otherwise as the definition combines teams (sum or mean), and for a
    measure never combined, a count's total or a value's mean."""
    if definition.has_denominator:
        return "pooled"
    if definition.aggregation in ("sum", "mean"):
        return definition.aggregation
    return "sum" if definition.kind == "count" else "mean"


def fy_summary(series: pd.DataFrame, definition: MeasureDefinition) -> pd.DataFrame:
    """A measure's series (``aggregate.SERIES_COLUMNS``, gaps included) summarised per
    financial year, oldest first (``SUMMARY_COLUMNS``): the year, its first and last days,
    periods with data and periods in the year, the summed numerator and denominator (ratio
    measures) and the year's value on the charted scale (after the multiplier)."""
    how = method(definition)
    frame = series[["period", "numerator", "denominator", "value"]].copy()
    frame["period"] = pd.to_datetime(frame["period"])
    frame["charted"] = aggregate.charted_values(frame, definition)
    if how == "pooled":  # only periods with both counts enter the pooled rate
        present = frame["numerator"].notna() & frame["denominator"].notna()
    else:
        present = frame["charted"].notna()
    frame = frame[present].assign(financial_year=fy_labels(frame.loc[present, "period"]))
    if frame.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    grouped = frame.groupby("financial_year", sort=True)
    out = pd.DataFrame({"periods_with_data": grouped.size()})
    if how == "pooled":
        sums = grouped[["numerator", "denominator"]].sum()
        out["numerator"], out["denominator"] = sums["numerator"], sums["denominator"]
        with np.errstate(divide="ignore", invalid="ignore"):
            out["value"] = sums["numerator"] / sums["denominator"] * definition.multiplier
    else:
        out["numerator"] = out["denominator"] = np.nan
        out["value"] = grouped["charted"].agg(how)
    out = out.reset_index()
    bounds = [fy_bounds(label) for label in out["financial_year"]]
    out["start"] = pd.to_datetime([b[0] for b in bounds])
    out["end"] = pd.to_datetime([b[1] for b in bounds])
    out["periods_in_year"] = [len(fy_periods(label, definition.frequency)) for label in out["financial_year"]]
    out["method"] = how
    return out[SUMMARY_COLUMNS]
