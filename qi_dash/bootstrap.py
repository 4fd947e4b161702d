"""Starting a store: the standard measure library, a hierarchy, and the embedded demo."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from qi_dash import demo, demo_aims, demo_pdsa, demo_phases
from qi_dash.definitions import read_definitions
from qi_dash.exports import template_frame, to_csv_bytes
from qi_dash.hierarchy import read_hierarchy
from qi_dash.problems import InputError
from qi_dash.store import Store, UploadSummary
from qi_dash.upload import commit, plan_upload

DATA = Path(__file__).resolve().parent.parent / "data"
DEFAULT_DB = DATA / "qi_dash.duckdb"
STANDARD_MEASURES = DATA / "measures.csv"
DEMO_HIERARCHY = DATA / "hierarchy.csv"


def is_new(store: Store) -> bool:
    """True for a store nobody has set up: no measures and no uploads."""
    return not store.definitions() and store.uploads().empty


def init_store(store: Store, measures: Path = STANDARD_MEASURES, hierarchy: Path | None = None) -> None:
    """Load a measure library and (optionally) a hierarchy into a store."""
    store.save_definitions(read_definitions(measures), recorded_by="init")
    if hierarchy is not None:
        store.save_units(read_hierarchy(hierarchy))


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

