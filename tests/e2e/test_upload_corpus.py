"""Team leads' own spreadsheets through the Upload page in a real browser: the app works out
each file's layout, shows its guesses and the preview, and one press of Save loads exactly the
file's rows — no choice for the lead to change."""

from __future__ import annotations

import re
import shutil

import pytest
from corpus import CASES
from playwright.sync_api import expect

from tests.e2e.app_server import running_app, settle

BY_NAME = {case.name: case for case in CASES}


@pytest.fixture(scope="module")
def own_server(demo_db_file, tmp_path_factory):
    """A server of its own: these uploads must not change what the other journeys see."""
    folder = tmp_path_factory.mktemp("corpus-server")
    db = folder / "qi_dash.duckdb"
    shutil.copy(demo_db_file, db)
    with running_app(db, folder / "streamlit.log") as url:
        yield {"url": url, "db": db}


@pytest.mark.parametrize("name", ["ward_tracker", "warehouse_extract", "periods_across"])
def test_a_messy_file_loads_through_the_upload_page_with_no_choice_changed(page, own_server, tmp_path, name):
    case = BY_NAME[name]
    path = tmp_path / case.file_name
    path.write_bytes(case.build())
    page.goto(f"{own_server['url']}/Upload")
    settle(page)
    page.wait_for_selector('input[type="file"]', state="attached")
    page.set_input_files('input[type="file"]', str(path))
    expect(page.get_by_text("so its layout was worked out")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Rows to add")).to_be_visible(timeout=60_000)
    rows = len(case.expected)
    # The demo already holds some of these periods: each row is added or replaces a value.
    page.get_by_role("button", name=re.compile(rf"Save {rows} change")).click()
    saved = page.get_by_text(re.compile(rf"Saved {re.escape(case.file_name)}: \d+ added, \d+ updated, 0 unchanged"))
    expect(saved).to_be_visible(timeout=60_000)
    added, updated = map(int, re.findall(r"(\d+) (?:added|updated)", saved.inner_text()))
    assert added + updated == rows
