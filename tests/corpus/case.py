"""A corpus case (a messy file and the canonical rows it must give) and the helpers that build them.

Each case's data is written once, as the rows a team would report; the file is built from those
rows in the case's own messy way and ``expected`` from the same rows in the store's terms, so
the truth never drifts from the file.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from fixtures_hostile import write_xlsx

# The store's observation columns, as plan_upload's changes and check_table's observations
# carry them (unit is a team code).
EXPECTED_COLUMNS = ["unit", "measure", "period", "numerator", "denominator", "value", "comment"]
LAYOUTS = ("long", "wide", "periods_across", "sheet_per_team", "sheet_per_measure")
# A fixed time for every zip member, so the same workbook is the same bytes on every build.
_ZIP_TIME = (2023, 1, 1, 0, 0, 0)


@dataclass(frozen=True, eq=False)
class CorpusCase:
    """One messy file: how to build it, what it must give, and what makes it hard."""

    name: str
    file_name: str
    build: Callable[[], bytes]
    expected: pd.DataFrame
    layout: str
    max_choices: int
    why: str


@dataclass(frozen=True)
class Obs:
    """One reported figure, in the store's terms."""

    unit: str
    measure: str
    period: date
    numerator: float | None = None
    denominator: float | None = None
    value: float | None = None
    comment: str | None = None


def expected_frame(observations: list[Obs]) -> pd.DataFrame:
    """Observations as the canonical rows, in ``normalised`` order."""
    frame = pd.DataFrame(
        {
            "unit": [o.unit for o in observations],
            "measure": [o.measure for o in observations],
            "period": pd.to_datetime([o.period for o in observations]),
            "numerator": [np.nan if o.numerator is None else float(o.numerator) for o in observations],
            "denominator": [np.nan if o.denominator is None else float(o.denominator) for o in observations],
            "value": [np.nan if o.value is None else float(o.value) for o in observations],
            "comment": [o.comment for o in observations],
        }
    )
    return normalised(frame)


def normalised(frame: pd.DataFrame) -> pd.DataFrame:
    """Canonical rows in one comparable form: the expected columns only, sorted by unit, measure
    and period, numbers as floats, periods as datetime64[ns], absent comments as None."""
    out = frame[EXPECTED_COLUMNS].copy()
    out["unit"] = out["unit"].astype(object)
    out["measure"] = out["measure"].astype(object)
    out["period"] = pd.to_datetime(out["period"]).astype("datetime64[ns]")
    for column in ("numerator", "denominator", "value"):
        out[column] = pd.to_numeric(out[column]).astype("float64")
    out["comment"] = [None if pd.isna(c) else str(c) for c in out["comment"]]
    out["comment"] = out["comment"].astype(object)
    return out.sort_values(["unit", "measure", "period"], kind="stable").reset_index(drop=True)


def xlsx_bytes(sheets: dict[str, list[list[object]]], **options) -> bytes:
    """``fixtures_hostile.write_xlsx`` into memory, with every zip member's time fixed."""
    buffer = io.BytesIO()
    write_xlsx(buffer, sheets, **options)
    return stable_zip(buffer.getvalue())


def stable_zip(data: bytes) -> bytes:
    """The same zip with every member dated ``_ZIP_TIME`` (zipfile stamps members with now)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(zipfile.ZipInfo(info.filename, _ZIP_TIME), source.read(info.filename),
                            compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def csv_bytes(rows: list[list[object]], delimiter: str = ",", newline: str = "\n", bom: bool = False) -> bytes:
    """Rows as delimited text; a cell holding the delimiter, a quote or a line break is quoted."""

    def cell(value: object) -> str:
        text = "" if value is None else str(value)
        if any(ch in text for ch in (delimiter, '"', "\n", "\r")):
            return '"' + text.replace('"', '""') + '"'
        return text

    text = newline.join(delimiter.join(cell(v) for v in row) for row in rows) + newline
    return ("\ufeff" if bom else "").encode() + text.encode("utf-8")


def month(year: int, number: int) -> date:
    return date(year, number, 1)


def months(first: date, count: int) -> list[date]:
    """``count`` month starts from ``first``."""
    return [date(first.year + (first.month - 1 + k) // 12, (first.month - 1 + k) % 12 + 1, 1) for k in range(count)]


def serial(day: date) -> int:
    """The Excel (1900 date system) serial number of a day."""
    return (day - date(1899, 12, 30)).days


def thousands(number: float) -> str:
    """A whole number as text with a thousands separator, as a spreadsheet shows it (1,240)."""
    return f"{int(number):,}"
