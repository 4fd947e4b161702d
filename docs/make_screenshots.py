"""Screenshots of the main pages on the demo organisation, for docs/screenshots/.

Run: python docs/make_screenshots.py [BASE_URL]  (default http://127.0.0.1:8501, a running app).
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.e2e.app_server import charts_drawn, settle

PAGES = {
    "home": "/?org=ORG",
    "team": "/Team?team=W-ASH",
    "measure": "/Measure?dir=DIR-ACU&measure=RP_RATE",
    "upload": "/Upload",
    "measures": "/Measures",
    "uploads": "/Uploads",
}
# Phases on a measure's chart as a projector shows it (1280×720).
PHASES = {
    "phase-hazel-safety-plans": "/Measure?team=W-HAZ&measure=SAFETY_PLAN",
    "phase-ash-huddles-baseline": "/Measure?team=W-ASH&measure=HUDDLES",
}
# The improvement story as a projector shows it (1280×720), and the whole page as printed.
STORIES = {
    "story-ash-huddles": "/Story?team=W-ASH&measure=HUDDLES",
    "story-hazel-restraint": "/Story?team=W-HAZ&measure=RESTRAINT",
}
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def main(base: str, out: Path, only: list[str]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        # Streamlit scrolls inside its own container, so a tall viewport shows the whole page.
        page = browser.new_page(viewport={"width": 1500, "height": 2600})
        for name, path in PAGES.items():
            if only and name not in only:
                continue
            page.goto(base + path)
            page.wait_for_selector('[data-testid="stApp"]')
            settle(page)
            if page.query_selector(".js-plotly-plot"):
                charts_drawn(page, timeout=60_000)
            page.wait_for_timeout(1500)
            page.screenshot(path=str(out / f"{name}.png"), full_page=True)
            print(out / f"{name}.png")
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        for name, path in STORIES.items():
            if only and name not in only:
                continue
            page.goto(base + path)
            settle(page, timeout=120_000)
            charts_drawn(page, timeout=60_000)
            page.wait_for_timeout(1500)
            page.screenshot(path=str(out / f"{name}-1280x720.png"))
            page.emulate_media(media="print")
            page.screenshot(path=str(out / f"{name}-print.png"), full_page=True)
            page.emulate_media(media="screen")
            print(out / f"{name}-*.png")
        for name, path in PHASES.items():
            if only and name not in only:
                continue
            page.goto(base + path)
            settle(page, timeout=120_000)
            charts_drawn(page, timeout=60_000)
            # The chart at the top of the screen, as someone reading it would scroll.
            page.locator(".js-plotly-plot").first.evaluate("chart => chart.scrollIntoView({block: 'start'})")
            page.wait_for_timeout(1500)
            page.screenshot(path=str(out / f"{name}.png"))
            print(out / f"{name}.png")
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8501", Path(__file__).parent / "screenshots", sys.argv[2:])
