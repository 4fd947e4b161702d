"""Benchmark of proposing a mapping (``ingest.detect.propose``) for 1,000-row workbooks.

Three files a team might keep, 1,000 data rows each, proposed against the demo hierarchy and
measure library: a wide monthly sheet under a title, a note and a blank row (a column per
measure, a comment column); a long warehouse extract (a row per ward × indicator × month,
Num/Denom columns); and a sheet per ward with months across the top (1,000 rows in all).
For each it prints the median time of ``propose`` (the workbook already read) beside
python-calamine reading the same file's cells (for the CSV, which calamine does not read,
``read_file``), and their ratio. Target: at most 100 ms each.

Run: python benchmarks/detect_bench.py [--runs N]
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import pandas as pd
import python_calamine

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))
from fixtures_hostile import write_xlsx

from qi_dash import bootstrap
from qi_dash.definitions import read_definitions
from qi_dash.hierarchy import Hierarchy, read_hierarchy
from qi_dash.ingest.detect import propose
from qi_dash.ingest.read import read_file

ROWS = 1_000
TARGET_MS = 100.0
WARDS = ["Ash Ward", "Birch Ward", "Cedar Ward", "Hazel Ward (PICU)", "Oak Ward (older adult)"]


def _months(n: int) -> list[date]:
    return [d.date() for d in pd.date_range(end="2025-10-01", periods=n, freq="MS")]


def wide(directory: Path) -> Path:
    months = _months(ROWS // len(WARDS))
    rows = [["Quality return"], ["Figures from the ward's own records"], [],
            ["Month", "Ward", "PRN doses", "Admissions", "Seclusion hours", "Safety plan num", "Safety plan denom",
             "Comments"]]
    rows += [[m, w, i % 17, i % 23, (i % 9) * 1.5, i % 20, 20, "agency" if i % 97 == 0 else None]
             for i, (w, m) in enumerate((w, m) for w in WARDS for m in months)]
    return write_xlsx(directory / "wide.xlsx", {"Return": rows})


def extract(directory: Path) -> Path:
    codes = ["W-ASH", "W-BIR", "W-CED", "W-HAZ", "W-OAK"]
    indicators = ["Restraint per 1000 OBD", "Safety plan %"]
    months = pd.date_range(end="2025-10-31", periods=ROWS // (len(codes) * len(indicators)), freq="ME")
    lines = ["ward_code;indicator;month_end;Num;Denom"]
    lines += [f"{c};{ind};{m:%d/%m/%Y};{i % 7};{600 + i % 50}"
              for i, (c, ind, m) in enumerate((c, ind, m) for c in codes for ind in indicators for m in months)]
    path = directory / "extract.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def across(directory: Path) -> Path:
    months = [f"{m:%b-%y}" for m in _months(24)]
    labels = ["Restrictive practice incidents", "Occupied bed days", "Rate per 1000 OBD", "Restraints", "PRN doses"]
    per_sheet = ROWS // len(WARDS)
    sheets = {}
    for w in WARDS:
        rows = [[f"{w} tracker"], [], ["Measure", *months]]
        rows += [[labels[i % len(labels)], *[(i + j) % 30 for j in range(len(months))]] for i in range(per_sheet)]
        sheets[w.split(" (")[0]] = rows
    return write_xlsx(directory / "across.xlsx", sheets)


def calamine_read(data: bytes) -> None:
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    for name in book.sheet_names:
        book.get_sheet_by_name(name).to_python()


def _median_ms(work, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    hierarchy = Hierarchy(read_hierarchy(bootstrap.DEMO_HIERARCHY))
    definitions = read_definitions(bootstrap.STANDARD_MEASURES)
    slow = False
    with tempfile.TemporaryDirectory() as tmp:
        for build in (wide, extract, across):
            path = build(Path(tmp))
            data = path.read_bytes()
            workbook = read_file(data, path.name)
            proposal = propose(workbook, hierarchy, definitions)
            detect = _median_ms(lambda: propose(workbook, hierarchy, definitions), runs)
            line = f"{path.name:12} {detect:6.1f} ms to propose ({proposal.spec.get('layout')})"
            if path.suffix == ".xlsx":
                read = _median_ms(lambda: calamine_read(data), runs)
                line += f"; calamine reads it in {read:5.1f} ms: {detect / read:4.1f}× the read"
            else:  # calamine reads no CSV: the project's own reader instead
                read = _median_ms(lambda: read_file(data, path.name), runs)
                line += f"; read_file reads it in {read:5.1f} ms: {detect / read:4.1f}× the read"
            print(line + ("" if detect <= TARGET_MS else f"  OVER the {TARGET_MS:.0f} ms target"))
            slow |= detect > TARGET_MS
    return 1 if slow else 0


if __name__ == "__main__":
    raise SystemExit(main())
