"""The store: migrations, uploads with history, undo, as-of views, the write lock."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import duckdb
import pandas as pd
import pytest

from qi_dash.store import Store, StoreBusy, StoreError, UploadMeta
from qi_dash.store.schema import MIGRATIONS


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


def test_a_new_database_is_migrated_to_the_latest_schema(tmp_path):
    store = Store.open(tmp_path / "new.duckdb")
    assert store.schema_version() == len(MIGRATIONS)
    assert store.data_version() == 0
    store.close()


def test_migration_from_an_older_schema_keeps_its_data(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute(MIGRATIONS[0])
    con.execute("UPDATE meta SET value = 1 WHERE key = 'schema_version'")
    con.execute("INSERT INTO units VALUES ('ORG', 'Org', 'organisation', NULL, now(), NULL)")
    con.close()
    store = Store.open(path)
    assert store.schema_version() == len(MIGRATIONS)
    assert store.units()["code"].tolist() == ["ORG"]
    assert store.mappings().empty
    store.close()


def test_migration_to_one_history_table_keeps_current_values_history_and_undo(tmp_path):
    """A schema-3 database (current values in their own table beside history) holding an
    upload, a correction, an undo of the correction and a later upload migrates with every
    current value, every as-of view and undo working as before."""
    path = tmp_path / "v3.duckdb"
    con = duckdb.connect(str(path))
    for script in MIGRATIONS[:3]:
        con.execute(script)
    con.execute("UPDATE meta SET value = 3 WHERE key = 'schema_version'")
    times = {n: datetime(2025, 3, n, 12, tzinfo=UTC) for n in range(1, 5)}
    con.execute("SELECT nextval('upload_ids') FROM range(4)")  # as uploads 1–4 took their ids
    con.executemany(
        "INSERT INTO uploads VALUES (?, ?, NULL, ?, NULL, ?, NULL, 0, 0, 0, [], ?, ?, ?)",
        [[1, times[1], "first.csv", "upload", "saved", None, None],
         [2, times[2], "second.csv", "upload", "undone", None, 3],
         [3, times[3], "undo of upload 2", "undo", "saved", 2, None],
         [4, times[4], "fourth.csv", "upload", "saved", None, None]],
    )
    a, b, c = (date(2025, 1, 6) + pd.Timedelta(weeks=i) for i in range(3))
    history = [  # key, value, upload_id, source_upload, removed
        (a, 5, 1, 1, False), (a, 50, 2, 2, False), (a, 5, 3, 1, False),
        (b, 6, 1, 1, False), (b, 60, 2, 2, False), (b, 6, 3, 1, False), (b, 66, 4, 4, False),
        (c, 7, 2, 2, False), (c, None, 3, None, True),
    ]
    con.executemany(
        "INSERT INTO observation_history VALUES ('W-ASH', 'HUDDLES', ?, NULL, NULL, ?, NULL, ?, ?, ?)",
        [list(row) for row in history],
    )
    con.execute("INSERT INTO observations VALUES ('W-ASH', 'HUDDLES', ?, NULL, NULL, 5, NULL, 1), "
                "('W-ASH', 'HUDDLES', ?, NULL, NULL, 66, NULL, 4)", [a, b])
    con.close()

    store = Store.open(path)
    assert store.schema_version() == len(MIGRATIONS)
    current = store.observations()
    assert current["value"].tolist() == [5, 66] and current["upload_id"].tolist() == [1, 4]
    assert store.observations(as_of=times[2])["value"].tolist() == [50, 60, 7]
    assert store.observations(as_of=times[3])["value"].tolist() == [5, 6]
    store.undo_upload(4)
    assert store.observations()["value"].tolist() == [5, 6]
    store.close()


def test_identical_reupload_changes_nothing_but_is_recorded(empty_store):
    first = empty_store.commit_upload(rows(5, 6, 7), meta())
    version = empty_store.data_version()
    second = empty_store.commit_upload(rows(5, 6, 7), meta())
    assert (first.added, first.updated, first.unchanged) == (3, 0, 0)
    assert (second.added, second.updated, second.unchanged) == (0, 0, 3)
    assert empty_store.observations()["value"].tolist() == [5, 6, 7]
    assert empty_store.data_version() == version + 1
    assert len(empty_store.uploads()) == 2


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
    # diff is taken again, so week 3 replaces their value rather than being stored twice.
    changes, version = empty_store.diff(rows(50, 6, 8))
    assert changes["change"].tolist() == ["updated", "unchanged", "added"]
    empty_store.commit_upload(rows(5, 6, 9), meta("someone-else.csv"))
    summary = empty_store.commit_upload(changes, meta("b.csv"), diffed_at=version)
    assert (summary.added, summary.updated, summary.unchanged) == (0, 2, 1)
    assert empty_store.observations()["value"].tolist() == [50, 6, 8]


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


def test_a_failed_write_leaves_everything_as_before(empty_store):
    empty_store.commit_upload(rows(5, 6), meta())
    version = empty_store.data_version()
    broken = rows(50, 8, 9)
    broken.loc[2, "unit"] = None  # NOT NULL fails at INSERT, after week 1's old value is superseded
    with pytest.raises(duckdb.Error):
        empty_store.commit_upload(broken, meta())
    assert empty_store.observations()["value"].tolist() == [5, 6]
    assert empty_store.data_version() == version
    assert len(empty_store.uploads()) == 1


def test_two_threads_uploading_at_once_both_succeed(empty_store):
    errors = []

    def upload(unit, values):
        try:
            empty_store.commit_upload(rows(*values, unit=unit), meta(unit))
        except Exception as err:  # noqa: BLE001 - the test reports any failure
            errors.append(err)

    threads = [threading.Thread(target=upload, args=(u, range(50))) for u in ("W-ASH", "W-BIR", "W-CED", "W-OAK")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(empty_store.observations()) == 200
    assert len(empty_store.uploads()) == 4


def test_a_database_held_by_another_process_is_reported_plainly(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "held.duckdb"
    Store.open(path).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb,time; c=duckdb.connect({str(path)!r}); print('ready', flush=True); time.sleep(30)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(StoreBusy, match="in use by another program"):
            Store.open(path)
    finally:
        holder.kill()
        holder.wait()


def test_definitions_are_versioned_and_old_versions_kept(empty_store):
    from dataclasses import replace

    before = {d.code: d for d in empty_store.definitions()}
    changed = replace(before["RP_RATE"], target=12.0, valid_from=date(2025, 4, 1))
    assert empty_store.save_definitions([changed, before["HUDDLES"]]) == 1
    assert {d.code: d for d in empty_store.definitions()}["RP_RATE"].target == 12.0
    versions = empty_store.definition_versions("RP_RATE")
    assert versions["version"].tolist() == [2, 1]
    assert versions["target"].tolist() == [12.0, before["RP_RATE"].target]
