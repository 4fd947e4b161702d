"""``upload FILE --new-teams-in DIRECTORATE``: unknown teams placed as the Upload page places them."""

from __future__ import annotations

import pandas as pd

from qi_dash import cli
from qi_dash.store import Store

NEW_TEAMS = ("team,measure,period,numerator,denominator,value,comment\n"
             "Larch Ward,HUDDLES,27/10/2025,,,9,\nMaple Ward,HUDDLES,27/10/2025,,,7,\nW-ASH,HUDDLES,27/10/2025,,,8,\n")


def upload(demo_db, tmp_path, *options: str) -> int:
    path = tmp_path / "wards.csv"
    path.write_text(NEW_TEAMS)
    return cli.main(["upload", str(path), "--db", str(demo_db), *options])


def units_and_aliases(demo_db) -> tuple[pd.DataFrame, pd.DataFrame]:
    store = Store.open(demo_db)
    try:
        return store.units().set_index("code"), store.aliases()
    finally:
        store.close()


def test_new_teams_are_placed_with_generated_codes_and_the_codes_printed(demo_db, tmp_path, capsys):
    assert upload(demo_db, tmp_path, "--new-teams-in", "adult acute inpatients") == 0
    out = capsys.readouterr().out
    assert "New team 'Larch Ward' in DIR-ACU: code LARCH-WARD" in out
    assert "New team 'Maple Ward' in DIR-ACU: code MAPLE-WARD" in out
    assert "Saved upload 2: 2 added, 1 updated, 0 unchanged." in out
    units, aliases = units_and_aliases(demo_db)
    assert units.loc[["LARCH-WARD", "MAPLE-WARD"], "parent"].tolist() == ["DIR-ACU", "DIR-ACU"]
    assert sorted(aliases["alias"]) == ["Larch Ward", "Maple Ward"]
    # The same file again: every team is known by its alias; nothing new to place.
    assert upload(demo_db, tmp_path, "--new-teams-in", "DIR-ACU", "--dry-run") == 0
    assert "New team" not in (out := capsys.readouterr().out) and "0 added, 0 updated, 3 unchanged" in out


def test_a_directorate_that_is_not_one_is_refused_and_nothing_is_saved(demo_db, tmp_path, capsys):
    assert upload(demo_db, tmp_path, "--new-teams-in", "Mental Health") == 1
    err = capsys.readouterr().err
    assert "--new-teams-in: 'Mental Health' is not one directorate; the directorates are DIR-ACU (Adult Acute Inpatients)" in err
    assert "nothing was saved" in err
    units, aliases = units_and_aliases(demo_db)
    assert "LARCH-WARD" not in units.index and aliases.empty


def test_on_a_new_install_organisation_names_the_top_of_the_hierarchy_the_file_builds(tmp_path, capsys):
    db = tmp_path / "new.duckdb"
    assert cli.main(["init", "--db", str(db)]) == 0
    path = tmp_path / "placed.csv"
    path.write_text("team,directorate,measure,period,numerator,denominator,value,comment\n"
                    "Larch Ward,Mental Health,HUDDLES,27/10/2025,,,9,\n")
    capsys.readouterr()
    assert cli.main(["upload", str(path), "--db", str(db)]) == 1
    assert "there is no organisation yet for the new directorates to belong to" in capsys.readouterr().err
    assert cli.main(["upload", str(path), "--db", str(db), "--organisation", "Riverside Trust"]) == 0
    units, _ = units_and_aliases(db)
    assert units[["level", "parent"]].to_dict("index") == {
        "RIVERSIDE-TRUST": {"level": "organisation", "parent": ""},
        "DIR-MENTAL-HEALTH": {"level": "directorate", "parent": "RIVERSIDE-TRUST"},
        "LARCH-WARD": {"level": "team", "parent": "DIR-MENTAL-HEALTH"}}


def test_blank_clears_holds_when_new_teams_are_placed_too(demo_db, tmp_path, capsys):
    path = tmp_path / "blank.csv"
    path.write_text("team,measure,period,numerator,denominator,value,comment\n"
                    "Larch Ward,HUDDLES,27/10/2025,,,9,\nW-ASH,PRN,01/10/2025,,,,\n")
    assert cli.main(["upload", str(path), "--db", str(demo_db), "--new-teams-in", "DIR-ACU", "--blank-clears",
                     "--dry-run"]) == 0
    assert "Blank cells clear 1 stored row(s):\n  row 3: W-ASH PRN 01/10/2025" in capsys.readouterr().out
