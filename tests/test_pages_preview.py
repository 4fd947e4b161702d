"""The Upload and Uploads pages (AppTest): a save is of what was previewed, an undo can be
redone, and a session holds a bounded refused upload and none once it leaves the page."""

from __future__ import annotations

from qi_dash.store import Store
from qi_dash.ui.session import UPLOAD_PLAN
from tests.apptest import UPLOAD, button, no_errors
from tests.builders import csv_bytes

# Two of Ash Ward's months of safety huddles the demo does not hold (weekly: Mondays of 2026).
WEEKS = ("05/01/2026", "12/01/2026")


def huddles(*values: int) -> bytes:
    return csv_bytes(*(f"W-ASH,HUDDLES,{week},,,{value}," for week, value in zip(WEEKS, values)))


def previewed(app, name: str, data: bytes):
    at = app(UPLOAD)
    at.get("file_uploader")[0].set_value((name, data, "text/csv")).run()
    return no_errors(at)


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def stored(db) -> list[float]:
    store = Store.open(db)
    try:
        frame = store.observations(units=["W-ASH"], measures=["HUDDLES"])
        return frame[frame["period"] >= "2026-01-05"]["value"].tolist()
    finally:
        store.close()


def test_two_sessions_preview_the_same_rows_the_second_save_shows_the_new_preview(app, demo_db):
    mine, theirs = previewed(app, "mine.csv", huddles(30, 31)), previewed(app, "theirs.csv", huddles(20, 21))
    assert metrics(mine)["Rows to add"] == metrics(theirs)["Rows to add"] == "2"
    no_errors(button(theirs, "Save 2 change(s)").click().run())
    assert "Saved theirs\\.csv: 2 added, 0 updated, 0 unchanged." in theirs.success[0].value  # the name as text

    no_errors(button(mine, "Save 2 change(s)").click().run())
    warning = mine.warning[0].value.replace("\\", "")
    assert warning.startswith("The data changed since this preview (another upload (theirs.csv, by local user) saved 2 rows at ")
    assert warning.endswith("here is the new preview — nothing was saved. Check it and save again.")
    assert metrics(mine) == {"Rows to add": "0", "Rows to update": "2", "Rows unchanged": "0"}
    assert stored(demo_db) == [20, 21]

    # Saving the new preview saves it, once.
    no_errors(button(mine, "Save 2 change(s)").click().run())
    assert "Saved mine\\.csv: 0 added, 2 updated, 0 unchanged." in mine.success[0].value
    assert stored(demo_db) == [30, 31]
    store = Store.open(demo_db)
    assert store.uploads()["file_name"].tolist()[:2] == ["mine.csv", "theirs.csv"]
    store.close()


def test_the_uploads_page_redoes_an_undone_upload_and_says_why_it_cannot(app, demo_db):
    saving = previewed(app, "fix.csv", huddles(30, 31))
    no_errors(button(saving, "Save").click().run())
    at = app("pages/5_Uploads.py")
    at.selectbox(key="undo_choice").set_value(2)
    at.checkbox(key="undo_confirm").check().run()
    no_errors(button(at, "Undo upload").click().run())
    assert stored(demo_db) == []
    assert at.dataframe[0].value.iloc[0]["Status"] == "undo of upload 2"

    at.selectbox(key="redo_choice").set_value(2)
    no_errors(button(at, "Redo upload").click().run())
    assert "Redid upload 2: 2 values put back as the upload saved them." in at.success[-1].value
    assert stored(demo_db) == [30, 31]
    shown = at.dataframe[0].value
    assert shown["Status"].tolist()[:3] == ["redo", "undo of upload 2 (redone)", "saved"]
    assert shown.iloc[0]["Who"] == "local user"  # the acting identity (local mode: no sign-in)

    # Undone again, then a later upload writes one of its weeks: redo is refused, naming it.
    at.selectbox(key="undo_choice").set_value(2)
    at.checkbox(key="undo_confirm").check().run()
    no_errors(button(at, "Undo upload").click().run())
    later = previewed(app, "later.csv", csv_bytes(f"W-ASH,HUDDLES,{WEEKS[1]},,,40,"))
    no_errors(button(later, "Save").click().run())
    at = app("pages/5_Uploads.py")
    at.selectbox(key="redo_choice").set_value(2)
    no_errors(button(at, "Redo upload").click().run())
    refused = at.error[0].value.replace("\\", "")
    assert "cannot be redone: 1 of the values its undo put back have been changed since: W-ASH × HUDDLES × 12/01/2026 (upload 6, later.csv)" in refused
    assert stored(demo_db) == [40]


def test_a_refused_file_with_many_problems_is_counted_in_full_and_kept_as_a_sample(app, demo_db):
    # Each row a different bad period and a different bad number: 5,000 problems in 5,000 groups.
    rows = [f"W-ASH,HUDDLES,week {n},,,x{n}," for n in range(2500)]
    at = previewed(app, "many.csv", csv_bytes(*rows))
    assert "was not saved: 5,000 problem(s) to fix" in at.error[0].value
    plan = at.session_state[UPLOAD_PLAN][1]
    assert len(plan.problems) == 2000 and plan.problems.total == 5000
    assert plan.workbook is None
    groups = [m.value for m in at.markdown if "→" in m.value][0].replace("\\", "")
    # The first 1,000 groups are told one by one, the rest counted together by kind.
    assert groups.startswith("- **2,500 rows**: 'x0' is not a number, and more like it, each naming something else")
    assert "- **1,500 rows**: period 'week 1000' is not a date, and more like it" in groups
    assert "- **1 row**: period 'week 0' is not a date" in groups
    label = next(b.label for b in at.get("download_button") if "problems" in b.label)
    assert label == "Download 2,000 of the 5,000 problems (CSV)"
    assert any("the counts above cover every one" in c.value for c in at.caption)

    at.switch_page("pages/5_Uploads.py").run()
    assert UPLOAD_PLAN not in at.session_state
