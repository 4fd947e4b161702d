"""The command line, run as a user would run it: ``python -m qi_dash ...``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO


def qi(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "qi_dash", *map(str, args)], cwd=REPO, capture_output=True, text=True, check=False)
    if check:
        assert done.returncode == 0, done.stderr
    return done


def test_a_bad_file_prints_every_error_exits_1_and_writes_nothing(demo_db, tmp_path):
    before, after = tmp_path / "before.csv", tmp_path / "after.csv"
    qi("export", "--db", demo_db, "--out", before)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "team,measure,period,numerator,denominator,value,comment\n"
        "W-ASH,HUDDLES,06/01/2025,,,x,\nNowhere,HUDDLES,06/01/2025,,,3,\n"
    )
    done = qi("upload", bad, "--db", demo_db, check=False)
    assert done.returncode == 1
    assert "bad.csv, row 2, column 'value': 'x' is not a number." in done.stderr
    assert "bad.csv, row 3, column 'team': unknown team 'Nowhere'" in done.stderr
    assert "nothing was saved" in done.stderr
    qi("export", "--db", demo_db, "--out", after)
    assert before.read_bytes() == after.read_bytes()


def test_dry_run_reports_and_saves_nothing(demo_db, tmp_path):
    new = tmp_path / "new.csv"
    new.write_text("team,measure,period,numerator,denominator,value,comment\nW-ASH,HUDDLES,01/12/2025,,,9,\n")
    assert "Dry run, nothing saved: 1 added, 0 updated, 0 unchanged." in qi("upload", new, "--db", demo_db, "--dry-run").stdout
    assert "Saved upload" in qi("upload", new, "--db", demo_db).stdout
    assert "0 added, 0 updated, 1 unchanged" in qi("upload", new, "--db", demo_db, "--dry-run").stdout


def test_demo_refuses_a_database_that_holds_data(demo_db):
    done = qi("demo", "--db", demo_db, check=False)
    assert done.returncode == 1
    assert "already holds data" in done.stderr


def test_a_database_held_by_the_app_is_reported_in_one_sentence(tmp_path):
    path = tmp_path / "held.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb,time; c=duckdb.connect({str(path)!r}); print('ready', flush=True); time.sleep(30)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        done = qi("export", "--db", path, "--out", tmp_path / "x.csv", check=False)
    finally:
        holder.kill()
        holder.wait()
    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0
    assert "in use by another program (probably the running app)" in done.stderr
    assert "Traceback" not in done.stderr


def test_init_creates_an_empty_organisation(tmp_path):
    db = tmp_path / "new.duckdb"
    hierarchy = tmp_path / "h.csv"
    hierarchy.write_text("code,name,level,parent\nNEW,New Trust,organisation,\nD1,Wards,directorate,NEW\n")
    done = qi("init", "--db", db, "--hierarchy", hierarchy)
    assert "with 11 measures and 2 units" in done.stdout
    assert Path(db).exists()
