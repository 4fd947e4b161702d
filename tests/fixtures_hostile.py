"""Builders for the files people (and attackers) upload: canonical, awkward and hostile.

Every builder writes into a directory the test owns (pytest's ``tmp_path``) and returns the
path, so any test module can reuse them::

    from fixtures_hostile import zip_bomb_xlsx
    data = zip_bomb_xlsx(tmp_path).read_bytes()

Workbooks are written as raw SpreadsheetML with ``zipfile`` (``write_xlsx``) so a test controls
exactly what is stored: formula cells with or without a cached result, date-styled cells,
hidden sheets and merged ranges, at the speed needed for 100,000-row files.
"""

from __future__ import annotations

import csv
import random
import re
import struct
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl

from tests.builders import CANONICAL_COLUMNS

CFB_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")

_EXCEL_EPOCH = datetime(1899, 12, 30)
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"


@dataclass(frozen=True)
class Formula:
    """A formula cell; ``cached`` is the result Excel saved with it (None: never calculated)."""

    text: str
    cached: float | str | None = None


@dataclass(frozen=True)
class CellError:
    """A cell showing an Excel error such as #DIV/0!."""

    code: str = "#DIV/0!"


def column_letter(index: int) -> str:
    """0-based column index → Excel letters (0 → A, 27 → AB)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _cell_xml(ref: str, value: object, strings: dict[str, int]) -> str:
    if value is None:
        return ""
    if isinstance(value, Formula):
        cached = value.cached
        formula = f"<f>{escape(value.text)}</f>"
        if cached is None:
            return f'<c r="{ref}">{formula}</c>'
        if isinstance(cached, str):
            return f'<c r="{ref}" t="str">{formula}<v>{escape(cached)}</v></c>'
        return f'<c r="{ref}">{formula}<v>{cached!r}</v></c>'
    if isinstance(value, CellError):
        return f'<c r="{ref}" t="e"><v>{escape(value.code)}</v></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (datetime, date)):
        moment = value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
        serial = (moment - _EXCEL_EPOCH) / timedelta(days=1)
        return f'<c r="{ref}" s="1"><v>{serial:g}</v></c>'
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    index = strings.setdefault(str(value), len(strings))
    return f'<c r="{ref}" t="s"><v>{index}</v></c>'


def _sheet_xml(
    rows: list[list[object]], merged: list[str], strings: dict[str, int], hidden_columns: tuple[int, ...] = ()
) -> str:
    letters = [column_letter(i) for i in range(max((len(r) for r in rows), default=0))]
    body = []
    for r, row in enumerate(rows, start=1):
        cells = "".join(_cell_xml(f"{letters[c]}{r}", v, strings) for c, v in enumerate(row))
        if cells:
            body.append(f'<row r="{r}">{cells}</row>')
    merge = ""
    if merged:
        refs = "".join(f'<mergeCell ref="{m}"/>' for m in merged)
        merge = f'<mergeCells count="{len(merged)}">{refs}</mergeCells>'
    cols = ""
    if hidden_columns:
        hide = "".join(f'<col min="{c + 1}" max="{c + 1}" width="9" hidden="1"/>' for c in sorted(hidden_columns))
        cols = f"<cols>{hide}</cols>"
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_MAIN_NS}">'
        f"{cols}<sheetData>{''.join(body)}</sheetData>{merge}</worksheet>"
    )


def write_xlsx(
    path: Path,
    sheets: dict[str, list[list[object]]],
    *,
    hidden: tuple[str, ...] = (),
    merged: dict[str, list[str]] | None = None,
    hidden_columns: dict[str, tuple[int, ...]] | None = None,
) -> Path:
    """Write a minimal but valid xlsx: shared strings, a date style (s=1), formulas as given.

    ``hidden_columns`` gives, per sheet, the 0-based indexes of columns hidden in Excel.
    """
    merged = merged or {}
    hidden_columns = hidden_columns or {}
    strings: dict[str, int] = {}
    sheet_parts = [
        _sheet_xml(rows, merged.get(name, []), strings, hidden_columns.get(name, ())) for name, rows in sheets.items()
    ]
    sheet_entries = "".join(
        f'<sheet name="{escape(name)}" sheetId="{i}" r:id="rId{i}"'
        + (' state="hidden"' if name in hidden else "")
        + "/>"
        for i, name in enumerate(sheets, start=1)
    )
    workbook = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}"><sheets>{sheet_entries}</sheets></workbook>'
    )
    n = len(sheets)
    workbook_rels = "".join(
        f'<Relationship Id="rId{i}" Type="{_REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, n + 1)
    )
    workbook_rels += (
        f'<Relationship Id="rId{n + 1}" Type="{_REL_NS}/styles" Target="styles.xml"/>'
        f'<Relationship Id="rId{n + 2}" Type="{_REL_NS}/sharedStrings" Target="sharedStrings.xml"/>'
    )
    shared = "".join(f'<si><t xml:space="preserve">{escape(s)}</t></si>' for s in strings)
    styles = (
        f'<styleSheet xmlns="{_MAIN_NS}"><fonts count="1"><font/></fonts>'
        '<fills count="1"><fill/></fills><borders count="1"><border/></borders>'
        '<cellStyleXfs count="1"><xf/></cellStyleXfs>'
        '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs>'
        "</styleSheet>"
    )
    sheet_types = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, n + 1)
    )
    content_types = (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        f"{sheet_types}</Types>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", content_types)
        z.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{_PKG_REL_NS}"><Relationship Id="rId1" '
            f'Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr("xl/workbook.xml", workbook)
        z.writestr(
            "xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{_PKG_REL_NS}">{workbook_rels}</Relationships>'
        )
        z.writestr("xl/styles.xml", styles)
        z.writestr("xl/sharedStrings.xml", f'<sst xmlns="{_MAIN_NS}" count="{len(strings)}">{shared}</sst>')
        for i, part in enumerate(sheet_parts, start=1):
            z.writestr(f"xl/worksheets/sheet{i}.xml", part)
    return path


# --- canonical data ------------------------------------------------------------------------


def canonical_rows(n_rows: int, seed: int = 7) -> list[list[object]]:
    """Header plus ``n_rows`` canonical-template rows with Excel date cells for the period."""
    rng = random.Random(seed)
    teams = [f"Ward {i}" for i in range(1, 41)]
    measures = ["restraint_rate", "safety_plan_pct", "staff_assaults", "huddles_held", "sickness_pct"]
    start = date(2022, 4, 1)
    months = [date(start.year + (start.month - 1 + k) // 12, (start.month - 1 + k) % 12 + 1, 1) for k in range(36)]
    rows: list[list[object]] = [list(CANONICAL_COLUMNS)]
    for i in range(n_rows):
        denominator = rng.randint(20, 400)
        numerator = rng.randint(0, denominator)
        comment = "+1 agency nurse" if i % 997 == 0 else None
        rows.append(
            [teams[i % 40], measures[(i // 40) % 5], months[(i // 200) % 36], numerator, denominator, None, comment]
        )
    return rows


def canonical_xlsx(directory: Path, n_rows: int = 100, name: str = "canonical.xlsx") -> Path:
    return write_xlsx(directory / name, {"Data": canonical_rows(n_rows)})


# --- hostile and broken workbooks ----------------------------------------------------------


def _cfb(stream_names: list[str]) -> bytes:
    """An OLE2 compound file look-alike: the CFB signature, then directory entry names.

    Real encrypted xlsx and .xls files are CFB containers; ``read_file`` only needs the
    signature and the stream names (UTF-16LE in the directory sector) to tell them apart.
    """
    header = CFB_MAGIC + bytes(16) + struct.pack("<HH", 0x003E, 0x0003) + b"\xfe\xff" + bytes(512 - 30)
    directory = b"".join(
        (name.encode("utf-16-le") + b"\0\0").ljust(64, b"\0") + bytes(64) for name in ["Root Entry", *stream_names]
    )
    return header + directory.ljust(4096, b"\0")


def password_protected_xlsx(directory: Path, name: str = "protected.xlsx") -> Path:
    path = directory / name
    path.write_bytes(_cfb(["EncryptionInfo", "EncryptedPackage", "\x06DataSpaces"]))
    return path


def legacy_xls(directory: Path, name: str = "legacy.xls") -> Path:
    path = directory / name
    path.write_bytes(_cfb(["Workbook", "\x05SummaryInformation"]))
    return path


def truncated_xlsx(directory: Path, name: str = "truncated.xlsx") -> Path:
    whole = canonical_xlsx(directory, 500, name="whole-for-truncation.xlsx").read_bytes()
    path = directory / name
    path.write_bytes(whole[: len(whole) // 2])
    return path


def _patch_declared_size(data: bytes, member: str, declared: int) -> bytes:
    """Rewrite a member's uncompressed size in the central directory (and local header)."""
    patched = bytearray(data)
    encoded = member.encode()
    central = patched.find(b"PK\x01\x02")
    while central != -1:
        name_len = struct.unpack_from("<H", patched, central + 28)[0]
        if bytes(patched[central + 46 : central + 46 + name_len]) == encoded:
            struct.pack_into("<I", patched, central + 24, declared)
            local = struct.unpack_from("<I", patched, central + 42)[0]
            struct.pack_into("<I", patched, local + 22, declared)
            return bytes(patched)
        central = patched.find(b"PK\x01\x02", central + 4)
    raise ValueError(f"{member} not in zip")


