"""The store: the only package that knows DuckDB and PostgreSQL and holds SQL.

A store is a DuckDB file, or a PostgreSQL database named by its address (``postgres``);
``dialect`` holds the few statements the two engines say differently.

``database`` holds the ``Store``: one connection per process, a cursor per use, a
process-wide write lock around every write transaction, and a data version bumped inside
each write so cached reads can tell when to refresh (see the streamlit recipes note, §5 and
§8). ``schema`` creates and migrates the tables; ``history`` keeps every observation ever
written (uploads, diffs and undo); ``units`` the hierarchy's units.
"""

from qi_dash.store.database import Store
from qi_dash.store.errors import (StalePreview, StoreBusy, StoreConflict, StoreDamaged, StoreError, StoreMissing,
                                  StoreReadOnly, StoreUnavailable, StoreWriteFailed)
from qi_dash.store.history import OBSERVATION_COLUMNS, RedoSummary, UndoSummary, UploadMeta, UploadSummary, as_of_end_of
from qi_dash.store.mappings import NamedMapping
from qi_dash.store.postgres import is_address as names_a_server
from qi_dash.store.postgres import shown as shown_name

__all__ = [
    "OBSERVATION_COLUMNS",
    "NamedMapping",
    "RedoSummary",
    "StalePreview",
    "Store",
    "StoreBusy",
    "StoreConflict",
    "StoreDamaged",
    "StoreError",
    "StoreMissing",
    "StoreReadOnly",
    "StoreUnavailable",
    "StoreWriteFailed",
    "UndoSummary",
    "UploadMeta",
    "UploadSummary",
    "as_of_end_of",
    "names_a_server",
    "shown_name",
]
