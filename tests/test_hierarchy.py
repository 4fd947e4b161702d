"""The hierarchy: read from an editable file, checked, written back, and walked as a value."""

from __future__ import annotations

import pandas as pd
import pytest

from qi_dash.bootstrap import DEMO_HIERARCHY
from qi_dash.hierarchy import Hierarchy, HierarchyError, read_hierarchy, write_hierarchy


def tree(*rows: tuple[str, str, str, str]) -> Hierarchy:
    return Hierarchy(pd.DataFrame(rows, columns=["code", "name", "level", "parent"]))


# Codes in one order, names in another: lists must come in name order.
TREE = tree(
    ("ORG", "Riverside Trust", "organisation", ""),
    ("D1", "Wards", "directorate", "ORG"),
    ("D2", "Community", "directorate", "ORG"),
    ("T1", "Yew Ward", "team", "D1"),
    ("T2", "Ash Ward", "team", "D1"),
    ("T3", "North CMHT", "team", "D2"),
    ("T4", "Elm Ward", "team", "D1"),
)


def test_the_demo_hierarchy_round_trips_and_walks():
    units = read_hierarchy(DEMO_HIERARCHY)
    again = read_hierarchy(write_hierarchy(units).encode())
    assert again.sort_values("code").reset_index(drop=True).equals(units.sort_values("code").reset_index(drop=True))
    hierarchy = Hierarchy(units)
    assert hierarchy.teams_under("DIR-FOR") == ["W-ROW", "W-YEW"]
    assert len(hierarchy.teams_under("ORG")) == 13
    assert hierarchy.teams_under("W-ASH") == ["W-ASH"]
    assert hierarchy.path_to("W-ASH") == ["ORG", "DIR-ACU", "W-ASH"]


def test_a_team_must_sit_in_a_directorate():
    bad = b"code,name,level,parent\nORG,Org,organisation,\nT1,Team,team,ORG\n"
    with pytest.raises(HierarchyError, match="row 3: the parent of team 'T1' must be a directorate"):
        read_hierarchy(bad)


def test_names_parents_and_levels():
    assert (TREE.name("T2"), TREE.parent("T2"), TREE.level("T2")) == ("Ash Ward", "D1", "team")
    assert (TREE.parent("ORG"), TREE.level("ORG")) == ("", "organisation")
    assert TREE.name("NOPE") == "NOPE"
    assert "T3" in TREE and "NOPE" not in TREE and len(TREE) == 7
    assert list(TREE.frame.columns) == ["code", "name", "level", "parent"] and len(TREE.frame) == 7


def test_units_of_each_level_and_children_come_in_name_order():
    assert TREE.organisations == ["ORG"]
    assert TREE.directorates == ["D2", "D1"]
    assert TREE.teams == ["T2", "T4", "T3", "T1"]
    assert TREE.children("ORG") == ["D2", "D1"]
    assert TREE.children("D1") == ["T2", "T4", "T1"]
    assert TREE.children("ORG", level="team") == ["T2", "T4", "T3", "T1"]
    assert TREE.children("T1") == [] and TREE.children("NOPE") == []


def test_teams_under_each_level_of_a_three_level_tree():
    assert TREE.teams_under("ORG") == ["T2", "T4", "T3", "T1"]
    assert TREE.teams_under("D1") == ["T2", "T4", "T1"]
    assert TREE.teams_under("D2") == ["T3"]
    assert TREE.teams_under("T4") == ["T4"]
    assert TREE.teams_under("NOPE") == []


def test_path_to_runs_from_the_organisation_down():
    assert TREE.path_to("T3") == ["ORG", "D2", "T3"]
    assert TREE.path_to("D1") == ["ORG", "D1"]
    assert TREE.path_to("ORG") == ["ORG"]


def test_lists_are_copies_the_caller_may_change():
    TREE.teams_under("D1").append("X")
    TREE.children("ORG").clear()
    assert TREE.teams_under("D1") == ["T2", "T4", "T1"] and TREE.children("ORG") == ["D2", "D1"]


@pytest.mark.parametrize("text", ["T2", "t2", "Ash Ward", "ash ward", "  ASH   Ward ", "Ash\tWard"])
def test_resolve_finds_a_team_by_code_or_name_whatever_the_case_and_spacing(text):
    assert TREE.resolve(text) == "T2"


def test_resolve_is_none_for_an_unknown_text_or_a_unit_of_another_level():
    assert TREE.resolve("Birch Ward") is None
    assert TREE.resolve("") is None
    assert TREE.resolve("Wards") is None
    assert TREE.resolve("wards", level="directorate") == "D1"
    assert TREE.resolve("org", level=None) == "ORG"


def test_a_name_two_teams_share_is_ambiguous_but_their_codes_are_not():
    shared = tree(
        ("ORG", "Trust", "organisation", ""),
        ("D1", "North", "directorate", "ORG"),
        ("D2", "South", "directorate", "ORG"),
        ("N-W1", "Ward 1", "team", "D1"),
        ("S-W1", "Ward 1", "team", "D2"),
    )
    assert shared.resolve("ward 1") is None
    assert shared.candidates("ward 1") == ["N-W1", "S-W1"]
    assert shared.resolve("s-w1") == "S-W1"
    assert shared.candidates("Ward 2") == []


def test_a_code_beats_another_units_name():
    clash = tree(
        ("ORG", "Trust", "organisation", ""),
        ("D1", "Wards", "directorate", "ORG"),
        ("W1", "Ash", "team", "D1"),
        ("W2", "w1", "team", "D1"),
    )
    assert clash.resolve("W1") == "W1"
    assert clash.resolve("ash") == "W1"


def test_a_428_team_hierarchy_walks_and_resolves_every_team():
    """The A&E example's size: 428 teams under 274 directorates."""
    rows = [("ORG", "England", "organisation", "")]
    rows += [(f"D{d:03}", f"Trust {d:03}", "directorate", "ORG") for d in range(274)]
    rows += [(f"T{t:03}", f"Site {427 - t:03}", "team", f"D{t % 274:03}") for t in range(428)]
    big = tree(*rows)
    teams = big.teams_under("ORG")
    assert len(teams) == 428 and teams == big.teams
    assert [big.name(code) for code in teams] == sorted(f"Site {n:03}" for n in range(428))
    assert sum(len(big.teams_under(d)) for d in big.directorates) == 428
    assert big.teams_under("D000") == ["T274", "T000"]
    assert all(big.resolve(big.name(code)) == code and big.resolve(code.lower()) == code for code in teams)
    assert all(big.path_to(code) == ["ORG", big.parent(code), code] for code in teams)