def zip_bomb_xlsx(directory: Path, declared_bytes: int = 4_000_000_000, name: str = "bomb.xlsx") -> Path:
    """A workbook whose sheet declares ``declared_bytes`` of XML (a classic bomb's header)."""
    source = canonical_xlsx(directory, 10, name="bomb-source.xlsx").read_bytes()
    path = directory / name
    path.write_bytes(_patch_declared_size(source, "xl/worksheets/sheet1.xml", declared_bytes))
    return path


def high_ratio_xlsx(directory: Path, padding_bytes: int = 30_000_000, name: str = "ratio.xlsx") -> Path:
    """A workbook whose sheet is mostly whitespace: honest sizes, but a ~1000:1 compression ratio."""
    path = write_xlsx(directory / name, {"Data": [["team"], ["Ward 1"]]})
    with zipfile.ZipFile(path) as z:
        parts = {info.filename: z.read(info) for info in z.infolist()}
    sheet = parts["xl/worksheets/sheet1.xml"]
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(b"<sheetData>", b"<sheetData>" + b" " * padding_bytes)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for part, content in parts.items():
            z.writestr(part, content)
    return path


def lying_size_xlsx(directory: Path, name: str = "lying.xlsx") -> Path:
    """A workbook whose sheet declares fewer bytes than it inflates to (sizes that lie)."""
    source = canonical_xlsx(directory, 200, name="lying-source.xlsx").read_bytes()
    path = directory / name
    path.write_bytes(_patch_declared_size(source, "xl/worksheets/sheet1.xml", 1000))
    return path


