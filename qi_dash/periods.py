"""Periods: the one home for how a cell becomes a period, how periods align, and their labels.

A monthly period is dated on the first day of its month; a weekly period on the Monday the
week commences (w/c), as is usual in NHS reporting. Text is read UK day-first, and anything
that could be read two ways is refused with the form expected, never guessed.

Parsing works on the distinct values of a column (``pd.factorize``), then spreads the results
back to every row: a period column has few distinct values, so 100,000 rows cost about as
much as their few hundred periods.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd


FREQUENCIES = ("week", "month")

# Fixed English names, so neither reading nor labelling depends on the server's locale.
MONTH_ABBREVIATIONS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_MONTH_NUMBERS = {
    **{name.lower(): i for i, name in enumerate(MONTH_ABBREVIATIONS, start=1)},
    **{name.lower(): i for i, name in enumerate(_MONTH_NAMES, start=1)},
    "sept": 9,
}

# Periods outside these years are typing mistakes (e.g. 01/04/0024), not data.
EARLIEST = pd.Timestamp("1950-01-01")
LATEST = pd.Timestamp("2099-12-31")

EXPECTED = "expected a date such as 01/04/2024 or 2024-04-01, or a month such as Apr-24 or April 2024"

# Excel's 1900 date system counts days from 1899-12-30 (for every date after February 1900).
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_SERIAL_MIN = (EARLIEST - _EXCEL_EPOCH).days
_SERIAL_MAX = (LATEST - _EXCEL_EPOCH).days

_MIDNIGHT = r"(?:[ T]00:00(?::00(?:\.0+)?)?)?"
_YEAR = r"(?P<year>\d{4}|\d{2})"
_MONTH_NAME = r"(?P<name>[a-z]{3,9})\.?"
# The text forms, each matched against the whole stripped text; at most one can match.
_FORMS = {
    "iso": rf"(?P<year>\d{{4}})[-/.](?P<month>\d{{1,2}})[-/.](?P<day>\d{{1,2}}){_MIDNIGHT}",
    "numeric": rf"(?P<first>\d{{1,2}})[-/.](?P<second>\d{{1,2}})[-/.]{_YEAR}{_MIDNIGHT}",
    "day_name": rf"(?:w/c\s*)?(?P<day>\d{{1,2}})(?:st|nd|rd|th)?[\s\-/]*{_MONTH_NAME}[\s\-/,']*{_YEAR}",
    "name": rf"{_MONTH_NAME}[\s\-/,']*{_YEAR}",
    "year_month": r"(?P<year>\d{4})[-/.](?P<month>\d{1,2})",
    "month_year": r"(?P<month>\d{1,2})[-/.](?P<year>\d{4})",
    "ambiguous": r"\d{1,2}[-/.]\d{1,2}",
    "number": r"\d+(?:\.\d+)?",
}
# One alternation, so every text is scanned once: group "<form>" marks which form matched
# and "<form>_<part>" holds its parts.
_ANY_FORM = re.compile(
    "^(?:"
    + "|".join(f"(?P<{form}>{pattern.replace('(?P<', f'(?P<{form}_')})" for form, pattern in _FORMS.items())
    + ")$",
    re.IGNORECASE,
)

# Each form's parts: (part name, its group in _ANY_FORM).
_FORM_PARTS = {form: [(name, f"{form}_{name}") for name in re.compile(pattern).groupindex] for form, pattern in _FORMS.items()}


@dataclass(frozen=True)
class ParsedPeriods:
    """Per-row results of ``parse_periods``, on the index of the cells given.

    ``timestamps`` is datetime64[ns], NaT where the cell is not a period; ``reasons`` holds,
    for exactly those rows, why not and what form is expected (None elsewhere).
    """

    timestamps: pd.Series
    reasons: pd.Series

    @property
    def ok(self) -> pd.Series:
        return self.reasons.isna()


def parse_periods(cells: pd.Series, dayfirst: bool = True) -> ParsedPeriods:
    """Read each cell as a date or month, refusing what is ambiguous.

    Accepted: date cells (datetime/date), Excel serial numbers, ``2024-04-01``, ``01/04/2024``,
    ``1/4/24``, ``01-Apr-2024``, ``Apr-24``, ``Apr 24``, ``April 2024``, ``Apr-2024``,
    ``2024-04`` and ``04/2024``. A number is taken as an Excel serial (1900 date system) only
    when it is whole and falls between 1950 and 2099: numbers reach a period column when a
    date cell was formatted as General, while calamine turns real date cells into dates
    itself. Whole-number text in that range (``45017``) is a serial too: a CSV saved from such
    a column holds it as text. Other whole numbers, such as a year (``2023``) or ``202304``,
    could mean several things and are refused. Refused too: two-number forms such as ``04-24`` (day-month or month-year?), dates
    that only make sense month-first such as ``04/13/2024``, times, and anything else.
    ``dayfirst=False`` reads numeric dates month-first and refuses day-first-only ones.
    """
    codes, uniques = pd.factorize(cells, use_na_sentinel=True)
    values = np.asarray(uniques, dtype=object)
    # Microseconds while parsing so a typed year such as 0024 is still a date to refuse.
    stamps = np.full(len(values) + 1, np.datetime64("NaT"), dtype="datetime64[us]")
    reasons = np.full(len(values) + 1, f"is empty; {EXPECTED}.", dtype=object)
    reasons[: len(values)] = None

    if isinstance(uniques, pd.DatetimeIndex):  # a column already of dates, as a mapping gives
        stamps[:-1] = uniques.tz_localize(None) if uniques.tz is not None else uniques
        kinds = np.full(len(values), "date", dtype=object)
    else:
        kinds = np.array([_kind(v) for v in values], dtype=object)
    parsers = {
        "text": lambda v: _parse_text(v, dayfirst),
        "datetime": _parse_datetimes,
        "number": _parse_serials,
    }
    for kind, parse in parsers.items():
        where = np.flatnonzero(kinds == kind)
        if len(where):
            stamps[where], reasons[where] = parse(values[where])
    other = np.flatnonzero(kinds == "other")
    reasons[other] = [f"'{_show(v)}' is {_describe(v)}, not a date; {EXPECTED}." for v in values[other]]

    outside = ~np.isnat(stamps) & ((stamps < EARLIEST.to_datetime64()) | (stamps > LATEST.to_datetime64()))
    for i in np.flatnonzero(outside):
        reasons[i] = f"'{_show(values[i])}' is outside the years 1950–2099; check the year."
    stamps[outside] = np.datetime64("NaT")

    # codes is -1 for empty cells, which picks the extra last slot ("is empty").
    return ParsedPeriods(
        pd.Series(stamps[codes].astype("datetime64[ns]"), index=cells.index, name=cells.name),
        pd.Series(reasons[codes], index=cells.index, name=cells.name, dtype=object),
    )


def _kind(value: object) -> str:
    if isinstance(value, str):
        return "text"
    if isinstance(value, (dt.date, np.datetime64)):  # datetime and Timestamp are dates too
        return "datetime"
    if isinstance(value, (bool, np.bool_)):
        return "other"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return "number"
    return "other"


def _describe(value: object) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "a TRUE/FALSE value"
    if isinstance(value, (dt.time, dt.timedelta)):
        return "a time or a duration"
    return "not text or a date"


def shown(value: object) -> str:
    """A period cell as a person reads it in messages ("" for an empty cell)."""
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return ""
    return _show(value)


def _show(value: object) -> str:
    if isinstance(value, (bool, np.bool_)):
        return str(value).upper()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() != dt.time(0):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return str(value).strip()


def _parse_datetimes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    stamps = pd.to_datetime(pd.Series(values, dtype=object), errors="coerce")
    if stamps.dt.tz is not None:
        stamps = stamps.dt.tz_localize(None)
    stamps = stamps.astype("datetime64[us]").to_numpy()
    reasons = np.where(np.isnat(stamps), f"is not a date; {EXPECTED}.", None).astype(object)
    return stamps, reasons


def _serial_dates(numbers: np.ndarray) -> np.ndarray:
    """Each number's date as an Excel serial (datetime64[us]); NaT unless it is whole and
    within 1950–2099 — the one home for which numbers are serials."""
    whole = np.isfinite(numbers) & (numbers == np.floor(numbers))
    usable = whole & (numbers >= _SERIAL_MIN) & (numbers <= _SERIAL_MAX)
    days = np.where(usable, numbers, 0).astype("int64").astype("timedelta64[D]")
    return np.where(usable, _EXCEL_EPOCH.to_datetime64() + days, np.datetime64("NaT")).astype("datetime64[us]")


def _parse_serials(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    numbers = values.astype(float)
    whole = np.isfinite(numbers) & (numbers == np.floor(numbers))
    stamps = _serial_dates(numbers)
    usable = ~np.isnat(stamps)
    why = np.where(
        whole,
        "is a number, not a date (as an Excel date number it falls outside 1950–2099)",
        "is a number with a fraction, not a date",
    )
    reasons = np.array(
        [None if ok else f"{_show(v)} {w}; {EXPECTED}." for v, w, ok in zip(values, why, usable)], dtype=object
    )
    return stamps, reasons


def _parse_text(values: np.ndarray, dayfirst: bool) -> tuple[np.ndarray, np.ndarray]:
    # One regex match per distinct text: a period column holds few, and a plain loop over
    # them costs far less than pandas' fixed cost per string operation.
    stamps = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[us]")
    reasons = np.empty(len(values), dtype=object)
    for i, value in enumerate(values):
        day, reasons[i] = _parse_one(value.strip(), dayfirst)
        if day is not None:
            stamps[i] = day
    return stamps, reasons


def _parse_one(text: str, dayfirst: bool) -> tuple[dt.date | None, str | None]:
    """A stripped text's date, or None and why not."""
    if not text:
        return None, f"is empty; {EXPECTED}."
    quoted = f"'{text}'"
    found = _ANY_FORM.match(text)
    if found is None:
        return None, f"{quoted} is not a date; {EXPECTED}."
    form = found.lastgroup
    part = {name: found.group(group) for name, group in _FORM_PARTS[form]}
    if form == "ambiguous":
        return None, quoted + (
            " is ambiguous: it could be a day and month or a month and a two-digit year. "
            "Write a month as Apr-24 or 2024-04, or a full date as 01/04/2024."
        )
    if form == "number":
        serial = _serial_dates(np.array([float(text)]))[0] if text.isdigit() and text[0] != "0" else None
        if serial is not None and not np.isnat(serial):
            return serial.astype(dt.datetime).date(), None
        return None, f"{quoted} is a number, not a date; {EXPECTED}."
    year = _full_year(part["year"])
    if form in ("name", "day_name"):
        month = _MONTH_NUMBERS.get(part["name"].lower())
        if month is None:
            return None, f"'{part['name']}' in {quoted} is not a month name; {EXPECTED}."
        day = int(part["day"]) if form == "day_name" else 1
    elif form == "numeric":
        first, second = int(part["first"]), int(part["second"])
        day, month = (first, second) if dayfirst else (second, first)
        if _from_parts(year, month, day) is None and _from_parts(year, day, month) is not None:
            # Valid only when read the other way round: the writer's order differs from ours.
            if dayfirst:
                return None, quoted + (
                    " looks like a US month-first date, so it is refused rather than guessed; write dates "
                    "day-first (31/01/2024 for 31 January) or as 2024-01-31."
                )
            return None, quoted + (
                " only makes sense day-first, but month-first dates were asked for; write dates month-first "
                "(01/31/2024 for 31 January) or as 2024-01-31."
            )
    else:  # iso, year_month, month_year
        month, day = int(part["month"]), int(part.get("day") or 1)
    date = _from_parts(year, month, day)
    return date, None if date is not None else f"{quoted} is not a real date; {EXPECTED}."


