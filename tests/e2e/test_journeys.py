"""The main journeys in a real browser: deep links, a team's charts, drill-down and upload."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.app_server import charts_drawn, every_family, open_family, settle


def plotted_values(page) -> list[list]:
    """The y values of every trace of every Plotly chart on the page, as Plotly drew them
    (``_fullData``: ``data`` may still hold the figure's base64-encoded arrays)."""
    values = page.evaluate(
        """() => [...document.querySelectorAll('.js-plotly-plot')].map(
               div => (div._fullData || []).flatMap(t => Array.from(t.y || [])))"""
    )
    assert values and all(values), "every chart has drawn values"
    return values


def test_a_deep_link_to_a_team_on_a_fresh_server_shows_its_charts(page, server):
    page.goto(f"{server['url']}/Team?team=W-ASH")
    settle(page)
    expect(page.get_by_role("heading", name="Ash Ward")).to_be_visible()
    # Ash Ward reports ten measures; each is drawn as its own chart, a tab per family.
    charts_drawn(page)
    expect(page.get_by_role("tab", name="Outcome measures")).to_be_visible()
    assert len(every_family(page, "() => [...document.querySelectorAll('.js-plotly-plot')].map(c => 1)")) == 10
    assert "team=W-ASH" in page.url and "dir=DIR-ACU" in page.url


def test_deep_links_open_every_page(page, server):
    for path, heading in (
        ("/?org=ORG", "Riverside NHS Foundation Trust"),
        ("/Measure?dir=DIR-FOR&measure=SAFE_SCORE", "Patients' sense of safety"),
        ("/Upload", "Upload data"),
        ("/Measures", "Measure definitions"),
        ("/Uploads", "Upload history"),
    ):
        page.goto(server["url"] + path)
        settle(page)
        expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
        expect(page.locator('[data-testid="stException"]')).to_have_count(0)


def test_drill_down_from_organisation_to_team_keeps_the_link(page, server):
    page.goto(f"{server['url']}/Measure?measure=RP_RATE")
    settle(page)
    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').nth(1).click()
    page.get_by_role("option", name="Forensic Services").click()
    settle(page)
    expect(page).to_have_url(re.compile(r"dir=DIR-FOR"))
    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').nth(2).click()
    page.get_by_role("option", name="Rowan Ward (medium secure)").click()
    settle(page)
    expect(page).to_have_url(re.compile(r"team=W-ROW"))
    expect(page).to_have_url(re.compile(r"measure=RP_RATE"))
    charts_drawn(page)


def test_uploading_a_corrected_template_changes_the_chart(page, server, tmp_path):
    corrected = tmp_path / "ash-huddles.csv"
    corrected.write_text(
        "team,measure,period,numerator,denominator,value,comment\n"
        "W-ASH,HUDDLES,27/10/2025,,,37,recounted from the huddle log\n"
    )
    page.goto(f"{server['url']}/Team?team=W-ASH")
    settle(page)
    open_family(page, "Process measures")  # huddles are a process measure
    assert not any(37 in values for values in plotted_values(page))

    page.goto(f"{server['url']}/Upload")
    settle(page)
    page.wait_for_selector('input[type="file"]', state="attached")
    page.set_input_files('input[type="file"]', str(corrected))
    expect(page.get_by_text("Rows to update")).to_be_visible(timeout=30_000)
    page.get_by_role("button", name=re.compile(r"Save 1 change")).click()
    expect(page.get_by_text("Saved ash-huddles.csv: 0 added, 1 updated, 0 unchanged.")).to_be_visible(timeout=30_000)

    page.goto(f"{server['url']}/Team?team=W-ASH")
    settle(page)
    open_family(page, "Process measures")
    assert any(37 in values for values in plotted_values(page))
