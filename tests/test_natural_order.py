"""Names sort naturally everywhere: "Ward 7" before "Ward 12" (qi_dash/text.py and its users)."""

from __future__ import annotations

import pandas as pd

from qi_dash import coverage
from qi_dash.bootstrap import STANDARD_MEASURES
from qi_dash.definitions import read_definitions
from qi_dash.hierarchy import Hierarchy
from qi_dash.text import natural_key, natural_order, natural_sorted

WARDS = ["Ward 12", "Ward 7", "ward 10", "Ward 1b", "Ward 1a", "Ward 100", "Ward 2"]


def test_numbers_in_names_sort_by_value_and_case_does_not_matter():
    assert natural_sorted(WARDS) == ["Ward 1a", "Ward 1b", "Ward 2", "Ward 7", "ward 10", "Ward 12", "Ward 100"]
    assert natural_sorted(["10 Downing", "Ash", "2 Oaks", ""]) == ["", "2 Oaks", "10 Downing", "Ash"]


def test_the_order_is_total_even_for_names_that_read_the_same():
    assert natural_sorted(["W7", "W07", "w7"]) == ["W07", "W7", "w7"]
    assert natural_key("W07") != natural_key("W7")


def test_a_frame_sorts_naturally_by_several_columns():
    frame = pd.DataFrame({"Directorate": ["B", "A", "A"], "Team": ["Ward 1", "Ward 12", "Ward 7"]})
    ordered = frame.sort_values(["Directorate", "Team"], key=natural_order)
    assert ordered["Team"].tolist() == ["Ward 7", "Ward 12", "Ward 1"]


def wards() -> Hierarchy:
    rows = [("ORG", "Trust", "organisation", ""), ("D10", "Directorate 10", "directorate", "ORG"),
            ("D9", "Directorate 9", "directorate", "ORG")]
    rows += [(f"T{i}", name, "team", "D9" if i % 2 else "D10") for i, name in enumerate(WARDS)]
    return Hierarchy(pd.DataFrame(rows, columns=["code", "name", "level", "parent"]))


def test_the_hierarchy_lists_teams_and_directorates_in_natural_order():
    tree = wards()
    assert tree.directorates == ["D9", "D10"]
    assert [tree.name(c) for c in tree.teams] == natural_sorted(WARDS)
    assert [tree.name(c) for c in tree.teams_under("D9")] == ["Ward 1b", "Ward 7", "Ward 100"]
    assert [tree.name(c) for c in tree.children("D10")] == ["Ward 1a", "Ward 2", "ward 10", "Ward 12"]


def test_the_coverage_table_lists_teams_in_natural_order_within_their_directorate():
    tree = wards()
    definitions = read_definitions(STANDARD_MEASURES)
    observations = pd.DataFrame({
        "unit": tree.teams, "measure": "PRN", "period": pd.Timestamp("2025-01-01"),
        "numerator": float("nan"), "denominator": float("nan"), "value": 1.0, "comment": pd.NA,
    })
    summary = coverage.team_summary(observations, tree, definitions, tree.teams)
    assert summary["Directorate"].tolist() == ["Directorate 9"] * 3 + ["Directorate 10"] * 4
    assert summary["Team"].tolist() == ["Ward 1b", "Ward 7", "Ward 100", "Ward 1a", "Ward 2", "ward 10", "Ward 12"]


def test_new_teams_to_place_are_listed_in_natural_order(demo_store):
    from qi_dash.upload import plan_upload

    lines = "".join(f"{name},HUDDLES,06/01/2025,,,3,\n" for name in ["Ward 12", "Ward 7", "Ward 9"])
    plan = plan_upload(demo_store, ("team,measure,period,numerator,denominator,value,comment\n" + lines).encode(),
                       "new.csv")
    assert plan.unknown_teams == ["Ward 7", "Ward 9", "Ward 12"]
