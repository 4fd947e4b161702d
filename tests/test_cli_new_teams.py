"""``upload FILE --new-teams-in DIRECTORATE``: unknown teams placed as the Upload page places them."""

from __future__ import annotations

from qi_dash import cli
from qi_dash.store import Store

NEW_TEAMS = ("team,measure,period,numerator,denominator,value,comment\n"
             "Larch Ward,HUDDLES,27/10/2025,,,9,\nMaple Ward,HUDDLES,27/10/2025,,,7,\nW-ASH,HUDDLES,27/10/2025,,,8,\n")


def test_new_teams_are_placed_with_generated_codes_and_the_codes_printed(demo_db, tmp_path, capsys):
    path = tmp_path / "wards.csv"
    path.write_text(NEW_TEAMS)
    assert cli.main(["upload", str(path), "--db", str(demo_db), "--new-teams-in", "adult acute inpatients"]) == 0
    out = capsys.readouterr().out
    assert "New team 'Larch Ward' in DIR-ACU: code LARCH-WARD" in out
    assert "New team 'Maple Ward' in DIR-ACU: code MAPLE-WARD" in out
    assert "Saved upload 2: 2 added, 1 updated, 0 unchanged." in out
    store = Store.open(demo_db)
    try:
        units = store.units().set_index("code")
        assert units.loc[["LARCH-WARD", "MAPLE-WARD"], "parent"].tolist() == ["DIR-ACU", "DIR-ACU"]
        assert sorted(store.aliases()["alias"]) == ["Larch Ward", "Maple Ward"]
    finally:
        store.close()
    # The same file again: every team is known by its alias; nothing new to place.
    assert cli.main(["upload", str(path), "--db", str(demo_db), "--new-teams-in", "DIR-ACU", "--dry-run"]) == 0
    assert "New team" not in (out := capsys.readouterr().out) and "0 added, 0 updated, 3 unchanged" in out


def test_a_directorate_that_is_not_one_is_refused_and_nothing_is_saved(demo_db, tmp_path, capsys):
    path = tmp_path / "wards.csv"
    path.write_text(NEW_TEAMS)
    assert cli.main(["upload", str(path), "--db", str(demo_db), "--new-teams-in", "Mental Health"]) == 1
    err = capsys.readouterr().err
    assert "--new-teams-in: 'Mental Health' is not one directorate; the directorates are DIR-ACU (Adult Acute Inpatients)" in err
    assert "nothing was saved" in err
    store = Store.open(demo_db)
    try:
        assert "LARCH-WARD" not in set(store.units()["code"]) and len(store.uploads()) == 1
    finally:
        store.close()
