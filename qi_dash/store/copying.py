"""Copying a whole store into a new one, on either engine: a DuckDB file into PostgreSQL (a
trust moving to several servers), PostgreSQL into a DuckDB file, or one file into another.

Every table is copied as it is — observation history, uploads, definitions, units and
aliases, mappings, aims, trajectories, people, PDSA cycles, phase changes, grants, the
series summary and the data version — as Arrow tables (into PostgreSQL by COPY), in one
transaction of the target: it has all of the source or nothing. The target must hold no data.
"""

from __future__ import annotations

import pyarrow as pa

from qi_dash.store import dialect
from qi_dash.store.errors import StoreError

# Each sequence and the id column it numbers: the target's next id follows the source's last.
SEQUENCES = {
    "upload_ids": ("uploads", "upload_id"),
    "change_ids": ("tests_of_change", "change_id"),
    "mapping_ids": ("mapping_versions", "mapping_id"),
    "aim_ids": ("aim_versions", "aim_id"),
    "phase_change_ids": ("phase_changes", "change_id"),
}

_BASE_TABLES = """SELECT table_name FROM information_schema.tables
    WHERE table_catalog = current_database() AND table_schema = current_schema() AND table_type = 'BASE TABLE'
    ORDER BY table_name"""


def base_tables(cur) -> list[str]:
    return [row[0] for row in cur.execute(_BASE_TABLES).fetchall()]


def read_tables(cur) -> dict[str, pa.Table]:
    """Every base table of the source, whole."""
    return {table: cur.sql(f'SELECT * FROM "{table}"').to_arrow_table() for table in base_tables(cur)}


def write_tables(cur, tables: dict[str, pa.Table], source: str) -> int:
    """Put ``tables`` into the target's (empty) tables inside the caller's transaction; returns
    how many rows were copied. Refused, nothing written, if the target holds data or its tables
    are not the source's (another schema version)."""
    present = base_tables(cur)
    if sorted(present) != sorted(tables):
        raise StoreError(f"{source} and the target have different tables (different qi-dash versions?); "
                         "open both with this version of qi-dash first, then copy again.")
    holding = [t for t in present if t != "meta" and cur.execute(f'SELECT count(*) FROM "{t}"').fetchall()[0][0]]
    if holding:
        raise StoreError(f"The target already holds data (in {', '.join(holding)}); copy into a new, empty database.")
    copied = 0
    for table, rows in tables.items():
        target = cur.sql(f'SELECT * FROM "{table}" LIMIT 0').to_arrow_table().schema
        rows = rows.select(target.names).cast(target)
        cur.execute(f'DELETE FROM "{table}"')
        if rows.num_rows:
            cur.register("copied_rows", rows)
            names = ", ".join(f'"{name}"' for name in target.names)
            cur.execute(f'INSERT INTO "{table}" ({names}) SELECT {names} FROM copied_rows')
            copied += rows.num_rows
    engine = dialect.of(cur)
    for sequence, (table, column) in SEQUENCES.items():
        last = cur.execute(f'SELECT coalesce(max("{column}"), 0) FROM "{table}"').fetchall()[0][0]
        engine.set_sequence(cur, sequence, int(last) + 1)
    return copied
