"""Several people on the Team page at once (a 9 a.m. round of huddles), against one app process
and against two sharing one PostgreSQL database — the set-up behind a load balancer.

N headless Chromium pages (each its own browser context, as separate people) each load a
team's board a few times, all at once; a load counts from navigation until the script has
finished and every chart on the board has drawn. With two processes the pages are shared between them, as
a load balancer with sticky sessions would. Prints loads per second and the median and 95th
percentile load time. Everything listens on 127.0.0.1 only. Without ``--db``, a throwaway
PostgreSQL server is started (tests/pg_cluster.py) with the demo organisation in it.

    python benchmarks/load_bench.py [--sessions 8] [--loads 3] [--db postgresql://…]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from playwright.async_api import async_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qi_dash import bootstrap  # noqa: E402
from qi_dash.hierarchy import read_hierarchy  # noqa: E402
from qi_dash.store import Store  # noqa: E402
from tests.e2e.app_server import running_app  # noqa: E402
from tests.e2e.conftest import CHROMIUM  # noqa: E402
from tests.pg_cluster import Cluster, server_binaries  # noqa: E402

TEAMS = read_hierarchy(bootstrap.DEMO_HIERARCHY).query("level == 'team'")["code"].tolist()
_SETTLED = """() => !document.querySelector('[data-testid="stStatusWidget"]')
                 && !document.querySelector('[data-testid="stSkeleton"]')
                 && document.querySelector('[data-testid="stMainBlockContainer"] h1')"""
_DRAWN = """n => { const charts = [...document.querySelectorAll('.js-plotly-plot')];
                   return charts.length >= n
                       && charts.every(c => c.data && c.data.length && c.querySelector('.scatterlayer .trace')); }"""


async def one_person(browser, url: str, loads: int, times: list[float]) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 720})
    page = await context.new_page()
    for _ in range(loads):
        start = time.perf_counter()
        await page.goto(url)
        await page.wait_for_selector('[data-testid="stApp"]', timeout=120_000)
        await page.wait_for_timeout(300)
        await page.wait_for_function(_SETTLED, timeout=120_000)
        await page.wait_for_function(_DRAWN, arg=1, timeout=120_000)  # every chart of the board drawn
        times.append(time.perf_counter() - start)
    await context.close()


async def round_of_huddles(servers: list[str], sessions: int, loads: int) -> tuple[list[float], float]:
    times: list[float] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"])
        # One load each first, so both rounds start from servers that have run a page.
        await asyncio.gather(*(one_person(browser, f"{url}/Team?team={TEAMS[0]}", 1, []) for url in servers))
        start = time.perf_counter()
        await asyncio.gather(*(
            one_person(browser, f"{servers[i % len(servers)]}/Team?team={TEAMS[i % len(TEAMS)]}", loads, times)
            for i in range(sessions)))
        elapsed = time.perf_counter() - start
        await browser.close()
    return times, elapsed


def report(label: str, times: list[float], elapsed: float) -> None:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    print(f"{label:<22} {len(times) / elapsed:6.2f} loads/s   median {statistics.median(times):6.2f} s   "
          f"p95 {p95:6.2f} s   ({len(times)} loads in {elapsed:.1f} s)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=8, help="people loading at once (default 8)")
    parser.add_argument("--loads", type=int, default=3, help="loads of the Team page each (default 3)")
    parser.add_argument("--db", help="a PostgreSQL address holding the demo organisation (default: a throwaway one)")
    args = parser.parse_args()
    if not 1 <= args.sessions <= 32 or not 1 <= args.loads <= 20:
        parser.error("keep it bounded: 1-32 sessions, 1-20 loads each")
    with ExitStack() as stack, tempfile.TemporaryDirectory() as folder:
        address = args.db
        if address is None:
            cluster = Cluster(server_binaries())
            stack.callback(cluster.stop)
            address = cluster.database()
            store = Store.open(address)
            bootstrap.load_demo(store)
            store.close()
        print(f"{args.sessions} sessions × {args.loads} loads of the Team page, one PostgreSQL database")
        for count in (1, 2):
            with ExitStack() as servers:
                urls = [servers.enter_context(running_app(address, Path(folder) / f"app{i}.log"))
                        for i in range(count)]
                times, elapsed = asyncio.run(round_of_huddles(urls, args.sessions, args.loads))
            report(f"{count} app process{'es' if count > 1 else ''}", times, elapsed)


if __name__ == "__main__":
    main()