def _full_year(digits: str) -> int:
    """A year number from its digits; two-digit years pivot as POSIX does (69–99 → 1900s)."""
    year = int(digits)
    return year + (2000 if year < 69 else 1900) if len(digits) == 2 else year


def _from_parts(year: int, month: int, day: int) -> dt.date | None:
    """The date from year, month and day numbers; None where no such date exists (31/04)."""
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


# --- alignment ---------------------------------------------------------------------------

Times = pd.Series | pd.DatetimeIndex | pd.Timestamp


def _check(frequency: str) -> None:
    if frequency not in FREQUENCIES:
        raise ValueError(f"frequency must be one of {FREQUENCIES}, not {frequency!r}")


def _dt(times: Times):
    return times.dt if isinstance(times, pd.Series) else times


def to_month_start(times: Times) -> Times:
    """The first day of each time's month (midnight)."""
    d = _dt(times)
    return d.normalize() - pd.to_timedelta(d.day - 1, unit="D")


def to_week_commencing(times: Times) -> Times:
    """The Monday of the (Monday–Sunday) week holding each time — e.g. a week-ending Friday."""
    d = _dt(times)
    return d.normalize() - pd.to_timedelta(d.day_of_week, unit="D")


def period_start(times: Times, frequency: str) -> Times:
    """Each time's period: its month start or its week-commencing Monday."""
    _check(frequency)
    return to_month_start(times) if frequency == "month" else to_week_commencing(times)


