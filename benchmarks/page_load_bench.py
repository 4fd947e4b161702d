"""Page loads in a real browser, as a huddle's projector shows them (1280×720).

For each page of the demo organisation: the time from navigation until the script has
finished and every chart has drawn, the median and fastest of several loads, and the ratio
to the floor — the same measure for a one-line Streamlit page on the same server set-up.
With ``--screenshots DIR`` it also saves a screenshot of each page (the viewport, as the room
sees it, and the full page) to look at.

    python benchmarks/page_load_bench.py [--runs 5] [--screenshots /tmp/screens]
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

from tests.e2e.app_server import charts_drawn, demo_database, running_app, settle  # noqa: E402
from tests.e2e.conftest import CHROMIUM  # noqa: E402

# (name, path, charts drawn when loaded)
PAGES = (
    ("home", "/", 0),
    ("team", "/Team?team=W-ASH", 10),
    ("measure", "/Measure?dir=DIR-ACU&measure=RP_RATE", 1),
    ("upload", "/Upload", 0),
    ("measures", "/Measures", 0),
    ("uploads", "/Uploads", 0),
)
VIEWPORT = {"width": 1280, "height": 720}


def load(page, url: str, charts: int) -> float:
    start = time.perf_counter()
    page.goto(url)
    settle(page, timeout=60_000)
    if charts:
        charts_drawn(page, charts, timeout=60_000)
    return time.perf_counter() - start


def whole_page(page, path: Path) -> None:
    """Streamlit scrolls inside its own container, so a full-page shot needs a viewport as
    tall as that container's content."""
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": VIEWPORT["width"], "height": max(VIEWPORT["height"], height)})
    page.wait_for_timeout(1500)  # tables and charts redraw at the new size
    page.screenshot(path=path)
    page.set_viewport_size(VIEWPORT)


def timings(browser, base: str, pages, runs: int, screenshots: Path | None) -> dict[str, list[float]]:
    found = {}
    for name, path, charts in pages:
        context = browser.new_context(viewport=VIEWPORT)
        page = context.new_page()
        load(page, base + path, charts)  # the first load warms the server's caches
        found[name] = [load(page, base + path, charts) for _ in range(runs)]
        if screenshots:
            page.screenshot(path=screenshots / f"{name}-1280x720.png")
            whole_page(page, screenshots / f"{name}-full.png")
        context.close()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--screenshots", type=Path)
    args = parser.parse_args()
    if args.screenshots:
        args.screenshots.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder_name, sync_playwright() as playwright:
        folder = Path(folder_name)
        db = demo_database(folder)
        floor_script = folder / "floor.py"
        floor_script.write_text('import streamlit as st\n\nst.title("Floor")\n')
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        with running_app(db, folder / "floor.log", script=floor_script) as url:
            floor = timings(browser, url, [("floor", "/", 0)], args.runs, None)["floor"]
        with running_app(db, folder / "app.log") as url:
            found = timings(browser, url, PAGES, args.runs, args.screenshots)
        browser.close()
    base = statistics.median(floor)
    print(f"Page loads at {VIEWPORT['width']}×{VIEWPORT['height']}, {args.runs} runs each after a warm-up load")
    print(f"{'page':<10} {'median':>9} {'fastest':>9} {'× floor':>8}")
    print(f"{'floor':<10} {base * 1000:>7.0f}ms {min(floor) * 1000:>7.0f}ms {1:>7.1f}×")
    for name, times in found.items():
        median = statistics.median(times)
        print(f"{name:<10} {median * 1000:>7.0f}ms {min(times) * 1000:>7.0f}ms {median / base:>7.1f}×")


if __name__ == "__main__":
    main()
