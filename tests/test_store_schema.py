"""Migrations: store/schema.py."""

from __future__ import annotations

from datetime import UTC, date, datetime

import duckdb
import pandas as pd

from qi_dash.store import Store
from qi_dash.store.schema import MIGRATIONS



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
