"""Uploaded bytes → raw sheets, refusing hostile or broken files with a plain message.

Only this module opens a user's file. It decides what the bytes are from their content (not
the name), checks a workbook's zip directory before anything is inflated or parsed (and
every part's size and CRC before a parse is used), and hands back every sheet as
the cells people see — no header, type or date interpretation — so later steps can find the
header row and name rows exactly as Excel numbers them.
"""

from __future__ import annotations

import concurrent.futures
import csv
import io
import itertools
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath, PureWindowsPath
from typing import IO, NoReturn
from xml.etree import ElementTree

import numpy as np
import pandas as pd
import python_calamine

from qi_dash.problems import InputError, Problem

_MB = 1024 * 1024


@dataclass(frozen=True)
class ReadLimits:
    """How much a single upload may hold; beyond these a file is refused before its cells are
    used (and, for the uncompressed size and ratio, before anything is inflated)."""

    max_rows: int = 1_000_000
    max_cells: int = 20_000_000
    max_uncompressed_bytes: int = 200 * _MB
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


def read_file(data: bytes, file_name: str, limits: ReadLimits = ReadLimits()) -> Workbook:
    """Read an uploaded xlsx or CSV file's bytes; raise InputError for anything else."""
    if not data:
        _refuse(file_name, "is empty (0 bytes). Check the file was saved, then upload it again.")
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _read_xlsx(data, file_name, limits)
    if data.startswith(_CFB_MAGIC):
        _refuse(file_name, _cfb_message(data))
    return _read_csv(data, file_name, limits)


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
    if header_row not in frame.index:
        rows = len(frame)
        raise InputError(
            [Problem(sheet.file, f"has no row {header_row} to use as the header; it has {rows} rows.", sheet.name)]
        )
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
    names = [h.strip() if isinstance(h, str) else h for h in frame.loc[header_row].tolist()]
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


# --- shared helpers ----------------------------------------------------------------------

_CFB_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")


def _refuse(file_name: str, message: str, sheet: str | None = None) -> NoReturn:
    raise InputError([Problem(file_name, message, sheet)])


def _extension(file_name: str) -> str:
    # Browsers may send a Windows path; only the final name's suffix matters.
    return PurePosixPath(PureWindowsPath(file_name).name).suffix.lower()


def _stem(file_name: str) -> str:
    return PurePosixPath(PureWindowsPath(file_name).name).stem or "Sheet1"


def _size(n: int) -> str:
    return f"{n / _MB:,.0f} MB" if n >= _MB else f"{n:,} bytes"


def _cfb_message(data: bytes) -> str:
    # Encrypted xlsx and Excel 97–2003 files are both OLE2 compound files; their stream
    # names (UTF-16LE in the directory) tell them apart without a CFB parser.
    if "EncryptedPackage".encode("utf-16-le") in data:
        return "is password-protected; remove the password (File → Info → Protect Workbook) and upload again."
    if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
        return (
            "is an old-style Excel 97–2003 workbook (.xls); open it in Excel, save it as "
            "'Excel Workbook (.xlsx)' and upload that."
        )
    return (
        "is an older Microsoft Office file, not an Excel .xlsx workbook or a CSV file; "
        "if it is a workbook, save it as .xlsx and upload that."
    )


def _frame(rows: list[list[object]], width: int) -> tuple[pd.DataFrame, np.ndarray]:
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


# --- xlsx --------------------------------------------------------------------------------

_CHUNK = 4 * _MB
_ROOT_PREFIX = re.compile(rb"<(\w+:)?worksheet[\s>]")
_TAIL = 64  # longer than any token counted in sheet XML
_HEAD = 64 * 1024  # enough to hold the root element, whose prefix names every element


# What zipfile, zlib and ElementTree raise on a corrupt archive or part (a truncated
# stream, a bad CRC, an unknown compression method, malformed XML …).
_DAMAGED_ZIP = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    ElementTree.ParseError,
    EOFError,
    KeyError,
    NotImplementedError,
    OSError,
    RuntimeError,
    ValueError,
)


@dataclass
class _PartScan:
    """What a worksheet part's XML shows, counted from the raw bytes."""

    rows: int = 0
    formulas: int = 0
    uncached_formulas: int = 0
    errors: int = 0


