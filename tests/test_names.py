"""Names are one Unicode form, hide nothing and do not pass for another: names.py, and every way
a name comes in (upload team and measure columns, the placement of new units, the hierarchy
CSV, definitions)."""

from __future__ import annotations

import unicodedata

import pandas as pd
import pytest

from qi_dash import names
from qi_dash.definitions import DefinitionError, read_definitions, write_definitions
from qi_dash.hierarchy import Hierarchy, HierarchyError, check_units, read_hierarchy
from qi_dash.upload import plan_upload
from tests.builders import csv_bytes

HIDDEN = {
    "\u200b": "zero width space", "\u200c": "zero width non-joiner", "\u200d": "zero width joiner",
    "\ufeff": "zero width no-break space", "\u00ad": "soft hyphen", "\u2060": "word joiner",
    "\u202e": "right-to-left override", "\u202a": "left-to-right embedding", "\u2066": "left-to-right isolate",
    "\u2069": "pop directional isolate", "\u200e": "left-to-right mark", "\u200f": "right-to-left mark",
}
GREEK_ASH = "\u0391sh Ward"  # Greek capital alpha
CYRILLIC_OAK = "\u041eak Ward (older adult)"  # Cyrillic capital O


@pytest.mark.parametrize("char", list(HIDDEN), ids=list(HIDDEN.values()))
def test_a_hidden_or_direction_character_is_refused_by_name_and_code_point(char):
    problem = names.hidden_problem(f"Ash{char} Ward")
    assert problem is not None
    assert HIDDEN[char] in problem and f"U+{ord(char):04X}" in problem
    assert f"Ash<U+{ord(char):04X}> Ward" in problem  # the name shown with the character made visible
    direction = ord(char) in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F)
    assert ("changes the direction" in problem) == direction


def test_ordinary_names_in_any_script_pass():
    for name in ("Ash Ward", "Café Ward", "Ward 7 (PICU)", "Tŷ Gwyn", "Ward Ōtāne", "Ελιά", "Яблоко"):
        assert names.hidden_problem(name) is None


def test_names_are_nfc_and_look_alikes_share_a_skeleton():
    decomposed = "Cafe\u0301 Ward"
    assert names.normalised(decomposed) == "Café Ward" == unicodedata.normalize("NFC", decomposed)
    assert names.skeleton(GREEK_ASH) == names.skeleton("ash  ward") == names.skeleton("ＡＳＨ Ward")
    assert names.skeleton("Ash Ward") != names.skeleton("Ash Wards")
    existing = {"W-ASH": "Ash Ward", "W-BIR": "Birch Ward"}
    assert names.look_alike(GREEK_ASH, existing) == "W-ASH"
    assert names.look_alike("Ash Ward", existing) is None  # the same name is the same unit
    assert names.look_alike("Cedar Ward", existing) is None
    assert names.look_alike_problem(GREEK_ASH, existing).startswith(
        f"'{GREEK_ASH}' looks like the existing team 'Ash Ward' (W-ASH)")


def test_an_upload_naming_a_team_with_a_zero_width_space_is_refused_naming_the_row(demo_store):
    plan = plan_upload(demo_store, csv_bytes("W-ASH,PRN,01/02/2025,,,3,", "Ash\u200bWard,PRN,01/03/2025,,,3,"), "ash.csv")
    hidden = [p for p in plan.problems if p.kind == "hidden_character"]
    assert [(p.file, p.row, p.column) for p in hidden] == [("ash.csv", 3, "team")]
    assert "zero width space (U+200B)" in hidden[0].message
    assert plan.unknown_teams == []  # not offered as a new team


def test_an_upload_naming_a_measure_with_a_direction_override_is_refused(demo_store):
    plan = plan_upload(demo_store, csv_bytes("W-ASH,\u202ePRN,01/02/2025,,,3,"), "ash.csv")
    assert [(p.row, p.column, p.kind) for p in plan.problems] == [(2, "measure", "hidden_character")]


def test_a_look_alike_team_in_an_upload_is_flagged_not_offered_as_a_new_team(demo_store):
    plan = plan_upload(demo_store, csv_bytes(f"{GREEK_ASH},PRN,01/02/2025,,,3,"), "ash.csv")
    assert [(p.row, p.column, p.kind) for p in plan.problems] == [(2, "team", "look_alike_team")]
    assert f"'{GREEK_ASH}' looks like the existing team 'Ash Ward' (W-ASH)" in plan.problems[0].message
    assert plan.unknown_teams == []
    assert demo_store.units()["name"].tolist().count("Ash Ward") == 1


