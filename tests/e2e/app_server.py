"""The app served by a real Streamlit server on loopback, for browser tests and page benchmarks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


class AppDidNotStart(RuntimeError):
    pass


def demo_database(folder: Path) -> Path:
    """A new database holding the demo organisation, built in ``folder`` before any server
    opens it (a server holds the file's lock)."""
    from qi_dash import bootstrap
    from qi_dash.store import Store

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "demo.duckdb"
    store = Store.open(path)
    bootstrap.load_demo(store)
    store.close()
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_app(db: Path, log_path: Path, script: Path = REPO / "app.py", timeout: float = 60,
                secrets: Path | None = None, port: int | None = None,
                address: str | None = "127.0.0.1") -> Iterator[str]:
    """Serve ``script`` (the app) on ``db`` until the block ends; yields its URL (on loopback).
    ``secrets``: a secrets.toml to read instead of the repository's (e.g. one configuring
    sign-in), ``port`` the port its redirect URI names, ``address=None`` leaves the address to
    the project's config."""
    port = port or free_port()
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
             "--server.port", str(port), *(["--server.address", address] if address else []),
             "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false",
             *(["--secrets.files", str(secrets)] if secrets else [])],
            cwd=REPO, env={**os.environ, "QI_DASH_DB": str(db)}, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_healthy(process, url, log_path, timeout)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()


def _wait_healthy(process: subprocess.Popen, url: str, log_path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise AppDidNotStart("The app did not start:\n" + log_path.read_text())
        try:
            if urllib.request.urlopen(url + "/_stcore/health", timeout=1).status == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            raise AppDidNotStart(f"The app did not become healthy within {timeout:g} s.")
        time.sleep(0.2)


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


def open_expander(container, label: str, timeout: float = 10_000) -> None:
    """Open the expander titled ``label`` and wait until it has finished opening: its height is
    animated, and a click meanwhile can press the control under the pointer's start and be
    released over another that has moved there (the button is never pressed)."""
    container.get_by_text(label, exact=True).click()
    expander = container.locator('[data-testid="stExpander"]').filter(has_text=label).first
    expander.locator("details[open]").wait_for(timeout=timeout)
    expander.element_handle().wait_for_element_state("stable", timeout=timeout)
    container.page.wait_for_function(
        "el => el.getAnimations({subtree: true}).every(a => a.playState !== 'running')",
        arg=expander.element_handle(), timeout=timeout)


def open_family(page, label: str, count: int | None = None, timeout: float = 30_000) -> None:
    """Open the board's tab of a family of measures (only the open tab's charts are drawn) and
    wait until its charts (``count`` of them, if given) have drawn."""
    tabs = page.locator(".st-key-board_family")
    tabs.wait_for(timeout=timeout)
    _family_drawn(page, None, timeout)  # the tab open now, before any is marked as gone
    tab = tabs.get_by_role("tab", name=label)
    if tab.get_attribute("aria-selected") != "true":  # a click on the open tab does nothing
        # The open tab's charts are marked, so a family with as many charts is not taken for the new one.
        page.evaluate("() => document.querySelectorAll('.js-plotly-plot').forEach(c => { c.dataset.before = '1'; })")
        tab.click()
        settle(page, timeout=timeout)
    _family_drawn(page, count, timeout)


def _family_drawn(page, count: int | None, timeout: float) -> None:
    """Wait until every chart on the page (``count`` of them, if given) has drawn, none of
    them one marked as the tab before."""
    page.wait_for_function(
        """n => { const charts = [...document.querySelectorAll('.js-plotly-plot')];
                  const want = n ?? document.querySelectorAll('[data-testid="stPlotlyChart"]').length;
                  return want > 0 && charts.length === want
                      && charts.every(c => !c.dataset.before && c.data && c.data.length
                                           && c.querySelector('.scatterlayer .trace')); }""",
        arg=count,
        timeout=timeout,
    )


def every_family(page, script: str, timeout: float = 30_000) -> list:
    """``script`` (a JavaScript function giving a list, an item per chart on the page) over
    every chart of the board: each family's tab opened in turn, then the first again."""
    labels = page.locator(".st-key-board_family").get_by_role("tab").all_inner_texts()
    found = []
    for label in labels:
        open_family(page, label, timeout=timeout)
        found += page.evaluate(script)
    open_family(page, labels[0], timeout=timeout)
    return found
