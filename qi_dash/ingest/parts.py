"""What every layout of a column mapping shares: finding the headings a mapping names in a
sheet, a team or directorate for every row, periods converted as the mapping's form says, and
notes on the rows left out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from qi_dash import periods
from qi_dash.ingest.canonical import closest
from qi_dash.ingest.cells import Distinct, cell_text, stripped
from qi_dash.ingest.spec import heading_key
from qi_dash.ingest.workbook import Sheet
from qi_dash.problems import Problem
from qi_dash.text import row_ranges, summarise


def first_blank_row(sheet: Sheet, header_row: int) -> int | None:
    """The position in ``sheet.frame`` of the first wholly blank row after the first data row
    below the headings, when something lies below it; else None (one table to the end)."""
    rows = sheet.frame.index
    if header_row not in rows:
        return None
    start = rows.get_loc(header_row) + 1
    filled = sheet.filled()[start:].any(axis=1)
    data = np.flatnonzero(filled)
    blank = np.flatnonzero(~filled[data[0]:]) + data[0] if len(data) else []
    if not len(blank) or not filled[blank[0]:].any():
        return None
    return start + int(blank[0])


def table_rows(spec: dict, sheet: Sheet, header_row: int, notes: list[str]) -> Sheet:
    """The rows of the sheet the mapping's table takes, for ``sheet_table`` to read: with
    ``"table_end": "first_blank_row"``, the sheet cut at ``first_blank_row``, and a note saying
    what lay below (never read); otherwise the whole sheet."""
    end = first_blank_row(sheet, header_row) if spec.get("table_end") == "first_blank_row" else None
    if end is None:
        return sheet
    rows = sheet.frame.index
    left = rows[end + np.flatnonzero(sheet.filled()[end:].any(axis=1))]
    opening = next((t for t in map(stripped, map(cell_text, sheet.frame.loc[left[0]])) if t), "")
    notes.append(f"Sheet '{sheet.name}': the table ends at row {rows[end]}, its first blank row, as the mapping's "
                 f"\"table_end\": \"first_blank_row\" asks; {row_ranges(left)} below it (from '{opening}') "
                 "were not read.")
    return Sheet(sheet.file, sheet.name, sheet.frame.iloc[:end], sheet.hidden,
                 [m for m in sheet.merged if m.first_row < rows[end]], sheet.filled()[:end])


class Columns:
    """Finds the headings a spec names in one sheet's table, collecting those it lacks."""

    def __init__(self, table: pd.DataFrame, sheet: Sheet, header_row: int):
        self.table = table
        self.sheet = sheet
        self.header_row = header_row
        self.exact = {str(c): c for c in table.columns}
        loose: dict[str, list[object]] = {}
        for c in table.columns:
            loose.setdefault(heading_key(c), []).append(c)
        self.loose = {key: found[0] for key, found in loose.items() if len(found) == 1}
        self.missing: dict[str, list[str]] = {}

    def label(self, heading: str, role: str) -> object | None:
        """The table's column label for the heading the spec names; None (and noted as
        missing) when the sheet has no such heading."""
        label = self.exact.get(heading, self.loose.get(heading_key(heading)))
        if label is None:
            self.missing.setdefault(heading, []).append(role)
        return label

    def get(self, heading: str, role: str) -> pd.Series | None:
        label = self.label(heading, role)
        return None if label is None else self.table[label]

    def problems(self) -> list[Problem]:
        shown = [str(c) for c in self.table.columns]
        problems = []
        for heading, roles in self.missing.items():
            hint = closest(heading, shown)
            problems.append(Problem(
                self.sheet.file,
                f"the mapping reads the {' and the '.join(roles)} from a column headed '{heading}', but row "
                f"{self.header_row} has no such heading." + (f" Did you mean '{hint}'?" if hint else "")
                + f" The headings are: {summarise([repr(h) for h in shown], 20) or 'none'}.",
                self.sheet.name,
                self.header_row,
                kind="missing_heading", subject=heading,
            ))
        return problems


