"""The Team board against a bare one-chart Streamlit page, loaded in alternation in headless Chromium.

Each load opens a fresh browser context (no cached scripts or session) and times navigation
until the script has finished and every chart has drawn. The bare page is a separate
Streamlit app (``bare_chart_page.py``) on the same server set-up; the board is the demo's
Ash Ward (``/Team?team=W-ASH``), and the same board in huddle mode. Prints each page's
median, its runs and its ratio to the bare page (target: at most 1.5×).

    python benchmarks/page_bench.py [--runs 7] [--width 1280 --height 720]
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

from qi_dash import bootstrap
from qi_dash.store import Store
from tests.e2e.app_server import charts_drawn, running_app, settle
from tests.e2e.conftest import CHROMIUM

BARE = Path(__file__).with_name("bare_chart_page.py")
TARGET = 1.5


def load(browser, url: str, viewport: dict) -> tuple[float, int]:
    """Seconds from navigation to every chart drawn, in a fresh context; and how many charts."""
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    start = time.perf_counter()
    page.goto(url)
    settle(page, timeout=60_000)
    charts = page.locator(".js-plotly-plot").count()
    charts_drawn(page, max(charts, 1), timeout=60_000)
    seconds = time.perf_counter() - start
    context.close()
    return seconds, charts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=720)
    args = parser.parse_args()
    viewport = {"width": args.width, "height": args.height}
    with tempfile.TemporaryDirectory() as folder_name, sync_playwright() as playwright:
        folder = Path(folder_name)
        db = folder / "demo.duckdb"
        store = Store.open(db)
        bootstrap.load_demo(store)
        store.close()
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        with running_app(db, folder / "bare.log", script=BARE) as bare, running_app(db, folder / "app.log") as app:
            pages = {"bare": bare + "/", "board": app + "/Team?team=W-ASH", "huddle": app + "/Team?team=W-ASH&view=huddle"}
            for url in pages.values():  # warm each server's caches once
                load(browser, url, viewport)
            times: dict[str, list[float]] = {name: [] for name in pages}
            charts: dict[str, int] = {}
            for _ in range(args.runs):
                for name, url in pages.items():
                    seconds, charts[name] = load(browser, url, viewport)
                    times[name].append(seconds)
        browser.close()
    base = statistics.median(times["bare"])
    print(f"Fresh-context loads at {args.width}×{args.height}, {args.runs} runs each, in alternation")
    print(f"{'page':<8} {'charts':>6} {'median':>8} {'ratio':>6}  runs (s)")
    for name, runs in times.items():
        median = statistics.median(runs)
        verdict = "" if name == "bare" else ("  ok" if median / base <= TARGET else f"  over {TARGET}×")
        print(f"{name:<8} {charts[name]:>6} {median:>7.2f}s {median / base:>5.2f}×  "
              + " ".join(f"{r:.2f}" for r in runs) + verdict)


if __name__ == "__main__":
    main()
