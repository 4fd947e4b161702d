"""Huddle mode opened from a bookmark, on a 1920×1080 screen and a 1280×720 projector: whole
charts within the screen and no sidebar."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.app_server import charts_drawn, settle


def whole_charts(page) -> int:
    """How many charts lie wholly within the viewport (their bounding boxes)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('.js-plotly-plot')].filter(chart => {
               const box = chart.getBoundingClientRect();
               return box.width > 200 && box.height > 200 && box.left >= 0 && box.top >= 0
                   && box.right <= window.innerWidth && box.bottom <= window.innerHeight;
           }).length"""
    )


def test_huddle_mode_from_a_bookmark_fits_whole_charts_on_the_screen(page, server):
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{server['url']}/Team?team=W-ASH&view=huddle")
    settle(page, timeout=60_000)
    charts_drawn(page, 4, timeout=60_000)
    expect(page.get_by_role("heading", name="Ash Ward", level=1)).to_be_visible()
    assert whole_charts(page) >= 4
    expect(page.locator('[data-testid="stSidebar"]')).to_be_hidden()
    expect(page.locator('[data-testid="stHeader"]')).to_be_hidden()
    assert "view=huddle" in page.url and "team=W-ASH" in page.url

    page.set_viewport_size({"width": 1280, "height": 720})
    page.wait_for_timeout(1500)  # the charts redraw at the new width
    assert whole_charts(page) >= 2
    expect(page.locator('[data-testid="stSidebar"]')).to_be_hidden()

    page.get_by_role("button", name="Leave huddle mode").click()
    expect(page.locator('[data-testid="stSidebar"]')).to_be_visible(timeout=60_000)
    expect(page).not_to_have_url(re.compile("view=huddle"))
    assert "team=W-ASH" in page.url
