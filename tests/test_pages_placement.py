"""The Upload page's placement of new teams, run by Streamlit's AppTest on the demo organisation:
one form (code, directorate or a new one), and the file's other problems only after it."""

from __future__ import annotations

import streamlit as st

from qi_dash.store import Store
from tests.apptest import UPLOAD, button, no_errors

HEADER = b"team,measure,period,numerator,denominator,value,comment\n"


def test_placing_comes_first_and_the_files_other_problems_only_after_it(app):
    data = HEADER + b"Larch Ward,HUDDLES,27/10/2025,,,9,\nW-ASH,HUDDLES,27/10/2025,,,x,\n"
    at = app(UPLOAD)
    at.get("file_uploader")[0].set_value(("mixed.csv", data, "text/csv")).run()
    no_errors(at)
    assert "introduces 1 team(s) that are not in the hierarchy" in at.warning[0].value
    # During placement: no problem table and no "correct the file" banner.
    assert not at.dataframe and not at.error
    assert at.text_input(key="code_Larch Ward").value == "LARCH-WARD"
    at.selectbox(key="place_Larch Ward").set_value("DIR-ACU")
    button(at, "Add these teams to the preview").click().run()
    no_errors(at)
    assert not at.warning
    problems = at.dataframe[0].value
    assert problems["Problem"].tolist() == ["'x' is not a number."]
    assert "1 problem(s) to fix" in at.error[0].value


def test_a_team_is_placed_in_a_new_directorate_with_an_edited_code_and_saved(app, demo_db):
    at = app(UPLOAD)
    at.get("file_uploader")[0].set_value(("larch.csv", HEADER + b"Larch Ward,HUDDLES,27/10/2025,,,9,\n", "text/csv")).run()
    at.text_input(key="code_Larch Ward").set_value("W-LARCH")
    at.selectbox(key="place_Larch Ward").set_value("+new").run()
    no_errors(at)
    at.text_input(key="new_directorate_Larch Ward").set_value("Mental Health")
    button(at, "Add these teams to the preview").click().run()
    no_errors(at)
    new_units = " ".join(m.value for m in at.markdown)
    # Markdown characters in names and codes are escaped: they show as typed.
    assert r"New teams to add: Larch Ward (W\-LARCH), Mental Health (DIR\-MENTAL\-HEALTH, directorate)" in new_units
    button(at, "Save 1 change").click().run()
    no_errors(at)
    assert r"Saved larch\.csv: 1 added, 0 updated, 0 unchanged." in at.success[0].value

    st.cache_resource.clear()
    store = Store.open(demo_db)
    try:
        units = store.units().set_index("code")
        assert units.loc["W-LARCH", ["name", "parent"]].tolist() == ["Larch Ward", "DIR-MENTAL-HEALTH"]
        assert units.loc["DIR-MENTAL-HEALTH", ["name", "level", "parent"]].tolist() == ["Mental Health", "directorate", "ORG"]
        assert store.aliases()[["alias", "unit"]].values.tolist() == [["Larch Ward", "W-LARCH"]]
    finally:
        store.close()


def test_a_code_that_is_taken_is_said_in_the_form_which_stays(app):
    at = app(UPLOAD)
    at.get("file_uploader")[0].set_value(("larch.csv", HEADER + b"Larch Ward,HUDDLES,27/10/2025,,,9,\n", "text/csv")).run()
    at.text_input(key="code_Larch Ward").set_value("W-ASH")
    at.selectbox(key="place_Larch Ward").set_value("DIR-ACU")
    button(at, "Add these teams to the preview").click().run()
    no_errors(at)
    shown = at.error[0].value.replace("\\", "")  # markdown characters are escaped, to show as typed
    assert shown == "the code 'W-ASH' for the new unit 'Larch Ward' is already taken by 'Ash Ward'; choose another."
    assert at.text_input(key="code_Larch Ward").value == "W-ASH" and not at.dataframe
    at.text_input(key="code_Larch Ward").set_value("W-LARCH")
    button(at, "Add these teams to the preview").click().run()
    no_errors(at)
    assert r"New teams to add: Larch Ward (W\-LARCH)" in " ".join(m.value for m in at.markdown)


def test_a_file_bringing_many_new_teams_counts_them_and_lists_them_in_a_table(app):
    rows = "".join(f"Ward {i},Mental Health,HUDDLES,27/10/2025,,,{i},\n" for i in range(1, 16))
    data = b"team,directorate,measure,period,numerator,denominator,value,comment\n" + rows.encode()
    at = app(UPLOAD)
    at.get("file_uploader")[0].set_value(("many.csv", data, "text/csv")).run()
    no_errors(at)
    assert not any("New teams to add" in m.value for m in at.markdown)
    (listed,) = [e for e in at.expander if e.label.startswith("New units to add")]
    assert listed.label == "New units to add: 15 teams, 1 directorate"
    table = listed.dataframe[0].value
    assert len(table) == 16 and table["level"].value_counts().to_dict() == {"team": 15, "directorate": 1}
