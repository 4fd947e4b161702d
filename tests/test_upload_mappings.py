"""A mapping the user names is saved with the upload, only if the upload is; a recognised
mapping can be set aside for one file: upload.py."""

from __future__ import annotations

import pytest

from qi_dash.ingest.recognise import signature
from qi_dash.upload import Step, commit, plan_upload

WIDE = (
    b"Month,PRN doses,Plans in place,Patients audited,Notes\n"
    b"Nov-25,14,18,20,\n"
    b"Dec-25,11,19,20,+1 agency nurse\n"
)
SPEC = {
    "name": "Ash Ward monthly sheet",
    "period": {"column": "Month"},
    "team": {"fixed": "W-ASH"},
    "layout": "wide",
    "measures": [
        {"measure": "PRN", "value": "PRN doses"},
        {"measure": "SAFETY_PLAN", "numerator": "Plans in place", "denominator": "Patients audited"},
    ],
    "comment": "Notes",
}

BOTH_ENGINES = True  # store tests run on DuckDB and PostgreSQL (conftest.engine)


def test_a_named_mapping_is_saved_with_the_upload_and_only_then(empty_store):
    plan = plan_upload(empty_store, WIDE, "ash.csv", mapping=SPEC)
    assert plan.next_step is Step.PREVIEW
    assert plan.mapping_to_save.name == "Ash Ward monthly sheet"
    assert empty_store.mappings().empty  # planning writes nothing

    summary = commit(empty_store, plan, uploaded_by="Ash lead")
    assert summary.added == 4
    saved = empty_store.mappings()
    assert saved["name"].tolist() == ["Ash Ward monthly sheet"]
    row = saved.iloc[0]
    assert (row["version"], row["saved_by"], row["spec"]) == (1, "Ash lead", SPEC)
    assert row["signature"] == signature(["Month", "PRN doses", "Plans in place", "Patients audited", "Notes"])
    assert empty_store.uploads().iloc[0]["mapping"] == "Ash Ward monthly sheet"

    # Next month the same headings are recognised; using the mapping again adds no version.
    later = plan_upload(empty_store, WIDE.replace(b"Dec-25", b"Jan-26"), "ash-jan.csv")
    assert later.recognised == "Ash Ward monthly sheet" and later.mapping_to_save is None
    again = plan_upload(empty_store, WIDE.replace(b"Dec-25", b"Feb-26"), "ash-feb.csv", mapping=SPEC)
    commit(empty_store, again)
    assert empty_store.mapping_versions("Ash Ward monthly sheet")["version"].tolist() == [1]


def test_a_mapping_whose_application_fails_is_not_saved(empty_store):
    missing_column = {**SPEC, "measures": [{"measure": "PRN", "value": "PRN given"}]}
    plan = plan_upload(empty_store, WIDE, "ash.csv", mapping=missing_column)
    assert plan.problems and "PRN given" in str(plan.problems[0])
    assert plan.mapping_to_save is None

    bad_value = plan_upload(empty_store, WIDE.replace(b"Nov-25,14", b"Nov-25,many"), "ash.csv", mapping=SPEC)
    assert bad_value.next_step is Step.FIX
    for failed in (plan, bad_value):
        with pytest.raises(ValueError, match="no problems"):
            commit(empty_store, failed)
    assert empty_store.mappings().empty
    assert empty_store.uploads().empty


def test_a_spec_without_a_name_is_used_and_not_saved(empty_store):
    unnamed = {k: v for k, v in SPEC.items() if k != "name"}
    commit(empty_store, plan_upload(empty_store, WIDE, "ash.csv", mapping=unnamed))
    assert empty_store.mappings().empty


def test_a_recognised_mapping_can_be_set_aside_for_one_file(empty_store):
    commit(empty_store, plan_upload(empty_store, WIDE, "ash.csv", mapping=SPEC))

    recognised = plan_upload(empty_store, WIDE, "ash-again.csv")
    assert recognised.recognised == "Ash Ward monthly sheet"
    assert recognised.mapping == "Ash Ward monthly sheet" and recognised.next_step is Step.PREVIEW
    # The plan says which mapping it used once, in ``recognised``: the pages and the CLI word it.
    assert not any("Ash Ward monthly sheet" in n for n in recognised.notes)

    set_aside = plan_upload(empty_store, WIDE, "ash-again.csv", recognise=False)
    assert set_aside.recognised is None and set_aside.mapping is None
    assert set_aside.next_step is Step.MAP
    # Only recognition is set aside: the mapping is still there, and usable by name.
    assert plan_upload(empty_store, WIDE, "ash-again.csv", mapping="Ash Ward monthly sheet",
                       recognise=False).next_step is Step.PREVIEW
    assert empty_store.mappings()["name"].tolist() == ["Ash Ward monthly sheet"]
