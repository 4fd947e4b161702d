"""The Upload page's "blank cells clear stored values" choice and its list of what is
cleared, and the Uploads page offering no undo for an upload that changed nothing."""

from __future__ import annotations

import math


from qi_dash.store import Store
from tests.apptest import no_errors

BLANK = b"team,measure,period,value\nW-ASH,HUDDLES,27/10/2025,\n"


def huddles_on_27_october(demo_db):
    store = Store.open(demo_db)
    frame = store.observations(units=["W-ASH"], measures=["HUDDLES"])
    store.close()
    return frame[frame["period"] == "2025-10-27"]["value"].iloc[0]


def test_a_blank_cell_keeps_the_saved_value_unless_the_preview_says_blank_cells_clear(app, demo_db):
    stored = huddles_on_27_october(demo_db)
    at = app("pages/3_Upload.py")
    at.get("file_uploader")[0].set_value(("blank.csv", BLANK, "text/csv")).run()
    no_errors(at)
    assert "Everything in this file is already saved" in at.success[0].value
    assert not at.checkbox(key="blank_clears").value

    at.checkbox(key="blank_clears").check().run()
    no_errors(at)
    assert "Blank cells clear saved values in 1 row(s)" in at.warning[0].value
    cleared = at.dataframe[0].value
    assert cleared[["Team", "Measure", "Period", "New", "Was", "Cleared"]].values.tolist() == [
        ["W-ASH", "HUDDLES", "27/10/2025", "", f"{stored:g}", "value"]
    ]
    assert {m.label: m.value for m in at.metric}["Rows to update"] == "1"

    at.button[-1].click().run()
    no_errors(at)
    assert r"Saved blank\.csv: 0 added, 1 updated, 0 unchanged." in at.success[0].value
    assert math.isnan(huddles_on_27_october(demo_db))  # a gap, never a zero


def test_an_upload_that_changed_nothing_is_not_offered_for_undo(app, demo_db):
    # An older database's record of a re-upload that changed nothing.
    store = Store.open(demo_db)
    store._write(lambda cur: cur.execute(
        "INSERT INTO uploads VALUES (nextval('upload_ids'), now(), NULL, 'again.csv', 'sha', 'upload', NULL, "
        "0, 0, 5, [], 'saved', NULL, NULL)"))
    store.close()
    at = no_errors(app("pages/5_Uploads.py"))
    assert at.dataframe[0].value["File"].tolist() == ["again.csv", "demo_organisation.csv"]
    options = at.selectbox(key="undo_choice").options
    assert len(options) == 1 and options[0].startswith("1: demo_organisation.csv")