def _read_xlsx(data: bytes, file_name: str, limits: ReadLimits) -> Workbook:
    damaged = (
        "is damaged or incomplete (it may have been cut off while saving or uploading). "
        "Open it in Excel, save a new copy and upload that."
    )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
        _check_declared_sizes(infos, file_name, limits)
        names = {info.filename for info in infos}
        if "xl/workbook.xml" not in names:
            _refuse(file_name, _zip_kind_message(archive, names))
        sheet_parts = _sheet_parts(archive)
    except _DAMAGED_ZIP:
        _refuse(file_name, damaged)

    # The declared sizes are within limits, and calamine (like zipfile) stops at a part's
    # declared size, so calamine may parse while the parts are inflated and counted: it
    # parses without holding the GIL, and zlib inflates without it, on another core.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        scanning = pool.submit(_scan_parts, archive, infos)
        try:
            book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
            metadata = book.sheets_metadata
            parsed = {meta.name: _parse_sheet(book, meta.name) for meta in metadata
                      if meta.typ == python_calamine.SheetTypeEnum.WorkSheet}
            unreadable = None
        except (python_calamine.CalamineError, ValueError, OSError) as error:
            unreadable = error
        try:
            scans = scanning.result()
        except _DAMAGED_ZIP:
            _refuse(file_name, damaged)

    # The checks and their order are as if the counts had come first.
    notes: list[str] = []
    for sheet_name, part in sheet_parts.items():
        scan = scans.get(part, _PartScan())
        if scan.rows > limits.max_rows:
            _refuse(file_name, _too_many_rows(scan.rows, limits), sheet_name)
        notes.extend(_scan_notes(sheet_name, scan))
    if unreadable is not None:
        _refuse(file_name, damaged)

    sheets = []
    for meta in metadata:
        if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
            notes.append(f"Sheet '{meta.name}' is a chart or macro sheet, not cells; it was skipped.")
            continue
        hidden = meta.visible != python_calamine.SheetVisibleEnum.Visible
        if hidden:
            notes.append(f"Sheet '{meta.name}' is hidden in Excel; unhide it to check what it holds before using it.")
        sheet = _read_sheet(parsed[meta.name], meta.name, hidden, file_name, limits, damaged)
        if sheet.merged:
            ranges = ", ".join(map(str, sheet.merged))
            notes.append(f"Sheet '{meta.name}' has merged cells ({ranges}); unmerge any in the table before using it.")
        sheets.append(sheet)
    if not any(len(sheet.frame) for sheet in sheets):
        _refuse(file_name, "has no data: every sheet in it is empty.")
    return Workbook(file_name, sheets, notes)


def _zip_kind_message(archive: zipfile.ZipFile, names: set[str]) -> str:
    if "xl/workbook.bin" in names:
        return "is an Excel binary workbook (.xlsb); save it as 'Excel Workbook (.xlsx)' and upload that."
    if "mimetype" in names and b"opendocument.spreadsheet" in archive.read("mimetype")[:100]:
        return "is an OpenDocument spreadsheet (.ods); save it as 'Excel Workbook (.xlsx)' and upload that."
    return "is a zip archive (such as a Word document) but not an Excel workbook; upload an .xlsx or .csv file."


def _check_declared_sizes(infos: list[zipfile.ZipInfo], file_name: str, limits: ReadLimits) -> None:
    """Refuse a zip bomb from its directory alone, before a single byte is inflated."""
    total = sum(info.file_size for info in infos)
    if total > limits.max_uncompressed_bytes:
        _refuse(
            file_name,
            f"would expand to {_size(total)} when opened, more than the {_size(limits.max_uncompressed_bytes)} "
            "allowed, so it was not opened. Save only the sheets and rows you need and upload again.",
        )
    for info in infos:
        # Tiny parts (e.g. an empty styles file) can compress well without being a threat.
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > _MB and ratio > limits.max_compression_ratio:
            _refuse(
                file_name,
                f"contains a part ('{info.filename}') that expands {ratio:,.0f} times when opened, far more "
                "than a real spreadsheet does; it may be a 'zip bomb', so it was not opened.",
            )


