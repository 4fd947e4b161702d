"""Reading a CSV (or other delimited text) file: its encoding and delimiter worked out, and
files that are not text refused."""

from __future__ import annotations

import csv
import io
import itertools
import re
from pathlib import PurePosixPath, PureWindowsPath

import numpy as np
import pandas as pd

from qi_dash.ingest.workbook import ReadLimits, Sheet, Workbook, column_letter, refuse, too_many_rows

_SPREADSHEET_EXTENSIONS = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
# C0 controls other than tab, line feed, vertical tab, form feed, carriage return and DOS EOF
# never occur in a real CSV; their presence means binary data.
_BINARY_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x19\x1b-\x1f]")
_DELIMITERS = (",", ";", "\t")
_SNIFF_CHARS = 64 * 1024
_SNIFF_ROWS = 50


def read_csv(data: bytes, file_name: str, limits: ReadLimits) -> Workbook:
    """A delimited text file's bytes as a one-sheet workbook named after the file; InputError if refused."""
    notes: list[str] = []
    start = data.removeprefix(b"\xef\xbb\xbf").lstrip()[:2048].lower()
    if data.startswith(b"%PDF"):
        refuse(file_name, "is a PDF document, not a spreadsheet; upload the .xlsx or .csv file the data is kept in.")
    # Only a file that *starts* as markup is a web page: a CSV may hold HTML in a comment.
    if start.startswith(b"<") and any(tag in start for tag in (b"<!doctype html", b"<html", b"<table")):
        refuse(
            file_name,
            "is a web page (HTML), not a spreadsheet, though some systems export it with a spreadsheet name. "
            "Open it in Excel, save it as 'Excel Workbook (.xlsx)' and upload that.",
        )
    text, encoding = _decode(data, file_name, notes)
    if _BINARY_CONTROLS.search(text[:_SNIFF_CHARS]):
        refuse(file_name, _not_text_message(file_name))
    if _extension(file_name) in _SPREADSHEET_EXTENSIONS:
        notes.append(f"'{file_name}' holds plain text, not an Excel workbook; it was read as a CSV file.")
    if not text.strip():
        refuse(file_name, "has no data: it holds no text.")

    delimiter = _delimiter(text)
    if delimiter != ",":
        notes.append(f"'{file_name}' was read as {'semicolon' if delimiter == ';' else 'tab'}-separated.")
    # Decoded as it is read (a StringIO of the text would hold 4 bytes a character), in
    # batches of rows, each batch's repeated texts one object, written into one array of
    # cells: a 20 MB file's million rows as lists of separate strings would take ten times
    # its size, and batches joined at the end would hold every cell twice.
    del text
    reader = csv.reader(io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline=""), delimiter=delimiter)
    # Each row ends at a line break (or the file's end), so this many rows at most; memory
    # the rows never reach is never touched.
    cells = _Cells(min(data.count(b"\n") + data.count(b"\r") + 1, limits.max_rows + 1))
    try:
        while batch := _batch(reader, min(_BATCH_ROWS, limits.max_rows + 1 - cells.rows)):
            if cells.rows + len(batch) > limits.max_rows:
                # Keep counting (without storing) so the message can give the real size.
                n_rows = cells.rows + len(batch)
                refuse(file_name, too_many_rows(n_rows + sum(1 for _ in reader), limits), _stem(file_name))
            width = max(cells.width, *map(len, batch))
            if (cells.rows + len(batch)) * width > limits.max_cells:
                refuse(file_name, f"has at least {(cells.rows + len(batch)) * width:,} cells, more than the "
                                  f"{limits.max_cells:,} allowed.")
            cells.add(batch, width)
    except csv.Error as error:
        refuse(file_name, f"could not be read as CSV at line {reader.line_num}: {error}.")
    frame, present = cells.frame()
    sheet = Sheet(file_name, _stem(file_name), frame, present=present)
    return Workbook(file_name, [sheet], notes)


_BATCH_ROWS = 50_000


def _batch(reader, n: int) -> list[list[str]]:
    """Up to ``n`` rows, each text cell the batch's one object for that text."""
    same: dict[str, str] = {}
    return [[same.setdefault(cell, cell) for cell in row] for row in itertools.islice(reader, n)]


