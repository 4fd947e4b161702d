"""Saved mappings on the Upload page (AppTest): listed, renamed, deleted, edited, imported;
saved only with an upload that is saved; a recognised mapping set aside for one file."""

from __future__ import annotations

import json

import pytest

from qi_dash.ingest.recognise import signature
from qi_dash.store import Store
from tests.apptest import UPLOAD
from tests.test_cli_mapping import saved as current
from tests.test_pages import WIDE, correct_the_proposal, map_ash_ward_sheet
from tests.test_upload_mappings import SPEC

HEADINGS = ["Month", "PRN doses", "Plans in place", "Patients audited", "Notes"]


@pytest.fixture
def saved(demo_db):
    """The demo database with the Ash Ward mapping saved (as the Upload form would)."""
    store = Store.open(demo_db)
    store.save_mapping("Ash Ward monthly sheet", signature(HEADINGS), SPEC, saved_by="Ash lead")
    store.close()
    return demo_db


def history(db, name):
    store = Store.open(db)
    try:
        return store.mapping_versions(name)
    finally:
        store.close()


def no_errors(at):
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def test_the_panel_lists_saved_mappings_with_their_history(app, saved):
    at = no_errors(app(UPLOAD))
    table = at.dataframe[0].value
    assert table["Name"].tolist() == ["Ash Ward monthly sheet"]
    row = table.iloc[0]
    assert (row["Version"], row["By"]) == (1, "Ash lead")
    assert set(row["Headings it reads"].split(", ")) == set(HEADINGS)
    versions = at.dataframe[1].value
    assert versions[["Version", "Change", "By"]].values.tolist() == [[1, "saved", "Ash lead"]]
    assert json.loads(at.text_area[0].value) == SPEC


def test_rename_then_delete_from_the_panel(app, saved):
    at = app(UPLOAD)
    at.text_input(key="mapping_new_name_Ash Ward monthly sheet").set_value("Ash <b>monthly</b>").run()
    at.button(key="mapping_rename").click().run()
    no_errors(at)
    assert r"Renamed mapping 'Ash Ward monthly sheet' to 'Ash \<b\>monthly\</b\>'." in at.success[0].value
    assert at.dataframe[0].value["Name"].tolist() == ["Ash <b>monthly</b>"]
    assert at.selectbox(key="mapping_choice").value == "Ash <b>monthly</b>"
    assert history(saved, "Ash <b>monthly</b>")[["version", "change", "saved_by"]].values.tolist() == [
        [2, "renamed", "local user"], [1, "saved", "Ash lead"]]

    assert at.button(key="mapping_delete").disabled  # not before it is confirmed
    at.checkbox(key="mapping_delete_confirm_Ash <b>monthly</b>").check().run()
    at.button(key="mapping_delete").click().run()
    no_errors(at)
    assert "Deleted mapping" in at.success[0].value
    assert current(saved).empty
    assert history(saved, "Ash <b>monthly</b>")["change"].tolist() == ["deleted", "renamed", "saved"]
    assert any("No saved mappings yet" in c.value for c in at.caption)


def test_an_edit_is_a_new_version_and_a_wrong_edit_saves_nothing(app, saved):
    at = app(UPLOAD)
    at.text_area[0].set_value(json.dumps({**SPEC, "layuot": "wide"}))
    at.button(key="mapping_edit_save").click().run()
    assert any("Did you mean 'layout'?" in e.value for e in at.error)
    assert current(saved).iloc[0]["version"] == 1

    edited = {**SPEC, "comment": None}
    at.text_area[0].set_value(json.dumps(edited))
    at.button(key="mapping_edit_save").click().run()
    no_errors(at)
    row = current(saved).iloc[0]
    assert (row["version"], row["spec"]) == (2, edited)
    assert row["signature"] == signature(HEADINGS)  # still recognises the files it read


def test_a_mapping_file_is_imported(app, demo_db):
    at = app(UPLOAD)
    importer = next(u for u in at.get("file_uploader") if u.key == "mapping_import_file")
    importer.set_value(("birch.json", json.dumps({**SPEC, "name": "Birch"}).encode(), "application/json")).run()
    key = next(k for k in at.session_state if str(k).startswith("mapping_import_name_"))
    assert at.text_input(key=key).value == "Birch"
    at.button(key="mapping_import_save").click().run()
    no_errors(at)
    assert current(demo_db)["name"].tolist() == ["Birch"]
    assert at.dataframe[0].value["Name"].tolist() == ["Birch"]


def test_the_form_saves_its_mapping_only_with_the_upload(app, demo_db):
    at = app(UPLOAD)
    at.get("file_uploader")[0].set_value(("ash.csv", WIDE, "text/csv")).run()
    map_ash_ward_sheet(correct_the_proposal(at), name="Ash Ward monthly sheet")
    no_errors(at)
    assert current(demo_db).empty  # applied, previewed, not yet saved
    at.button[-1].click().run()
    no_errors(at)
    row = current(demo_db).iloc[0]
    assert (row["name"], row["saved_by"]) == ("Ash Ward monthly sheet", "local user")


def test_a_recognised_mapping_is_set_aside_for_the_file(app, saved):
    at = app(UPLOAD)
    at.get("file_uploader")[0].set_value(("ash.csv", WIDE, "text/csv")).run()
    no_errors(at)
    assert any("Recognised as mapping 'Ash Ward monthly sheet'" in m.value for m in at.markdown)
    # Said once, beside the way to set it aside: not again among the file's notes.
    texts = [str(e.value) for kind in ("markdown", "caption", "info", "warning", "success") for e in at.get(kind)]
    assert sum("Ash Ward monthly sheet" in t for t in texts) == 1
    assert at.metric  # the preview of the recognised file
    next(b for b in at.button if b.label == "Not this mapping").click().run()
    no_errors(at)
    assert "is not in the upload template" in at.warning[0].value  # the mapping form opens
    assert not any("Recognised as mapping" in m.value for m in at.markdown)
    assert current(saved)["name"].tolist() == ["Ash Ward monthly sheet"]