def _scan_parts(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> dict[str, _PartScan]:
    """Inflate every part once, counting rows, formulas and error cells in worksheets.

    zipfile stops at each part's declared size and checks its CRC, so a part whose header
    understates its size fails here (as damaged).
    """
    scans = {}
    for info in infos:
        with archive.open(info) as stream:
            if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                scans[info.filename] = _scan_sheet(stream)
            else:
                while stream.read(_CHUNK):
                    pass
    return scans


def _scan_sheet(stream: IO[bytes]) -> _PartScan:
    scan = _PartScan()
    head = stream.read(_HEAD)
    prefix = _ROOT_PREFIX.search(head)
    tokens = _SheetTokens((prefix.group(1) or b"") if prefix else b"")
    tail = b""
    for chunk in itertools.chain([head], iter(lambda: stream.read(_CHUNK), b"")):
        text = tail + chunk
        scan.rows += _count_new(text, tail, tokens.row)
        scan.errors += _count_new(text, tail, tokens.error)
        # Each count is a pass over the XML: only chunks that may hold a formula pay for
        # the exact formula counts.
        if _count_new(text, tail, tokens.maybe_formula) or tokens.maybe_formula in tail:
            scan.formulas += sum(_count_new(text, tail, t) for t in tokens.formulas)
            scan.uncached_formulas += sum(_count_new(text, tail, t) for t in tokens.uncached)
        tail = text[-_TAIL:]
    return scan


def _count_new(text: bytes, tail: bytes, token: bytes) -> int:
    """Occurrences in ``text`` (= tail + chunk) not already counted with the previous chunk.

    A token straddling two chunks is found in tail + chunk; one wholly inside the tail was
    counted last time, so it is taken off again.
    """
    return text.count(token) - tail.count(token)


class _SheetTokens:
    """Byte strings marking elements in sheet XML, with the file's namespace prefix (e.g. x:)."""

    def __init__(self, p: bytes):
        self.row = b"<" + p + b"row"
        self.error = b' t="e"'
        self.maybe_formula = b"<" + p + b"f"
        self.formulas = (b"<" + p + b"f>", b"<" + p + b"f ")
        # A formula with no saved result: </f> or a self-closing <f .../> straight before </c>.
        self.uncached = (b"</" + p + b"f></" + p + b"c>", b"/></" + p + b"c>")


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its part path, from the workbook and its relationships."""
    ns_main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    ns_rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    ns_pkg = "{http://schemas.openxmlformats.org/package/2006/relationships}"
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    targets = {}
    if "xl/_rels/workbook.xml.rels" in archive.namelist():
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        for rel in rels.iter(f"{ns_pkg}Relationship"):
            target = rel.get("Target", "")
            targets[rel.get("Id")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return {
        sheet.get("name", ""): targets.get(sheet.get(f"{ns_rel}id"), "") for sheet in workbook.iter(f"{ns_main}sheet")
    }


def _scan_notes(sheet_name: str, scan: _PartScan) -> Iterator[str]:
    if scan.formulas:
        yield (
            f"Sheet '{sheet_name}' has {scan.formulas:,} formula{'s' if scan.formulas != 1 else ''}; "
            "the values Excel last calculated were used."
        )
    if scan.uncached_formulas:
        yield (
            f"Sheet '{sheet_name}' has {scan.uncached_formulas:,} formula cell(s) with no saved result "
            "(the file was not last saved by Excel); they were read as empty. Open the file in Excel, "
            "save it, and upload again."
        )
    if scan.errors:
        yield (
            f"Sheet '{sheet_name}' has {scan.errors:,} cell(s) showing an error such as #DIV/0! or #REF!; "
            "they were read as empty."
        )


def _too_many_rows(rows: int, limits: ReadLimits) -> str:
    return (
        f"has {rows:,} rows, more than the {limits.max_rows:,} allowed in one upload. "
        "Split it into smaller files and upload each."
    )


def _parse_sheet(book: python_calamine.CalamineWorkbook, name: str) -> python_calamine.CalamineSheet | Exception:
    """Calamine's parse of one sheet, or the error it raised, reported once the counts are in."""
    try:
        return book.get_sheet_by_name(name)
    except python_calamine.CalamineError as error:
        return error


def _read_sheet(
    raw: python_calamine.CalamineSheet | Exception,
    name: str,
    hidden: bool,
    file_name: str,
    limits: ReadLimits,
    damaged: str,
) -> Sheet:
    try:
        if isinstance(raw, Exception):
            raise raw
        end = raw.end
        # end is the last used cell (0-based); rows and columns before it are kept so that
        # frame row numbers and column letters match what Excel shows.
        height, width = (end[0] + 1, end[1] + 1) if end else (0, 0)
        if height > limits.max_rows:
            _refuse(file_name, _too_many_rows(height, limits), name)
        if height * width > limits.max_cells:
            _refuse(
                file_name,
                f"spans {height:,} rows × {width:,} columns, more than the {limits.max_cells:,} cells allowed. "
                "Delete unused rows and columns (look for stray cells far from the table) and upload again.",
                name,
            )
        rows = raw.to_python(skip_empty_area=False) if end else []
        merged = [CellRange(r0 + 1, c0 + 1, r1 + 1, c1 + 1) for (r0, c0), (r1, c1) in raw.merged_cell_ranges or []]
    except python_calamine.CalamineError:
        _refuse(file_name, damaged, name)
    frame, present = _frame(rows, width)
    return Sheet(file_name, name, frame, hidden, merged, present)


# --- CSV ---------------------------------------------------------------------------------

_SPREADSHEET_EXTENSIONS = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
# C0 controls other than tab, line feed, vertical tab, form feed, carriage return and DOS EOF
# never occur in a real CSV; their presence means binary data.
_BINARY_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x19\x1b-\x1f]")
_DELIMITERS = (",", ";", "\t")
_SNIFF_CHARS = 64 * 1024
_SNIFF_ROWS = 50


