"""Several processes on one DuckDB file: each holds it only while a read or write runs, so
the command line loads, exports and writes templates beside the running app, and the app
sees another process's upload on its next read."""

from __future__ import annotations

import subprocess
import sys
import time

import pandas as pd
import pytest

from qi_dash import bootstrap
from qi_dash.store import Store, StoreBusy
from tests.builders import canonical_csv, demo_rows
from tests.conftest import REPO, held_by_another_process


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qi_dash", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=120)


@pytest.fixture
def served(tmp_path):
    """A store as the app holds it: open, with the standard measures and the demo hierarchy."""
    path = tmp_path / "shared.duckdb"
    store = Store.open(path, linger=0.05)
    bootstrap.init_store(store, bootstrap.STANDARD_MEASURES, bootstrap.DEMO_HIERARCHY)
    yield store
    store.close()


def test_the_command_line_uploads_exports_and_writes_a_template_beside_an_open_store(served, tmp_path):
    before = served.data_version()
    rows = demo_rows(60)
    upload = _cli("upload", str(canonical_csv(tmp_path / "monthly.csv", rows)), "--db", served.path)
    assert upload.returncode == 0, upload.stderr
    # The open store sees the other process's upload on its next read.
    assert served.data_version() > before
    assert len(served.observations()) == len(rows)
    assert served.uploads()["file_name"].tolist() == ["monthly.csv"]

    exported = _cli("export", "--db", served.path, "--out", str(tmp_path / "all.csv"))
    assert exported.returncode == 0, exported.stderr
    assert len(pd.read_csv(tmp_path / "all.csv")) == len(rows)
    template = _cli("template", "--db", served.path, "--out", str(tmp_path / "template.xlsx"))
    assert template.returncode == 0, template.stderr
    assert (tmp_path / "template.xlsx").stat().st_size > 0


def test_the_file_is_let_go_between_units_of_work(served):
    served.units()
    assert served._connection.is_open
    time.sleep(0.3)
    assert not served._connection.is_open
    served.units()  # opened again for the next read
    assert served._connection.is_open


def test_a_read_waits_while_another_process_holds_the_file(served):
    served.close()
    with held_by_another_process(served.path, seconds=1.0):
        start = time.monotonic()
        assert len(served.units()) > 0
        assert time.monotonic() - start > 0.5


def test_a_file_held_for_longer_than_the_wait_is_reported_in_words(tmp_path):
    path = tmp_path / "held.duckdb"
    Store.open(path).close()
    words = r"in use by another program \(probably the running app\) and stayed in use for 1 s"
    with held_by_another_process(path), pytest.raises(StoreBusy, match=words):
        Store.open(path, wait=1.0)
