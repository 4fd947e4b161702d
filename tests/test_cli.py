"""The command line: ``cli.main`` run in-process as ``python -m qi_dash ...`` would run it
(the ``qi`` fixture), and once as a real ``python -m qi_dash`` process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


from tests.builders import csv_bytes
from tests.conftest import REPO, held_by_another_process


def test_python_m_qi_dash_runs_the_cli_and_exits_with_its_status(tmp_path):
    missing = tmp_path / "missing.csv"
    done = subprocess.run([sys.executable, "-m", "qi_dash", "upload", missing, "--db", tmp_path / "new.duckdb"],
                          cwd=REPO, capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert done.stderr == f"{missing}: no such file.\n"


def test_a_bad_file_prints_every_error_exits_1_and_writes_nothing(qi, demo_db, tmp_path):
    before, after = tmp_path / "before.csv", tmp_path / "after.csv"
    qi("export", "--db", demo_db, "--out", before)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes("W-ASH,HUDDLES,06/01/2025,,,x,", "Nowhere,HUDDLES,06/01/2025,,,3,"))
    done = qi("upload", bad, "--db", demo_db, status=1)
    assert "bad.csv, row 2, column 'value': 'x' is not a number." in done.err
    assert "bad.csv, row 3, column 'team': unknown team 'Nowhere'" in done.err
    assert "nothing was saved" in done.err
    qi("export", "--db", demo_db, "--out", after)
    assert before.read_bytes() == after.read_bytes()


def test_dry_run_reports_and_saves_nothing(qi, demo_db, tmp_path):
    new = tmp_path / "new.csv"
    new.write_bytes(csv_bytes("W-ASH,HUDDLES,01/12/2025,,,9,"))
    assert "Dry run, nothing saved: 1 added, 0 updated, 0 unchanged." in qi("upload", new, "--db", demo_db, "--dry-run").out
    assert "Saved upload" in qi("upload", new, "--db", demo_db).out
    assert "0 added, 0 updated, 1 unchanged" in qi("upload", new, "--db", demo_db, "--dry-run").out


def test_demo_refuses_a_database_that_holds_data(qi, demo_db):
    done = qi("demo", "--db", demo_db, status=1)
    assert "already holds data" in done.err


def test_a_database_held_for_longer_than_the_wait_is_reported_in_one_sentence(qi, tmp_path):
    path = tmp_path / "held.duckdb"
    with held_by_another_process(path):
        done = qi("export", "--db", path, "--out", tmp_path / "x.csv", "--wait", "1", status=1)
    assert done.err.strip().count("\n") == 0
    assert "in use by another program (probably the running app) and stayed in use for 1 s" in done.err
    assert "Traceback" not in done.err


def test_init_creates_an_empty_organisation(qi, tmp_path):
    db = tmp_path / "new.duckdb"
    hierarchy = tmp_path / "h.csv"
    hierarchy.write_text("code,name,level,parent\nNEW,New Trust,organisation,\nD1,Wards,directorate,NEW\n")
    done = qi("init", "--db", db, "--hierarchy", hierarchy)
    assert "with 11 measures and 2 units" in done.out
    assert Path(db).exists()
