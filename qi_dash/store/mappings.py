"""Saved column mappings and their history, as the store keeps them.

Like measure definitions, a mapping is never overwritten: each save, rename or delete appends
a dated version (with who did it) to ``mapping_versions``, under the mapping's id, which a
rename keeps. The view ``mappings`` is each mapping's newest version, unless that version
deleted it. The functions here run on a cursor the ``Store`` gives them, inside its
transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
import pandas as pd

from qi_dash.store.errors import StoreError

# What a version did: ``saved`` a spec, ``renamed`` the mapping (same spec), ``deleted`` it.
CHANGES = ("saved", "renamed", "deleted")
CURRENT_COLUMNS = ["name", "signature", "spec", "version", "saved_at", "saved_by"]
VERSION_COLUMNS = ["version", "name", "change", "signature", "spec", "saved_at", "saved_by"]


@dataclass(frozen=True)
class NamedMapping:
    """A mapping spec to save under ``name``, with the signature of the headings it was made
    for (``ingest.recognise.signature``)."""

    name: str
    signature: str
    spec: dict


def read_current(cur: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every mapping not deleted, at its newest version, in name order."""
    frame = cur.execute(f"SELECT {', '.join(CURRENT_COLUMNS)} FROM mappings ORDER BY name").df()
    frame["spec"] = [json.loads(s) for s in frame["spec"]]
    return frame


def read_versions(cur: duckdb.DuckDBPyConnection, name: str) -> pd.DataFrame:
    """Every version of the mapping called ``name`` (or, if none is called so now, of the
    one most recently called so), newest first, including its earlier names."""
    frame = cur.execute(
        f"""SELECT {', '.join(VERSION_COLUMNS)} FROM mapping_versions
            WHERE mapping_id = (
                SELECT v.mapping_id FROM mapping_versions v
                WHERE v.name = $1
                ORDER BY v.mapping_id IN (SELECT mapping_id FROM mappings WHERE name = $1) DESC,
                         v.saved_at DESC, v.mapping_id DESC
                LIMIT 1)
            ORDER BY version DESC""",
        [name],
    ).df()
    frame["spec"] = [json.loads(s) for s in frame["spec"]]
    return frame


def save(cur: duckdb.DuckDBPyConnection, mapping: NamedMapping, saved_by: str | None) -> bool:
    """Save ``mapping`` as a new version of the mapping of that name (or as a new mapping);
    False, and nothing written, when it is the same as the current version."""
    name = _checked_name(mapping.name)
    spec = json.dumps(mapping.spec, sort_keys=True)
    current = _current(cur, name)
    if current is None:
        mapping_id = cur.execute("SELECT nextval('mapping_ids')").fetchall()[0][0]
        _append(cur, mapping_id, 1, name, "saved", mapping.signature, spec, saved_by)
        return True
    mapping_id, version, signature, stored = current
    if signature == mapping.signature and stored == spec:
        return False
    _append(cur, mapping_id, version + 1, name, "saved", mapping.signature, spec, saved_by)
    return True


def rename(cur: duckdb.DuckDBPyConnection, old: str, new: str, by: str | None) -> None:
    """Give a mapping a new name; its history goes with it, the rename a version of its own."""
    new = _checked_name(new)
    mapping_id, version, signature, spec = _existing(cur, old)
    if new != old and _current(cur, new) is not None:
        raise StoreError(f"There is already a mapping called '{new}'; choose another name or delete that one first.")
    if new == old:
        return
    _append(cur, mapping_id, version + 1, new, "renamed", signature, spec, by)


def delete(cur: duckdb.DuckDBPyConnection, name: str, by: str | None) -> None:
    """Stop using a mapping: no longer recognised or listed; its versions are kept."""
    mapping_id, version, signature, spec = _existing(cur, name)
    _append(cur, mapping_id, version + 1, name, "deleted", signature, spec, by)


def _checked_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise StoreError("A mapping needs a name.")
    return name


def _current(cur: duckdb.DuckDBPyConnection, name: str) -> tuple | None:
    found = cur.execute(
        "SELECT mapping_id, version, signature, spec FROM mappings WHERE name = ?", [name]
    ).fetchall()
    return found[0] if found else None


def _existing(cur: duckdb.DuckDBPyConnection, name: str) -> tuple:
    current = _current(cur, name)
    if current is None:
        known = [row[0] for row in cur.execute("SELECT name FROM mappings ORDER BY name").fetchall()]
        raise no_such_mapping(name, known)
    return current


def no_such_mapping(name: str, known: list[str]) -> StoreError:
    return StoreError(f"There is no saved mapping called '{name}' (saved mappings: {', '.join(known) or 'none'}).")


def _append(cur, mapping_id: int, version: int, name: str, change: str, signature: str, spec: str,
            by: str | None) -> None:
    cur.execute(
        "INSERT INTO mapping_versions VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [mapping_id, version, name, change, signature, spec, datetime.now(UTC), by],
    )