def _read_csv(data: bytes, file_name: str, limits: ReadLimits) -> Workbook:
    notes: list[str] = []
    start = data.removeprefix(b"\xef\xbb\xbf").lstrip()[:2048].lower()
    if data.startswith(b"%PDF"):
        _refuse(file_name, "is a PDF document, not a spreadsheet; upload the .xlsx or .csv file the data is kept in.")
    # Only a file that *starts* as markup is a web page: a CSV may hold HTML in a comment.
    if start.startswith(b"<") and any(tag in start for tag in (b"<!doctype html", b"<html", b"<table")):
        _refuse(
            file_name,
            "is a web page (HTML), not a spreadsheet, though some systems export it with a spreadsheet name. "
            "Open it in Excel, save it as 'Excel Workbook (.xlsx)' and upload that.",
        )
    text = _decode(data, file_name, notes)
    if _BINARY_CONTROLS.search(text[:_SNIFF_CHARS]):
        _refuse(file_name, _not_text_message(file_name))
    if _extension(file_name) in _SPREADSHEET_EXTENSIONS:
        notes.append(f"'{file_name}' holds plain text, not an Excel workbook; it was read as a CSV file.")
    if not text.strip():
        _refuse(file_name, "has no data: it holds no text.")

    delimiter = _delimiter(text)
    if delimiter != ",":
        notes.append(f"'{file_name}' was read as {'semicolon' if delimiter == ';' else 'tab'}-separated.")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = list(itertools.islice(reader, limits.max_rows + 1))
        if len(rows) > limits.max_rows:
            # Keep counting (without storing) so the message can give the real size.
            total = len(rows) + sum(1 for _ in reader)
            _refuse(file_name, _too_many_rows(total, limits), _stem(file_name))
    except csv.Error as error:
        _refuse(file_name, f"could not be read as CSV at line {reader.line_num}: {error}.")
    lengths = list(map(len, rows))
    width = max(lengths, default=0)
    if len(rows) * width > limits.max_cells:
        _refuse(file_name, f"has {len(rows) * width:,} cells, more than the {limits.max_cells:,} allowed.")
    if min(lengths, default=width) < width:
        # Ragged rows (a hand-edited CSV) are padded with empty cells, as Excel shows them.
        for row in rows:
            row.extend([""] * (width - len(row)))
    frame, present = _frame(rows, width)
    sheet = Sheet(file_name, _stem(file_name), frame, present=present)
    return Workbook(file_name, [sheet], notes)


def _not_text_message(file_name: str) -> str:
    kind = "an Excel workbook" if _extension(file_name) in _SPREADSHEET_EXTENSIONS else "a CSV file"
    return (
        f"is not {kind}: it holds binary data, not a spreadsheet (perhaps another kind of file was "
        "renamed). Upload the .xlsx or .csv file the data is kept in."
    )


def _decode(data: bytes, file_name: str, notes: list[str]) -> str:
    """Text from a BOM, else UTF-8, else Windows-1252 (Excel's 'CSV' on UK Windows)."""
    if data.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Excel's "Unicode Text" is UTF-16 with a BOM; its NUL bytes are not binary data.
        encoding = "utf-16"
    else:
        if b"\x00" in data[:_SNIFF_CHARS]:
            _refuse(file_name, _not_text_message(file_name))
        encoding = "utf-8"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        if encoding != "utf-8":
            _refuse(file_name, f"is not valid {encoding.upper()} text despite its byte-order mark.")
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        _refuse(
            file_name,
            "is not text we can read (neither UTF-8 nor Windows-1252), so it is probably not a CSV file. "
            "In Excel, save it as 'CSV UTF-8' and upload that.",
        )
    notes.append(f"'{file_name}' is not UTF-8; it was read as Windows-1252 (Excel's usual CSV encoding).")
    return text


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
