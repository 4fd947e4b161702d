"""Benchmark of the upload path: parse, check, diff and write, beside python-calamine alone.

Prints, from one run (medians of several runs each):

(a) a 100,000-row canonical xlsx (the demo's teams and measures, unique team × measure ×
    period, periods going back in time as far as needed) uploaded into a fresh store with
    the demo measures and hierarchy — ``plan_upload`` + ``commit`` — beside calamine reading
    the same file; target: the upload at most 1.5× the read;
(b) a 1,000-row team workbook in the team's own layout (one sheet, a column per measure,
    months as text such as "Apr-24") through a column mapping, end to end; target 50 ms.

Each run reads the file with calamine and then uploads it into a fresh store, so each upload
has a read beside it taken moments before. This machine's speed drifts by as much as 1.8×
from one second to the next (two shared vCPUs), so the ratio is judged per run — upload over
the read beside it — and the median of those ratios is the one compared with the target; the
ratio of the two medians is printed too. Times are medians, with the fastest run shown.

Each upload is also broken down into read / check / diff / write, timed on the functions
``plan_upload`` and ``commit`` call (the steps add up to a little less than the total, which
also includes finding the sheet and loading units and definitions). "table" is taking the
canonical sheet's table from its cells, "map" applying the column mapping; "refresh" is the
series-summary refresh inside the write's transaction (part of "write", shown apart).

Run: python benchmarks/ingest_bench.py [--runs N]
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import python_calamine

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from qi_dash import bootstrap, upload
from qi_dash.hierarchy import read_hierarchy
from qi_dash.ingest import mapping
from qi_dash.store import Store
from qi_dash.store import summary as store_summary
from tests.builders import LATEST_MONTH, demo_rows, frame_cells
from tests.fixtures_hostile import write_xlsx

CANONICAL_ROWS, TEAM_ROWS = 100_000, 1_000


# --- data ------------------------------------------------------------------------------------


# A team's own monthly sheet: the columns a ward manager keeps, and how they map to measures.
TEAM_SPEC = {
    "name": "Ward monthly return",
    "sheet": "Monthly",
    "period": {"column": "Month", "form": "auto"},
    "team": {"column": "Ward"},
    "layout": "wide",
    "measures": [
        {"measure": "RP_RATE", "numerator": "Restrictive practice incidents", "denominator": "Occupied bed days"},
        {"measure": "ASSAULT", "numerator": "Assaults on staff", "denominator": "Occupied bed days"},
        {"measure": "SAFETY_PLAN", "numerator": "Safety plans", "denominator": "Patients audited"},
        {"measure": "SICKNESS", "numerator": "Days lost", "denominator": "Contracted days"},
        {"measure": "PRN", "value": "PRN doses"},
        {"measure": "ADMISSIONS", "value": "Admissions"},
        {"measure": "SECL_HRS", "value": "Seclusion hours"},
    ],
    "comment": "Notes",
}


def team_workbook(path: Path, n_rows: int = TEAM_ROWS, seed: int = 7) -> Path:
    """A wide sheet: a row per ward and month ("Apr-24" as text), a column per number."""
    units = read_hierarchy(bootstrap.DEMO_HIERARCHY)
    wards = units.loc[units["level"] == "team", "name"].tolist()
    months = pd.date_range(end=pd.Timestamp(LATEST_MONTH), periods=-(-n_rows // len(wards)), freq="MS")
    rng = np.random.default_rng(seed)
    header = ["Ward", "Month", "Occupied bed days", "Restrictive practice incidents", "Assaults on staff",
              "Patients audited", "Safety plans", "Contracted days", "Days lost", "PRN doses", "Admissions",
              "Seclusion hours", "Notes"]
    rows: list[list[object]] = [header]
    for ward in wards:
        for month in months:
            audited, contracted = int(rng.integers(10, 30)), int(rng.integers(300, 500))
            rows.append([
                ward, month.strftime("%b-%y"), int(rng.integers(400, 700)), int(rng.integers(0, 15)),
                int(rng.integers(0, 5)), audited, int(rng.integers(0, audited + 1)), contracted,
                int(rng.integers(0, 40)), int(rng.integers(0, 60)), int(rng.integers(5, 30)),
                round(float(rng.random()) * 20, 1), "+1 agency nurse" if rng.random() < 0.02 else None,
            ])
    return write_xlsx(path, {"Monthly": rows[: n_rows + 1]})


# --- timing ----------------------------------------------------------------------------------


# Step → (owner, attribute) of the functions plan_upload and commit call, as they look them up.
TIMED = {
    "read": (upload, "read_file"),
    "table": (upload, "sheet_table"),
    "map": (mapping, "apply"),
    "check": (upload, "check_table"),
    "diff": (Store, "diff"),
    "write": (Store, "commit_upload"),
    "refresh": (store_summary, "refresh_upload"),
}


class Steps:
    """Wall time spent in each step of the upload path, by wrapping its function for a run."""

    def __init__(self):
        self.seconds: dict[str, list[float]] = {step: [] for step in TIMED}

    @contextmanager
    def timing(self):
        originals = {step: getattr(owner, name) for step, (owner, name) in TIMED.items()}

        def timed(step, fn):
            def wrapper(*args, **kwargs):
                start = time.perf_counter()
                try:
                    return fn(*args, **kwargs)
                finally:
                    self.seconds[step].append(time.perf_counter() - start)
            return wrapper

        for step, (owner, name) in TIMED.items():
            setattr(owner, name, timed(step, originals[step]))
        try:
            yield
        finally:
            for step, (owner, name) in TIMED.items():
                setattr(owner, name, originals[step])

    def medians(self) -> str:
        return " · ".join(f"{step} {ms(statistics.median(s))}" for step, s in self.seconds.items() if s)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds >= 0.1 else f"{seconds * 1000:,.1f} ms"


def calamine_alone(data: bytes, sheet: str) -> list[list[object]]:
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    return book.get_sheet_by_name(sheet).to_python()


def fresh_store(directory: Path) -> Store:
    """A new database file with the demo's measures and hierarchy and no observations."""
    store = Store.open(Path(tempfile.mkdtemp(dir=directory)) / "bench.duckdb")
    bootstrap.init_store(store, bootstrap.STANDARD_MEASURES, bootstrap.DEMO_HIERARCHY)
    return store


