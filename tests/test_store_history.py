"""Uploads with history, undo and as-of views: store/history.py."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd
import pytest

from qi_dash.store import StalePreview, StoreError, UploadMeta

BOTH_ENGINES = True  # store tests run on DuckDB and PostgreSQL (conftest.engine)


def rows(*values, measure="HUDDLES", unit="W-ASH"):
    """Weekly value rows starting Monday 6 Jan 2025."""
    return pd.DataFrame(
        {
            "unit": unit,
            "measure": measure,
            "period": [date(2025, 1, 6) + pd.Timedelta(weeks=i) for i in range(len(values))],
            "numerator": float("nan"),
            "denominator": float("nan"),
            "value": [float(v) for v in values],
            "comment": pd.Series([None] * len(values), dtype="string"),
        }
    )


def meta(name="file.csv"):
    return UploadMeta(name, "sha")



def test_identical_reupload_changes_nothing_and_is_not_recorded(empty_store):
    first = empty_store.commit_upload(rows(5, 6, 7), meta())
    version = empty_store.data_version()
    second = empty_store.commit_upload(rows(5, 6, 7), meta())
    assert (first.added, first.updated, first.unchanged) == (3, 0, 0)
    assert (second.added, second.updated, second.unchanged) == (0, 0, 3)
    assert not second.changed and second.upload_id is None
    assert empty_store.observations()["value"].tolist() == [5, 6, 7]
    assert empty_store.data_version() == version
    assert len(empty_store.uploads()) == 1


def test_a_corrected_value_replaces_the_stored_one_and_history_keeps_the_old(empty_store):
    empty_store.commit_upload(rows(5, 6, 7), meta("a.csv"))
    summary = empty_store.commit_upload(rows(5, 60, 7), meta("b.csv"))
    assert (summary.added, summary.updated, summary.unchanged) == (0, 1, 2)
    current = empty_store.observations()
    assert current["value"].tolist() == [5, 60, 7]
    assert current["upload_id"].tolist() == [1, 2, 1]
    history = empty_store._read("SELECT value, upload_id FROM observation_history ORDER BY upload_id, period")
    assert history["value"].tolist() == [5, 6, 7, 60]


def test_a_changed_comment_alone_is_an_update(empty_store):
    empty_store.commit_upload(rows(5), meta())
    changed = rows(5)
    changed["comment"] = pd.Series(["+1 agency nurse"], dtype="string")
    assert empty_store.commit_upload(changed, meta()).updated == 1
    assert empty_store.observations()["comment"].tolist() == ["+1 agency nurse"]


def test_as_of_shows_the_data_as_it_stood(empty_store):
    empty_store.commit_upload(rows(5, 6), meta())
    between = datetime.now(UTC)
    empty_store.commit_upload(rows(50, 6, 8), meta())
    assert empty_store.observations(as_of=between)["value"].tolist() == [5, 6]
    assert empty_store.observations()["value"].tolist() == [50, 6, 8]
    assert empty_store.observations(as_of=datetime(2000, 1, 1, tzinfo=UTC)).empty


def test_a_preview_is_saved_as_it_was_diffed_only_if_nothing_was_written_since(empty_store):
    changes, version = empty_store.diff(rows(5, 6))
    assert changes["change"].tolist() == ["added", "added"]
    assert empty_store.commit_upload(changes, meta("a.csv"), diffed_at=version).added == 2

    # Someone saves week 3 between this preview (where week 3 is new) and its saving: the
    # preview no longer says what saving would do, so nothing is saved.
    changes, version = empty_store.diff(rows(50, 6, 8))
    assert changes["change"].tolist() == ["updated", "unchanged", "added"]
    empty_store.commit_upload(rows(5, 6, 9), meta("someone-else.csv"))
    with pytest.raises(StalePreview, match="The data changed since this preview"):
        empty_store.commit_upload(changes, meta("b.csv"), diffed_at=version)
    assert empty_store.observations()["value"].tolist() == [5, 6, 9]
    assert len(empty_store.uploads()) == 2


def test_undo_reverts_changes_and_removes_additions(empty_store):
    empty_store.commit_upload(rows(5, 6), meta("first.csv"))
    empty_store.commit_upload(rows(5, 60, 7), meta("second.csv"))
    summary = empty_store.undo_upload(2, undone_by="Sam")
    assert (summary.restored, summary.removed) == (1, 1)
    assert empty_store.observations()["value"].tolist() == [5, 6]
    uploads = empty_store.uploads().set_index("upload_id")
    assert uploads.loc[2, "status"] == "undone"
    assert uploads.loc[3, "kind"] == "undo" and uploads.loc[3, "undoes"] == 2
    assert uploads.loc[3, "uploaded_by"] == "Sam"


def test_undo_keeps_values_that_later_uploads_wrote(empty_store):
    empty_store.commit_upload(rows(5, 6), meta("first.csv"))
    empty_store.commit_upload(rows(50, 60), meta("second.csv"))
    empty_store.commit_upload(rows(50, 66), meta("third.csv"))
    empty_store.undo_upload(2)
    # Week 1 goes back to upload 1's value; week 2 keeps upload 3's correction.
    assert empty_store.observations()["value"].tolist() == [5, 66]


def test_undoing_an_upload_whose_values_were_restored_removes_them(empty_store):
    empty_store.commit_upload(rows(5), meta("first.csv"))
    empty_store.commit_upload(rows(50), meta("second.csv"))
    empty_store.undo_upload(2)
    empty_store.undo_upload(1)
    assert empty_store.observations().empty


def test_an_upload_cannot_be_undone_twice_nor_an_undo_undone(empty_store):
    empty_store.commit_upload(rows(5), meta())
    empty_store.undo_upload(1)
    with pytest.raises(StoreError, match="already been undone"):
        empty_store.undo_upload(1)
    with pytest.raises(StoreError, match="itself an undo"):
        empty_store.undo_upload(2)
    with pytest.raises(StoreError, match="no upload number 99"):
        empty_store.undo_upload(99)
