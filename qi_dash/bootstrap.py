"""Starting a store: the standard measure library, a hierarchy, and the embedded demo. Only
the default database is created by opening it (with the demo); a new named one is built in a
temporary file and moved into place only once complete (``create_store``)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pandas as pd

from qi_dash import demo, demo_aims, demo_pdsa, demo_phases
from qi_dash.definitions import MeasureDefinition, read_definitions
from qi_dash.exports import template_frame, to_csv_bytes
from qi_dash.hierarchy import read_hierarchy
from qi_dash.problems import InputError
from qi_dash.store import Store, StoreError, UploadSummary, names_a_server
from qi_dash.upload import commit, plan_upload

DATA = Path(__file__).resolve().parent.parent / "data"
DEFAULT_DB = DATA / "qi_dash.duckdb"
STANDARD_MEASURES = DATA / "measures.csv"
DEMO_HIERARCHY = DATA / "hierarchy.csv"

T = TypeVar("T")


def is_new(store: Store) -> bool:
    """True for a store nobody has set up: no measures and no uploads."""
    return not store.definitions() and store.uploads().empty


def init_store(store: Store, measures: Path = STANDARD_MEASURES, hierarchy: Path | None = None) -> None:
    """Load a measure library and (optionally) a hierarchy into a store."""
    _fill(store, read_definitions(measures), read_hierarchy(hierarchy) if hierarchy is not None else None)


def _fill(store: Store, definitions: list[MeasureDefinition], units: pd.DataFrame | None) -> None:
    store.save_definitions(definitions, recorded_by="init")
    if units is not None:
        store.save_units(units)


def new_organisation(path: Path, measures: Path = STANDARD_MEASURES, hierarchy: Path | None = None) -> Store:
    """A new database at ``path`` with a measure library and (optionally) a hierarchy, returned
    open. Both files are read and checked before anything is written (DefinitionError,
    HierarchyError, OSError), and the database appears only once complete."""
    definitions = read_definitions(measures)
    units = read_hierarchy(hierarchy) if hierarchy is not None else None
    create_store(path, lambda store: _fill(store, definitions, units), "init")
    return Store.open(path, create=False)


def create_store(path: Path, fill: Callable[[Store], T], purpose: str) -> T:
    """Build a new database at ``path`` with ``fill``, all or nothing: it is built in a
    temporary file beside ``path`` and moved into place once ``fill`` has finished and the file
    is closed, so a failure leaves no half-built store to block the retry. An existing file is
    replaced only if nobody has set it up (StoreError otherwise, naming ``purpose``).

    A PostgreSQL database (an address) must exist and hold no data; the store is built in a
    temporary DuckDB file and copied into it in one transaction."""
    if names_a_server(path):
        return _create_on_server(str(path), fill, purpose)
    path = Path(path)
    if path.exists():
        existing = Store.open(path, create=False)  # in use or damaged: refused, with its reason
        try:
            if not is_new(existing):
                raise StoreError(f"{path} already holds data; {purpose} needs a new database file.")
        finally:
            existing.close()
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, building = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".building", dir=path.parent)
    os.close(handle)
    os.unlink(building)  # DuckDB makes the file itself; an empty one is not a database
    try:
        store = Store.open(building)
        try:
            result = fill(store)
        finally:
            store.close()  # checkpoints: everything is in the one file before it moves
        os.replace(building, path)
    finally:
        Path(building).unlink(missing_ok=True)
        Path(f"{building}.wal").unlink(missing_ok=True)
    return result


def _create_on_server(address: str, fill: Callable[[Store], T], purpose: str) -> T:
    target = Store.open(address, create=False)
    try:
        if not is_new(target):
            raise StoreError(f"{target.path} already holds data; {purpose} needs a new, empty database.")
        with tempfile.TemporaryDirectory(prefix="qi_dash-") as folder:
            building = Store.open(Path(folder) / "building.duckdb")
            try:
                result = fill(building)
                building.copy_to(target)
            finally:
                building.close()
    finally:
        target.close()
    return result


def open_app_store(path: str) -> Store:
    """The app's store. The default database is created with the demo organisation the first
    time; any other (named by ``QI_DASH_DB``) must exist, so a mistyped name is an error
    rather than a new, empty store taking uploads."""
    if names_a_server(path) or Path(path).resolve() != DEFAULT_DB:
        return Store.open(path, create=False)
    if not DEFAULT_DB.exists():
        create_store(DEFAULT_DB, load_demo, "the demo")
    store = Store.open(DEFAULT_DB)
    if is_new(store):
        load_demo(store)
    return store


def load_demo(store: Store) -> UploadSummary:
    """The demo organisation, saved through the same upload path as a user's file."""
    init_store(store, STANDARD_MEASURES, DEMO_HIERARCHY)
    # Written as the canonical template, exactly as a team lead's export would be.
    data = to_csv_bytes(template_frame(demo.demo_observations()))
    plan = plan_upload(store, data, "demo_organisation.csv")
    if plan.problems:
        raise InputError(plan.problems)
    summary = commit(store, plan, uploaded_by="demo")
    store.add_pdsa_cycles(demo_pdsa.DEMO_PDSA_CYCLES, by="demo")
    store.add_phase_changes(pd.DataFrame(demo_phases.DEMO_PHASE_CHANGES), recorded_by="demo")
    demo_aims.load(store)
    return summary