def bench(label, data, name, sheet, runs, directory, mapping=None):
    """Each run: calamine reads the file, then it is uploaded into a fresh store. Prints the
    medians (and fastest runs) of both, the breakdown, and the ratios; returns the times."""
    reads, uploads, steps = [], [], Steps()
    for _ in range(runs):
        start = time.perf_counter()
        calamine_alone(data, sheet)
        reads.append(time.perf_counter() - start)

        store = fresh_store(directory)
        with steps.timing():
            start = time.perf_counter()
            plan = upload.plan_upload(store, data, name, mapping=mapping)
            if not plan.ok:
                raise SystemExit(f"{label}: the file was refused: {[str(p) for p in plan.problems][:5]}")
            summary = upload.commit(store, plan)
            uploads.append(time.perf_counter() - start)
        store.close()
    read_s, upload_s = statistics.median(reads), statistics.median(uploads)
    paired = statistics.median(u / r for u, r in zip(uploads, reads))
    print(f"{label}: {summary.sentence()}")
    print(f"  calamine alone  {ms(read_s):>10}   fastest {ms(min(reads))}   (runs: {', '.join(ms(t) for t in reads)})")
    print(f"  upload          {ms(upload_s):>10}   fastest {ms(min(uploads))}   (runs: {', '.join(ms(t) for t in uploads)})")
    print(f"  breakdown       {steps.medians()}")
    print(f"  ratio           {paired:.2f}× the read beside it (median of runs); {upload_s / read_s:.2f}× as medians")
    return upload_s, read_s, paired


def verdict(met: bool, limit_text: str) -> None:
    print(f"  target          {limit_text}: {'met' if met else 'NOT met'}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5, help="runs of each measurement (median printed)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        rows = demo_rows(CANONICAL_ROWS)
        big = write_xlsx(directory / "canonical-100k.xlsx", {"Data": frame_cells(rows)}).read_bytes()
        first, last = rows["period"].min(), rows["period"].max()
        print(f"(a) {len(rows):,}-row canonical xlsx ({len(big) / 1e6:.1f} MB), periods {first} to {last}")
        _, _, paired = bench("(a) canonical 100k", big, "canonical-100k.xlsx", "Data", args.runs, directory)
        verdict(paired <= 1.5, "upload ≤ 1.5× the read alone")

        team = team_workbook(directory / "ward-return.xlsx").read_bytes()
        print(f"\n(b) {TEAM_ROWS:,}-row team workbook, wide, months as text, {len(TEAM_SPEC['measures'])} measures")
        upload_s, _, _ = bench("(b) team workbook", team, "ward-return.xlsx", "Monthly", max(3 * args.runs, 15),
                               directory, mapping=TEAM_SPEC)
        verdict(upload_s < 0.050, "under 50 ms end to end (median)")


if __name__ == "__main__":
    main()