def test_a_decomposed_name_in_an_upload_is_the_composed_team(demo_store):
    units = pd.DataFrame({"code": ["W-CAF"], "name": ["Café Ward"], "level": ["team"], "parent": ["DIR-ACU"]})
    demo_store.save_units(units)
    plan = plan_upload(demo_store, csv_bytes("Cafe\u0301 Ward,PRN,01/02/2025,,,3,"), "cafe.csv")
    assert plan.ok, plan.problems
    assert plan.changes["unit"].tolist() == ["W-CAF"]


def test_a_hierarchy_csv_with_a_hidden_character_or_a_look_alike_is_refused_naming_row_and_column():
    text = ("code,name,level,parent\nORG,Trust,organisation,\nDIR-A,Acute,directorate,ORG\n"
            "W-ASH,Ash Ward,team,DIR-A\nW-AS2,\u0391sh Ward,team,DIR-A\nW-X\u200b,Oak Ward,team,DIR-A\n"
            "W-RTL,\u202edraW hsA,team,DIR-A\n")
    with pytest.raises(HierarchyError) as raised:
        read_hierarchy(text.encode(), name="units.csv")
    problems = raised.value.problems
    assert any(p.startswith("units.csv row 5, column name:") and "looks like 'Ash Ward'" in p for p in problems)
    assert any(p.startswith("units.csv row 6, column code:") and "U+200B" in p for p in problems)
    assert any(p.startswith("units.csv row 7, column name:") and "right-to-left override (U+202E)" in p
               for p in problems)


def test_a_hierarchy_csv_is_read_in_nfc():
    text = "code,name,level,parent\nORG,Trust,organisation,\nDIR-A,Acute,directorate,ORG\nW-C,Cafe\u0301,team,DIR-A\n"
    assert read_hierarchy(text.encode())["name"].tolist()[-1] == "Café"


def test_a_new_unit_that_looks_like_an_existing_one_is_flagged_before_it_is_created(demo_store):
    new = pd.DataFrame({"code": ["DIR-NEW", "W-NEW"], "name": ["\u0410dult Acute Inpatients", "Larch Ward"],
                        "level": ["directorate", "team"], "parent": ["ORG", "DIR-NEW"]})
    problems = check_units(new, demo_store.units(), where="new units")
    assert problems == [
        "new units row 2, column name: " + names.look_alike_problem("\u0410dult Acute Inpatients",
                                                                    dict(zip(demo_store.units()["code"], demo_store.units()["name"])), what="unit")]
    assert "looks like the existing unit 'Adult Acute Inpatients' (DIR-ACU)" in problems[0]


def test_definitions_with_a_hidden_character_are_refused_and_names_read_in_nfc(demo_store):
    definitions = demo_store.definitions()
    text = write_definitions(definitions)
    hidden = text.replace("Physical restraints", "Physical\u00adrestraints")
    with pytest.raises(DefinitionError) as raised:
        read_definitions(hidden.encode(), name="m.csv")
    assert any(p.startswith("m.csv row") and "name:" in p and "soft hyphen (U+00AD)" in p for p in raised.value.problems)
    decomposed = text.replace("Physical restraints", "Physical re\u0301straints")
    read = {d.code: d.name for d in read_definitions(decomposed.encode())}
    assert read["RESTRAINT"] == "Physical réstraints"


def test_a_hierarchy_resolves_decomposed_text():
    tree = Hierarchy(pd.DataFrame({"code": ["ORG", "D", "W-C"], "name": ["T", "Dir", "Café"],
                                   "level": ["organisation", "directorate", "team"], "parent": ["", "ORG", "D"]}))
    assert tree.resolve("Cafe\u0301") == "W-C"


def test_a_measure_renamed_to_look_like_another_is_flagged_and_not_saved(app):
    from tests.apptest import no_errors

    at = app("pages/4_Measures.py")
    at.selectbox(key="def_start").set_value("HUDDLES").run()
    next(t for t in at.text_input if t.label == "Name").set_value("\u0420hysical restraints")  # Cyrillic Р
    next(b for b in at.get("button") if getattr(b, "label", "") == "Save definition").click().run()
    no_errors(at)
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "looks like the existing measure" in errors[0] and "RESTRAINT" in errors[0]
    assert not at.success
    assert at.dataframe[0].value.set_index("Code").loc["HUDDLES", "Measure"] == "Safety huddles held"
