"""Teams new to the hierarchy: placed in one step (into existing or new directorates) with
short generated codes, their spelling kept as an alias, and placements read from a lookup sheet."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from qi_dash import bootstrap
from qi_dash.ingest.spec import validate_spec
from qi_dash.store import Store
from qi_dash.upload import Step, commit, plan_upload
from tests.conftest import export_csv

HEADER = "team,measure,period,numerator,denominator,value,comment\n"

BOTH_ENGINES = True  # store tests run on DuckDB and PostgreSQL (conftest.engine)


def csv(*lines: str) -> bytes:
    return (HEADER + "\n".join(lines) + "\n").encode()


LARCH = csv("Larch Ward,HUDDLES,27/10/2025,,,9,", "Larch Ward,HUDDLES,03/11/2025,,,8,")


def test_a_placed_team_gets_a_generated_code_and_its_spelling_as_an_alias(demo_store):
    plan = plan_upload(demo_store, LARCH, "larch.csv", new_teams={"Larch Ward": "DIR-ACU"})
    assert plan.ok, [str(p) for p in plan.problems]
    assert plan.new_units[["code", "name", "level", "parent"]].values.tolist() == [
        ["LARCH-WARD", "Larch Ward", "team", "DIR-ACU"]]
    assert set(plan.changes["unit"]) == {"LARCH-WARD"}
    commit(demo_store, plan, uploaded_by="Sam")
    aliases = demo_store.aliases()
    assert aliases[["alias", "unit", "added_by"]].values.tolist() == [["Larch Ward", "LARCH-WARD", "Sam"]]
    assert aliases["added_by_upload"].iloc[0] == demo_store.uploads()["upload_id"].max()


def test_codes_are_the_same_every_time_and_unique_in_the_hierarchy(demo_store):
    data = csv("Larch Ward,HUDDLES,27/10/2025,,,9,", "Larch-Ward,HUDDLES,27/10/2025,,,4,",
               "Ash,HUDDLES,27/10/2025,,,3,")
    placed = {"Larch Ward": "DIR-ACU", "Larch-Ward": "DIR-FOR", "Ash": "DIR-ACU"}
    first = plan_upload(demo_store, data, "wards.csv", new_teams=placed)
    again = plan_upload(demo_store, data, "wards.csv", new_teams=placed)
    assert first.ok, [str(p) for p in first.problems]
    assert dict(zip(first.new_units["name"], first.new_units["code"])) == {
        # LARCH-WARD spells the name Larch-Ward, so it is that team's, not Larch Ward's.
        "Ash": "ASH", "Larch Ward": "LARCH-WARD-2", "Larch-Ward": "LARCH-WARD"}
    assert first.new_units.equals(again.new_units)


def test_next_time_the_same_file_needs_no_placing_even_after_a_rename_and_a_reopen(demo_db):
    store = Store.open(demo_db)
    commit(store, plan_upload(store, LARCH, "larch.csv", new_teams={"Larch Ward": "DIR-ACU"}))
    store.save_units(store.units().query("code == 'LARCH-WARD'").assign(name="Larch (PICU)"))
    store.close()

    store = Store.open(demo_db)
    try:
        again = plan_upload(store, csv("larch  WARD,HUDDLES,10/11/2025,,,7,"), "larch.csv")
        assert again.ok and again.unknown_teams == [] and again.new_units is None
        assert again.changes["unit"].tolist() == ["LARCH-WARD"]
    finally:
        store.close()


def test_a_team_is_placed_in_a_directorate_created_with_it(demo_store):
    plan = plan_upload(demo_store, LARCH, "larch.csv", new_teams={"Larch Ward": "DIR-MH"},
                       new_directorates={"DIR-MH": "Mental Health"}, team_codes={"Larch Ward": "W-LAR"})
    assert plan.ok, [str(p) for p in plan.problems]
    commit(demo_store, plan)
    units = demo_store.units().set_index("code")
    assert units.loc["DIR-MH", ["name", "level", "parent"]].tolist() == ["Mental Health", "directorate", "ORG"]
    assert units.loc["W-LAR", ["name", "level", "parent"]].tolist() == ["Larch Ward", "team", "DIR-MH"]


def test_a_new_directorate_no_team_is_placed_in_is_not_created(demo_store):
    plan = plan_upload(demo_store, LARCH, "larch.csv", new_teams={"Larch Ward": "DIR-ACU"},
                       new_directorates={"DIR-MH": "Mental Health"})
    assert plan.ok and plan.new_units["code"].tolist() == ["LARCH-WARD"]


def test_placing_is_one_step_and_the_files_other_problems_come_after_it(demo_store):
    data = csv("Larch Ward,HUDDLES,27/10/2025,,,9,", "W-ASH,HUDDLES,27/10/2025,,,x,")
    before = plan_upload(demo_store, data, "mixed.csv")
    assert before.next_step is Step.PLACE and before.unknown_teams == ["Larch Ward"]
    placed = plan_upload(demo_store, data, "mixed.csv", new_teams={"Larch Ward": "DIR-ACU"})
    assert placed.next_step is Step.FIX and placed.unknown_teams == [] and placed.placement_problems == []
    assert [(p.row, p.column) for p in placed.problems] == [(3, "value")]


def test_a_code_that_is_taken_keeps_the_upload_at_placing_and_nothing_is_written(demo_store):
    before_units, before_data = demo_store.units(), export_csv(demo_store)
    plan = plan_upload(demo_store, LARCH, "larch.csv", new_teams={"Larch Ward": "DIR-ACU"},
                       team_codes={"Larch Ward": "w-ash"})
    assert [p.message for p in plan.placement_problems] == [
        "the code 'w-ash' for the new unit 'Larch Ward' is already taken by 'Ash Ward'; choose another."]
    assert plan.next_step is Step.PLACE and not plan.ok
    with pytest.raises(ValueError):
        commit(demo_store, plan)
    assert demo_store.units().equals(before_units) and export_csv(demo_store) == before_data
    assert demo_store.aliases().empty


def test_a_directorate_code_given_twice_is_named(demo_store):
    plan = plan_upload(demo_store, LARCH, "larch.csv", new_teams={"Larch Ward": "DIR-ACU"},
                       team_codes={"Larch Ward": "DIR-ACU"})
    assert [p.message for p in plan.placement_problems] == [
        "the code 'DIR-ACU' for the new unit 'Larch Ward' is already taken by 'Adult Acute Inpatients'; choose another."]


# -- a lookup sheet of teams and directorates ------------------------------------------------------

LOOKUP_SPEC = {
    "sheet": "Wards", "period": {"column": "Week"}, "team": {"column": "Ward"},
    "measures": [{"measure": "HUDDLES", "value": "Huddles"}],
    "placements": {"sheet": "Lookup", "header_row": 2, "team": "Ward", "directorate": "Directorate"},
}


def _tracker(lookup_rows: list[list]) -> bytes:
    book = Workbook()
    wards = book.active
    wards.title = "Wards"
    for row in (["Ward", "Week", "Huddles"], ["Larch Ward", "27/10/2025", 9], ["Elm Ward", "27/10/2025", 5],
                ["Ash Ward", "27/10/2025", 11]):
        wards.append(row)
    lookup = book.create_sheet("Lookup")
    for row in (["Which directorate each ward is in"], ["Ward", "Directorate"], *lookup_rows):
        lookup.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_lookup_sheet_places_new_teams_creating_directorates_it_names(demo_store):
    data = _tracker([["Larch Ward", "adult acute  inpatients"], ["Elm Ward", "Mental Health"],
                     ["Ash Ward", "DIR-FOR"], ["Unused Ward", "DIR-ACU"], [None, "DIR-ACU"]])
    plan = plan_upload(demo_store, data, "tracker.xlsx", mapping=LOOKUP_SPEC)
    assert plan.ok, [str(p) for p in plan.problems]
    assert plan.new_units[["code", "name", "level", "parent"]].values.tolist() == [
        ["DIR-MENTAL-HEALTH", "Mental Health", "directorate", "ORG"],
        ["ELM-WARD", "Elm Ward", "team", "DIR-MENTAL-HEALTH"],
        ["LARCH-WARD", "Larch Ward", "team", "DIR-ACU"],
    ]
    commit(demo_store, plan)
    # Ash Ward was known: the lookup sheet does not move it.
    assert demo_store.units().set_index("code").loc["W-ASH", "parent"] == "DIR-ACU"
    assert sorted(demo_store.aliases()["alias"]) == ["Elm Ward", "Larch Ward"]


def test_the_users_placement_wins_over_the_lookup_sheet(demo_store):
    data = _tracker([["Larch Ward", "DIR-ACU"], ["Elm Ward", "DIR-ACU"]])
    plan = plan_upload(demo_store, data, "tracker.xlsx", mapping=LOOKUP_SPEC, new_teams={"Larch Ward": "DIR-FOR"})
    assert dict(zip(plan.new_units["name"], plan.new_units["parent"])) == {"Elm Ward": "DIR-ACU", "Larch Ward": "DIR-FOR"}


def test_a_lookup_sheet_without_the_heading_is_refused_naming_sheet_and_row(demo_store):
    spec = {**LOOKUP_SPEC, "placements": {**LOOKUP_SPEC["placements"], "directorate": "Dir"}}
    plan = plan_upload(demo_store, _tracker([["Larch Ward", "DIR-ACU"]]), "tracker.xlsx", mapping=spec)
    [problem] = plan.problems
    assert (problem.sheet, problem.row) == ("Lookup", 2)
    assert "reads the directorate (of the placements) from a column headed 'Dir'" in problem.message


def test_a_team_the_lookup_sheet_leaves_out_is_still_to_place(demo_store):
    plan = plan_upload(demo_store, _tracker([["Larch Ward", "DIR-ACU"]]), "tracker.xlsx", mapping=LOOKUP_SPEC)
    assert plan.next_step is Step.PLACE and plan.unknown_teams == ["Elm Ward"]


def test_the_placements_key_is_checked():
    base = {k: v for k, v in LOOKUP_SPEC.items() if k != "placements"}
    assert validate_spec(LOOKUP_SPEC) == []
    assert validate_spec({**base, "placements": "Lookup"})[0].startswith("placements must be {")
    problems = validate_spec({**base, "placements": {"sheet": "Lookup", "team": "Ward", "header_row": 0, "dir": "D"}})
    assert "placements has an unknown key 'dir'; its keys are sheet, header_row, team, directorate." in problems
    assert any(p.startswith("placements.directorate must be non-empty text") for p in problems)
    assert "placements.header_row must be a whole number of at least 1, not 0." in problems


def test_a_new_team_named_as_a_new_directorate_is_refused(demo_store):
    data = b"ward,dir,period,n\nMental Health,Mental Health,2025-01-06,3\n"
    spec = {"period": {"column": "period"}, "team": {"column": "ward"}, "directorate": {"column": "dir"},
            "measures": [{"measure": "HUDDLES", "value": "n"}]}
    plan = plan_upload(demo_store, data, "wards.csv", mapping=spec)
    assert [p.message for p in plan.placement_problems] == [
        "the new team 'Mental Health' would have the same name as a new directorate; "
        "name the team differently in the file (or map its text to another name)."]
    assert not plan.ok


@pytest.fixture
def new_install(store_at):
    """A store as ``python -m qi_dash init`` leaves it: the standard measures, no organisation."""
    store = Store.open(store_at("new"))
    bootstrap.init_store(store)
    yield store
    store.close()


def test_on_a_new_install_a_new_directorate_needs_the_organisation_named(new_install):
    plan = plan_upload(new_install, LARCH, "larch.csv", new_teams={"Larch Ward": "DIR-MH"},
                       new_directorates={"DIR-MH": "Mental Health"})
    assert [str(p) for p in plan.placement_problems] == [
        "larch.csv: there is no organisation yet for the new directorates to belong to: "
        "name your organisation (the top of the hierarchy) first."]
    assert new_install.units().empty


def test_on_a_new_install_the_named_organisation_is_added_with_the_first_teams(new_install):
    plan = plan_upload(new_install, LARCH, "larch.csv", new_teams={"Larch Ward": "DIR-MH"},
                       new_directorates={"DIR-MH": "Mental Health"}, new_organisation={"RIV": "Riverside Trust"})
    assert plan.ok, [str(p) for p in plan.problems]
    assert plan.new_units[["code", "name", "level", "parent"]].values.tolist() == [
        ["RIV", "Riverside Trust", "organisation", ""], ["DIR-MH", "Mental Health", "directorate", "RIV"],
        ["LARCH-WARD", "Larch Ward", "team", "DIR-MH"]]
    commit(new_install, plan)
    tree = new_install.hierarchy()
    assert tree.organisations == ["RIV"] and tree.teams_under("RIV") == ["LARCH-WARD"]
    # Once there is an organisation, a named one is not added again.
    again = plan_upload(new_install, csv("Oak Ward,HUDDLES,27/10/2025,,,5,"), "oak.csv",
                        new_teams={"Oak Ward": "DIR-MH"}, new_organisation={"OTHER": "Other Trust"})
    assert again.new_units["level"].tolist() == ["team"]


def test_a_new_organisations_code_must_not_be_a_new_teams(new_install):
    plan = plan_upload(new_install, LARCH, "larch.csv", new_teams={"Larch Ward": "DIR-MH"},
                       new_directorates={"DIR-MH": "Mental Health"}, new_organisation={"LARCH-WARD": "Riverside"})
    assert not plan.ok
    assert any("the code 'LARCH-WARD'" in str(p) and "already taken" in str(p) for p in plan.placement_problems)
