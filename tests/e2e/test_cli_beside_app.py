"""The command line on the database the app is serving: a scheduled load, an export and a
template work while the app runs, and the app shows the load without a restart."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
from playwright.sync_api import expect

from tests.conftest import REPO
from tests.e2e.app_server import charts_drawn, settle


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qi_dash", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=120)


def test_a_command_line_load_beside_the_running_app_shows_in_the_app(page, server, tmp_path):
    db = str(server["db"])
    page.goto(f"{server['url']}/Uploads")
    settle(page)
    expect(page.get_by_text("warehouse-nightly.csv")).to_have_count(0)

    # The warehouse's nightly load: Ash Ward's latest restrictive practice month, corrected.
    exported = _cli("export", "--db", db, "--out", str(tmp_path / "all.csv"))
    assert exported.returncode == 0, exported.stderr
    rows = pd.read_csv(tmp_path / "all.csv")
    ash = rows[(rows["team"] == "W-ASH") & (rows["measure"] == "RP_RATE")].sort_values("period").tail(1)
    ash = ash.assign(numerator=ash["numerator"] + 5)
    ash.to_csv(tmp_path / "warehouse-nightly.csv", index=False)
    loaded = _cli("upload", str(tmp_path / "warehouse-nightly.csv"), "--db", db)
    assert loaded.returncode == 0, loaded.stderr
    assert "1 updated" in loaded.stdout
    template = _cli("template", "--db", db, "--out", str(tmp_path / "template.xlsx"))
    assert template.returncode == 0, template.stderr

    # The app, still running, shows the load on its next run.
    page.goto(f"{server['url']}/Uploads")
    settle(page)
    # The history table is a canvas grid: its cells' text is in the grid's accessible table.
    expect(page.get_by_text("warehouse-nightly.csv").first).to_be_attached()
    page.goto(f"{server['url']}/Team?team=W-ASH")
    settle(page)
    charts_drawn(page)
