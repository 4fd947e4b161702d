"""Shared fixtures: a demo database built once per run, and fresh copies of it per test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qi_dash import bootstrap
from qi_dash.store import Store

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def demo_db_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    store = Store.open(path)
    bootstrap.load_demo(store)
    store.close()
    return path


@pytest.fixture
def demo_db(demo_db_file, tmp_path) -> Path:
    """A private copy of the demo database file."""
    path = tmp_path / "qi_dash.duckdb"
    shutil.copy(demo_db_file, path)
    return path


@pytest.fixture
def demo_store(demo_db):
    store = Store.open(demo_db)
    yield store
    store.close()


@pytest.fixture
def empty_store(tmp_path):
    """A store with the standard measures and the demo hierarchy but no observations."""
    store = Store.open(tmp_path / "empty.duckdb")
    bootstrap.init_store(store, bootstrap.STANDARD_MEASURES, bootstrap.DEMO_HIERARCHY)
    yield store
    store.close()


def export_csv(store: Store) -> bytes:
    from qi_dash.exports import template_frame, to_csv_bytes

    return to_csv_bytes(template_frame(store.observations()))
