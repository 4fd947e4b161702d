"""The organisation matrix in headless Chromium against a bare Streamlit page with one table.

Serves the app on a store (by default the 500-team organisation that
``benchmarks/overview_bench.py --keep PATH`` builds) and a one-table Streamlit page on the
same server set-up, side by side, and loads them in turn: the bare page, then Home (the
organisation's roll-up matrix), then a directorate's matrix if asked, several times. Prints
for each the median and fastest wall time, the ratio of medians (target: within 1.5×), the
median of each round's own ratio (loads moments apart share the machine's load, so on a busy
machine this is the steadier figure), and the browser's CPU time per load (its renderer
process: script, style, layout, paint), which another process's turn on the CPU does not
lengthen. With ``--screenshots PREFIX`` it saves ``PREFIX-organisation.png`` and
``PREFIX-directorate.png`` at 1280×720.

    python benchmarks/overview_bench.py --keep /tmp/overview.duckdb
    python benchmarks/matrix_page_bench.py --db /tmp/overview.duckdb [--runs 7] [--directorate D00]
        [--screenshots docs/screenshots/matrix-demo]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.app_server import running_app, settle  # noqa: E402
from tests.e2e.conftest import CHROMIUM  # noqa: E402

VIEWPORT = {"width": 1280, "height": 720}
BARE_PAGE = '''import pandas as pd
import streamlit as st

st.title("One table")
st.dataframe(pd.DataFrame({"unit": [f"Unit {i}" for i in range(20)], "value": range(20)}))
'''


class Target:
    """One page to load again and again in its own tab: wall and browser CPU seconds per load."""

    def __init__(self, browser, name: str, url: str, selector: str):
        self.name, self.url, self.selector = name, url, selector
        self.page = browser.new_page(viewport=VIEWPORT)
        self.cdp = self.page.context.new_cdp_session(self.page)
        self.cdp.send("Performance.enable")
        self.wall: list[float] = []
        self.cpu: list[float] = []
        self.load()  # warm the server's caches and the browser's

    def _process_time(self) -> float:
        metrics = self.cdp.send("Performance.getMetrics")["metrics"]
        return next(m["value"] for m in metrics if m["name"] == "ProcessTime")

    def load(self) -> tuple[float, float]:
        cpu = self._process_time()
        start = time.perf_counter()
        self.page.goto(self.url)
        settle(self.page, timeout=120_000)
        self.page.wait_for_selector(self.selector, timeout=120_000)
        return time.perf_counter() - start, self._process_time() - cpu

    def measure(self) -> None:
        wall, cpu = self.load()
        self.wall.append(wall)
        self.cpu.append(cpu)


def report(target: Target, floor: Target) -> None:
    wall, base = statistics.median(target.wall), statistics.median(floor.wall)
    paired = statistics.median(t / f for t, f in zip(target.wall, floor.wall))
    cpu, base_cpu = statistics.median(target.cpu), statistics.median(floor.cpu)
    print(f"{target.name}: median {wall:.2f} s (fastest {min(target.wall):.2f} s), {wall / base:.2f}× the bare page "
          f"(target ≤ 1.5×); round by round {paired:.2f}×; browser CPU {cpu:.2f} s a load, {cpu / base_cpu:.2f}×")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, default=Path("/tmp/overview.duckdb"))
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--directorate", help="a directorate's code for its matrix too")
    parser.add_argument("--screenshots", help="save PREFIX-organisation.png (and -directorate.png)")
    args = parser.parse_args()
    if not args.db.exists():  # the app would build the demo there and the matrix wait would time out
        parser.error(f"{args.db} does not exist: build it first with "
                     f"python benchmarks/overview_bench.py --keep {args.db}")
    folder = Path(tempfile.mkdtemp())
    bare = folder / "bare.py"
    bare.write_text(BARE_PAGE)
    with ExitStack() as stack:
        bare_url = stack.enter_context(running_app(folder / "none.duckdb", folder / "bare.log", script=bare))
        url = stack.enter_context(running_app(args.db, folder / "app.log"))
        playwright = stack.enter_context(sync_playwright())
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        stack.callback(browser.close)
        floor = Target(browser, "bare page with one table", bare_url, '[data-testid="stDataFrame"]')
        targets = [Target(browser, "organisation matrix", url + "/", ".qi-matrix")]
        if args.directorate:
            targets.append(Target(browser, f"directorate {args.directorate} matrix", f"{url}/?dir={args.directorate}",
                                  ".qi-matrix"))
        for _ in range(args.runs):
            for target in (floor, *targets):
                target.measure()
        print(f"{floor.name}: median {statistics.median(floor.wall):.2f} s (fastest {min(floor.wall):.2f} s), "
              f"browser CPU {statistics.median(floor.cpu):.2f} s a load")
        for target in targets:
            report(target, floor)
        if args.screenshots:
            for target, suffix in zip(targets, ("organisation", "directorate")):
                target.page.wait_for_timeout(500)
                target.page.screenshot(path=f"{args.screenshots}-{suffix}.png")


if __name__ == "__main__":
    main()
