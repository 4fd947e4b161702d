"""Uploaded bytes → raw sheets, refusing hostile or broken files with a plain message.

Only this module (with ``xlsx`` and ``csvfile``, which it hands the bytes to) opens a user's
file. It decides what the bytes are from their content (not the name), has a workbook's zip
checked before anything is inflated or parsed (and every part's size and CRC before a parse
is used), and hands back every sheet as the cells people see — no header, type or date interpretation — so later steps can find the
header row and name rows exactly as Excel numbers them.
"""

from __future__ import annotations

from qi_dash.ingest.csvfile import read_csv
from qi_dash.ingest.workbook import ReadLimits, Workbook, refuse
from qi_dash.ingest.xlsx import read_xlsx

_CFB_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")


def read_file(data: bytes, file_name: str, limits: ReadLimits = ReadLimits()) -> Workbook:
    """Read an uploaded xlsx or CSV file's bytes; raise InputError for anything else."""
    if not data:
        refuse(file_name, "is empty (0 bytes). Check the file was saved, then upload it again.")
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return read_xlsx(data, file_name, limits)
    if data.startswith(_CFB_MAGIC):
        refuse(file_name, _cfb_message(data))
    return read_csv(data, file_name, limits)


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
