"""The hierarchy's units (organisation, directorates, teams) as the store keeps them."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pandas as pd


def read_units(cur: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every unit (code, name, level, parent; '' for no parent) in level then name order."""
    columns = ["code", "name", "level", "parent"]
    found = cur.execute(
        "SELECT code, name, level, coalesce(parent, '') FROM units ORDER BY level, name"
    ).fetchall()
    return pd.DataFrame({c: pd.array([row[i] for row in found], dtype="string") for i, c in enumerate(columns)})


def upsert_units(cur: duckdb.DuckDBPyConnection, units: pd.DataFrame, upload_id: int | None) -> int:
    """Add new units and rename or re-parent existing ones; returns how many changed."""
    if units.empty:
        return 0
    incoming = units[["code", "name", "level", "parent"]].copy()
    incoming["parent"] = incoming["parent"].replace("", None)
    cur.register("incoming_units", incoming)
    changed = cur.execute(
        """SELECT count(*) FROM incoming_units i LEFT JOIN units u USING (code)
           WHERE u.code IS NULL OR u.name <> i.name OR u.level <> i.level
              OR u.parent IS DISTINCT FROM i.parent"""
    ).fetchall()[0][0]
    cur.execute(
        """INSERT INTO units SELECT code, name, level, parent, ?, ? FROM incoming_units
           ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level,
               parent = excluded.parent""",
        [datetime.now(UTC), upload_id],
    )
    return int(changed)
