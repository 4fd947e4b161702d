"""The hierarchy's units (organisation, directorates, teams) and their aliases as the store keeps them."""

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
        """INSERT INTO units SELECT code, name, level, parent, ?, CAST(? AS BIGINT) FROM incoming_units
           ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level,
               parent = excluded.parent""",
        [datetime.now(UTC), upload_id],
    )
    return int(changed)


def read_aliases(cur: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every alias (alias, unit, added_at, added_by, added_by_upload), oldest first."""
    return cur.execute(
        "SELECT alias, unit, added_at, added_by, added_by_upload FROM unit_aliases ORDER BY added_at, alias"
    ).df()


def upsert_aliases(
    cur: duckdb.DuckDBPyConnection, aliases: pd.DataFrame, added_by: str | None, upload_id: int | None
) -> int:
    """Add aliases (alias → unit), pointing an alias already kept at its new unit; returns
    how many were new or moved."""
    if aliases.empty:
        return 0
    incoming = aliases[["alias", "unit"]].drop_duplicates("alias", keep="last")
    cur.register("incoming_aliases", incoming)
    changed = cur.execute(
        """SELECT count(*) FROM incoming_aliases i LEFT JOIN unit_aliases a USING (alias)
           WHERE a.alias IS NULL OR a.unit <> i.unit"""
    ).fetchall()[0][0]
    cur.execute(
        """INSERT INTO unit_aliases SELECT alias, unit, ?, ?, CAST(? AS BIGINT) FROM incoming_aliases
           ON CONFLICT (alias) DO UPDATE SET unit = excluded.unit, added_at = excluded.added_at,
               added_by = excluded.added_by, added_by_upload = excluded.added_by_upload""",
        [datetime.now(UTC), added_by, upload_id],
    )
    return int(changed)
