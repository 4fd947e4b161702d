"""Text is text, in a real browser: a store whose team, directorate and measure names,
comments, PDSA cycles and phase reasons are Markdown, HTML, maths and Streamlit syntax shows
each literally — no link or image made from them, no request to their host, no script run."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.e2e.app_server import AppDidNotStart, running_app, settle
from tests.fixtures_hostile import EVIL_HOST, HOSTILE_UNITS, MARKDOWN_PAYLOADS, hostile_database

PAGES = [
    "/?org=ORG",
    "/Team?org=ORG&dir=DIR-ACU",
    "/Team?org=ORG&dir=DIR-ACU&team=W-ASH",
    "/Measure?org=ORG&dir=DIR-ACU&team=W-ASH&measure=HUDDLES",
    "/Measure?org=ORG&dir=DIR-ACU&team=W-ASH&measure=PRN",
    "/Measures",
    "/Funnel?org=ORG&dir=DIR-ACU&measure=RP_RATE",
    "/Story?org=ORG&dir=DIR-ACU&team=W-ASH&measure=HUDDLES",
]


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile-server")
    db = hostile_database(folder / "hostile.duckdb")
    try:
        with running_app(db, folder / "streamlit.log") as url:
            yield url
    except AppDidNotStart as err:
        pytest.fail(str(err))


@pytest.mark.parametrize("path", PAGES)
def test_hostile_text_makes_no_link_image_request_or_script(page, hostile_server, path):
    requests: list[str] = []
    dialogs: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(hostile_server + path)
    settle(page)
    page.wait_for_timeout(1500)  # images and fonts a rendered payload would fetch

    # Streamlit fetches its own icons from Google's font server; nothing else leaves the machine,
    # and nothing is fetched from the evil host or as the payload's relative image "x".
    assert [u for u in requests if urlsplit(u).hostname not in ("127.0.0.1", "fonts.gstatic.com", None)] == []
    assert [u for u in requests if EVIL_HOST in u or urlsplit(u).path.rsplit("/", 1)[-1] in ("x", "x.png")] == []
    assert page.locator(f'a[href*="{EVIL_HOST}"]').count() == 0
    assert page.locator(f'img[src*="{EVIL_HOST}"], img[src="x"]').count() == 0
    assert page.locator(".katex").count() == 0  # no maths typeset from "$x^2$"
    assert dialogs == []


def test_the_hostile_names_are_shown_as_typed(page, hostile_server, tmp_path):
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(hostile_server + "/Team?org=ORG&dir=DIR-ACU&team=W-ASH")
    settle(page)
    title = page.locator('[data-testid="stMainBlockContainer"] h1').first
    # As typed, but for the invisible word joiner after "http" that stops a bare link.
    assert title.inner_text().replace("\u2060", "").strip() == HOSTILE_UNITS["W-ASH"]
    main = page.locator('[data-testid="stMain"]')
    for payload in (HOSTILE_UNITS["DIR-ACU"], HOSTILE_UNITS["ORG"]):  # the breadcrumb
        expect(main.get_by_text(payload, exact=True).first).to_be_visible()
    page.screenshot(path=tmp_path / "team.png")

    page.goto(hostile_server + "/Measure?org=ORG&dir=DIR-ACU&team=W-ASH&measure=PRN")
    settle(page)
    expect(page.locator('[data-testid="stMainBlockContainer"] h1').first).to_have_text(MARKDOWN_PAYLOADS[2])
    page.screenshot(path=tmp_path / "measure.png")
