"""Aliases in the Hierarchy value (other spellings of a unit) and codes generated for new units."""

from __future__ import annotations

import pandas as pd

from qi_dash.hierarchy import Hierarchy

UNITS = pd.DataFrame(
    [["ORG", "Riverside", "organisation", ""], ["DIR-ACU", "Adult Acute", "directorate", "ORG"],
     ["W-ASH", "Ash Ward", "team", "DIR-ACU"], ["W-BIR", "Birch Ward", "team", "DIR-ACU"],
     ["LARCH-WARD", "Larch", "team", "DIR-ACU"]],
    columns=["code", "name", "level", "parent"],
)


def aliases(*pairs: tuple[str, str]) -> pd.DataFrame:
    return pd.DataFrame(pairs, columns=["alias", "unit"])


def test_an_alias_names_its_unit_ignoring_case_and_spacing():
    tree = Hierarchy(UNITS, aliases(("Ward 7", "W-ASH")))
    assert tree.resolve("ward   7") == "W-ASH"
    assert tree.resolve(" WARD 7 ", level=None) == "W-ASH"
    assert tree.resolve("Ward 7", level="directorate") is None
    assert tree.aliases.values.tolist() == [["Ward 7", "W-ASH"]]


def test_a_code_or_a_name_wins_over_an_alias():
    tree = Hierarchy(UNITS, aliases(("Birch Ward", "W-ASH"), ("W-BIR", "W-ASH")))
    assert tree.resolve("birch ward") == "W-BIR"
    assert tree.resolve("w-bir") == "W-BIR"


def test_an_alias_two_units_share_names_neither_and_one_of_a_removed_unit_names_nothing():
    tree = Hierarchy(UNITS, aliases(("The ward", "W-ASH"), ("the  WARD", "W-BIR"), ("Old", "W-GONE")))
    assert tree.candidates("The ward") == ["W-ASH", "W-BIR"]
    assert tree.resolve("The ward") is None
    assert tree.resolve("Old") is None


def test_without_aliases_a_hierarchy_resolves_codes_and_names_as_before():
    tree = Hierarchy(UNITS)
    assert tree.resolve("ash ward") == "W-ASH" and tree.resolve("Ward 7") is None
    assert tree.aliases.empty


def test_new_codes_are_short_unique_and_the_same_every_time():
    tree = Hierarchy(UNITS, aliases(("ELM-WARD", "W-ASH")))
    names = ["Larch Ward", "larch-ward", "Maple Ward", "Elm Ward", "larch", "Über-Long Rehabilitation Unit North", "***"]
    codes = tree.new_codes(names)
    assert codes == {
        "Larch Ward": "LARCH-WARD-2",  # LARCH-WARD is taken
        "larch-ward": "LARCH-WARD-3",
        "Maple Ward": "MAPLE-WARD",
        "Elm Ward": "ELM-WARD-2",  # an alias spells ELM-WARD
        "larch": "LARCH-2",  # a unit is named Larch: the code would take the name from it
        "Über-Long Rehabilitation Unit North": "UBER-LONG",
        "***": "UNIT",
    }
    assert tree.new_codes(names) == codes
    assert tree.new_codes(["Mental Health"], prefix="DIR-") == {"Mental Health": "DIR-MENTAL-HEALTH"}


def test_a_first_word_longer_than_a_code_is_cut():
    assert Hierarchy(UNITS).new_codes(["Supercalifragilisticexpialidocious Ward"]) == {
        "Supercalifragilisticexpialidocious Ward": "SUPERCALIFRAGILI"}
