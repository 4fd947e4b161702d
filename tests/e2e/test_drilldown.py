"""Drill-down that keeps its place, in a real browser: organisation matrix → directorate →
a team's chart, then Back, Back — each step in the same tab, each Back landing where it was.
A change of directorate in the sidebar is a history entry too."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.app_server import charts_drawn, settle


def _rows(page) -> list[str]:
    return page.locator(".qi-matrix tbody th.unit").all_inner_texts()


def _at_organisation(page, url: str) -> None:
    expect(page).to_have_url(re.compile(r"/\?org=ORG$"))
    settle(page)
    expect(page.locator(".qi-matrix thead th.unit")).to_have_text("Directorate")
    assert "Adult Acute Inpatients" in _rows(page)


def _at_acute(page) -> None:
    expect(page).to_have_url(re.compile(r"/\?org=ORG&dir=DIR-ACU$"))
    settle(page)
    expect(page.locator(".qi-matrix thead th.unit")).to_have_text("Team")
    assert _rows(page)[0] == "Ash Ward"


def test_matrix_to_directorate_to_team_chart_and_back_twice(page, server):
    url = server["url"]
    page.goto(f"{url}/?org=ORG")
    _at_organisation(page, url)
    tabs = len(page.context.pages)

    page.locator(".qi-matrix tbody th.unit a", has_text="Adult Acute Inpatients").click()
    _at_acute(page)

    ash_restrictive_practice = page.locator('.qi-matrix td[title^="Ash Ward · Restrictive practice incidents per"] a')
    ash_restrictive_practice.click()
    expect(page).to_have_url(re.compile(r"/Measure\?org=ORG&dir=DIR-ACU&team=W-ASH&measure=RP_RATE$"))
    settle(page)
    expect(page.get_by_role("heading", name="Restrictive practice incidents per 1,000 occupied bed days")).to_be_visible()
    charts_drawn(page)
    assert len(page.context.pages) == tabs  # every link stayed in the tab

    page.go_back()
    _at_acute(page)
    page.go_back()
    _at_organisation(page, url)

    # A change in the sidebar is a history entry: Back undoes it.
    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').nth(1).click()
    page.get_by_role("option", name="Forensic Services").click()
    expect(page).to_have_url(re.compile(r"dir=DIR-FOR"))
    settle(page)
    assert "Rowan Ward (medium secure)" in _rows(page)
    page.go_back()
    _at_organisation(page, url)
    page.wait_for_timeout(1500)  # the app must not write the undone choice back
    _at_organisation(page, url)
