"""Benchmark of a board pack: the demo's Adult Acute Inpatients directorate pack (the directorate
and its four wards, every measure: about 50 charts) as PDF and as PowerPoint.

Prints, for each format, the time to build the pack's content (``pack.read_pack``: the views,
the board's lines and the Plotly figures), to draw the chart images (``render.render_images``,
in parallel browser tabs: most of the time) and to write the file; and the total. Target:
under 10 s each. With ``--screenshots DIR`` it also writes the first pages of each as PNG
(the PDF through pdftoppm, the PPTX through LibreOffice to PDF, then pdftoppm).

    python benchmarks/report_bench.py [--db demo.duckdb] [--unit DIR-ACU] [--screenshots docs/screenshots]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qi_dash import bootstrap, pack, render  # noqa: E402
from qi_dash.pack_pdf import write_pdf  # noqa: E402
from qi_dash.pack_pptx import write_pptx  # noqa: E402
from qi_dash.store import Store  # noqa: E402

TARGET_S = 10.0
FIRST_PAGES = 3


def _demo_store(path: Path | None, folder: Path) -> Store:
    if path is not None:
        return Store.open(path)
    store = Store.open(folder / "demo.duckdb")
    bootstrap.load_demo(store)
    return store


def _pages(pdf: Path, out: Path, stem: str) -> list[Path]:
    subprocess.run(["pdftoppm", "-r", "110", "-png", "-f", "1", "-l", str(FIRST_PAGES), str(pdf), str(out / stem)],
                   check=True)
    return sorted(out.glob(f"{stem}-*.png"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="a database (default: a new demo organisation)")
    parser.add_argument("--unit", default="DIR-ACU")
    parser.add_argument("--screenshots", type=Path, help="write the first pages of each pack as PNG here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store = _demo_store(args.db, folder)
        for fmt, writer in (("pdf", write_pdf), ("pptx", write_pptx)):
            started, cpu = time.perf_counter(), time.process_time()
            content = pack.read_pack(store, args.unit)
            read, read_cpu = time.perf_counter(), time.process_time()
            images = render.render_images([chart.figure for chart in content.charts])
            drawn, drawn_cpu = time.perf_counter(), time.process_time()
            data = writer(content, images)
            written, written_cpu = time.perf_counter(), time.process_time()
            path = folder / f"pack.{fmt}"
            path.write_bytes(data)
            # Wall time, and this process's own CPU time (Chromium's is not in it): on a busy
            # machine the CPU time says what the work itself costs.
            print(f"{fmt.upper():5} {content.name}: {len(content.sections)} units, {len(content.charts)} charts, "
                  f"{len(data) / 1e6:.1f} MB — content {read - started:.1f} s (CPU {read_cpu - cpu:.1f} s), "
                  f"images {drawn - read:.1f} s (CPU here {drawn_cpu - read_cpu:.1f} s), "
                  f"writing {written - drawn:.1f} s (CPU {written_cpu - drawn_cpu:.1f} s); "
                  f"total {written - started:.1f} s ({'within' if written - started < TARGET_S else 'over'} "
                  f"the {TARGET_S:.0f} s target; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
            if args.screenshots:
                _screenshots(path, fmt, folder, args.screenshots)
        store.close()
    return 0


def _screenshots(path: Path, fmt: str, folder: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    if fmt == "pptx":
        # A profile of its own: a LibreOffice already running elsewhere would take the conversion.
        subprocess.run(["libreoffice", f"-env:UserInstallation=file://{folder / 'office-profile'}", "--headless",
                        "--convert-to", "pdf", "--outdir", str(folder / "office"), str(path)],
                       check=True, capture_output=True)
        path = folder / "office" / "pack.pdf"
    for page in _pages(path, out, f"board-pack-{fmt}"):
        print(f"      {page}")


if __name__ == "__main__":
    sys.exit(main())
