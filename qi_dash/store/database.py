"""The ``Store``: one DuckDB connection per process (``Store.open``), a cursor per use, a
process-wide write lock around every write transaction, and a data version bumped inside each
write so cached reads can tell when to refresh (see docs in the streamlit recipes note, §5
and §8). Observation history's SQL is in ``history``, the units' in ``units``.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from qi_dash.definitions import FIELD_NAMES, MeasureDefinition
from qi_dash.hierarchy import Hierarchy
from qi_dash.store import history, mappings, schema, summary
from qi_dash.store.errors import StoreBusy, StoreConflict
from qi_dash.store.history import UndoSummary, UploadMeta, UploadSummary
from qi_dash.store.mappings import NamedMapping
from qi_dash.store.units import read_aliases, read_units, upsert_aliases, upsert_units

# A process may hold one database file; every write in the process goes through this lock.
_WRITE_LOCK = threading.Lock()


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
        data version (unless ``work`` bumps it itself: ``schema.bump_data_version``); roll back
        everything on any error."""
        with _WRITE_LOCK, self._cursor() as cur:
            return self._transaction(cur, work, bump)

    @staticmethod
    def _transaction(cur, work, bump: bool) -> object:
        cur.execute("BEGIN TRANSACTION")
        try:
            result = work(cur)
            if bump:
                schema.bump_data_version(cur)
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
            schema.migrate(cur)
            summary.fill_if_missing(cur)

    def _cached(self, name: str, load):
        """``load()``, read again only once a write has moved the data version on. The version
        is read first, so a write racing the load only makes the next call read again."""
        version = self.data_version()
        hit = self._cache.get(name)
        if hit is None or hit[0] != version:
            hit = self._cache[name] = (version, load())
        return hit[1]

    def schema_version(self) -> int:
        with self._cursor() as cur:
            return schema.schema_version(cur)

    def data_version(self) -> int:
        with self._cursor() as cur:
            return schema.data_version(cur)

    # -- hierarchy ------------------------------------------------------------------------

    def units(self) -> pd.DataFrame:
        return self._cached("units", self._units).copy()

    def _units(self) -> pd.DataFrame:
        with self._cursor() as cur:
            return read_units(cur)

    def save_units(self, units: pd.DataFrame) -> int:
        """Add new units and rename or re-parent existing ones; returns how many changed."""
        def work(cur):
            changed = upsert_units(cur, units, upload_id=None)
            if changed:  # a unit moved or was added: pooled series may have other teams now
                summary.refresh(cur)
            return changed
        return self._write(work)

    def hierarchy(self) -> Hierarchy:
        """The units and their aliases as one ``Hierarchy``, built once per data version."""
        return self._cached("hierarchy", lambda: Hierarchy(self.units(), self.aliases()))

    def aliases(self) -> pd.DataFrame:
        """Other spellings of units (alias, unit, added_at, added_by, added_by_upload)."""
        return self._cached("aliases", self._aliases).copy()

    def _aliases(self) -> pd.DataFrame:
        with self._cursor() as cur:
            return read_aliases(cur)

    def save_aliases(self, aliases: pd.DataFrame, added_by: str | None = None) -> int:
        """Add aliases (columns alias, unit); returns how many were new or moved."""
        return self._write(lambda cur: upsert_aliases(cur, aliases, added_by, upload_id=None))

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
            rows["recorded_at"] = datetime.now(UTC)
            rows["recorded_by"] = recorded_by
            rows["baseline_points"] = rows["baseline_points"].astype("Int64")
            rows["target"] = rows["target"].astype("Float64")
            cur.register("incoming_definitions", rows)
            cols = ", ".join(["code", "version", *[f for f in FIELD_NAMES if f != "code"], "recorded_at", "recorded_by"])
            cur.execute(f"INSERT INTO measure_versions ({cols}) SELECT {cols} FROM incoming_definitions")
            summary.refresh_measures(cur, [d.code for d in changed])
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
            return summary.read_definitions(cur)

    # -- observations ---------------------------------------------------------------------

    def observations(
        self,
        units: list[str] | None = None,
        measures: list[str] | None = None,
        as_of: datetime | None = None,
    ) -> pd.DataFrame:
        """Observations (current, or as they stood at ``as_of``) in team, measure, period order."""
        with self._cursor() as cur:
            return history.read_observations(cur, units, measures, as_of)

    def diff(self, incoming: pd.DataFrame) -> tuple[pd.DataFrame, int]:
        """Each incoming row merged with the stored values (``history.diff``: a blank keeps
        the stored value unless its ``clears_<column>`` flag is set), with ``change`` =
        added / updated / unchanged, ``cleared`` and the stored values, and the data version the diff holds for (``commit_upload`` reuses the diff if
        nothing has been written since). The version is read first: a write landing between
        the two reads only makes the diff look older than it is."""
        with self._cursor() as cur:
            version = schema.data_version(cur)
            return history.diff(cur, incoming), version

    def commit_upload(
        self,
        incoming: pd.DataFrame,
        meta: UploadMeta,
        new_units: pd.DataFrame | None = None,
        diffed_at: int | None = None,
        mapping: NamedMapping | None = None,
        new_aliases: pd.DataFrame | None = None,
    ) -> UploadSummary:
        """Save validated observations (and new units and their aliases) in one transaction,
        with the column ``mapping`` that read them when the user named it to be saved.

        ``incoming`` may be ``diff``'s result, taken at data version ``diffed_at``: it is used
        as it is if nothing has been written since. Otherwise the diff is taken again inside
        the transaction, so a change saved by someone else since the preview is accounted for.
        Blanks keep stored values unless the rows say otherwise (``history.diff``). An upload
        that changes nothing is not recorded and leaves the data version as it is; its
        summary says so (``changed`` is False).
        """
        def work(cur):
            saved = history.commit(cur, incoming, meta, new_units, diffed_at)
            if saved.changed:
                summary.refresh_upload(cur, saved.upload_id)
            if mapping is not None:
                mappings.save(cur, mapping, meta.uploaded_by)
            if new_aliases is not None:
                upsert_aliases(cur, new_aliases, meta.uploaded_by, saved.upload_id)
            return saved

        return self._write(work, bump=False)

    # -- uploads and undo -----------------------------------------------------------------

    def uploads(self) -> pd.DataFrame:
        """Every upload and undo, newest first; ``wrote_values`` says whether it wrote any
        value (only those can be undone)."""
        with self._cursor() as cur:
            return history.read_uploads(cur)

    def undo_upload(self, upload_id: int, undone_by: str | None = None) -> UndoSummary:
        """Revert what an upload changed, keeping values that later uploads wrote since.

        Each value the upload wrote that is still current goes back to the value it replaced
        (skipping values written by uploads that were themselves undone); a value the upload
        added is removed. The undo is itself recorded as an upload, and history keeps all.
        An upload that changed no values (older databases recorded such) is refused.
        """
        def work(cur):
            undone = history.undo(cur, upload_id, undone_by)
            summary.refresh_upload(cur, undone.undo_id)
            return undone

        return self._write(work)

    # -- the series summary ---------------------------------------------------------------

    def summary(self, units: list[str] | None = None) -> pd.DataFrame:
        """Each unit × measure series' latest point, limits and icons (``qi_dash.summary``),
        as the last write left them: no series is recomputed to read it."""
        with self._cursor() as cur:
            return summary.read(cur, units)

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
                [datetime.now(UTC), recorded_by],
            )
            return len(rows)

        return self._write(work)

    # -- saved column mappings ------------------------------------------------------------

    def mappings(self) -> pd.DataFrame:
        """The saved mappings (name, signature, spec, version, saved_at, saved_by), deleted
        ones left out, in name order."""
        with self._cursor() as cur:
            return mappings.read_current(cur)

    def mapping(self, name: str) -> pd.Series:
        """The current version of the mapping called ``name``; StoreError if there is none."""
        current = self.mappings()
        found = current[current["name"] == name]
        if found.empty:
            raise mappings.no_such_mapping(name, current["name"].tolist())
        return found.iloc[0]

    def mapping_versions(self, name: str) -> pd.DataFrame:
        """Every version of a mapping (version, name, change, signature, spec, saved_at,
        saved_by), newest first; empty if there never was one of that name."""
        with self._cursor() as cur:
            return mappings.read_versions(cur, name)

    def save_mapping(self, name: str, signature: str, spec: dict, saved_by: str | None = None) -> bool:
        """Save a mapping as its next version; False (nothing saved) if identical to the current one."""
        return self._write(lambda cur: mappings.save(cur, NamedMapping(name, signature, spec), saved_by))

    def rename_mapping(self, old: str, new: str, by: str | None = None) -> None:
        self._write(lambda cur: mappings.rename(cur, old, new, by))

    def delete_mapping(self, name: str, by: str | None = None) -> None:
        """Stop recognising and listing a mapping; its history is kept."""
        self._write(lambda cur: mappings.delete(cur, name, by))