def empty_workbook_xlsx(directory: Path, name: str = "empty.xlsx") -> Path:
    path = directory / name
    openpyxl.Workbook().save(path)
    return path


def merged_cells_xlsx(directory: Path, name: str = "merged.xlsx") -> Path:
    """A title merged above the header (harmless) and a team name merged down data rows."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Falls"
    ws["A1"] = "Ward falls 2024"
    ws.merge_cells("A1:C1")
    ws.append(["team", "period", "value"])
    ws.append(["Ward 7", date(2024, 4, 1), 3])
    ws.append([None, date(2024, 5, 1), 4])
    ws.append([None, date(2024, 6, 1), 2])
    ws.merge_cells("A3:A5")
    wb.save(directory / name)
    return directory / name


def hidden_sheet_xlsx(directory: Path, name: str = "hidden.xlsx") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["team", "period", "value"])
    ws.append(["Ward 7", date(2024, 4, 1), 3])
    lookup = wb.create_sheet("Lookup")
    lookup.append(["team", "directorate"])
    lookup.sheet_state = "hidden"
    secret = wb.create_sheet("Old")
    secret.append(["team", "period", "value"])
    secret.sheet_state = "veryHidden"
    wb.save(directory / name)
    return directory / name


def formulas_xlsx(directory: Path, name: str = "formulas.xlsx") -> Path:
    """Two formulas with cached results Excel saved, one never calculated (no cached value)."""
    rows: list[list[object]] = [
        ["team", "numerator", "denominator", "rate"],
        ["Ward 1", 3, 4, Formula("B2/C2", 0.75)],
        ["Ward 2", 1, 2, Formula("B3/C3", 0.5)],
        ["Ward 3", 1, 5, Formula("B4/C4")],
    ]
    return write_xlsx(directory / name, {"Data": rows})


def error_cells_xlsx(directory: Path, name: str = "errors.xlsx") -> Path:
    rows: list[list[object]] = [["team", "rate"], ["Ward 1", CellError("#DIV/0!")], ["Ward 2", CellError("#REF!")]]
    return write_xlsx(directory / name, {"Data": rows})


def prefixed_formulas_xlsx(directory: Path, name: str = "prefixed.xlsx") -> Path:
    """formulas_xlsx with every sheet element namespace-prefixed (<x:c>), as some writers do."""
    source = formulas_xlsx(directory, name="prefixed-source.xlsx")
    with zipfile.ZipFile(source) as z:
        parts = {info.filename: z.read(info) for info in z.infolist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    sheet = re.sub(r"<(/?)(?!\?)(\w+)", r"<\1x:\2", sheet).replace("<x:worksheet xmlns=", "<x:worksheet xmlns:x=")
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    path = directory / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for part, content in parts.items():
            z.writestr(part, content)
    return path


def stray_cell_xlsx(directory: Path, name: str = "stray.xlsx") -> Path:
    """A small table plus one stray cell far away, stretching the sheet to 1,000 × 1,000."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["team", "value"])
    ws.cell(row=1000, column=1000, value="x")
    wb.save(directory / name)
    return directory / name


def not_a_workbook_zip(directory: Path, name: str = "report.xlsx") -> Path:
    """A Word document (a zip, but no workbook inside) saved with an .xlsx name."""
    path = directory / name
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<document/>")
    return path


