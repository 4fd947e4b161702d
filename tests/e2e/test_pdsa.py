"""A PDSA cycle added on the Team page in a real browser is marked on the team's charts."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.app_server import charts_drawn, every_family, settle

# Per chart as Plotly drew it: the labels of its PDSA cycle markers (qi_dash/chart_cycles.py).
MARKERS = """() => [...document.querySelectorAll('.js-plotly-plot')].map(
    div => (div.data || []).filter(t => t.meta === 'pdsa_cycles').flatMap(t => Array.from(t.text)))"""


def test_a_cycle_added_on_the_team_page_appears_on_every_chart_of_the_team(page, server):
    page.goto(f"{server['url']}/Team?team=W-OAK")
    # A fresh server's first page reads and analyses everything: allow for a busy machine.
    settle(page, timeout=120_000)
    charts_drawn(page, timeout=60_000)
    before = every_family(page, MARKERS, timeout=60_000)
    assert len(before) == 10 and not any(before)

    page.get_by_text("Add or edit a PDSA cycle").click()
    page.get_by_role("textbox", name="Title", exact=True).fill("Protected mealtimes")
    # The date is typed into its day, month and year fields, as a keyboard user would.
    page.get_by_role("spinbutton", name="day, Plan date").click()
    page.keyboard.type("02062025")
    page.keyboard.press("Tab")
    page.get_by_role("button", name="Save PDSA cycle").click()
    expect(page.get_by_text("Saved the PDSA cycle “Protected mealtimes”.")).to_be_visible(timeout=60_000)
    settle(page, timeout=60_000)
    charts_drawn(page, timeout=60_000)
    # Linked to no measure: on each of Oak Ward's ten charts (a tab per family), numbered 1 and still running.
    assert every_family(page, MARKERS, timeout=60_000) == [["1…"]] * 10
