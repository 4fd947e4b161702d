"""The store: its transactions and write lock, a database held elsewhere, definitions."""

from __future__ import annotations

import threading
from datetime import date

import duckdb
import psycopg
import pytest

from qi_dash.store import Store, StoreBusy
from tests.test_store_history import meta, rows


BOTH_ENGINES = True  # store tests run on DuckDB and PostgreSQL (conftest.engine)


def test_a_failed_write_leaves_everything_as_before(empty_store):
    empty_store.commit_upload(rows(5, 6), meta())
    version = empty_store.data_version()
    broken = rows(50, 8, 9)
    broken.loc[2, "unit"] = None  # NOT NULL fails at INSERT, after week 1's old value is superseded
    with pytest.raises((duckdb.Error, psycopg.Error)):
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
            Store.open(path, wait=0.5)
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
