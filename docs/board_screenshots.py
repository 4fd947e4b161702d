"""Screenshots of the Team board, huddle mode and a directorate's boards in brief, at a
projector's 1280×720 and a screen's 1920×1080, for docs/screenshots/ (board-*.png, huddle-*.png).

Serves the demo organisation itself on a fresh database. Run: python docs/board_screenshots.py [OUT_DIR]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.e2e.app_server import charts_drawn, demo_database, running_app, settle  # noqa: E402
from tests.e2e.conftest import CHROMIUM  # noqa: E402

VIEWS = {
    "board": "/Team?team=W-ASH",
    "huddle": "/Team?team=W-ASH&view=huddle&rotate=0",
    "board-directorate": "/Team?dir=DIR-ACU",
}
SCREENS = ((1280, 720), (1920, 1080))


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder_name, sync_playwright() as playwright:
        folder = Path(folder_name)
        db = demo_database(folder)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        with running_app(db, folder / "app.log") as url:
            for name, path in VIEWS.items():
                for width, height in SCREENS:
                    page = browser.new_page(viewport={"width": width, "height": height})
                    page.goto(url + path)
                    settle(page, timeout=120_000)
                    charts = page.locator(".js-plotly-plot").count()
                    if charts:
                        charts_drawn(page, charts, timeout=120_000)
                    page.wait_for_timeout(1000)  # images in tables and chart resizes settle
                    page.screenshot(path=out / f"{name}-{width}x{height}.png")
                    page.close()
        browser.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "screenshots")