class _Cells:
    """A CSV's cells, batch by batch, in one object array (None for an empty cell) and its
    mask of cells holding something; ragged rows padded with empty cells, as Excel shows them."""

    def __init__(self, capacity: int):
        self.capacity, self.rows, self.width = capacity, 0, 0
        self._cells = np.empty((0, 0), dtype=object)
        self._present = np.zeros((0, 0), dtype=bool)

    def add(self, batch: list[list[str]], width: int) -> None:
        end = self.rows + len(batch)
        if end > self.capacity or width > self.width:
            self._grow(max(end, self.capacity), width)
        for row in batch:
            row.extend([""] * (width - len(row)))
        flat = np.fromiter(itertools.chain.from_iterable(batch), dtype=object, count=len(batch) * width)
        batch.clear()
        flat = flat.reshape(-1, width)
        empty = flat == ""
        flat[empty] = None
        self._cells[self.rows : end, :width] = flat
        self._present[self.rows : end, :width] = ~empty
        self.rows = end

    def _grow(self, capacity: int, width: int) -> None:
        cells = np.empty((capacity, width), dtype=object)  # None throughout
        present = np.zeros((capacity, width), dtype=bool)
        cells[: self.rows, : self.width] = self._cells[: self.rows]
        present[: self.rows, : self.width] = self._present[: self.rows]
        self._cells, self._present, self.capacity, self.width = cells, present, capacity, width

    def frame(self) -> tuple[pd.DataFrame, np.ndarray]:
        """The cells as a frame indexed by row number (from 1), columns by letter."""
        frame = pd.DataFrame(
            self._cells[: self.rows],
            index=pd.RangeIndex(1, self.rows + 1),
            columns=pd.Index([column_letter(c) for c in range(1, self.width + 1)], dtype=object),
            dtype=object,
            copy=False,
        )
        return frame, self._present[: self.rows]


def _extension(file_name: str) -> str:
    # Browsers may send a Windows path; only the final name's suffix matters.
    return PurePosixPath(PureWindowsPath(file_name).name).suffix.lower()


def _stem(file_name: str) -> str:
    return PurePosixPath(PureWindowsPath(file_name).name).stem or "Sheet1"


def _not_text_message(file_name: str) -> str:
    kind = "an Excel workbook" if _extension(file_name) in _SPREADSHEET_EXTENSIONS else "a CSV file"
    return (
        f"is not {kind}: it holds binary data, not a spreadsheet (perhaps another kind of file was "
        "renamed). Upload the .xlsx or .csv file the data is kept in."
    )


def _decode(data: bytes, file_name: str, notes: list[str]) -> tuple[str, str]:
    """Text from a BOM, else UTF-8, else Windows-1252 (Excel's 'CSV' on UK Windows), and the
    encoding it was read with."""
    if data.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Excel's "Unicode Text" is UTF-16 with a BOM; its NUL bytes are not binary data.
        encoding = "utf-16"
    else:
        if b"\x00" in data[:_SNIFF_CHARS]:
            refuse(file_name, _not_text_message(file_name))
        encoding = "utf-8"
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError:
        if encoding != "utf-8":
            refuse(file_name, f"is not valid {encoding.upper()} text despite its byte-order mark.")
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        refuse(
            file_name,
            "is not text we can read (neither UTF-8 nor Windows-1252), so it is probably not a CSV file. "
            "In Excel, save it as 'CSV UTF-8' and upload that.",
        )
    notes.append(f"'{file_name}' is not UTF-8; it was read as Windows-1252 (Excel's usual CSV encoding).")
    return text, "cp1252"


def _delimiter(text: str) -> str:
    """The delimiter that splits the first rows into the most consistent number of columns."""
    sample = text[:_SNIFF_CHARS]
    if len(text) > _SNIFF_CHARS:
        sample = sample[: sample.rfind("\n") + 1] or sample  # drop a partial last line
    best, best_key = ",", (0.0, 1)
    for delimiter in _DELIMITERS:
        try:
            widths = [len(r) for r in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter) if r]
        except csv.Error:
            continue
        widths = widths[:_SNIFF_ROWS]
        if not widths:
            continue
        mode = max(set(widths), key=widths.count)
        key = (widths.count(mode) / len(widths), mode)
        # Comma wins ties: it is listed first and only a strictly better split replaces it.
        if mode > 1 and key > best_key:
            best, best_key = delimiter, key
    return best
