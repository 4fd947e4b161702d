"""Grants' SQL: who holds which role over which unit. Like every record in the store a grant
is never overwritten: granting or revoking appends a version (``revoked`` says which) with
who did it and when, and the grants in force are each key's newest unrevoked version."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pandas as pd

from qi_dash.access import Grant, Role

KEY = ["identity", "role", "unit"]
_NEWEST = """
    SELECT * FROM (
        SELECT *, row_number() OVER (PARTITION BY identity, role, unit ORDER BY version DESC) AS newest
        FROM grant_versions) AS g
    WHERE newest = 1"""


def read_grants(cur: duckdb.DuckDBPyConnection) -> list[Grant]:
    """The grants in force, in identity, role, unit order."""
    rows = cur.execute(f"SELECT identity, role, unit FROM ({_NEWEST}) AS g WHERE NOT revoked ORDER BY identity, role, unit").fetchall()
    return [Grant(identity, Role(role), unit) for identity, role, unit in rows]


def read_versions(cur: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every grant and revocation ever recorded, newest first."""
    return cur.execute(
        "SELECT identity, role, unit, version, revoked, recorded_at, recorded_by FROM grant_versions "
        "ORDER BY recorded_at DESC, identity, role, unit").df()


def save_grants(cur: duckdb.DuckDBPyConnection, grants: list[Grant], by: str | None) -> tuple[int, int]:
    """Make ``grants`` the grants in force: a version granting each new one and one revoking
    each no longer given. Returns (granted, revoked)."""
    current = set(read_grants(cur))
    wanted = set(grants)
    granted, revoked = wanted - current, current - wanted
    if not granted and not revoked:
        return 0, 0
    rows = pd.DataFrame(
        [{"identity": g.identity, "role": g.role.value, "unit": g.unit, "revoked": g in revoked}
         for g in sorted(granted | revoked, key=lambda g: (g.identity, g.role.value, g.unit))],
        columns=[*KEY, "revoked"])
    cur.register("incoming_grants", rows)
    cur.execute(
        """INSERT INTO grant_versions
           SELECT i.identity, i.role, i.unit, coalesce(max(v.version), 0) + 1, i.revoked, ?, ?
           FROM incoming_grants i LEFT JOIN grant_versions v USING (identity, role, unit)
           GROUP BY i.identity, i.role, i.unit, i.revoked""",
        [datetime.now(UTC), by],
    )
    return len(granted), len(revoked)
