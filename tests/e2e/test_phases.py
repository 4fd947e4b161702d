"""Phases in a real browser: start a new phase with a reason on the Measure page, see the
limits recalculated at the boundary, undo it, and see them as they were."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.app_server import charts_drawn, settle

UPPER = "Upper process limit"


def upper_limit(page) -> list:
    """The upper limit trace as Plotly drew it: one segment per phase, broken by a gap."""
    return page.evaluate(
        """name => { const div = document.querySelector('.js-plotly-plot');
                     const trace = div._fullData.find(t => t.name === name);
                     return Array.from(trace.y, v => (v === null || v === undefined) ? null : Number(v.toFixed(6))); }""",
        UPPER,
    )


def segments(values: list) -> list[set]:
    """The distinct values of each unbroken segment of a line."""
    parts: list[set] = [set()]
    for value in values:
        if value is None:
            parts.append(set())
        else:
            parts[-1].add(value)
    return [p for p in parts if p]


def open_phases(page) -> None:
    page.get_by_text("Phases: start a new phase, freeze a baseline, undo").click()


def test_a_new_phase_recalculates_the_limits_and_undo_puts_them_back(page, server):
    page.goto(f"{server['url']}/Measure?team=W-OAK&measure=HUDDLES")
    settle(page, timeout=90_000)  # a fresh server's first run imports and caches everything
    charts_drawn(page)
    before = upper_limit(page)
    assert len(segments(before)) == 1 and len(segments(before)[0]) == 1  # one phase, one limit

    open_phases(page)
    selectbox = page.locator('[data-testid="stSelectbox"]').filter(has_text="From")
    selectbox.click()
    page.keyboard.type("w/c 06 Jan 25")
    page.keyboard.press("Enter")
    page.get_by_label("Reason (required): what changed, usually a test of change").fill(
        "Huddle moved to the nurses' station")
    page.get_by_role("button", name="Record phase change").click()
    expect(page.get_by_text("Start a new phase from w/c 06 Jan 25 recorded on Safety huddles held.")).to_be_visible(
        timeout=30_000)
    charts_drawn(page)
    page.wait_for_function("() => document.querySelector('.js-plotly-plot')._fullLayout.annotations"
                           ".some(a => a.text.startsWith('Phase 2: Huddle moved'))", timeout=30_000)
    after = upper_limit(page)
    phases = segments(after)
    assert len(phases) == 2 and all(len(p) == 1 for p in phases)  # a limit per phase, changing at the boundary
    assert phases[0] != phases[1] and phases[0] != segments(before)[0]

    # The phases expander stays open after the save, with the change listed.
    # "." for the "/" of "w/c", which would end the regex in Playwright's selector
    page.get_by_role("button", name=re.compile(r"Undo the new phase from w.c 06 Jan 25")).click()
    expect(page.get_by_text(re.compile("Phase change undone on Safety huddles held"))).to_be_visible(timeout=30_000)
    charts_drawn(page)
    page.wait_for_function("() => !document.querySelector('.js-plotly-plot')._fullLayout.annotations"
                           ".some(a => a.text.startsWith('Phase 2'))", timeout=30_000)
    assert upper_limit(page) == before
