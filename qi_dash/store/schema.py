"""The database's tables: created and moved on by numbered migrations, and the counters in
``meta`` (the schema version, and the data version every write moves on)."""

from __future__ import annotations

import duckdb

# Each entry moves the schema one version on. Entries are only ever appended: a migration
# adds tables or columns and never drops data.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE meta (key VARCHAR PRIMARY KEY, value BIGINT NOT NULL);
    INSERT INTO meta VALUES ('schema_version', 0), ('data_version', 0);
    CREATE TABLE units (
        code VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, level VARCHAR NOT NULL,
        parent VARCHAR, added_at TIMESTAMPTZ NOT NULL, added_by_upload BIGINT);
    CREATE TABLE measure_versions (
        code VARCHAR NOT NULL, version INTEGER NOT NULL, name VARCHAR, family VARCHAR,
        kind VARCHAR, definition VARCHAR, numerator VARCHAR, denominator VARCHAR, unit VARCHAR,
        multiplier DOUBLE, frequency VARCHAR, direction VARCHAR, chart VARCHAR,
        aggregation VARCHAR, target DOUBLE, run_rules VARCHAR, baseline_points INTEGER,
        screen_moving_ranges BOOLEAN, valid_from DATE, recorded_at TIMESTAMPTZ NOT NULL,
        recorded_by VARCHAR, PRIMARY KEY (code, version));
    CREATE SEQUENCE upload_ids START 1;
    CREATE TABLE uploads (
        upload_id BIGINT PRIMARY KEY, uploaded_at TIMESTAMPTZ NOT NULL, uploaded_by VARCHAR,
        file_name VARCHAR, sha256 VARCHAR, kind VARCHAR NOT NULL, mapping VARCHAR,
        rows_added INTEGER, rows_updated INTEGER, rows_unchanged INTEGER, teams VARCHAR[],
        status VARCHAR NOT NULL, undoes BIGINT, undone_by BIGINT);
    CREATE TABLE observations (
        unit VARCHAR NOT NULL, measure VARCHAR NOT NULL, period DATE NOT NULL,
        numerator DOUBLE, denominator DOUBLE, value DOUBLE, comment VARCHAR,
        upload_id BIGINT NOT NULL);
    CREATE TABLE observation_history (
        unit VARCHAR NOT NULL, measure VARCHAR NOT NULL, period DATE NOT NULL,
        numerator DOUBLE, denominator DOUBLE, value DOUBLE, comment VARCHAR,
        upload_id BIGINT NOT NULL, source_upload BIGINT, removed BOOLEAN NOT NULL);
    """,
    """
    CREATE TABLE mappings (
        name VARCHAR PRIMARY KEY, signature VARCHAR NOT NULL, spec VARCHAR NOT NULL,
        saved_at TIMESTAMPTZ NOT NULL, saved_by VARCHAR);
    """,
    """
    CREATE SEQUENCE change_ids START 1;
    CREATE TABLE tests_of_change (
        change_id BIGINT PRIMARY KEY, unit VARCHAR NOT NULL, date DATE NOT NULL,
        title VARCHAR NOT NULL, detail VARCHAR, recorded_at TIMESTAMPTZ NOT NULL,
        recorded_by VARCHAR);
    """,
    # Current values become a view over history (each value written once, not twice). A
    # value is superseded by the next upload or undo that wrote its unit × measure × period.
    """
    ALTER TABLE observation_history ADD COLUMN superseded_by BIGINT;
    UPDATE observation_history h SET superseded_by = n.next_upload
    FROM (SELECT unit, measure, period, upload_id, lead(upload_id) OVER (
              PARTITION BY unit, measure, period ORDER BY upload_id) AS next_upload
          FROM observation_history) n
    WHERE h.unit = n.unit AND h.measure = n.measure AND h.period = n.period
      AND h.upload_id = n.upload_id AND n.next_upload IS NOT NULL AND NOT h.removed;
    DROP TABLE observations;
    CREATE VIEW observations AS
        SELECT unit, measure, period, numerator, denominator, value, comment,
               source_upload AS upload_id
        FROM observation_history WHERE superseded_by IS NULL AND NOT removed;
    """,
    # Mappings keep every version, as definitions do (store/mappings.py): each saved mapping
    # becomes version 1 of its history, and the current ones become a view over it.
    """
    CREATE SEQUENCE mapping_ids START 1;
    CREATE TABLE mapping_versions (
        mapping_id BIGINT NOT NULL, version INTEGER NOT NULL, name VARCHAR NOT NULL,
        change VARCHAR NOT NULL, signature VARCHAR NOT NULL, spec VARCHAR NOT NULL,
        saved_at TIMESTAMPTZ NOT NULL, saved_by VARCHAR, PRIMARY KEY (mapping_id, version));
    INSERT INTO mapping_versions
        SELECT nextval('mapping_ids'), 1, name, 'saved', signature, spec, saved_at, saved_by
        FROM (SELECT * FROM mappings ORDER BY name);
    DROP TABLE mappings;
    CREATE VIEW mappings AS
        SELECT mapping_id, name, signature, spec, version, saved_at, saved_by FROM (
            SELECT *, row_number() OVER (PARTITION BY mapping_id ORDER BY version DESC) AS newest
            FROM mapping_versions)
        WHERE newest = 1 AND change <> 'deleted';
    """,
    # Other spellings of a unit (how a team's file first named it), so the same file
    # resolves to the unit next time with no placement.
    """
    CREATE TABLE unit_aliases (
        alias VARCHAR PRIMARY KEY, unit VARCHAR NOT NULL, added_at TIMESTAMPTZ NOT NULL,
        added_by VARCHAR, added_by_upload BIGINT);
    """,
    # Each unit × measure series' latest point, limits and icons, kept in step with the
    # observations by the same transaction (store/summary.py), so views need not recompute.
    """
    CREATE TABLE series_summary (
        unit VARCHAR NOT NULL, measure VARCHAR NOT NULL, points INTEGER NOT NULL,
        latest_period DATE, latest_value DOUBLE, centre DOUBLE, lower DOUBLE, upper DOUBLE,
        variation_icon VARCHAR NOT NULL, assurance_icon VARCHAR NOT NULL, target DOUBLE,
        PRIMARY KEY (unit, measure));
    """,
]


def migrate(cur: duckdb.DuckDBPyConnection) -> None:
    """Run the migrations the database has not had yet, each in its own transaction."""
    has_meta = cur.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'"
    ).fetchall()[0][0]
    current = 0
    if has_meta:
        current = cur.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()[0][0]
    for version, script in enumerate(MIGRATIONS[current:], start=current + 1):
        cur.execute("BEGIN TRANSACTION")
        try:
            cur.execute(script)
            cur.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [version])
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise


def schema_version(cur: duckdb.DuckDBPyConnection) -> int:
    return int(cur.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()[0][0])


def data_version(cur: duckdb.DuckDBPyConnection) -> int:
    return int(cur.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchall()[0][0])


def bump_data_version(cur: duckdb.DuckDBPyConnection) -> int:
    """Move the data version on, inside the write transaction; returns the version before."""
    return cur.execute(
        "UPDATE meta SET value = value + 1 WHERE key = 'data_version' RETURNING value - 1"
    ).fetchall()[0][0]
