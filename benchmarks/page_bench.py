"""The Team board against a bare one-chart Streamlit page, loaded in alternation in headless Chromium.

Each load opens a fresh browser context (no cached scripts or session) and times navigation
until the script has finished and every chart has drawn. The bare page is a separate
Streamlit app (``bare_chart_page.py``) on the same server set-up; the board is the demo's
Ash Ward (``/Team?team=W-ASH``: its summary, then the charts of its first family's tab, the
tab a visit opens), and the same board in huddle mode. Prints each page's median, its runs and
its ratio to the bare page (target: at most 1.5×), and the time from a click on the board's
next family tab until its charts have drawn.

On a shared machine wall time swings with other work, so each load also counts the CPU time
the browser and the two app servers spent on it (from /proc, Linux only): a figure that
changes little when the machine is busy.

With ``--compare DIR`` the board of another checkout of the app (say ``git archive main``
unpacked in DIR) joins the alternation, so before and after are measured under the same load.

    python benchmarks/page_bench.py [--runs 7] [--width 1280 --height 720] [--compare DIR]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qi_dash.board import HUDDLE_CHARTS_PER_SCREEN
from qi_dash.vocabulary import FAMILIES, FAMILY_TITLES
from tests.e2e.app_server import charts_drawn, demo_database, open_family, running_app, settle
from tests.e2e.conftest import CHROMIUM

BARE = Path(__file__).with_name("bare_chart_page.py")
TARGET = 1.5
_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds() -> dict[int, float]:
    """CPU seconds (user + system) so far of every process descended from this one: the
    Playwright driver, Chromium and its renderers, the app servers."""
    parents, used = {}, {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        parents[int(entry.name)] = int(fields[1])
        used[int(entry.name)] = (int(fields[11]) + int(fields[12])) / _TICK
    mine, grew = {os.getpid()}, True
    while grew:
        found = {pid for pid, parent in parents.items() if parent in mine} - mine
        grew = bool(found)
        mine |= found
    return {pid: used[pid] for pid in mine if pid in used}


def family_charts(db: Path, team: str) -> list[tuple[str, int]]:
    """The board's tabs for ``team``: each family's title and how many charts it draws."""
    from qi_dash.analysis import measure_view
    from qi_dash.store import Store

    store = Store.open(db)
    try:
        observations = store.observations(units=[team])
        views = [measure_view(observations, d, [team]) for d in store.definitions()]
    finally:
        store.close()
    counts = [(FAMILY_TITLES[f], sum(v.has_data and v.definition.family == f for v in views)) for f in FAMILIES]
    return [(title, n) for title, n in counts if n]


def load(browser, url: str, charts: int, viewport: dict, tab: tuple[str, int] | None = None
         ) -> tuple[float, float, float | None]:
    """Wall seconds from navigation to all ``charts`` drawn, in a fresh context, the CPU
    seconds spent meanwhile, and with ``tab`` (a family tab's title and its charts) the wall
    seconds from a click on that tab until its charts have drawn."""
    before = cpu_seconds()
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    start = time.perf_counter()
    try:
        page.goto(url)
        settle(page, timeout=120_000)
        charts_drawn(page, charts, timeout=120_000)
    except PlaywrightError as err:
        raise SystemExit(f"{url} did not finish drawing: {err.message.splitlines()[0]}") from err
    seconds = time.perf_counter() - start
    after = cpu_seconds()  # before closing: the context's renderer ends with it
    switch = None
    if tab is not None:
        start = time.perf_counter()
        open_family(page, *tab, timeout=120_000)
        switch = time.perf_counter() - start
    context.close()
    return seconds, sum(used - before.get(pid, 0.0) for pid, used in after.items()), switch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=720)
    parser.add_argument("--compare", type=Path, help="another checkout whose board joins the alternation")
    parser.add_argument("--compare-charts", type=int, default=10, help="the charts the other board draws on loading")
    args = parser.parse_args()
    viewport = {"width": args.width, "height": args.height}
    with tempfile.TemporaryDirectory() as folder_name, sync_playwright() as playwright:
        folder = Path(folder_name)
        db = demo_database(folder)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        with ExitStack() as servers:
            bare = servers.enter_context(running_app(db, folder / "bare.log", script=BARE))
            app = servers.enter_context(running_app(db, folder / "app.log"))
            tabs = family_charts(db, "W-ASH")
            pages = {"bare": (bare + "/", 1), "board": (app + "/Team?team=W-ASH", tabs[0][1]),
                     "huddle": (app + "/Team?team=W-ASH&view=huddle", HUDDLE_CHARTS_PER_SCREEN)}
            if args.compare:
                # A database of its own: a server holds its file's lock.
                other = servers.enter_context(running_app(demo_database(folder / "compare"), folder / "compare.log",
                                                          script=args.compare.resolve() / "app.py"))
                # An older board may draw every chart at once; it is waited for as it draws.
                pages["compared"] = (other + "/Team?team=W-ASH", args.compare_charts)
            for name, (url, charts) in pages.items():  # warm each server's caches once
                load(browser, url, charts, viewport, tabs[1] if name == "board" else None)
            wall: dict[str, list[float]] = {name: [] for name in pages}
            cpu: dict[str, list[float]] = {name: [] for name in pages}
            switches: list[float] = []
            for _ in range(args.runs):
                for name, (url, charts) in pages.items():
                    seconds, used, switch = load(browser, url, charts, viewport, tabs[1] if name == "board" else None)
                    wall[name].append(seconds)
                    cpu[name].append(used)
                    if switch is not None:
                        switches.append(switch)
        browser.close()
    base, base_cpu = statistics.median(wall["bare"]), statistics.median(cpu["bare"])
    print(f"Fresh-context loads at {args.width}×{args.height}, {args.runs} runs each, in alternation")
    print(f"{'page':<8} {'charts':>6} {'wall':>7} {'ratio':>6} {'CPU':>7} {'ratio':>6}  wall runs (s)")
    for name in pages:
        median, used = statistics.median(wall[name]), statistics.median(cpu[name])
        verdict = "" if name == "bare" else ("  within" if median / base <= TARGET else "  over") + f" {TARGET}×"
        print(f"{name:<8} {pages[name][1]:>6} {median:>6.2f}s {median / base:>5.2f}× {used:>6.2f}s {used / base_cpu:>5.2f}×  "
              + " ".join(f"{r:.2f}" for r in wall[name]) + verdict)
    print(f"board's {tabs[1][0]} tab ({tabs[1][1]} charts) opened by a click: median {statistics.median(switches):.2f}s  "
          + " ".join(f"{r:.2f}" for r in switches))
    print(f"machine load (1, 5, 15 min): {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