# 1970-01-05, day 4 of the epoch, was a Monday.
_MONDAY = 4


def misaligned_mask(stamps: np.ndarray, frequency: str) -> np.ndarray:
    """Strict check for uploads already in periods: which datetime64 values are not a period
    start. A monthly period must be the 1st of the month at midnight (``Apr-24`` parses to
    the 1st); a weekly period must be a Monday. NaT is not flagged."""
    _check(frequency)
    days = stamps.astype("datetime64[D]")
    if frequency == "month":
        off = days.astype("datetime64[M]").astype("datetime64[D]") != days
    else:
        off = (days.view("int64") - _MONDAY) % 7 != 0
    return ~np.isnat(stamps) & (off | (days != stamps))


def misaligned_reasons(timestamps: pd.Series, frequency: str) -> pd.Series:
    """Why each misaligned row is refused, naming the period start expected (None elsewhere)."""
    misaligned = misaligned_mask(timestamps.to_numpy(), frequency)
    reasons = np.full(len(timestamps), None, dtype=object)
    if misaligned.any():
        rows = timestamps[misaligned]
        start = period_start(rows, frequency)
        timed = rows != rows.dt.normalize()
        shown = rows.dt.strftime("%d/%m/%Y")
        if frequency == "month":
            what = shown.where(timed, shown + " is not the 1st of a month")
            expected = "; monthly periods are dated on the 1st, with no time (" + start.dt.strftime("%d/%m/%Y")
            expected = expected + " or " + label(start, "month") + ")."
        else:
            what = shown.where(timed, shown + " is a " + rows.dt.day_name() + ", not a Monday")
            expected = "; weekly periods are dated on the Monday the week commences, with no time ("
            expected = expected + start.dt.strftime("%d/%m/%Y") + " for this week)."
        what = what.where(~timed, rows.dt.strftime("%d/%m/%Y %H:%M") + " has a time of day")
        reasons[misaligned] = (what + expected).to_numpy(dtype=object)
    return pd.Series(reasons, index=timestamps.index, name=timestamps.name, dtype=object)


