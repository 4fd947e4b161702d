"""What a sheet's cells look like, for proposing a mapping: its headings row, and each
column's kind of cells (text, numbers, periods) worked out on distinct cells.

Everything here reads the top rows and distinct cells only, so profiling a 1,000-row sheet
costs a few milliseconds.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from qi_dash import periods
from qi_dash.ingest.cells import Distinct
from qi_dash.ingest.parts import first_blank_row
from qi_dash.ingest.workbook import Sheet

TOP_ROWS = 30
MAX_COLUMNS = 200
SAMPLE_ROWS = 2000
# How many of a column's distinct cells are read to tell what it holds.
SAMPLE_DISTINCT = 200
SAMPLE_PERIODS = 60
_NUMBER = re.compile(r"^[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?%?$")
_PERIOD_WORDS = frozenset({"date", "period", "month", "week", "wc", "we", "w/c", "w/e", "ending", "commencing", "day"})


def is_number_text(text: str) -> bool:
    return bool(text) and any(c.isdigit() for c in text) and bool(_NUMBER.match(text.replace(" ", "")))


def cell_kinds(cells: np.ndarray) -> np.ndarray:
    """Each cell's kind as a reader of the sheet sees it: 'empty', 'number', 'date' or 'text'.

    Texts that are not numbers are read as periods in one ``parse_periods`` call."""
    flat = np.asarray(cells, dtype=object).ravel()
    kinds = np.full(len(flat), "text", dtype=object)
    unread: dict[str, list[int]] = {}
    for i, cell in enumerate(flat):
        if cell is None or (isinstance(cell, float) and np.isnan(cell)):
            kinds[i] = "empty"
        elif isinstance(cell, (dt.date, np.datetime64)):
            kinds[i] = "date"
        elif isinstance(cell, (bool, int, float, np.number)):
            kinds[i] = "number"
        else:
            text = str(cell).strip()
            if not text:
                kinds[i] = "empty"
            elif is_number_text(text):
                kinds[i] = "number"
            elif any(c.isdigit() for c in text):  # every period has a year in it
                unread.setdefault(text, []).append(i)
    if unread:
        ok = periods.parse_periods(pd.Series(list(unread), dtype=object)).ok.to_numpy()
        for text_ok, where in zip(ok, unread.values()):
            if text_ok:
                kinds[where] = "date"
    return kinds.reshape(np.shape(cells))


@dataclass(frozen=True)
class HeaderGuess:
    row: int
    confidence: float
    why: str


def header_row(sheet: Sheet) -> HeaderGuess | None:
    """The row holding the headings: the first of the top rows where most cells are text (or
    period headings such as dates) across most of the table's width, with data below.
    Title, note and blank rows above it hold one cell or none, and are skipped."""
    frame = sheet.frame.iloc[:TOP_ROWS, :MAX_COLUMNS]
    if frame.empty:
        return None
    kinds = cell_kinds(frame.to_numpy(dtype=object))
    filled = (kinds != "empty").sum(axis=1)
    width = filled.max()
    texts = (kinds == "text").sum(axis=1)
    headingish = texts + (kinds == "date").sum(axis=1)
    numbers = (kinds == "number").sum(axis=1)
    qualifies = (filled >= max(2, 0.5 * width)) & (headingish >= 0.6 * filled) & (texts >= 1)
    for i in np.flatnonzero(qualifies):
        below = slice(i + 1, i + 6)
        if i + 1 < len(kinds) and not (numbers[below] + (kinds[below] == "date").sum(axis=1) > 0).any():
            continue
        # Two header rows (group headings over the headings): the one right above the data.
        stacked = False
        while i + 1 < len(kinds) and qualifies[i + 1] and numbers[i + 1] == 0 and filled[i + 1] >= filled[i]:
            i, stacked = i + 1, True
        row = int(frame.index[i])
        skipped = int((filled[:i] > 0).sum())
        confidence = 0.55 if stacked else 0.95 if headingish[i] == filled[i] else 0.8
        why = f"row {row} holds the headings"
        if stacked:
            why += "; the row above looks like headings too (two header rows), so check which is the header"
        elif skipped:
            why += f" (the {skipped} row(s) above hold a title or notes)"
        return HeaderGuess(row, confidence, why + ".")
    return None


@dataclass(frozen=True)
class TableEnd:
    """A second table below the data: the blank row ending the data, and the row below it
    that starts another table."""

    blank_row: int
    next_row: int
    why: str


# How many rows of the data, and of what follows its first blank row, are looked at.
_DATA_ROWS = 20
_NEXT_ROWS = 5


def table_end(sheet: Sheet, row: int) -> TableEnd | None:
    """Where the table under the headings in ``row`` ends, when a wholly blank row after its
    first data row is followed by another table: a row of texts only as wide as headings, or
    texts in columns that hold numbers in the data. None when the sheet holds one table (a
    blank row inside the data, notes or totals below it)."""
    end = first_blank_row(sheet, row)
    if end is None:
        return None
    index = sheet.frame.index
    start = index.get_loc(row) + 1
    filled = sheet.filled()[start:].any(axis=1)
    data = np.flatnonzero(filled)[0]
    end -= start
    after = np.flatnonzero(filled[end:])[:_NEXT_ROWS] + end
    frame = sheet.frame.iloc[:, :MAX_COLUMNS]
    top = cell_kinds(frame.iloc[start + data:start + min(end, data + _DATA_ROWS)].to_numpy(dtype=object))
    held = (top != "empty").sum(axis=0)
    number_columns = (held > 0) & ((top == "number").sum(axis=0) >= 0.9 * held)
    width = int(sheet.filled()[start - 1, :MAX_COLUMNS].sum())
    for at, kinds in zip(after, cell_kinds(frame.iloc[start + after].to_numpy(dtype=object))):
        texts = kinds == "text"
        headings_like = texts.sum() >= max(2, 0.5 * width) and (texts == (kinds != "empty")).all()
        if headings_like or (texts & number_columns).any():
            blank_row, next_row = int(index[start + end]), int(index[start + at])
            said = "holds headings" if headings_like else "holds text in columns of numbers"
            return TableEnd(blank_row, next_row, f"row {blank_row} is blank and row {next_row} below it {said}: "
                            f"another table, so the data ends at row {blank_row} and the rows below are not read.")
    return None


@dataclass
class Column:
    """One column below the headings: its heading, and what its cells are like."""

    heading: object
    cells: np.ndarray
    distinct: Distinct
    number_share: float  # of the filled cells, how many are numbers
    texts: list[str]  # the distinct texts (no empty)
    kinds: list[str]  # the kinds of the commonest distinct cells (see ``cell_kinds``)

    @property
    def label(self) -> str:
        return str(self.heading).strip()

    @property
    def filled(self) -> int:
        return int((~self.distinct.empty).sum())

    def text_rows(self) -> dict[str, int]:
        """How many rows hold each distinct text."""
        counts = np.bincount(self.distinct.codes[self.distinct.codes >= 0], minlength=len(self.distinct.texts) - 1)
        rows: dict[str, int] = {}
        for text, count in zip(self.distinct.texts[:-1], counts):
            if text is not None:
                rows[text] = rows.get(text, 0) + int(count)
        return rows

    def heading_says_period(self) -> bool:
        return bool(_PERIOD_WORDS & set(re.findall(r"[a-z/]+", self.label.casefold())))

    def periods(self) -> tuple[float, pd.Series]:
        """The share of distinct cells that read as periods, and their timestamps.

        Numbers are read as Excel dates only under a heading that says so: a column of
        attendances is not a column of dates."""
        if self.number_share > 0.5 and not self.heading_says_period():
            return 0.0, pd.Series([], dtype="datetime64[ns]")
        filled = pd.notna(self.distinct.texts[:-1])
        values = pd.Series(self.distinct.values[:-1][filled][:SAMPLE_PERIODS], dtype=object)
        if values.empty or ("date" not in self.kinds and not self.heading_says_period()):
            return 0.0, pd.Series([], dtype="datetime64[ns]")
        parsed = periods.parse_periods(values)
        return float(parsed.ok.mean()), parsed.timestamps.dropna()


def headings(sheet: Sheet, row: int) -> list[object]:
    """The cells of the headings row (the first ``MAX_COLUMNS``), None where empty."""
    return [h if h is not None and str(h).strip() else None for h in sheet.frame.loc[row].tolist()[:MAX_COLUMNS]]


def columns(sheet: Sheet, row: int, upto: int = MAX_COLUMNS, end: int | None = None) -> list[Column]:
    """The sheet's columns below the headings row (those with a heading, left of position
    ``upto``) down to the row before ``end`` (a ``TableEnd``'s blank row), first rows only."""
    body = sheet.frame.loc[row + 1:None if end is None else end - 1].iloc[:SAMPLE_ROWS].to_numpy(dtype=object)
    found = []
    for position, heading in enumerate(headings(sheet, row)[:upto]):
        if heading is None:
            continue
        cells = body[:, position]
        distinct = Distinct(cells)
        texts = [t for t in distinct.texts[:-1] if t is not None]
        counts = np.bincount(distinct.codes[distinct.codes >= 0], minlength=len(distinct.texts) - 1)
        # The commonest distinct cells tell what the column holds.
        common = np.argsort(-counts, kind="stable")[:SAMPLE_DISTINCT]
        counts = counts[common]
        kinds = cell_kinds(distinct.values[common])
        total = counts.sum()
        share = float(counts[kinds == "number"].sum() / total) if total else 0.0
        found.append(Column(heading, cells, distinct, share, texts, kinds.tolist()))
    return found


def period_form(stamps: pd.Series, heading: str = "") -> tuple[str, str | None, str]:
    """(form, frequency, how) for the distinct periods of a column or of the headings.

    The 1st of each month: months as written. Dates a week apart: week-commencing when all are
    Mondays, else week-ending (moved to the Monday of the week). Some 1sts of the month among
    Mondays (an extract of monthly and weekly measures): each as written, no one frequency.
    Dates a month apart not on the 1st: any date in the month."""
    days = np.unique(stamps.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]"))
    if not len(days):
        return "auto", None, "no periods found"
    said = heading.casefold()
    gap = float(np.median(np.diff(days).astype(int))) if len(days) > 1 else 0.0
    firsts = days == days.astype("datetime64[M]").astype("datetime64[D]")
    if firsts.all() and (gap == 0 or gap >= 28):
        return "auto", "month", "months (the 1st of each month)"
    # 1970-01-01, day 0, was a Thursday: Monday is 0 here.
    mondays = (days.astype(int) + 3) % 7 == 0
    if (mondays | firsts).all() and (firsts & ~mondays).any():
        # A long extract mixing monthly and weekly measures: each row's period as written.
        return "auto", None, "months (the 1st) and weeks (Mondays), each as written"
    if 6 <= gap <= 8 or "week" in said or "w/" in said:
        if mondays.all() and "ending" not in said and "w/e" not in said:
            return "week_commencing", "week", "week-commencing dates (all Mondays)"
        return "week_ending", "week", f"week-ending dates (all {pd.Timestamp(days[0]):%A}s)"
    if gap >= 28:
        return "month", "month", "dates a month apart, moved to the 1st of their month"
    return "auto", None, "dates as written"
