"""Save what was previewed, and an undo that can itself be undone: store/history.py's
``commit`` (StalePreview), ``redo`` and ``changed_since``, through the upload path."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from qi_dash.store import StalePreview, StoreError
from qi_dash.upload import commit, plan_upload

HEADER = "team,measure,period,value,comment\n"

BOTH_ENGINES = True  # store tests run on DuckDB and PostgreSQL (conftest.engine)


def csv(*lines: str) -> bytes:
    return (HEADER + "".join(f"{line}\n" for line in lines)).encode()


# Twelve months of Ash Ward's PRN doses (a monthly count), and the same months ten times over.
YEAR = [f"W-ASH,PRN,01/{m:02d}/2024,{m}," for m in range(1, 13)]
TENFOLD = [f"W-ASH,PRN,01/{m:02d}/2024,{m * 10}," for m in range(1, 13)]


def current(store) -> dict:
    frame = store.observations(units=["W-ASH"], measures=["PRN"])
    comments = frame["comment"].astype(object).where(frame["comment"].notna(), None)
    return {p.strftime("%Y-%m"): (v, c) for p, v, c in zip(frame["period"], frame["value"], comments)}


def history_rows(store) -> int:
    return int(store._read("SELECT count(*) AS n FROM observation_history")["n"].iloc[0])


def test_two_previews_of_the_same_rows_the_second_save_is_refused_and_a_new_preview_says_what_changed(empty_store):
    mine = plan_upload(empty_store, csv(*YEAR), "mine.csv")
    theirs = plan_upload(empty_store, csv(*TENFOLD), "theirs.csv")
    assert mine.sentence() == theirs.sentence() == "12 added, 0 updated, 0 unchanged"
    first = commit(empty_store, theirs, uploaded_by="Sam")
    assert (first.added, first.updated) == (12, 0)
    written = history_rows(empty_store)
    with pytest.raises(StalePreview, match=r"another upload \(theirs.csv, by Sam\) saved 12 rows at \d\d:\d\d"):
        commit(empty_store, mine, uploaded_by="Alex")
    assert history_rows(empty_store) == written
    assert len(empty_store.uploads()) == 1
    assert current(empty_store)["2024-03"] == (30.0, None)
    # The new preview: every row now updates the other upload's value, and saving it works.
    again = plan_upload(empty_store, csv(*YEAR), "mine.csv")
    assert again.sentence() == "0 added, 12 updated, 0 unchanged"
    assert commit(empty_store, again, uploaded_by="Alex").updated == 12
    assert current(empty_store)["2024-03"] == (3.0, None)
    assert history_rows(empty_store) == written + 12


def test_a_save_is_refused_after_an_undo_of_its_rows_but_not_after_writes_it_does_not_meet(empty_store):
    saved = commit(empty_store, plan_upload(empty_store, csv(*YEAR[:2]), "first.csv"))
    plan = plan_upload(empty_store, csv(*YEAR), "second.csv")
    assert plan.sentence() == "10 added, 0 updated, 2 unchanged"
    empty_store.undo_upload(saved.upload_id, undone_by="Sam")
    with pytest.raises(StalePreview, match=r"undo of upload 1 \(first.csv\) by Sam at"):
        commit(empty_store, plan)
    assert current(empty_store) == {}
    # A phase change, and another team's upload, leave this preview true: it is saved as it is.
    plan = plan_upload(empty_store, csv(*YEAR), "second.csv")
    empty_store.add_phase_change("W-ASH", "PRN", "2024-06-01", "new_phase", "new rota")
    commit(empty_store, plan_upload(empty_store, csv(*[line.replace("W-ASH", "W-BIR") for line in YEAR]), "birch.csv"))
    assert commit(empty_store, plan).added == 12
    assert len(current(empty_store)) == 12


def test_redo_puts_back_exactly_what_the_upload_wrote_and_can_be_undone_again(empty_store):
    commit(empty_store, plan_upload(empty_store, csv("W-ASH,PRN,01/01/2024,1,first", "W-ASH,PRN,01/02/2024,2,"), "a.csv"))
    second = commit(empty_store, plan_upload(
        empty_store, csv("W-ASH,PRN,01/01/2024,10,", "W-ASH,PRN,01/03/2024,30,new month"), "b.csv"))
    after_second = current(empty_store)
    assert after_second["2024-01"] == (10.0, "first")  # the blank comment kept the stored one
    undone = empty_store.undo_upload(second.upload_id, undone_by="Sam")
    before_second = current(empty_store)
    assert before_second == {"2024-01": (1.0, "first"), "2024-02": (2.0, None)}

    redone = empty_store.redo_upload(second.upload_id, redone_by="Alex")
    assert (redone.restored, redone.teams) == (2, ["W-ASH"])
    assert current(empty_store) == after_second
    uploads = empty_store.uploads().set_index("upload_id")
    assert uploads.loc[second.upload_id, "status"] == "saved"
    assert uploads.loc[undone.undo_id, "status"] == "undone"
    assert uploads.loc[undone.undo_id, "undone_by"] == redone.redo_id
    assert uploads.loc[redone.redo_id, ["kind", "uploaded_by", "undoes"]].tolist() == ["redo", "Alex", undone.undo_id]
    # The series summary followed: March's point is back.
    summary = empty_store.summary(["W-ASH"]).set_index("measure")
    assert summary.loc["PRN", "points"] == 3

    # Undo and redo again, as often as wanted; as-of views keep every step.
    between = datetime.now(UTC)
    empty_store.undo_upload(second.upload_id)
    assert current(empty_store) == before_second
    empty_store.redo_upload(second.upload_id)
    assert current(empty_store) == after_second
    as_then = empty_store.observations(as_of=between)
    assert as_then["value"].tolist() == [10, 2, 30]


def test_redo_is_refused_naming_the_rows_written_since_the_undo(empty_store):
    commit(empty_store, plan_upload(empty_store, csv("W-ASH,PRN,01/01/2024,1,"), "a.csv"))
    second = commit(empty_store, plan_upload(empty_store, csv("W-ASH,PRN,01/01/2024,10,", "W-ASH,PRN,01/02/2024,20,"), "b.csv"))
    empty_store.undo_upload(second.upload_id)
    commit(empty_store, plan_upload(empty_store, csv("W-ASH,PRN,01/02/2024,25,"), "c.csv"))
    before, written, version = current(empty_store), history_rows(empty_store), empty_store.data_version()
    with pytest.raises(StoreError, match=r"cannot be redone: 1 of the values its undo put back have been changed "
                                         r"since: W-ASH × PRN × 01/02/2024 \(upload 4, c.csv\)"):
        empty_store.redo_upload(second.upload_id)
    assert (current(empty_store), history_rows(empty_store), empty_store.data_version()) == (before, written, version)


def test_what_cannot_be_redone_or_undone(empty_store):
    saved = commit(empty_store, plan_upload(empty_store, csv("W-ASH,PRN,01/01/2024,1,"), "a.csv"))
    with pytest.raises(StoreError, match=r"Upload 1 \(a.csv\) is not undone, so there is nothing to redo"):
        empty_store.redo_upload(saved.upload_id)
    undone = empty_store.undo_upload(saved.upload_id)
    with pytest.raises(StoreError, match="is itself an undo"):
        empty_store.redo_upload(undone.undo_id)
    redone = empty_store.redo_upload(saved.upload_id)
    with pytest.raises(StoreError, match="is itself a redo"):
        empty_store.redo_upload(redone.redo_id)
    with pytest.raises(StoreError, match=r"is a redo \(redo of upload 1 \(a.csv\)\); undo that upload instead"):
        empty_store.undo_upload(redone.redo_id)
    with pytest.raises(StoreError, match="no upload number 99"):
        empty_store.redo_upload(99)