def ods_file(directory: Path, name: str = "data.ods") -> Path:
    path = directory / name
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content/>")
    return path


# --- binaries and text files -------------------------------------------------------------


def random_bytes(directory: Path, name: str, size: int = 20_000, seed: int = 1) -> Path:
    path = directory / name
    path.write_bytes(random.Random(seed).randbytes(size))
    return path


def png_renamed(directory: Path, name: str = "chart.csv") -> Path:
    """The start of a PNG image: a binary with NUL bytes, saved under a spreadsheet name."""
    path = directory / name
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(200))
    return path


def pdf_renamed(directory: Path, name: str = "report.xlsx") -> Path:
    path = directory / name
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
    return path


def text_file(directory: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = directory / name
    path.write_bytes(text.encode(encoding))
    return path


# --- hostile text: names and notes a store may hold, to be shown as typed ---------------------

# Markdown, HTML, maths and Streamlit syntax that would become a live link, a fetched image,
# script, maths, colour or a heading if rendered instead of shown.
EVIL_HOST = "evil.example"
MARKDOWN_PAYLOADS = (
    f"[Sign in again](http://{EVIL_HOST}/login)",
    f"![x](http://{EVIL_HOST}/x.png)",
    "<img src=x onerror=alert(1)>",
    "$x^2$",
    ":red[Ash]",
    "# Big",
    "**bold**",
)
# Text a spreadsheet would run as a formula (OWASP CSV injection), and negatives that are not.
FORMULA_PAYLOADS = (
    f'=HYPERLINK("http://{EVIL_HOST}","x")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(1)",
    "\t=1+1",
    "\r=1+1",
)
# Which demo units and measures carry the payloads as their names in ``hostile_database``.
HOSTILE_UNIT_CODES = ("W-ASH", "W-BIR", "W-CED", "W-HAZ", "DIR-ACU", "ORG", "W-OAK")
HOSTILE_MEASURE_CODES = ("HUDDLES", "RESTRAINT", "PRN", "SAFETY_PLAN", "RP_RATE", "SECL_HRS", "DEBRIEF")
HOSTILE_UNITS = dict(zip(HOSTILE_UNIT_CODES, MARKDOWN_PAYLOADS))
HOSTILE_WHO = "**bold**"


def hostile_database(path: Path, names: tuple[str, ...] = MARKDOWN_PAYLOADS) -> Path:
    """The demo organisation whose unit and measure names are ``names`` (the first seven
    units and measures above), and whose comments, PDSA cycles and phase reasons are the
    payloads above, each written as a user could write it."""
    from dataclasses import replace

    import pandas as pd

    from qi_dash import bootstrap
    from qi_dash.pdsa import PdsaCycle
    from qi_dash.store import Store
    from qi_dash.upload import commit, plan_upload

    store = Store.open(path)
    try:
        bootstrap.load_demo(store)
        units = store.units()[["code", "name", "level", "parent"]]
        unit_names, measure_names = dict(zip(HOSTILE_UNIT_CODES, names)), dict(zip(HOSTILE_MEASURE_CODES, names))
        units["name"] = [unit_names.get(c, n) for c, n in zip(units["code"], units["name"])]
        store.save_units(units)
        store.save_definitions([replace(d, name=measure_names.get(d.code, d.name)) for d in store.definitions()],
                               recorded_by=HOSTILE_WHO)
        comments = [*MARKDOWN_PAYLOADS, *FORMULA_PAYLOADS]
        rows = pd.DataFrame({
            "team": "W-ASH", "measure": "PRN",
            "period": [f"{2024 + (i // 12)}-{i % 12 + 1:02d}-01" for i in range(len(comments))],
            "value": [3 + i % 4 for i in range(len(comments))], "comment": comments,
        })
        plan = plan_upload(store, rows.to_csv(index=False, quoting=csv.QUOTE_ALL).encode(), f"{MARKDOWN_PAYLOADS[0]}.csv")
        assert plan.ok, plan.problems
        commit(store, plan, uploaded_by=HOSTILE_WHO)
        store.add_pdsa_cycles([PdsaCycle(
            title=payload, unit="W-ASH", measures=("HUDDLES",), plan_date=date(2023, 9, 4 + i),
            change_idea=payload, prediction=payload, learned=payload,
        ) for i, payload in enumerate(MARKDOWN_PAYLOADS)], by=HOSTILE_WHO)
        store.add_phase_changes(pd.DataFrame([{
            "unit": "W-ASH", "measure": "PRN", "period": date(2024, 6, 1), "kind": "new_phase",
            "reason": " ".join(MARKDOWN_PAYLOADS), "cycle_id": None,
        }]), recorded_by=HOSTILE_WHO)
    finally:
        store.close()
    return path
