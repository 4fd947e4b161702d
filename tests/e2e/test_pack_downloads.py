"""Chart images and the board pack in a real browser: the Measure page's PNG button downloads
the chart drawn on the server, and the sidebar's board pack builds and downloads a PDF."""

from __future__ import annotations

import io
import subprocess

from PIL import Image
from playwright.sync_api import expect

from qi_dash import render
from tests.e2e.app_server import charts_drawn, open_expander, settle


def test_the_chart_downloads_as_png_and_the_pack_as_pdf(page, server, tmp_path):
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{server['url']}/Measure?org=ORG&dir=DIR-ACU&team=W-ASH&measure=RP_RATE")
    settle(page)
    charts_drawn(page)

    with page.expect_download(timeout=120_000) as png:
        page.get_by_role("button", name="PNG", exact=True).click()
    image = Image.open(io.BytesIO(png.value.path().read_bytes()))
    assert png.value.suggested_filename == "RP_RATE-chart.png"
    assert image.size == (render.PRINT_WIDTH * render.PRINT_SCALE, render.PRINT_HEIGHT * render.PRINT_SCALE)

    sidebar = page.locator('[data-testid="stSidebar"]')
    open_expander(sidebar, "Board pack")
    settle(page)  # the expander's contents are built by the run its opening starts
    build = sidebar.get_by_role("button", name="Build board pack")
    build.element_handle().wait_for_element_state("stable")
    build.click()
    # A build that failed says so at once, rather than as a wait for "ready" that times out.
    ready, failed = sidebar.get_by_text("Board pack ready: 1 chart(s)"), sidebar.get_by_text("could not be built")
    expect(ready.or_(failed)).to_be_visible(timeout=180_000)
    assert not failed.count(), sidebar.locator('[data-testid="stAlert"]').all_inner_texts()
    settle(page)
    expect(page.locator('[data-testid="stMain"] [data-stale="true"]')).to_have_count(0)
    page.get_by_role("button", name="PNG", exact=True).scroll_into_view_if_needed()
    sidebar.get_by_role("button", name="Download PDF").scroll_into_view_if_needed()
    page.screenshot(path=str(tmp_path / "measure-board-pack.png"))  # to look at; docs/ keeps its own
    with page.expect_download(timeout=60_000) as pdf:
        sidebar.get_by_role("button", name="Download PDF").click()
    saved = tmp_path / pdf.value.suggested_filename
    pdf.value.save_as(saved)
    assert saved.name.startswith("board-pack-W-ASH-") and saved.suffix == ".pdf"
    text = subprocess.run(["pdftotext", str(saved), "-"], capture_output=True, text=True, check=True).stdout
    assert "Ash Ward" in text and "Restrictive practice incidents per 1,000 occupied bed days" in text
