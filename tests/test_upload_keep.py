"""Nothing the file doesn't carry is lost: a column the file lacks and a blank cell keep the
stored values and comments (unless blank cells are chosen to clear them, which the plan
lists), and an upload that changes nothing is not recorded nor offered for undo."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pandas as pd
import pytest

from qi_dash import bootstrap, cli
from qi_dash.store import StalePreview, Store, StoreError, UploadMeta
from qi_dash.upload import commit, plan_upload

HEADER = "team,measure,period,numerator,denominator,value,comment\n"
# Ash Ward's October 2025: PRN doses (a count) and safety plans (a proportion), each with a comment.
STORED = (
    HEADER
    + "W-ASH,PRN,01/10/2025,,,3,ward closed for 2 days\n"
    + "W-ASH,SAFETY_PLAN,01/10/2025,18,20,,audit by the matron\n"
    + "W-ASH,PRN,01/11/2025,,,4,\n"
).encode()

# The same months as a wide team sheet: a column per measure, a comment column for PRN only.
WIDE_SPEC = {
    "period": {"column": "Month", "form": "month"},
    "team": {"fixed": "W-ASH"},
    "layout": "wide",
    "measures": [
        {"measure": "PRN", "value": "PRN doses", "comment": "PRN notes"},
        {"measure": "SAFETY_PLAN", "numerator": "Plans", "denominator": "Audited"},
    ],
}

BOTH_ENGINES = True  # store tests run on DuckDB and PostgreSQL (conftest.engine)


@pytest.fixture
def store(empty_store):
    saved = commit(empty_store, plan_upload(empty_store, STORED, "first.csv"))
    assert saved.added == 3
    return empty_store


def current(store: Store) -> dict[tuple[str, str], tuple]:
    """Each stored (measure, month): (numerator, denominator, value, comment), gaps as None."""
    frame = store.observations()
    def cell(v):
        return None if pd.isna(v) else v
    return {
        (r.measure, f"{r.period:%Y-%m}"): tuple(cell(v) for v in (r.numerator, r.denominator, r.value, r.comment))
        for r in frame.itertuples()
    }


def saved(store, data: bytes, name: str, **options):
    plan = plan_upload(store, data, name, **options)
    assert plan.ok, [str(p) for p in plan.problems]
    return plan, commit(store, plan)


def test_a_csv_without_a_comment_column_keeps_the_stored_comments(store):
    plan, summary = saved(store, b"team,measure,period,value\nW-ASH,PRN,01/10/2025,5\nW-ASH,PRN,01/11/2025,4\n", "extract.csv")
    # The preview shows the comment that is kept; the unchanged row stays unchanged.
    assert plan.changes["change"].tolist() == ["updated", "unchanged"]
    assert plan.changes["comment"].iloc[0] == "ward closed for 2 days"
    assert (summary.added, summary.updated, summary.unchanged) == (0, 1, 1)
    assert current(store)[("PRN", "2025-10")] == (None, None, 5.0, "ward closed for 2 days")
    assert current(store)[("SAFETY_PLAN", "2025-10")] == (18.0, 20.0, None, "audit by the matron")


def test_a_stored_row_without_a_comment_stays_without_one(store):
    plan, _ = saved(store, b"team,measure,period,value\nW-ASH,PRN,01/11/2025,6\n", "extract.csv")
    assert plan.changes[["comment", "old_comment"]].isna().values.tolist() == [[True, True]]
    assert current(store)[("PRN", "2025-11")] == (None, None, 6.0, None)


def test_a_mapping_with_no_comment_keeps_the_stored_comments(store):
    spec = {**WIDE_SPEC, "measures": [{"measure": "PRN", "value": "PRN doses"},
                                      {"measure": "SAFETY_PLAN", "numerator": "Plans", "denominator": "Audited"}]}
    sheet = b"Month,PRN doses,Plans,Audited\nOct-25,6,19,20\n"
    plan, summary = saved(store, sheet, "ward.csv", mapping=spec)
    assert summary.updated == 2
    assert current(store)[("PRN", "2025-10")] == (None, None, 6.0, "ward closed for 2 days")
    assert current(store)[("SAFETY_PLAN", "2025-10")] == (19.0, 20.0, None, "audit by the matron")


def test_a_row_whose_only_difference_is_an_absent_comment_is_unchanged(store):
    uploads, version = len(store.uploads()), store.data_version()
    plan, summary = saved(store, b"team,measure,period,value\nW-ASH,PRN,01/10/2025,3\n", "same.csv")
    assert plan.changes["change"].tolist() == ["unchanged"]
    assert plan.changes_nothing and not summary.changed
    assert (len(store.uploads()), store.data_version()) == (uploads, version)


def test_a_wide_mapping_clears_only_the_comment_column_it_carries(store):
    # PRN's comment cell is blank; SAFETY_PLAN has no comment column at all.
    sheet = b"Month,PRN doses,PRN notes,Plans,Audited\nOct-25,3,,18,20\n"
    kept = plan_upload(store, sheet, "ward.csv", mapping=WIDE_SPEC)
    assert kept.changes["change"].tolist() == ["unchanged", "unchanged"] and kept.cleared.empty

    plan, summary = saved(store, sheet, "ward.csv", mapping=WIDE_SPEC, blank_clears=True)
    assert plan.cleared[["measure", "cleared"]].values.tolist() == [["PRN", "comment"]]
    assert plan.changes["change"].tolist() == ["updated", "unchanged"]
    assert summary.updated == 1
    assert current(store)[("PRN", "2025-10")] == (None, None, 3.0, None)
    assert current(store)[("SAFETY_PLAN", "2025-10")] == (18.0, 20.0, None, "audit by the matron")


def test_a_blank_value_cell_keeps_the_stored_value_unless_blank_cells_clear(store):
    blank = HEADER.encode() + b"W-ASH,PRN,01/10/2025,,,,\nW-ASH,SAFETY_PLAN,01/10/2025,,,,\n"
    kept = plan_upload(store, blank, "blank.csv")
    assert kept.ok and kept.changes_nothing and kept.cleared.empty
    assert kept.changes["value"].iloc[0] == 3 and kept.changes["comment"].iloc[0] == "ward closed for 2 days"

    plan, summary = saved(store, blank, "blank.csv", blank_clears=True)
    # The preview lists exactly what is cleared, with the values it had.
    cleared = plan.cleared.set_index("measure")
    assert cleared["cleared"].to_dict() == {"PRN": "value, comment", "SAFETY_PLAN": "numerator, denominator, comment"}
    assert cleared.loc["PRN", "old_value"] == 3 and math.isnan(cleared.loc["PRN", "value"])
    assert summary.updated == 2
    assert current(store)[("PRN", "2025-10")] == (None, None, None, None)
    assert current(store)[("SAFETY_PLAN", "2025-10")] == (None, None, None, None)
    assert current(store)[("PRN", "2025-11")] == (None, None, 4.0, None)


def test_blank_cells_clear_nothing_in_a_column_the_file_lacks(store):
    plan = plan_upload(store, b"team,measure,period,value\nW-ASH,PRN,01/10/2025,\n", "value-only.csv", blank_clears=True)
    assert plan.cleared["cleared"].tolist() == ["value"]
    assert plan.changes["comment"].iloc[0] == "ward closed for 2 days"


def test_a_comment_alone_updates_the_comment_and_keeps_the_numbers(store):
    _, summary = saved(store, HEADER.encode() + b"W-ASH,SAFETY_PLAN,01/10/2025,,,,re-audited\n", "note.csv")
    assert summary.updated == 1
    assert current(store)[("SAFETY_PLAN", "2025-10")] == (18.0, 20.0, None, "re-audited")


def test_a_reupload_that_changes_nothing_records_nothing_and_offers_no_undo(store):
    before = store.uploads()
    version = store.data_version()
    plan, summary = saved(store, STORED, "again.csv")
    assert plan.changes_nothing
    assert not summary.changed and summary.upload_id is None and summary.unchanged == 3
    assert summary.sentence() == "nothing changed: all 3 rows are already saved"
    after = store.uploads()
    pd.testing.assert_frame_equal(after, before)
    assert store.data_version() == version
    assert after["wrote_values"].tolist() == [True]
    assert store._read("SELECT count(*) AS n FROM observation_history")["n"].iloc[0] == 3


def test_an_old_database_upload_that_changed_nothing_cannot_be_undone(store):
    # Databases written before this change recorded no-op uploads: an upload row, no history.
    store._write(lambda cur: cur.execute(
        "INSERT INTO uploads VALUES (nextval('upload_ids'), now(), NULL, 'again.csv', 'sha', 'upload', NULL, "
        "0, 0, 3, ?, 'saved', NULL, NULL)", [[]]))
    uploads = store.uploads().set_index("upload_id")
    assert uploads["wrote_values"].to_dict() == {2: False, 1: True}
    with pytest.raises(StoreError, match=r"Upload 2 \(again.csv\) changed no values, so there is nothing to undo"):
        store.undo_upload(2)
    assert store.uploads().set_index("upload_id").loc[2, "status"] == "saved"


def test_as_of_and_undo_after_a_comment_less_update_restore_the_prior_state(store):
    before = current(store)
    between = datetime.now(UTC)
    saved(store, b"team,measure,period,value\nW-ASH,PRN,01/10/2025,5\n", "extract.csv")
    after = current(store)
    assert after[("PRN", "2025-10")] == (None, None, 5.0, "ward closed for 2 days")
    as_of = store.observations(as_of=between)
    assert as_of.set_index("measure").loc["SAFETY_PLAN", "comment"] == "audit by the matron"
    assert as_of[as_of["measure"] == "PRN"]["value"].tolist() == [3, 4]
    # History holds the merged row, so the as-of view now shows the kept comment too.
    later = store.observations(as_of=datetime.now(UTC))
    assert later[later["value"] == 5]["comment"].tolist() == ["ward closed for 2 days"]

    summary = store.undo_upload(2)
    assert (summary.restored, summary.removed) == (1, 0)
    assert current(store) == before


def test_undo_after_blank_cells_cleared_values_restores_them(store):
    before = current(store)
    saved(store, HEADER.encode() + b"W-ASH,PRN,01/10/2025,,,,\n", "blank.csv", blank_clears=True)
    assert current(store)[("PRN", "2025-10")] == (None, None, None, None)
    store.undo_upload(2)
    assert current(store) == before


def test_a_preview_kept_comment_is_taken_again_if_someone_saved_since(store):
    plan = plan_upload(store, b"team,measure,period,value\nW-ASH,PRN,01/10/2025,5\n", "extract.csv")
    assert plan.changes["comment"].iloc[0] == "ward closed for 2 days"
    saved(store, HEADER.encode() + b"W-ASH,PRN,01/10/2025,,,3,reopened on the 3rd\n", "someone-else.csv")
    with pytest.raises(StalePreview):
        commit(store, plan)
    # The stale preview's kept comment does not overwrite the newer one: the plan made again keeps it.
    commit(store, plan_upload(store, b"team,measure,period,value\nW-ASH,PRN,01/10/2025,5\n", "extract.csv"))
    assert current(store)[("PRN", "2025-10")] == (None, None, 5.0, "reopened on the 3rd")


def test_a_diff_can_be_saved_directly_and_keeps_stored_comments(store):
    frame = pd.DataFrame({"unit": ["W-ASH"], "measure": ["PRN"], "period": [pd.Timestamp("2025-10-01")],
                          "numerator": [float("nan")], "denominator": [float("nan")], "value": [7.0],
                          "comment": pd.Series([None], dtype="str")})
    summary = store.commit_upload(frame, UploadMeta("direct.csv", "sha"))
    assert summary.updated == 1
    assert current(store)[("PRN", "2025-10")] == (None, None, 7.0, "ward closed for 2 days")


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "cli.duckdb"
    store = Store.open(path)
    bootstrap.init_store(store, bootstrap.STANDARD_MEASURES, bootstrap.DEMO_HIERARCHY)
    commit(store, plan_upload(store, STORED, "first.csv"))
    store.close()
    return path


def test_the_cli_says_nothing_to_change_and_exits_0(db, tmp_path, capsys):
    again = tmp_path / "again.csv"
    again.write_bytes(STORED)
    assert cli.main(["upload", str(again), "--db", str(db)]) == 0
    assert "Nothing to change: every row is already saved." in capsys.readouterr().out
    store = Store.open(db)
    assert len(store.uploads()) == 1
    store.close()


def test_the_cli_clears_blank_cells_only_with_blank_clears(db, tmp_path, capsys):
    blank = tmp_path / "blank.csv"
    blank.write_bytes(HEADER.encode() + b"W-ASH,PRN,01/10/2025,,,,\n")
    assert cli.main(["upload", str(blank), "--db", str(db)]) == 0
    assert "Nothing to change" in capsys.readouterr().out
    assert cli.main(["upload", str(blank), "--db", str(db), "--blank-clears"]) == 0
    out = capsys.readouterr().out
    assert "Blank cells clear 1 stored row(s):\n  row 2: W-ASH PRN 01/10/2025: value, comment" in out
    assert "Saved upload 2: 0 added, 1 updated, 0 unchanged." in out
    store = Store.open(db)
    assert current(store)[("PRN", "2025-10")] == (None, None, None, None)
    store.close()
