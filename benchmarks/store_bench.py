"""What holding the database file only for each unit of work costs the app's reads.

The app lets the DuckDB file go between units of work (``store.connection``), so the command
line can load beside it. This prints, on the demo database, the time of the reads the Home
and Team pages make when nothing is cached (a fresh server, or the first run after a save),
and of a warm page run's one read (its data version), in three ways:

* held: the connection never let go (how the app worked before);
* lingering: as the app runs now, the reads of a page back to back share one opening;
* reopened: each read after the file was let go (the worst case: every read opens the file).

Medians of several runs, and each against held.

    python benchmarks/store_bench.py [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qi_dash import bootstrap  # noqa: E402
from qi_dash.store import Store  # noqa: E402
from qi_dash.store.connection import APP_LINGER  # noqa: E402


def home_reads(store: Store) -> None:
    store.data_version()
    tree = store.hierarchy()
    store.definitions()
    store.summary([tree.organisations[0], *tree.directorates, *tree.teams])


def team_reads(store: Store) -> None:
    store.data_version()
    store.hierarchy()
    store.definitions()
    store.observations(["W-ASH"])
    store.phase_changes(["W-ASH"])
    store.pdsa_cycles(["W-ASH"])
    store.aims()
    store.target_steps()
    store.people()


def warm_run(store: Store) -> None:
    store.data_version()


def timed(store: Store, reads, runs: int, let_go: bool) -> list[float]:
    times = []
    for _ in range(runs):
        if let_go:
            store.close()
        store._cache.clear()  # the store's own reuse of unchanged reads: a page's first run has none
        start = time.perf_counter()
        reads(store)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "demo.duckdb"
        store = Store.open(path)
        bootstrap.load_demo(store)
        store.close()
        held = Store.open(path, linger=None)
        print(f"Demo database ({path.stat().st_size / 1e6:.1f} MB), median of {args.runs} runs each")
        results = {}
        for label, reads in (("Home page reads", home_reads), ("Team page reads (Ash Ward)", team_reads),
                             ("a warm page run (data version)", warm_run)):
            results[label] = {"held": timed(held, reads, args.runs, let_go=False)}
        held.close()
        lingering = Store.open(path, linger=APP_LINGER)
        for label, reads in (("Home page reads", home_reads), ("Team page reads (Ash Ward)", team_reads),
                             ("a warm page run (data version)", warm_run)):
            results[label]["lingering"] = timed(lingering, reads, args.runs, let_go=True)
        lingering.close()
        reopened = Store.open(path, linger=0)
        for label, reads in (("Home page reads", home_reads), ("Team page reads (Ash Ward)", team_reads),
                             ("a warm page run (data version)", warm_run)):
            results[label]["reopened"] = timed(reopened, reads, args.runs, let_go=True)
        reopened.close()
    for label, modes in results.items():
        base = statistics.median(modes["held"])
        print(f"\n{label}")
        for mode, times in modes.items():
            median = statistics.median(times)
            print(f"  {mode:<10} {median * 1000:8.1f} ms   {median / base:5.2f}× held   "
                  f"(fastest {min(times) * 1000:.1f} ms)")


if __name__ == "__main__":
    main()
