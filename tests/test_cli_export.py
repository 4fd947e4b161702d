"""``python -m qi_dash export`` for a selection: a unit's teams, some measures, the data as it
stood on a day — the file the app's all-data download gives for the same selection."""

from __future__ import annotations

import pandas as pd

from qi_dash import exports
from qi_dash.store import Store
from tests.builders import csv_bytes


def test_a_directorates_export_is_its_teams_data_as_the_app_downloads_it(qi, demo_db, tmp_path):
    out = tmp_path / "acute.csv"
    printed = qi("export", "--db", demo_db, "--out", out, "--unit", "Adult Acute Inpatients")
    store = Store.open(demo_db)
    try:
        teams = store.hierarchy().teams_under("DIR-ACU")
        expected = exports.to_csv_bytes(exports.template_frame(store.observations(teams)))
        everything = len(store.observations())
    finally:
        store.close()
    assert out.read_bytes() == expected
    frame = pd.read_csv(out)
    assert set(frame["team"]) == set(teams) and 0 < len(frame) < everything
    assert f"Exported {len(frame)} observations" in printed.out


def test_an_export_of_some_measures_of_one_team(qi, demo_db, tmp_path):
    out = tmp_path / "ash.csv"
    qi("export", "--db", demo_db, "--out", out, "--unit", "W-ASH", "--measures", "HUDDLES, RP_RATE")
    frame = pd.read_csv(out)
    assert set(frame["team"]) == {"W-ASH"} and set(frame["measure"]) == {"HUDDLES", "RP_RATE"}


def test_an_export_as_of_a_day_has_the_values_of_that_day(qi, demo_db, tmp_path):
    today = pd.Timestamp.now(tz="UTC").date()
    before = tmp_path / "before.csv"
    qi("export", "--db", demo_db, "--out", before, "--unit", "W-ASH", "--as-of", f"{today:%d/%m/%Y}")
    assert "Exported 0 observations" in qi("export", "--db", demo_db, "--out", tmp_path / "old.csv",
                                           "--as-of", "01/01/2001").out
    change = tmp_path / "change.csv"
    change.write_bytes(csv_bytes("W-ASH,PRN,01/12/2099,,,9,"))
    qi("upload", change, "--db", demo_db)
    now, then = tmp_path / "now.csv", tmp_path / "then.csv"
    qi("export", "--db", demo_db, "--out", now, "--unit", "W-ASH")
    qi("export", "--db", demo_db, "--out", then, "--unit", "W-ASH", "--as-of", "2001-01-01")
    assert len(pd.read_csv(now)) == len(pd.read_csv(before)) + 1
    assert pd.read_csv(then).empty


def test_a_unit_measure_or_day_that_is_not_one_is_refused_saying_why(qi, demo_db, tmp_path):
    out = tmp_path / "x.csv"
    done = qi("export", "--db", demo_db, "--out", out, "--unit", "Nowhere Ward", status=1)
    assert "--unit: 'Nowhere Ward' is not one unit" in done.err
    done = qi("export", "--db", demo_db, "--out", out, "--measures", "HUDDLES,NOPE", status=1)
    assert "--measures: unknown measure(s) NOPE" in done.err
    done = qi("export", "--db", demo_db, "--out", out, "--as-of", "31/02/2025", status=1)
    assert "--as-of: '31/02/2025' is not a real date" in done.err
    assert "Traceback" not in done.err and not out.exists()
