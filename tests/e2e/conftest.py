"""Real-browser fixtures: the app on a fresh server (``app_server``), driven by Playwright with
Debian's Chromium."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.e2e.app_server import AppDidNotStart, running_app

CHROMIUM = os.environ.get("QI_DASH_CHROMIUM", "/usr/bin/chromium")


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium).")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1600, "height": 1000}}


@pytest.fixture(scope="session")
def server(demo_db_file, tmp_path_factory):
    """A fresh app server on a private copy of the demo database."""
    folder = tmp_path_factory.mktemp("server")
    db = folder / "qi_dash.duckdb"
    shutil.copy(demo_db_file, db)
    try:
        with running_app(db, folder / "streamlit.log") as url:
            yield {"url": url, "db": db, "folder": folder}
    except AppDidNotStart as err:
        pytest.fail(str(err))
