"""The store: the only module that knows DuckDB and holds SQL.

One connection per process (``Store.open``), a cursor per use, a process-wide write lock
around every write transaction, and a data version bumped inside each write so cached reads
can tell when to refresh (see docs in the streamlit recipes note, §5 and §8).

Every value ever written is a row of ``observation_history``, appended once and never
changed or deleted: by which upload (``upload_id``: the upload or undo that wrote the row;
``source_upload``: whose value it is, which differs when an undo restores an earlier value),
including removals made by an undo (``removed``). When a later upload or undo replaces a
value, the value's row is marked ``superseded_by`` that upload. The view ``observations`` is
the current value of each unit × measure × period: the rows not superseded or removed. So
each value is written once, and nothing is ever overwritten.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from qi_dash.definitions import FIELD_NAMES, MeasureDefinition

OBSERVATION_COLUMNS = ["unit", "measure", "period", "numerator", "denominator", "value", "comment"]
NUMBER_COLUMNS = ["numerator", "denominator", "value"]
VALUE_COLUMNS = [*NUMBER_COLUMNS, "comment"]
# An incoming row i holds the same values as the stored row o it matches.
_SAME_VALUES = " AND ".join(f"i.{c} IS NOT DISTINCT FROM o.{c}" for c in VALUE_COLUMNS)

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
]

# A process may hold one database file; every write in the process goes through this lock.
_WRITE_LOCK = threading.Lock()


class StoreBusy(RuntimeError):
    """The database file is held by another process (usually a running app)."""


class StoreConflict(RuntimeError):
    """A write could not be applied because of a concurrent change; nothing was written."""


class StoreError(ValueError):
    """A request the store refuses (e.g. undoing an upload twice)."""


@dataclass(frozen=True)
class UploadMeta:
    file_name: str
    sha256: str
    uploaded_by: str | None = None
    mapping: str | None = None
    kind: str = "upload"


@dataclass
class UploadSummary:
    upload_id: int | None
    added: int
    updated: int
    unchanged: int
    teams: list[str] = field(default_factory=list)

    def sentence(self) -> str:
        return f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged"


@dataclass
class UndoSummary:
    undo_id: int
    restored: int
    removed: int
    teams: list[str]

    def sentence(self) -> str:
        return f"{self.restored} values restored to what they were before, {self.removed} removed"


_HISTORY_COLUMNS = ", ".join([*OBSERVATION_COLUMNS, "upload_id", "source_upload", "removed"])


def _supersede(cur, keys: str, upload_id: int) -> None:
    """Mark the current values of the unit × measure × period keys in table ``keys`` as
    replaced by ``upload_id`` (they stay in history)."""
    cur.execute(
        f"""UPDATE observation_history h SET superseded_by = $1 FROM {keys} k
            WHERE h.superseded_by IS NULL AND NOT h.removed
              AND h.unit = k.unit AND h.measure = k.measure AND h.period = k.period""",
        [upload_id],
    )


def _version(cur) -> int:
    return int(cur.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchall()[0][0])


def _bump_version(cur) -> int:
    """Move the data version on, inside the write transaction; returns the version before."""
    return cur.execute(
        "UPDATE meta SET value = value + 1 WHERE key = 'data_version' RETURNING value - 1"
    ).fetchall()[0][0]


def _now() -> datetime:
    return datetime.now(UTC)


def _observation_columns(frame: pd.DataFrame) -> dict[str, object]:
    """The canonical observation columns as arrays of the store's types: text as pandas'
    Arrow-backed strings, periods as days (held as datetime64[us], which pandas keeps)."""
    def text(column):
        cells = frame[column]
        return cells.array if cells.dtype == "str" else pd.array(cells.to_numpy(dtype=object), dtype="str")

    def number(column):
        cells = frame[column]
        if cells.dtype == np.float64:
            return cells.to_numpy()
        return pd.to_numeric(cells).to_numpy(dtype="float64", na_value=np.nan)

    periods = frame["period"]
    stamps = periods.to_numpy() if periods.dtype.kind == "M" else pd.to_datetime(periods).to_numpy()
    return {
        "unit": text("unit"),
        "measure": text("measure"),
        "period": stamps.astype("datetime64[D]").astype("datetime64[us]"),
        **{c: number(c) for c in NUMBER_COLUMNS},
        "comment": text("comment"),
    }


def _arrow_observations(columns: dict[str, object], **extra) -> pa.Table:
    """Observation columns as an Arrow table DuckDB scans without copying; periods as DATE."""
    return pa.table({
        "unit": pa.array(columns["unit"], pa.string()),
        "measure": pa.array(columns["measure"], pa.string()),
        "period": pa.array(np.asarray(columns["period"]).astype("datetime64[D]")),
        **{c: pa.array(columns[c], pa.float64()) for c in NUMBER_COLUMNS},
        "comment": pa.array(columns["comment"], pa.string()),
        **extra,
    })


class Store:
    """A DuckDB database of units, measure definitions, observations and uploads."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: str):
        self._con = con
        self.path = path
        # Reads every upload needs, each kept with the data version it was read at.
        self._cache: dict[str, tuple[int, object]] = {}

    @classmethod
    def open(cls, path: str | Path) -> Store:
        path = str(path)
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        try:
            con = duckdb.connect(path)
        except duckdb.IOException as err:
            if "lock" in str(err).lower():
                raise StoreBusy(
                    f"The database {path} is in use by another program (probably the running app); "
                    "stop it or use another --db, then try again."
                ) from None
            raise
        # A commit is durable once its write-ahead log is synced; folding the log into the
        # file (a checkpoint) can wait. At DuckDB's default 16 MB a single 100,000-row upload
        # (about 13 MB of log) would checkpoint inside the user's wait; at this size it happens
        # after a few dozen such uploads, or when the store is closed.
        con.execute("SET checkpoint_threshold = '256MB'")
        store = cls(con, path)
        store._migrate()
        return store

    def close(self) -> None:
        self._con.close()

    # -- plumbing -----------------------------------------------------------------------

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor for one read or write; frames registered on it go when it is closed."""
        return self._con.cursor()

    def _read(self, sql: str, params: list | None = None) -> pd.DataFrame:
        with self._cursor() as cur:
            return cur.execute(sql, params or []).df()

    def _write(self, work, bump: bool = True) -> object:
        """Run ``work(cursor)`` in one transaction under the process write lock, bumping the
        data version (unless ``work`` bumps it itself: ``_bump_version``); roll back
        everything on any error."""
        with _WRITE_LOCK, self._cursor() as cur:
            return self._transaction(cur, work, bump)

    @staticmethod
    def _transaction(cur, work, bump: bool) -> object:
        cur.execute("BEGIN TRANSACTION")
        try:
            result = work(cur)
            if bump:
                _bump_version(cur)
            cur.execute("COMMIT")
        except duckdb.TransactionException as err:
            cur.execute("ROLLBACK")
            raise StoreConflict(
                "Someone else saved changes at the same moment; nothing of yours was saved. Please try again."
            ) from err
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        return result

    def _migrate(self) -> None:
        with _WRITE_LOCK, self._cursor() as cur:
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

    def _cached(self, name: str, load):
        """``load()``, read again only once a write has moved the data version on. The version
        is read first, so a write racing the load only makes the next call read again."""
        version = self.data_version()
        hit = self._cache.get(name)
        if hit is None or hit[0] != version:
            hit = self._cache[name] = (version, load())
        return hit[1]

    def schema_version(self) -> int:
        return int(self._read("SELECT value FROM meta WHERE key = 'schema_version'").iloc[0, 0])

    def data_version(self) -> int:
        with self._cursor() as cur:
            return _version(cur)

    # -- hierarchy ------------------------------------------------------------------------

    def units(self) -> pd.DataFrame:
        return self._cached("units", self._units).copy()

    def _units(self) -> pd.DataFrame:
        columns = ["code", "name", "level", "parent"]
        with self._cursor() as cur:
            found = cur.execute(
                "SELECT code, name, level, coalesce(parent, '') FROM units ORDER BY level, name"
            ).fetchall()
        return pd.DataFrame({c: pd.array([row[i] for row in found], dtype="string") for i, c in enumerate(columns)})

    def save_units(self, units: pd.DataFrame) -> int:
        """Add new units and rename or re-parent existing ones; returns how many changed."""
        def work(cur):
            return self._upsert_units(cur, units, upload_id=None)
        return self._write(work)

    @staticmethod
    def _upsert_units(cur, units: pd.DataFrame, upload_id: int | None) -> int:
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
            [_now(), upload_id],
        )
        return int(changed)

    # -- measure definitions ---------------------------------------------------------------

    def save_definitions(self, definitions: list[MeasureDefinition], recorded_by: str | None = None) -> int:
        """Record each definition that differs from its current version as a new version."""
        current = {d.code: d for d in self.definitions()}
        changed = [d for d in definitions if current.get(d.code) != d]
        if not changed:
            return 0

        def work(cur):
            versions = dict(cur.execute("SELECT code, max(version) FROM measure_versions GROUP BY code").fetchall())
            rows = pd.DataFrame([d.as_row() for d in changed], columns=list(FIELD_NAMES))
            rows["version"] = [versions.get(d.code, 0) + 1 for d in changed]
            rows["recorded_at"] = _now()
            rows["recorded_by"] = recorded_by
            rows["baseline_points"] = rows["baseline_points"].astype("Int64")
            rows["target"] = rows["target"].astype("Float64")
            cur.register("incoming_definitions", rows)
            cols = ", ".join(["code", "version", *[f for f in FIELD_NAMES if f != "code"], "recorded_at", "recorded_by"])
            cur.execute(f"INSERT INTO measure_versions ({cols}) SELECT {cols} FROM incoming_definitions")
            return len(changed)

        return self._write(work)

    def definition_versions(self, code: str | None = None) -> pd.DataFrame:
        """Every recorded version of the definitions (or of one), newest first."""
        where, params = ("WHERE code = ?", [code]) if code else ("", [])
        return self._read(
            f"SELECT * FROM measure_versions {where} ORDER BY code, version DESC", params
        )

    def definitions(self) -> list[MeasureDefinition]:
        """The current version of every measure, in family then name order."""
        return list(self._cached("definitions", self._definitions))

    def _definitions(self) -> list[MeasureDefinition]:
        with self._cursor() as cur:
            found = cur.execute(
                f"SELECT {', '.join(FIELD_NAMES)} FROM measure_versions ORDER BY code, version"
            ).fetchall()
        latest = {row[0]: dict(zip(FIELD_NAMES, row)) for row in found}  # the last version wins
        out = []
        for values in latest.values():
            values["target"] = None if values["target"] is None else float(values["target"])
            values["screen_moving_ranges"] = bool(values["screen_moving_ranges"])
            values["multiplier"] = float(values["multiplier"])
            out.append(MeasureDefinition(**values))
        order = {"outcome": 0, "process": 1, "balancing": 2}
        return sorted(out, key=lambda d: (order[d.family], d.name))

    # -- observations ---------------------------------------------------------------------

    def observations(
        self,
        units: list[str] | None = None,
        measures: list[str] | None = None,
        as_of: datetime | None = None,
    ) -> pd.DataFrame:
        """Observations (current, or as they stood at ``as_of``) in team, measure, period order."""
        where, params = [], []
        if units is not None:
            where.append("list_contains(?, unit)")
            params.append(list(units))
        if measures is not None:
            where.append("list_contains(?, measure)")
            params.append(list(measures))
        cond = " AND ".join(where) or "TRUE"
        cols = "unit, measure, period, numerator, denominator, value, comment, upload_id"
        if as_of is None:
            sql = f"SELECT {cols} FROM observations WHERE {cond} ORDER BY unit, measure, period"
        else:
            sql = f"""
                SELECT {cols.replace('upload_id', 'source_upload AS upload_id')} FROM (
                    SELECT h.*, row_number() OVER (
                        PARTITION BY unit, measure, period ORDER BY h.upload_id DESC) AS rn
                    FROM observation_history h JOIN uploads u USING (upload_id)
                    WHERE u.uploaded_at <= ? AND {cond})
                WHERE rn = 1 AND NOT removed ORDER BY unit, measure, period"""
            params = [as_of, *params]
        frame = self._read(sql, params)
        frame["period"] = pd.to_datetime(frame["period"])
        return frame

    def diff(self, incoming: pd.DataFrame) -> tuple[pd.DataFrame, int]:
        """Each incoming row with ``change`` = added / updated / unchanged and the stored
        values, and the data version the diff holds for (``commit_upload`` reuses the diff if
        nothing has been written since). The version is read first: a write landing between
        the two reads only makes the diff look older than it is."""
        with self._cursor() as cur:
            version = _version(cur)
            return self._diff(cur, _observation_columns(incoming)), version

    @staticmethod
    def _diff(cur, incoming: dict[str, object]) -> pd.DataFrame:
        # Only the stored rows that match come back from DuckDB, with their incoming row's
        # position: the incoming rows are not copied through SQL and keep their order, so
        # the caller's row numbers line up with them.
        n = len(incoming["period"])
        cur.register("incoming_obs", _arrow_observations(incoming, _position=np.arange(n)))
        stored = cur.execute(
            f"""SELECT i._position, {_SAME_VALUES} AS same, o.numerator, o.denominator, o.value, o.comment
                FROM incoming_obs i JOIN observations o
                  ON i.unit = o.unit AND i.measure = o.measure AND i.period = o.period"""
        ).fetchnumpy()
        # Spread the stored rows to their positions; rows with none are added. Text columns
        # are taken from a few distinct strings (or the stored rows), not built per row.
        at = np.asarray(stored["_position"], dtype=np.intp)
        change = np.zeros(n, dtype=np.intp)
        change[at] = np.where(np.asarray(stored["same"], dtype=bool), 1, 2)
        columns = {**incoming, "change": pd.array(["added", "unchanged", "updated"], dtype="str").take(change)}
        for column in NUMBER_COLUMNS:
            values = np.full(n, np.nan)
            values[at] = np.ma.filled(stored[column].astype("float64"), np.nan)
            columns[f"old_{column}"] = values
        comments = np.full(n, -1, dtype=np.intp)
        comments[at] = np.arange(len(at))
        old_comments = pd.array(np.ma.filled(stored["comment"].astype(object), None), dtype="str")
        columns["old_comment"] = old_comments.take(comments, allow_fill=True)
        return pd.DataFrame(columns, copy=False)

    def commit_upload(
        self,
        incoming: pd.DataFrame,
        meta: UploadMeta,
        new_units: pd.DataFrame | None = None,
        diffed_at: int | None = None,
    ) -> UploadSummary:
        """Save validated observations in one transaction.

        ``incoming`` may be ``diff``'s result, taken at data version ``diffed_at``: it is used
        as it is if nothing has been written since. Otherwise the diff is taken again inside
        the transaction, so a change saved by someone else since the preview is accounted for.
        """
        def work(cur):
            unchanged_since_diff = _bump_version(cur) == diffed_at
            if unchanged_since_diff and "change" in incoming.columns:
                changes = incoming
            else:
                changes = self._diff(cur, _observation_columns(incoming))
            change = changes["change"]
            updated = int((change == "updated").sum())
            rows = _arrow_observations(_observation_columns(changes))
            written = (change != "unchanged").to_numpy(dtype=bool)
            if not written.all():
                rows = rows.filter(pa.array(written))
            added = len(rows) - updated
            unchanged = len(changes) - len(rows)
            teams = sorted(pc.unique(rows["unit"].drop_null()).to_pylist())
            upload_id = cur.execute(
                """INSERT INTO uploads VALUES (nextval('upload_ids'), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
                       'saved', NULL, NULL) RETURNING upload_id""",
                [_now(), meta.uploaded_by, meta.file_name, meta.sha256, meta.kind, meta.mapping,
                 added, updated, unchanged, teams],
            ).fetchall()[0][0]
            if new_units is not None:
                self._upsert_units(cur, new_units, upload_id)
            cur.register("written_obs", rows)
            if updated:
                _supersede(cur, "written_obs", upload_id)
            cur.execute(
                f"""INSERT INTO observation_history ({_HISTORY_COLUMNS})
                    SELECT {", ".join(OBSERVATION_COLUMNS)}, $1, $1, false FROM written_obs""",
                [upload_id],
            )
            return UploadSummary(upload_id, added, updated, unchanged, teams)

        return self._write(work, bump=False)

    # -- uploads and undo -----------------------------------------------------------------

    def uploads(self) -> pd.DataFrame:
        return self._read("SELECT * FROM uploads ORDER BY upload_id DESC")

    def undo_upload(self, upload_id: int, undone_by: str | None = None) -> UndoSummary:
        """Revert what an upload changed, keeping values that later uploads wrote since.

        Each value the upload wrote that is still current goes back to the value it replaced
        (skipping values written by uploads that were themselves undone); a value the upload
        added is removed. The undo is itself recorded as an upload, and history keeps all.
        """
        def work(cur):
            found = cur.execute(
                "SELECT status, kind, file_name FROM uploads WHERE upload_id = ?", [upload_id]
            ).fetchall()
            if not found:
                raise StoreError(f"There is no upload number {upload_id}.")
            status, kind, file_name = found[0]
            if kind == "undo":
                raise StoreError(f"Upload {upload_id} is itself an undo; it cannot be undone.")
            if status == "undone":
                raise StoreError(f"Upload {upload_id} ({file_name}) has already been undone.")
            undo_id = cur.execute("SELECT nextval('upload_ids')").fetchall()[0][0]
            reverts = cur.execute(
                """
                WITH mine AS (
                    SELECT unit, measure, period FROM observations WHERE upload_id = ?),
                earlier AS (
                    SELECT h.*, row_number() OVER (
                        PARTITION BY h.unit, h.measure, h.period ORDER BY h.upload_id DESC) AS rn
                    FROM observation_history h JOIN mine USING (unit, measure, period)
                    LEFT JOIN uploads u ON u.upload_id = h.source_upload
                    WHERE h.upload_id < ? AND coalesce(u.status, '') <> 'undone')
                SELECT m.unit, m.measure, m.period, e.numerator, e.denominator, e.value,
                       e.comment, e.source_upload, coalesce(e.removed, true) AS removed
                FROM mine m LEFT JOIN earlier e
                  ON e.unit = m.unit AND e.measure = m.measure AND e.period = m.period AND e.rn = 1
                """,
                [upload_id, upload_id],
            ).df()
            cur.register("reverts", reverts)
            _supersede(cur, "reverts", undo_id)
            cur.execute(
                f"""INSERT INTO observation_history ({_HISTORY_COLUMNS})
                    SELECT {", ".join(OBSERVATION_COLUMNS)}, $1, source_upload, removed FROM reverts""",
                [undo_id],
            )
            removed = int(reverts["removed"].sum())
            teams = sorted(reverts["unit"].unique().tolist())
            cur.execute(
                """INSERT INTO uploads VALUES (?, ?, ?, ?, NULL, 'undo', NULL, 0, ?, 0, ?,
                       'saved', ?, NULL)""",
                [undo_id, _now(), undone_by, f"undo of upload {upload_id} ({file_name})",
                 len(reverts), teams, upload_id],
            )
            cur.execute(
                "UPDATE uploads SET status = 'undone', undone_by = ? WHERE upload_id = ?",
                [undo_id, upload_id],
            )
            return UndoSummary(undo_id, len(reverts) - removed, removed, teams)

        return self._write(work)

    # -- tests of change (PDSA cycles) ------------------------------------------------------

    def tests_of_change(self, units: list[str] | None = None) -> pd.DataFrame:
        """Dated tests of change, marked on the charts of the teams that made them."""
        where, params = ("WHERE list_contains(?, unit)", [list(units)]) if units is not None else ("", [])
        frame = self._read(
            f"SELECT change_id, unit, date, title, detail, recorded_by FROM tests_of_change {where} ORDER BY date, change_id",
            params,
        )
        frame["date"] = pd.to_datetime(frame["date"])
        return frame

    def add_tests_of_change(self, changes: pd.DataFrame, recorded_by: str | None = None) -> int:
        """Record tests of change (columns unit, date, title, detail)."""
        rows = changes[["unit", "date", "title", "detail"]].copy()
        rows["date"] = pd.to_datetime(rows["date"]).dt.date

        def work(cur):
            cur.register("incoming_changes", rows)
            cur.execute(
                """INSERT INTO tests_of_change SELECT nextval('change_ids'), unit, date, title,
                       detail, ?, ? FROM incoming_changes""",
                [_now(), recorded_by],
            )
            return len(rows)

        return self._write(work)

    # -- saved column mappings ------------------------------------------------------------

    def save_mapping(self, name: str, signature: str, spec: dict, saved_by: str | None = None) -> None:
        def work(cur):
            cur.execute(
                """INSERT INTO mappings VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE
                   SET signature = excluded.signature, spec = excluded.spec,
                       saved_at = excluded.saved_at, saved_by = excluded.saved_by""",
                [name, signature, json.dumps(spec, sort_keys=True), _now(), saved_by],
            )
        self._write(work)

    def mappings(self) -> pd.DataFrame:
        frame = self._read("SELECT name, signature, spec, saved_at, saved_by FROM mappings ORDER BY name")
        frame["spec"] = [json.loads(s) for s in frame["spec"]]
        return frame


def as_of_end_of(day: date) -> datetime:
    """The moment at the end of a calendar day (UTC), for "as it was on" views."""
    return datetime(day.year, day.month, day.day, 23, 59, 59, 999999, tzinfo=UTC)
