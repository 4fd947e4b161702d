"""The database's tables: created and moved on by numbered migrations, and the counters in
``meta`` (the schema version, and the data version every write moves on)."""

from __future__ import annotations

import duckdb

from qi_dash.store import dialect

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
        FROM (SELECT * FROM mappings ORDER BY name) AS m;
    DROP TABLE mappings;
    CREATE VIEW mappings AS
        SELECT mapping_id, name, signature, spec, version, saved_at, saved_by FROM (
            SELECT *, row_number() OVER (PARTITION BY mapping_id ORDER BY version DESC) AS newest
            FROM mapping_versions) AS v
        WHERE newest = 1 AND change <> 'deleted';
    """,
    # Other spellings of a unit (how a team's file first named it), so the same file
    # resolves to the unit next time with no placement.
    """
    CREATE TABLE unit_aliases (
        alias VARCHAR PRIMARY KEY, unit VARCHAR NOT NULL, added_at TIMESTAMPTZ NOT NULL,
        added_by VARCHAR, added_by_upload BIGINT);
    """,
    # Aims, target trajectories and a unit's improvement coach and sponsor, each keeping every
    # version (store/aims.py): an edit appends a version, and the current one is the newest.
    """
    CREATE SEQUENCE aim_ids START 1;
    CREATE TABLE aim_versions (
        aim_id BIGINT NOT NULL, version INTEGER NOT NULL, unit VARCHAR NOT NULL,
        measure VARCHAR NOT NULL, statement VARCHAR NOT NULL, change VARCHAR NOT NULL,
        amount DOUBLE NOT NULL, by_date DATE NOT NULL, baseline_to DATE NOT NULL,
        baseline_from DATE, baseline_value DOUBLE, baseline_stat VARCHAR NOT NULL,
        deleted BOOLEAN NOT NULL, recorded_at TIMESTAMPTZ NOT NULL, recorded_by VARCHAR,
        PRIMARY KEY (aim_id, version));
    CREATE TABLE target_versions (
        unit VARCHAR NOT NULL, measure VARCHAR NOT NULL, version INTEGER NOT NULL,
        recorded_at TIMESTAMPTZ NOT NULL, recorded_by VARCHAR, PRIMARY KEY (unit, measure, version));
    CREATE TABLE target_steps (
        unit VARCHAR NOT NULL, measure VARCHAR NOT NULL, version INTEGER NOT NULL,
        from_period DATE NOT NULL, value DOUBLE NOT NULL);
    CREATE TABLE unit_people_versions (
        unit VARCHAR NOT NULL, version INTEGER NOT NULL, coach VARCHAR, coach_role VARCHAR,
        sponsor VARCHAR, sponsor_role VARCHAR, recorded_at TIMESTAMPTZ NOT NULL,
        recorded_by VARCHAR, PRIMARY KEY (unit, version));
    """,
    # A test of change becomes a PDSA cycle (store/cycles.py): ``date`` is its Plan date and
    # ``detail`` its change idea; every save is a version, the cycles recorded so far version 1.
    """
    ALTER TABLE tests_of_change ADD COLUMN measures VARCHAR[];
    ALTER TABLE tests_of_change ADD COLUMN prediction VARCHAR;
    ALTER TABLE tests_of_change ADD COLUMN plan_notes VARCHAR;
    ALTER TABLE tests_of_change ADD COLUMN do_date DATE;
    ALTER TABLE tests_of_change ADD COLUMN do_notes VARCHAR;
    ALTER TABLE tests_of_change ADD COLUMN study_date DATE;
    ALTER TABLE tests_of_change ADD COLUMN study_notes VARCHAR;
    ALTER TABLE tests_of_change ADD COLUMN act_date DATE;
    ALTER TABLE tests_of_change ADD COLUMN act_notes VARCHAR;
    ALTER TABLE tests_of_change ADD COLUMN learned VARCHAR;
    ALTER TABLE tests_of_change ADD COLUMN decision VARCHAR;
    ALTER TABLE tests_of_change ADD COLUMN version INTEGER DEFAULT 1;
    CREATE TABLE pdsa_cycle_versions (
        change_id BIGINT NOT NULL, version INTEGER NOT NULL, unit VARCHAR NOT NULL,
        date DATE NOT NULL, title VARCHAR NOT NULL, detail VARCHAR, measures VARCHAR[],
        prediction VARCHAR, plan_notes VARCHAR, do_date DATE, do_notes VARCHAR,
        study_date DATE, study_notes VARCHAR, act_date DATE, act_notes VARCHAR,
        learned VARCHAR, decision VARCHAR, saved_at TIMESTAMPTZ NOT NULL, saved_by VARCHAR,
        PRIMARY KEY (change_id, version));
    INSERT INTO pdsa_cycle_versions (change_id, version, unit, date, title, detail, saved_at, saved_by)
        SELECT change_id, 1, unit, date, title, detail, recorded_at, recorded_by FROM tests_of_change;
    """,
    # Phase changes with who, when and why (store/phases.py); an undo is a row of its own.
    """
    CREATE SEQUENCE phase_change_ids START 1;
    CREATE TABLE phase_changes (
        change_id BIGINT PRIMARY KEY, unit VARCHAR NOT NULL, measure VARCHAR NOT NULL,
        period DATE NOT NULL, kind VARCHAR NOT NULL, reason VARCHAR NOT NULL, cycle_id BIGINT,
        recorded_at TIMESTAMPTZ NOT NULL, recorded_by VARCHAR);
    CREATE TABLE phase_change_undos (
        change_id BIGINT PRIMARY KEY, undone_at TIMESTAMPTZ NOT NULL, undone_by VARCHAR);
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
    # Who holds which role over which unit (store/access.py): keyed by the sign-in identity,
    # every grant and revocation a version, as other records keep theirs.
    """
    CREATE TABLE grant_versions (
        identity VARCHAR NOT NULL, role VARCHAR NOT NULL, unit VARCHAR NOT NULL, version INTEGER NOT NULL,
        revoked BOOLEAN NOT NULL, recorded_at TIMESTAMPTZ NOT NULL, recorded_by VARCHAR,
        PRIMARY KEY (identity, role, unit, version));
    """,
]


def migrate(cur: duckdb.DuckDBPyConnection) -> None:
    """Run the migrations the database has not had yet, each in its own transaction. The
    version is read again inside each one: another server may have just run it."""
    if _current(cur) >= len(MIGRATIONS):
        return
    engine = dialect.of(cur)
    while True:
        engine.begin(cur)
        try:
            current = _current(cur)
            if current >= len(MIGRATIONS):
                cur.execute("COMMIT")
                return
            cur.execute(engine.migration(current + 1, MIGRATIONS[current]))
            cur.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [current + 1])
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise


def _current(cur: duckdb.DuckDBPyConnection) -> int:
    """The schema version (0 for a new database)."""
    has_meta = cur.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'"
    ).fetchall()[0][0]
    return schema_version(cur) if has_meta else 0


def schema_version(cur: duckdb.DuckDBPyConnection) -> int:
    return int(cur.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()[0][0])


def data_version(cur: duckdb.DuckDBPyConnection) -> int:
    return int(cur.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchall()[0][0])


def bump_data_version(cur: duckdb.DuckDBPyConnection) -> int:
    """Move the data version on, inside the write transaction; returns the version before."""
    return cur.execute(
        "UPDATE meta SET value = value + 1 WHERE key = 'data_version' RETURNING value - 1"
    ).fetchall()[0][0]
