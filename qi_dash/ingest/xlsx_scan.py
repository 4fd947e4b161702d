"""A workbook's zip checked before and while it is read.

The directory's declared sizes are checked before a byte is inflated (a zip bomb is refused
from them alone); then every part is inflated once, which checks each part's size and CRC,
while the worksheets' rows, formulas and error cells are counted from the raw XML.
"""

from __future__ import annotations

import itertools
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO
from xml.etree import ElementTree

from qi_dash.ingest.workbook import MB, ReadLimits, refuse

_CHUNK = 4 * MB
_ROOT_PREFIX = re.compile(rb"<(\w+:)?worksheet[\s>]")
_TAIL = 64  # longer than any token counted in sheet XML
_HEAD = 64 * 1024  # enough to hold the root element, whose prefix names every element


# What zipfile, zlib and ElementTree raise on a corrupt archive or part (a truncated
# stream, a bad CRC, an unknown compression method, malformed XML …).
DAMAGED_ZIP = (
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
class PartScan:
    """What a worksheet part's XML shows, counted from the raw bytes."""

    rows: int = 0
    formulas: int = 0
    uncached_formulas: int = 0
    errors: int = 0


def _size(n: int) -> str:
    return f"{n / MB:,.0f} MB" if n >= MB else f"{n:,} bytes"


def check_declared_sizes(infos: list[zipfile.ZipInfo], file_name: str, limits: ReadLimits) -> None:
    """Refuse a zip bomb from its directory alone, before a single byte is inflated."""
    total = sum(info.file_size for info in infos)
    if total > limits.max_uncompressed_bytes:
        refuse(
            file_name,
            f"would expand to {_size(total)} when opened, more than the {_size(limits.max_uncompressed_bytes)} "
            "allowed, so it was not opened. Save only the sheets and rows you need and upload again.",
        )
    for info in infos:
        # Tiny parts (e.g. an empty styles file) can compress well without being a threat.
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > MB and ratio > limits.max_compression_ratio:
            refuse(
                file_name,
                f"contains a part ('{info.filename}') that expands {ratio:,.0f} times when opened, far more "
                "than a real spreadsheet does; it may be a 'zip bomb', so it was not opened.",
            )


def scan_parts(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> dict[str, PartScan]:
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


def _scan_sheet(stream: IO[bytes]) -> PartScan:
    scan = PartScan()
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


def scan_notes(sheet_name: str, scan: PartScan) -> Iterator[str]:
    """What a sheet's counts tell the user: formulas, formulas with no saved result, error cells."""
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
