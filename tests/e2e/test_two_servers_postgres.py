"""Several app servers on one PostgreSQL database: a load saved while both serve shows in
each on its next run, as behind a trust's load balancer."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest
from playwright.sync_api import expect

from tests.conftest import REPO
from tests.e2e.app_server import AppDidNotStart, open_family, running_app, settle

pytestmark = pytest.mark.postgres


def _cli(*args: object) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qi_dash", *map(str, args)], cwd=REPO, capture_output=True,
                          text=True, timeout=120, check=False)


@pytest.fixture
def two_servers(pg_cluster, pg_templates, tmp_path):
    address = pg_cluster.database(pg_templates["demo"])
    try:
        with running_app(address, tmp_path / "one.log") as one, running_app(address, tmp_path / "two.log") as two:
            yield address, one, two
    except AppDidNotStart as err:
        pytest.fail(str(err))
    finally:
        pg_cluster.drop(address)


def test_a_load_saved_beside_two_servers_shows_in_both(page, two_servers, tmp_path):
    address, one, two = two_servers
    for url in (one, two):
        page.goto(f"{url}/Uploads")
        settle(page)
        expect(page.get_by_text("warehouse-nightly.csv")).to_have_count(0)

    exported = _cli("export", "--db", address, "--out", tmp_path / "all.csv")
    assert exported.returncode == 0, exported.stderr
    rows = pd.read_csv(tmp_path / "all.csv")
    ash = rows[(rows["team"] == "W-ASH") & (rows["measure"] == "RP_RATE")].sort_values("period").tail(1)
    ash.assign(numerator=ash["numerator"] + 5).to_csv(tmp_path / "warehouse-nightly.csv", index=False)
    loaded = _cli("upload", tmp_path / "warehouse-nightly.csv", "--db", address)
    assert loaded.returncode == 0, loaded.stderr
    assert "1 updated" in loaded.stdout

    for url in (two, one):
        page.goto(f"{url}/Uploads")
        settle(page)
        expect(page.get_by_text("warehouse-nightly.csv").first).to_be_attached()
    page.goto(f"{two}/Team?team=W-ASH")
    settle(page)
    open_family(page, "Outcome measures")  # the board draws the open family's charts
