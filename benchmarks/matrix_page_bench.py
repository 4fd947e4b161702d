"""The organisation matrix in headless Chromium against a bare Streamlit page with one table.

Serves the app on a store (by default the 500-team organisation that
``benchmarks/overview_bench.py --keep PATH`` builds), loads Home (the organisation's roll-up
matrix) and a directorate's matrix several times, and the same for a one-table Streamlit
page on the same server set-up; prints the medians and the ratio (target: within 1.5×).
With ``--screenshots PREFIX`` it saves ``PREFIX-organisation.png`` and
``PREFIX-directorate.png`` at 1280×720.

    python benchmarks/overview_bench.py --keep /tmp/overview.duckdb
    python benchmarks/matrix_page_bench.py --db /tmp/overview.duckdb [--runs 5] [--directorate D00]
        [--screenshots docs/screenshots/matrix-demo]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
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


def load(page, url: str, selector: str) -> float:
    start = time.perf_counter()
    page.goto(url)
    settle(page, timeout=120_000)
    page.wait_for_selector(selector, timeout=120_000)
    return time.perf_counter() - start


def timings(url: str, selector: str, runs: int, shot: Path | None = None) -> list[float]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport=VIEWPORT)
        load(page, url, selector)  # warm the server's caches
        times = [load(page, url, selector) for _ in range(runs)]
        if shot is not None:
            page.wait_for_timeout(500)
            page.screenshot(path=shot)
        browser.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, default=Path("/tmp/overview.duckdb"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--directorate", help="a directorate's code for its matrix too")
    parser.add_argument("--screenshots", help="save PREFIX-organisation.png (and -directorate.png)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    bare = folder / "bare.py"
    bare.write_text(BARE_PAGE)
    with running_app(folder / "none.duckdb", folder / "bare.log", script=bare) as url:
        floor = timings(url, '[data-testid="stDataFrame"]', args.runs)
    print(f"bare page with one table: median {statistics.median(floor):.2f} s (fastest {min(floor):.2f} s)")
    with running_app(args.db, folder / "app.log") as url:
        shot = Path(f"{args.screenshots}-organisation.png") if args.screenshots else None
        org = timings(url + "/", ".qi-matrix", args.runs, shot)
        print(f"organisation matrix: median {statistics.median(org):.2f} s (fastest {min(org):.2f} s), "
              f"{statistics.median(org) / statistics.median(floor):.2f}× the bare page (target ≤ 1.5×)")
        if args.directorate:
            shot = Path(f"{args.screenshots}-directorate.png") if args.screenshots else None
            one = timings(f"{url}/?dir={args.directorate}", ".qi-matrix", args.runs, shot)
            print(f"directorate {args.directorate} matrix: median {statistics.median(one):.2f} s, "
                  f"{statistics.median(one) / statistics.median(floor):.2f}× the bare page")


if __name__ == "__main__":
    main()
