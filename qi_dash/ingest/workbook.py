"""A read file as every later step sees it: sheets of cells as stored, and the limits on a read.

``Sheet`` holds the cells people see — no header, type or date interpretation — numbered as
Excel numbers them; ``sheet_table`` is the first step that reads meaning into them (which row
holds the headings).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import NoReturn

import numpy as np
import pandas as pd

from qi_dash.problems import InputError, Problem

MB = 1024 * 1024


@dataclass(frozen=True)
class ReadLimits:
    """How much a single upload may hold; beyond these a file is refused before its cells are
    used (and, for the uncompressed size and ratio, before anything is inflated)."""

    max_rows: int = 1_000_000
    max_cells: int = 20_000_000
    max_uncompressed_bytes: int = 200 * MB
    # Spreadsheet XML compresses about 5–20:1; deflate tops out near 1,000:1 on padding.
    max_compression_ratio: float = 200.0


@dataclass(frozen=True)
class CellRange:
    """A rectangle of cells, numbered as Excel shows them (row 1, column 1 = A1)."""

    first_row: int
    first_column: int
    last_row: int
    last_column: int

    def __str__(self) -> str:
        first = f"{column_letter(self.first_column)}{self.first_row}"
        last = f"{column_letter(self.last_column)}{self.last_row}"
        return first if first == last else f"{first}:{last}"


@dataclass
class Sheet:
    """One sheet's cells as stored.

    ``frame`` is object dtype; its index is the spreadsheet row number (1 = the top row) and
    its columns are the column letters (A, B, …). Cells are str, float, bool, datetime/date
    (Excel date cells) or None for an empty cell.
    """

    file: str
    name: str
    frame: pd.DataFrame
    hidden: bool = False
    merged: list[CellRange] = field(default_factory=list)
    # Which of ``frame``'s cells hold something, as the reader found them (worked out from
    # ``frame`` when not given).
    present: np.ndarray | None = field(default=None, repr=False)

    def filled(self) -> np.ndarray:
        """A mask over ``frame``'s cells: True where the cell holds something."""
        if self.present is None:
            self.present = ~pd.isna(self.frame.to_numpy(dtype=object))
        return self.present


@dataclass
class Workbook:
    """Every sheet of one uploaded file, in file order, and notes on how it was read."""

    file: str
    sheets: list[Sheet]
    notes: list[str] = field(default_factory=list)

    def sheet(self, name: str) -> Sheet:
        for sheet in self.sheets:
            if sheet.name == name:
                return sheet
        names = ", ".join(f"'{s.name}'" for s in self.sheets)
        raise InputError([Problem(self.file, f"has no sheet named '{name}'; its sheets are {names}.")])


def column_letter(number: int) -> str:
    """1-based column number → Excel letters (1 → A, 28 → AB)."""
    letters = ""
    while number:
        number, rem = divmod(number - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def sheet_table(sheet: Sheet, header_row: int = 1) -> pd.DataFrame:
    """The sheet as a table: one row gives the column names, the rows below are the data.

    The index (named ``row``) keeps each data row's spreadsheet row number for messages.
    Fully empty rows are dropped and their row numbers listed in ``attrs["empty_rows"]``;
    columns with neither a heading nor any value are dropped. Headings that are text are
    stripped of surrounding spaces; other headings (e.g. a date over a month's column) are
    kept as stored. Merged cells in or below the header, a column with values but no
    heading, and repeated headings are refused.
    """
    frame = sheet.frame
    problems: list[Problem] = []
    names = header_cells(sheet, header_row)
    for cells in sheet.merged:
        if cells.last_row >= header_row:
            problems.append(
                Problem(
                    sheet.file,
                    f"cells {cells} are merged, which hides which row a value belongs to. "
                    "Unmerge them (Home → Merge & Center → Unmerge Cells), put the value in every row, "
                    "and upload again.",
                    sheet.name,
                    cells.first_row,
                )
            )
    body = frame.loc[header_row + 1 :]
    # The reader's mask finds both the columns and the rows that hold something.
    present = sheet.filled()[frame.index.get_loc(header_row) + 1 :]
    has_values = present.any(axis=0)
    keep = []
    for position, (letter, name) in enumerate(zip(frame.columns, names)):
        unnamed = name is None or name == ""
        if unnamed and has_values[position]:
            problems.append(
                Problem(
                    sheet.file,
                    f"column {letter} has values but no heading in row {header_row}; give it a heading.",
                    sheet.name,
                    header_row,
                )
            )
        if not unnamed:
            keep.append(position)
    seen: dict[object, list[str]] = {}
    for position in keep:
        seen.setdefault(names[position], []).append(frame.columns[position])
    for name, letters in seen.items():
        if len(letters) > 1:
            problems.append(
                Problem(
                    sheet.file,
                    f"columns {' and '.join(letters)} are both headed '{name}'; give each a different heading.",
                    sheet.name,
                    header_row,
                )
            )
    if problems:
        raise InputError(problems)
    table = body.iloc[:, keep]
    table.columns = pd.Index([names[p] for p in keep], dtype=object)
    empty = ~present[:, keep].any(axis=1)
    table = table.loc[~empty]
    table.index.name = "row"
    table.attrs["empty_rows"] = body.index[empty].tolist()
    return table


def header_cells(sheet: Sheet, header_row: int) -> list[object]:
    """The headings in ``header_row``, text stripped, others (e.g. a date cell) as stored;
    InputError when the sheet has no such row."""
    if header_row not in sheet.frame.index:
        rows = len(sheet.frame)
        raise InputError(
            [Problem(sheet.file, f"has no row {header_row} to use as the header; it has {rows} rows.", sheet.name)]
        )
    return [h.strip() if isinstance(h, str) else h for h in sheet.frame.loc[header_row].tolist()]


def refuse(file_name: str, message: str, sheet: str | None = None) -> NoReturn:
    """Refuse the file (or one of its sheets) with a plain message."""
    raise InputError([Problem(file_name, message, sheet, kind="file")])


def too_many_rows(rows: int, limits: ReadLimits) -> str:
    """Why a file with ``rows`` rows is refused."""
    return (
        f"has {rows:,} rows, more than the {limits.max_rows:,} allowed in one upload. "
        "Split it into smaller files and upload each."
    )


def cells_frame(rows: list[list[object]], width: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Rows of cells → object frame indexed by spreadsheet row number, columns by letter,
    and the mask of cells that hold something."""
    if rows and set(map(len, rows)) != {width}:
        raise ValueError(f"every row must hold {width} cells")
    # One flat pass over the cells: numpy's nested-list assignment costs twice as much.
    cells = np.fromiter(itertools.chain.from_iterable(rows), dtype=object, count=len(rows) * width)
    cells = cells.reshape(len(rows), width)
    # Both readers give "" for an empty cell; None is what "nothing stored" means here.
    empty = cells == ""
    cells[empty] = None
    frame = pd.DataFrame(
        cells,
        index=pd.RangeIndex(1, len(rows) + 1),
        columns=pd.Index([column_letter(c) for c in range(1, width + 1)], dtype=object),
        dtype=object,
        copy=False,
    )
    return frame, ~empty
