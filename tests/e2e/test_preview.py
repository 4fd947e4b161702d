"""In the browser: two sessions preview the same rows, the second's Save shows the new preview;
the Uploads page undoes and redoes."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.app_server import settle


def previewed(page, url: str, file) -> None:
    page.goto(f"{url}/Upload")
    settle(page)
    page.wait_for_selector('input[type="file"]', state="attached")
    page.set_input_files('input[type="file"]', str(file))
    expect(page.get_by_text("Rows to update")).to_be_visible(timeout=60_000)


def test_a_stale_preview_is_shown_again_and_an_undo_is_redone(browser, server, tmp_path):
    mine, theirs = tmp_path / "mine.csv", tmp_path / "theirs.csv"
    header = "team,measure,period,numerator,denominator,value,comment\n"
    mine.write_text(header + "W-ASH,HUDDLES,05/01/2026,,,30,\nW-ASH,HUDDLES,12/01/2026,,,31,\n")
    theirs.write_text(header + "W-ASH,HUDDLES,05/01/2026,,,20,\nW-ASH,HUDDLES,12/01/2026,,,21,\n")
    sessions = [browser.new_context(viewport={"width": 1280, "height": 720}) for _ in range(2)]
    a, b = (context.new_page() for context in sessions)
    previewed(a, server["url"], mine)
    previewed(b, server["url"], theirs)
    b.get_by_role("button", name="Save 2 change(s)").click()
    expect(b.get_by_text("Saved theirs.csv: 2 added, 0 updated, 0 unchanged.")).to_be_visible(timeout=60_000)

    a.get_by_role("button", name="Save 2 change(s)").click()
    expect(a.get_by_text(re.compile(r"The data changed since this preview \(another upload \(theirs\.csv, by local user\) "
                                    r"saved 2 rows at \d\d:\d\d\); here is the new preview"))).to_be_visible(timeout=60_000)
    expect(a.get_by_test_id("stMetricValue").nth(1)).to_have_text("2")  # Rows to update
    a.screenshot(path=str(server["folder"] / "stale-preview.png"))
    a.get_by_role("button", name="Save 2 change(s)").click()
    expect(a.get_by_text("Saved mine.csv: 0 added, 2 updated, 0 unchanged.")).to_be_visible(timeout=60_000)

    a.goto(f"{server['url']}/Uploads")
    settle(a)
    a.get_by_text("I understand this reverts the values this upload changed").click()
    a.get_by_role("button", name="Undo upload").click()
    expect(a.get_by_text(re.compile(r"Undid upload \d+: 2 values restored"))).to_be_visible(timeout=60_000)
    a.get_by_role("button", name="Redo upload").click()
    expect(a.get_by_text(re.compile(r"Redid upload \d+: 2 values put back as the upload saved them"))).to_be_visible(
        timeout=60_000)
    a.screenshot(path=str(server["folder"] / "redo.png"), full_page=True)
    for context in sessions:
        context.close()