def part_cells(part: dict, columns: Columns, sheet: Sheet, role: str) -> np.ndarray:
    """A team or directorate for every row, as text; None where its cells are all empty."""
    n = len(columns.table)
    if "fixed" in part or "sheet_name" in part:
        text = part.get("fixed", sheet.name)
        return np.full(n, renamed(np.array([text.strip()], dtype=object), part.get("values", {}))[0], dtype=object)
    cells = [columns.get(h, role) for h in part_headings(part)]
    if any(c is None for c in cells):
        return np.full(n, None, dtype=object)
    separator = part.get("separator", " ")
    # Join per distinct combination of cells, not per row; empty parts are left out, so no
    # stray separators ("average of same week over 5 years", not "…: ").
    combined = np.zeros(n, dtype=np.int64)
    parts = [Distinct(c) for c in cells]
    for part_cells in parts:
        combined, _ = pd.factorize(combined * len(part_cells.texts) + part_cells.codes)
    _, first = np.unique(combined, return_index=True)
    joined = np.array(
        [separator.join(t for t in (p.texts[p.codes[r]] for p in parts) if t is not None) or None
         for r in first],
        dtype=object,
    )
    return renamed(joined, part.get("values", {}))[combined]


def filled_down(team: np.ndarray, rows: np.ndarray, sheet: str, part: dict, notes: list[str]) -> np.ndarray:
    """With the team setting ``"empty": "above"``, each row whose team cells are empty takes
    the team of the row above it (a pivot table's or a grouped report's way of writing a team
    once per group), and the notes say which rows did; otherwise the teams as they are."""
    empty = pd.isna(team)
    if part.get("empty") != "above" or not empty.any():
        return team
    filled = pd.Series(team, dtype=object).ffill().to_numpy(dtype=object)
    took = rows[empty & ~pd.isna(filled)]
    if len(took):
        said = row_ranges(took)
        notes.append(f"{said[0].upper()}{said[1:]} of sheet '{sheet}' had no team ({part_words(part)} empty) and "
                     'took the team of the row above, as the mapping\'s team setting "empty": "above" asks.')
    return filled


def renamed(texts: np.ndarray, values: dict[str, str]) -> np.ndarray:
    """Texts with a mapping's replacements (a part's ``values``, ``measure_values``), matched
    ignoring case and repeated spaces; texts not listed as they are."""
    if not values:
        return texts
    keyed = {heading_key(k): v.strip() for k, v in values.items()}
    return np.array([keyed.get(heading_key(t), t) if t is not None else None for t in texts], dtype=object)


def part_headings(part: dict) -> list[str]:
    """The headings of the columns a team or directorate part reads (none for a fixed text or
    the sheet's name)."""
    return [part["column"]] if "column" in part else part.get("columns", [])


def part_words(part: dict) -> str:
    """The headings a part reads, as a user reads them."""
    return " and ".join(f"'{h}'" for h in part_headings(part)) or "the team"


def converted_periods(codes: np.ndarray, distinct: np.ndarray, form: str) -> np.ndarray:
    """Each row's period as a timestamp, converted as the form says; a cell that is not a
    period is passed on as it is, so the check refuses it with the reason.

    ``codes`` and ``distinct`` are a ``Distinct``'s: only distinct cells are parsed.
    """
    stamps = periods.parse_periods(pd.Series(distinct, dtype=object)).timestamps
    if form == "week_ending":
        stamps = periods.to_week_commencing(stamps)
    elif form == "month":
        stamps = periods.to_month_start(stamps)
    stamps = stamps.to_numpy()
    if not np.isnat(stamps[codes]).any():
        return stamps[codes]
    # Timestamps as objects (numpy would give nanosecond integers), the raw cell where unread.
    return np.where(np.isnat(stamps), distinct, pd.Series(stamps).astype(object).to_numpy())[codes]


def note_rows(notes: list[str], rows: np.ndarray, sheet: str, why: str) -> None:
    """Add a note saying which rows of the sheet were skipped, and why."""
    if len(rows) == 1:
        notes.append(f"Skipped {row_ranges(rows)} of sheet '{sheet}': {why}.")
    elif len(rows):
        notes.append(f"Skipped {len(rows):,} rows of sheet '{sheet}' ({row_ranges(rows)}): {why}.")
