"""Benchmark of a board pack: the demo's Adult Acute Inpatients directorate pack (the directorate
and its four wards, every measure: about 50 charts) as PDF and as PowerPoint, by the path the
app and the command line take (``render.Renderer`` started, then ``pack.read_pack`` and
``pack_file.pack_bytes``).

Prints, for each format, the time to build the pack's content (``pack.read_pack``: the views,
the board's lines and the Plotly figures; Chromium starts meanwhile), to draw the chart images
(in parallel drawing processes; the PDF writer takes in each image as it comes) and to write
the file; and the total. Target: under 10 s each. With ``--screenshots DIR`` it also writes the
first pages of each as PNG (the PDF through pdftoppm, the PPTX through LibreOffice to PDF, then
pdftoppm).

    python benchmarks/report_bench.py [--db demo.duckdb] [--unit DIR-ACU] [--screenshots docs/screenshots]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Self

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qi_dash import bootstrap, pack, pack_file  # noqa: E402
from qi_dash.store import Store  # noqa: E402

TARGET_S = 10.0
FIRST_PAGES = 3


def _demo_store(path: Path | None, folder: Path) -> Store:
    if path is not None:
        return Store.open(path)
    store = Store.open(folder / "demo.duckdb")
    bootstrap.load_demo(store)
    return store


class _TreeCpu:
    """CPU seconds of this process's descendants (the drawing processes and their Chromium),
    read from /proc every 50 ms while running: Chromium's processes are not reaped by us, so
    the operating system's count of children's time misses them."""

    def __init__(self) -> None:
        self._seen: dict[tuple[int, str], float] = {}  # (pid, start time) → CPU seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def seconds(self) -> float:
        return sum(self._seen.values())

    def _sample(self) -> None:
        tick = os.sysconf("SC_CLK_TCK")
        while not self._stop.wait(0.05):
            stats = {}
            for entry in Path("/proc").iterdir():
                try:
                    text = (entry / "stat").read_text() if entry.name.isdigit() else ""
                except OSError:
                    continue
                if text:
                    fields = text[text.rfind(")") + 2:].split()  # state, ppid, …: stat(5)
                    stats[int(entry.name)] = (int(fields[1]), fields[19], (int(fields[11]) + int(fields[12])) / tick)
            tree, grown = {os.getpid()}, True
            while grown:
                below = {pid for pid, (ppid, _, _) in stats.items() if ppid in tree} - tree
                tree |= below
                grown = bool(below)
            for pid in tree - {os.getpid()}:
                _, start, cpu = stats[pid]
                self._seen[(pid, start)] = max(self._seen.get((pid, start), 0.0), cpu)


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
        for fmt in ("pdf", "pptx"):
            marks: dict[str, tuple[float, float]] = {}

            def mark(done: float, _words: str, marks: dict = marks) -> None:
                if done == pack_file.IMAGES_SHARE:  # the images are drawn; the file is being written
                    marks["drawn"] = (time.perf_counter(), time.process_time())

            started, cpu = time.perf_counter(), time.process_time()
            with _TreeCpu() as drawing_cpu:
                with pack_file.renderer_for(None, fmt) as renderer:
                    content = pack.read_pack(store, args.unit, draw=renderer.draw)
                    read, read_cpu = time.perf_counter(), time.process_time()
                    data = pack_file.pack_bytes(content, fmt, renderer=renderer, progress=mark)
                written, written_cpu = time.perf_counter(), time.process_time()
            drawn, drawn_cpu = marks["drawn"]
            path = folder / f"pack.{fmt}"
            path.write_bytes(data)
            # Wall time, and CPU time: this process's in each step, the drawing processes' and
            # their Chromium's in all. On a busy machine the CPU time says what the work costs.
            # The charts are drawn while the content is read: "images" is the wait after it.
            print(f"{fmt.upper():5} {content.name}: {len(content.sections)} units, {len(content.charts)} charts, "
                  f"{len(data) / 1e6:.1f} MB — content {read - started:.1f} s (CPU {read_cpu - cpu:.1f} s), "
                  f"images {drawn - read:.1f} s (CPU here {drawn_cpu - read_cpu:.1f} s), "
                  f"writing {written - drawn:.1f} s (CPU {written_cpu - drawn_cpu:.1f} s); "
                  f"drawing processes CPU {drawing_cpu.seconds:.1f} s; "
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
