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
from qi_dash.ingest.workbook import Sheet

TOP_ROWS = 30
MAX_COLUMNS = 200
SAMPLE_ROWS = 2000
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
            else:
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
        row = int(frame.index[i])
        skipped = int((filled[:i] > 0).sum())
        confidence = 0.95 if headingish[i] == filled[i] else 0.8
        # A second headings-like row straight after: two header rows, which is a guess.
        if i + 1 < len(kinds) and qualifies[i + 1] and numbers[i + 1] == 0:
            confidence = 0.55
        why = f"row {row} holds the headings" + (
            f" (the {skipped} row(s) above hold a title or notes)" if skipped else "")
        if confidence < 0.6:
            why += "; the row below looks like headings too, so check which row is the header"
        return HeaderGuess(row, confidence, why + ".")
    return None


@dataclass
class Column:
    """One column below the headings: its heading, and what its cells are like."""

    heading: object
    cells: pd.Series
    distinct: Distinct
    number_share: float  # of the filled cells, how many are numbers
    texts: list[str]  # the distinct texts (no empty)

    @property
    def label(self) -> str:
        return str(self.heading).strip()

    @property
    def filled(self) -> int:
        return int((~self.distinct.empty).sum())

    def heading_says_period(self) -> bool:
        return bool(_PERIOD_WORDS & set(re.findall(r"[a-z/]+", self.label.casefold())))

    def periods(self) -> tuple[float, pd.Series]:
        """The share of distinct cells that read as periods, and their timestamps.

        Numbers are read as Excel dates only under a heading that says so: a column of
        attendances is not a column of dates."""
        values = pd.Series(self.distinct.values[:-1], dtype=object)
        values = values[pd.notna(pd.Series(self.distinct.texts[:-1]))]
        if values.empty or (self.number_share > 0.5 and not self.heading_says_period()):
            return 0.0, pd.Series([], dtype="datetime64[ns]")
        parsed = periods.parse_periods(values)
        return float(parsed.ok.mean()), parsed.timestamps.dropna()


def columns(sheet: Sheet, row: int) -> list[Column]:
    """The sheet's columns below the headings row (those with a heading), first rows only."""
    frame = sheet.frame
    headings = frame.loc[row].tolist()
    body = frame.loc[row + 1:].iloc[:SAMPLE_ROWS]
    found = []
    for position, heading in enumerate(headings[:MAX_COLUMNS]):
        if heading is None or not str(heading).strip():
            continue
        cells = body.iloc[:, position]
        distinct = Distinct(cells)
        texts = [t for t in distinct.texts[:-1] if t is not None]
        counts = np.bincount(distinct.codes[distinct.codes >= 0], minlength=len(distinct.texts) - 1)
        numeric = cell_kinds(distinct.values[:-1]) == "number"
        total = counts.sum()
        share = float(counts[numeric].sum() / total) if total else 0.0
        found.append(Column(heading, cells, distinct, share, texts))
    return found


def period_form(stamps: pd.Series, heading: str = "") -> tuple[str, str | None, str]:
    """(form, frequency, how) for the distinct periods of a column or of the headings.

    The 1st of each month: months as written. Dates a week apart: week-commencing when all are
    Mondays, else week-ending (moved to the Monday of the week). Dates a month apart not on the
    1st: any date in the month."""
    stamps = pd.Series(pd.to_datetime(stamps.unique())).sort_values()
    if stamps.empty:
        return "auto", None, "no periods found"
    said = heading.casefold()
    gap = float(np.median(np.diff(stamps.to_numpy()).astype("timedelta64[D]").astype(int))) if len(stamps) > 1 else 0.0
    if (stamps.dt.day == 1).all() and (gap == 0 or gap >= 28):
        return "auto", "month", "months (the 1st of each month)"
    if 6 <= gap <= 8 or "week" in said or "w/" in said:
        weekday = stamps.dt.day_of_week
        if (weekday == 0).all() and "ending" not in said and "w/e" not in said:
            return "week_commencing", "week", "week-commencing dates (all Mondays)"
        return "week_ending", "week", f"week-ending dates (all {stamps.iloc[0]:%A}s)"
    if gap >= 28:
        return "month", "month", "dates a month apart, moved to the 1st of their month"
    return "auto", None, "dates as written"
