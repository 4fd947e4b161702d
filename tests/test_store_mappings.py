"""Saved mappings keep a version history: store/mappings.py, through the Store."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pytest

from qi_dash.ingest.recognise import recognise, spec_signature
from qi_dash.store import Store, StoreError
from qi_dash.store.schema import MIGRATIONS
from tests.test_mapping import WIDE_ROWS, WIDE_SPEC, xlsx

OTHER_SPEC = {**WIDE_SPEC, "header_row": 2}

BOTH_ENGINES = True  # store tests run on DuckDB and PostgreSQL (conftest.engine)


@pytest.fixture
def store(tmp_path):
    store = Store.open(tmp_path / "qi.duckdb")
    yield store
    store.close()


def test_each_save_is_a_new_dated_version_with_who_saved_it(store):
    assert store.save_mapping("Ward return", "sig", WIDE_SPEC, saved_by="Ash lead") is True
    assert store.save_mapping("Ward return", "sig", WIDE_SPEC, saved_by="Someone") is False  # nothing new
    assert store.save_mapping("Ward return", "sig", OTHER_SPEC, saved_by="Birch lead") is True

    current = store.mappings()
    assert current["name"].tolist() == ["Ward return"]
    row = current.iloc[0]
    assert (row["version"], row["spec"], row["saved_by"]) == (2, OTHER_SPEC, "Birch lead")
    versions = store.mapping_versions("Ward return")
    assert versions["version"].tolist() == [2, 1]
    assert versions["saved_by"].tolist() == ["Birch lead", "Ash lead"]
    assert versions["spec"].tolist() == [OTHER_SPEC, WIDE_SPEC]
    assert versions["change"].tolist() == ["saved", "saved"]
    assert versions["saved_at"].iloc[0] >= versions["saved_at"].iloc[1]
    # The same spec made for other headings is a new version too.
    assert store.save_mapping("Ward return", "other headings", OTHER_SPEC) is True
    assert store.mappings().iloc[0]["version"] == 3


def test_rename_keeps_the_history_and_records_the_rename(store):
    store.save_mapping("Ward return", "sig", WIDE_SPEC, saved_by="Ash lead")
    store.save_mapping("Elsewhere", "sig2", OTHER_SPEC)
    store.rename_mapping("Ward return", "Ward monthly return", by="Birch lead")

    assert store.mappings()["name"].tolist() == ["Elsewhere", "Ward monthly return"]
    versions = store.mapping_versions("Ward monthly return")
    assert versions[["version", "name", "change", "saved_by"]].values.tolist() == [
        [2, "Ward monthly return", "renamed", "Birch lead"], [1, "Ward return", "saved", "Ash lead"]]
    assert versions["spec"].tolist() == [WIDE_SPEC, WIDE_SPEC]

    with pytest.raises(StoreError, match="already a mapping called 'Elsewhere'"):
        store.rename_mapping("Ward monthly return", "Elsewhere")
    with pytest.raises(StoreError, match="no saved mapping called 'Ward return'"):
        store.rename_mapping("Ward return", "Anything")
    with pytest.raises(StoreError, match="needs a name"):
        store.rename_mapping("Elsewhere", "  ")
    assert store.mappings()["name"].tolist() == ["Elsewhere", "Ward monthly return"]


def test_delete_hides_a_mapping_but_keeps_its_history(store):
    store.save_mapping("Ward return", "sig", WIDE_SPEC, saved_by="Ash lead")
    store.delete_mapping("Ward return", by="Birch lead")

    assert store.mappings().empty
    versions = store.mapping_versions("Ward return")
    assert versions[["version", "change", "saved_by"]].values.tolist() == [
        [2, "deleted", "Birch lead"], [1, "saved", "Ash lead"]]
    with pytest.raises(StoreError, match="no saved mapping called 'Ward return'"):
        store.delete_mapping("Ward return")

    # The name can be used again: a new mapping, with a history of its own.
    store.save_mapping("Ward return", "sig", OTHER_SPEC)
    assert store.mappings().iloc[0]["version"] == 1
    assert store.mapping_versions("Ward return")["spec"].tolist() == [OTHER_SPEC]
    assert store.mapping_versions("never saved").empty


def test_recognition_ignores_deleted_mappings(store):
    workbook = xlsx({"Data": WIDE_ROWS})
    store.save_mapping("Ward return", spec_signature(WIDE_SPEC, workbook), WIDE_SPEC)
    assert recognise(workbook, store.mappings())["name"] == "Ward return"
    store.delete_mapping("Ward return")
    assert recognise(workbook, store.mappings()) is None


def test_migration_carries_saved_mappings_over_as_version_one(tmp_path):
    path = tmp_path / "v4.duckdb"
    con = duckdb.connect(str(path))
    for script in MIGRATIONS[:4]:
        con.execute(script)
    con.execute("UPDATE meta SET value = 4 WHERE key = 'schema_version'")
    saved_at = datetime(2025, 3, 1, 12, tzinfo=UTC)
    con.execute("INSERT INTO mappings VALUES ('Ward return', 'sig', ?, ?, 'Ash lead'), ('Other', 'sig2', '{}', ?, NULL)",
                ['{"sheet": "Data"}', saved_at, saved_at])
    con.close()

    store = Store.open(path)
    assert store.schema_version() == len(MIGRATIONS)
    current = store.mappings()
    assert current["name"].tolist() == ["Other", "Ward return"]
    assert current["version"].tolist() == [1, 1]
    ward = current.iloc[1]
    assert (ward["signature"], ward["spec"], ward["saved_by"]) == ("sig", {"sheet": "Data"}, "Ash lead")
    assert ward["saved_at"] == saved_at
    # The carried-over mappings take new versions and new mappings as any other.
    assert store.save_mapping("Ward return", "sig", {"sheet": "Other"}) is True
    store.save_mapping("New", "sig3", {})
    assert store.mappings()["version"].tolist() == [1, 1, 2]
    store.close()
