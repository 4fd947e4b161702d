"""Real-browser fixtures: the app on a fresh server, driven by Playwright with Debian's Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import REPO

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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server(demo_db_file, tmp_path_factory):
    """A fresh app server on a private copy of the demo database."""
    folder = tmp_path_factory.mktemp("server")
    db = folder / "qi_dash.duckdb"
    shutil.copy(demo_db_file, db)
    port = _free_port()
    log = open(folder / "streamlit.log", "w")  # noqa: SIM115 - open while the server runs, closed at teardown
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
        cwd=REPO, env={**os.environ, "QI_DASH_DB": str(db)}, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            pytest.fail("The app did not start:\n" + (folder / "streamlit.log").read_text())
        try:
            if urllib.request.urlopen(url + "/_stcore/health", timeout=1).status == 200:
                break
        except OSError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("The app did not become healthy within 60 s.")
        time.sleep(0.2)
    yield {"url": url, "db": db, "folder": folder}
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


def settle(page, timeout: float = 30_000) -> None:
    """Wait until the script has finished running (no status widget)."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    page.wait_for_timeout(300)
    page.wait_for_function(
        """() => !document.querySelector('[data-testid="stStatusWidget"]')
                 && !document.querySelector('[data-testid="stSkeleton"]')
                 && document.querySelector('[data-testid="stMainBlockContainer"] h1')""",
        timeout=timeout,
    )


def charts_drawn(page, count: int = 1, timeout: float = 30_000) -> None:
    """Wait until at least ``count`` Plotly charts have drawn their data."""
    page.wait_for_function(
        """n => { const charts = [...document.querySelectorAll('.js-plotly-plot')];
                  return charts.length >= n
                      && charts.every(c => c.data && c.data.length && c.querySelector('.scatterlayer .trace')); }""",
        arg=count,
        timeout=timeout,
    )
