"""Reading an xlsx workbook: its zip checked (``xlsx_scan``), its sheets parsed by calamine."""

from __future__ import annotations

import concurrent.futures
import io
import zipfile
from xml.etree import ElementTree

import python_calamine

from qi_dash.ingest.workbook import CellRange, ReadLimits, Sheet, Workbook, cells_frame, refuse, too_many_rows
from qi_dash.ingest.xlsx_scan import DAMAGED_ZIP, PartScan, check_declared_sizes, scan_notes, scan_parts
from qi_dash.text import summarise


def read_xlsx(data: bytes, file_name: str, limits: ReadLimits) -> Workbook:
    """Every sheet of an xlsx workbook's bytes, with notes on what was found; InputError if refused."""
    damaged = (
        "is damaged or incomplete (it may have been cut off while saving or uploading). "
        "Open it in Excel, save a new copy and upload that."
    )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
        check_declared_sizes(infos, file_name, limits)
        names = {info.filename for info in infos}
        if "xl/workbook.xml" not in names:
            refuse(file_name, _zip_kind_message(archive, names))
        sheet_parts = _sheet_parts(archive)
    except DAMAGED_ZIP:
        refuse(file_name, damaged)

    # The declared sizes are within limits, and calamine (like zipfile) stops at a part's
    # declared size, so calamine may parse while the parts are inflated and counted: it
    # parses without holding the GIL, and zlib inflates without it, on another core.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        scanning = pool.submit(scan_parts, archive, infos)
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
        except DAMAGED_ZIP:
            refuse(file_name, damaged)

    # The checks and their order are as if the counts had come first.
    notes: list[str] = []
    for sheet_name, part in sheet_parts.items():
        scan = scans.get(part, PartScan())
        if scan.rows > limits.max_rows:
            refuse(file_name, too_many_rows(scan.rows, limits), sheet_name)
        notes.extend(scan_notes(sheet_name, scan))
    if unreadable is not None:
        refuse(file_name, damaged)

    sheets = []
    for meta in metadata:
        if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
            notes.append(f"Sheet '{meta.name}' is a chart or macro sheet, not cells; it was skipped.")
            continue
        # A hidden sheet is noted where it is (or is not) read: ``mapping.hidden_sheets_not_read``.
        hidden = meta.visible != python_calamine.SheetVisibleEnum.Visible
        sheet = _read_sheet(parsed[meta.name], meta.name, hidden, file_name, limits, damaged)
        if sheet.merged:
            ranges = summarise([str(c) for c in sorted(sheet.merged, key=lambda c: (c.first_row, c.first_column))])
            notes.append(f"Sheet '{meta.name}' has merged cells ({ranges}): a merged cell's value is read in its "
                         "first cell only, so check any that lie inside the table.")
        sheets.append(sheet)
    if not any(len(sheet.frame) for sheet in sheets):
        refuse(file_name, "has no data: every sheet in it is empty.")
    return Workbook(file_name, sheets, notes)


def _zip_kind_message(archive: zipfile.ZipFile, names: set[str]) -> str:
    if "xl/workbook.bin" in names:
        return "is an Excel binary workbook (.xlsb); save it as 'Excel Workbook (.xlsx)' and upload that."
    if "mimetype" in names and b"opendocument.spreadsheet" in archive.read("mimetype")[:100]:
        return "is an OpenDocument spreadsheet (.ods); save it as 'Excel Workbook (.xlsx)' and upload that."
    return "is a zip archive (such as a Word document) but not an Excel workbook; upload an .xlsx or .csv file."


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
            refuse(file_name, too_many_rows(height, limits), name)
        if height * width > limits.max_cells:
            refuse(
                file_name,
                f"spans {height:,} rows × {width:,} columns, more than the {limits.max_cells:,} cells allowed. "
                "Delete unused rows and columns (look for stray cells far from the table) and upload again.",
                name,
            )
        rows = raw.to_python(skip_empty_area=False) if end else []
        merged = [CellRange(r0 + 1, c0 + 1, r1 + 1, c1 + 1) for (r0, c0), (r1, c1) in raw.merged_cell_ranges or []]
    except python_calamine.CalamineError:
        refuse(file_name, damaged, name)
    frame, present = cells_frame(rows, width)
    return Sheet(file_name, name, frame, hidden, merged, present)