def label(times: Times, frequency: str) -> str | pd.Series | pd.Index:
    """UK labels: ``Apr 24`` for a month, ``w/c 01 Apr 24`` for a week (None for NaT)."""
    _check(frequency)
    if not isinstance(times, pd.Series | pd.Index):
        return _label_one(pd.Timestamp(times), frequency)
    codes, uniques = pd.factorize(times)
    texts = np.array([_label_one(t, frequency) for t in uniques] + [None], dtype=object)
    labelled = texts[codes]
    if isinstance(times, pd.Series):
        return pd.Series(labelled, index=times.index, name=times.name, dtype=object)
    return pd.Index(labelled, dtype=object)


def _label_one(ts: pd.Timestamp, frequency: str) -> str | None:
    if ts is pd.NaT:
        return None
    month_year = f"{MONTH_ABBREVIATIONS[ts.month - 1]} {ts.year % 100:02d}"
    return month_year if frequency == "month" else f"w/c {ts.day:02d} {month_year}"


# --- periods as consecutive integers, for filling and finding gaps in many series at once ----

_EPOCH_MONDAY = pd.Timestamp("2000-01-03")


def ordinals(stamps: pd.Series, frequency: str) -> np.ndarray:
    """Period starts as consecutive integers: months since year 0, or weeks since a Monday."""
    _check(frequency)
    stamps = pd.to_datetime(stamps)
    if frequency == "month":
        return (stamps.dt.year * 12 + stamps.dt.month - 1).to_numpy(dtype=np.int64)
    return ((stamps - _EPOCH_MONDAY).dt.days // 7).to_numpy(dtype=np.int64)


def from_ordinals(numbers: np.ndarray, frequency: str) -> pd.DatetimeIndex:
    """The period starts that ``ordinals`` numbered."""
    _check(frequency)
    numbers = np.asarray(numbers, dtype=np.int64)
    if frequency == "month":
        return pd.DatetimeIndex(pd.to_datetime(pd.DataFrame({"year": numbers // 12, "month": numbers % 12 + 1, "day": 1})))
    return pd.DatetimeIndex(_EPOCH_MONDAY + pd.to_timedelta(numbers * 7, unit="D"))


def ordinal_ranges(first: np.ndarray, last: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every ordinal from ``first[i]`` to ``last[i]`` (inclusive) for each i, flattened: the
    index i each belongs to, and the ordinal."""
    lengths = np.asarray(last) - np.asarray(first) + 1
    owner = np.repeat(np.arange(len(lengths)), lengths)
    offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return owner, np.asarray(first)[owner] + offsets
