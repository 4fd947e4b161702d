"""The Home and Team pages' reads on PostgreSQL against DuckDB, on the demo organisation.

Each read as a page's first run after a save makes them (nothing cached in the store): the
Home page's summary and the Team page's observations, phases, cycles, aims and targets, then
a warm run's one read (the data version, which PostgreSQL reads from the database every time).
Medians of wall time and of this process's CPU time; PostgreSQL's server runs on the same
machine (a throwaway cluster, tests/pg_cluster.py), so its CPU is not in the CPU column.

    python benchmarks/pg_store_bench.py [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from qi_dash import bootstrap  # noqa: E402
from qi_dash.store import Store  # noqa: E402
from store_bench import home_reads, team_reads, warm_run  # noqa: E402
from tests.pg_cluster import Cluster, server_binaries  # noqa: E402

READS = (("Home page reads", home_reads), ("Team page reads (Ash Ward)", team_reads),
         ("a warm page run (data version)", warm_run))


def timed(store: Store, reads, runs: int) -> tuple[list[float], list[float]]:
    wall, cpu = [], []
    for _ in range(runs):
        store._cache.clear()  # a page's first run after a save: the store reuses nothing
        start, start_cpu = time.perf_counter(), time.process_time()
        reads(store)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    cluster = Cluster(server_binaries())
    try:
        with tempfile.TemporaryDirectory() as folder:
            file = Path(folder) / "demo.duckdb"
            address = cluster.database()
            for where in (file, address):
                store = Store.open(where)
                bootstrap.load_demo(store)
                store.close()
            stores = {"DuckDB": Store.open(file), "PostgreSQL": Store.open(address)}
            print(f"Demo organisation, median of {args.runs} runs each (wall / this process's CPU)")
            for label, reads in READS:
                print(f"\n{label}")
                results = {engine: timed(store, reads, args.runs) for engine, store in stores.items()}
                base = statistics.median(results["DuckDB"][0])
                for engine, (wall, cpu) in results.items():
                    print(f"  {engine:<11} {statistics.median(wall) * 1000:8.1f} ms wall  "
                          f"{statistics.median(cpu) * 1000:8.1f} ms CPU   {statistics.median(wall) / base:5.2f}× DuckDB")
            for store in stores.values():
                store.close()
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
