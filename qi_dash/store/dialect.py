"""The few statements that differ between the store's two engines, DuckDB and PostgreSQL.

Everything else the store says is SQL both understand. A store module asks ``of(cur)`` for
the dialect of the cursor it was given: a PostgreSQL cursor (``pg_cursor.PgCursor``) carries
``POSTGRES``; a DuckDB cursor carries nothing, so it gets ``DUCKDB``.
"""

from __future__ import annotations

import re
from contextlib import contextmanager

# PostgreSQL: every write transaction of every process takes this lock first, so writes are
# one at a time across servers, as a DuckDB file allows one writer (its data version check
# and bump then mean the same on both engines).
WRITE_LOCK_KEY = 7_142_025


class DuckDBDialect:
    name = "duckdb"

    def in_list(self, column: str) -> str:
        """A condition true where ``column`` is in the list given as the next parameter."""
        return f"list_contains(?, {column})"

    def new_ids(self, sequence: str) -> str:
        """``count`` new ids from ``sequence`` (one parameter: how many)."""
        return f"SELECT nextval('{sequence}') FROM range(?)"

    def begin(self, cur) -> None:
        cur.execute("BEGIN TRANSACTION")

    @contextmanager
    def pooling(self, cur):
        """Tuned for the pooled series' query (``summary._pooled_rows``)."""
        # DuckDB would otherwise first group every team's rows by team, measure and period (each
        # group one row) before the join: several times slower on an organisation of 500 teams.
        cur.execute("SET disabled_optimizers = 'partial_aggregate_pushdown'")
        try:
            yield
        finally:
            cur.execute("RESET disabled_optimizers")

    def migration(self, version: int, script: str) -> str:
        return script

    def set_sequence(self, cur, sequence: str, next_value: int) -> None:
        """Make ``sequence``'s next value ``next_value`` (copying a store: ``store.copying``)."""
        cur.execute(f"DROP SEQUENCE {sequence}")
        cur.execute(f"CREATE SEQUENCE {sequence} START {int(next_value)}")


class PostgresDialect(DuckDBDialect):
    name = "postgresql"

    def in_list(self, column: str) -> str:
        return f"{column} = ANY(?)"

    def new_ids(self, sequence: str) -> str:
        return f"SELECT nextval('{sequence}') FROM generate_series(1, ?)"

    def begin(self, cur) -> None:
        cur.execute("BEGIN")
        cur.execute(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")

    @contextmanager
    def pooling(self, cur):
        yield

    def migration(self, version: int, script: str) -> str:
        """DuckDB's DOUBLE is PostgreSQL's DOUBLE PRECISION; and what PostgreSQL adds: indexes
        for the reads every page makes, and a constraint DuckDB cannot keep cheaply."""
        return re.sub(r"\bDOUBLE\b", "DOUBLE PRECISION", script) + _POSTGRES_ONLY.get(version, "")

    def set_sequence(self, cur, sequence: str, next_value: int) -> None:
        cur.execute(f"SELECT setval('{sequence}', {int(next_value)}, false)")


# Statements added to migration N on PostgreSQL only.
_POSTGRES_ONLY = {
    # One current value per unit × measure × period, held by the database itself; the same
    # index serves the current values' reads (the ``observations`` view) by unit.
    4: """
    CREATE UNIQUE INDEX observation_current ON observation_history (unit, measure, period)
        WHERE superseded_by IS NULL AND NOT removed;
    CREATE INDEX observation_by_upload ON observation_history (upload_id);
    CREATE INDEX observation_by_key ON observation_history (unit, measure, period, upload_id);
    """,
    9: "CREATE INDEX phase_changes_by_series ON phase_changes (unit, measure);",
}

DUCKDB = DuckDBDialect()
POSTGRES = PostgresDialect()


def of(cur) -> DuckDBDialect:
    """The dialect of ``cur``."""
    return getattr(cur, "dialect", DUCKDB)
