"""The ``Store``: a database file borrowed for each unit of work (``connection``: the process
lets the file go between them, so the command line can load beside the running app), a cursor
per use, a process-wide write lock around every write transaction, and a data version bumped
inside each write so cached reads can tell when to refresh — another process's writes
included (see docs in the streamlit recipes note, §5 and §8). Observation history's SQL is in
``history``, the units' in ``units``, PDSA cycles' in ``cycles``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
import psycopg

from qi_dash.access import Actor, Grant, Right, acting, check_keeps_administrator, recorded, require, require_undo
from qi_dash.definitions import FIELD_NAMES, MeasureDefinition
from qi_dash.hierarchy import Hierarchy
from qi_dash.store import access, copying, dialect, errors, history, mappings, opening, postgres, saves, schema, summary
from qi_dash.store.connection import APP_LINGER, Connection, default_wait
from qi_dash.store.history import RedoSummary, UndoSummary, UploadMeta, UploadSummary
from qi_dash.store.mappings import NamedMapping
from qi_dash.store.records import TeamRecords
from qi_dash.store.units import read_aliases, read_units, upsert_aliases, upsert_units

# Every write in the process goes through this lock (DuckDB also refuses a second writer).
_WRITE_LOCK = threading.Lock()


class Store(TeamRecords):
    """A DuckDB database of units, measure definitions, observations and uploads."""

    def __init__(self, connection: Connection):
        self._connection = connection
        self.path = connection.path
        # Reads every upload needs, each kept with the data version it was read at.
        self._cache: dict[str, tuple[int, object]] = {}
        self._version_seen: tuple[tuple | None, int] = (None, 0)  # file state, data version

    @classmethod
    def open(cls, path: str | Path, *, create: bool = True, linger: float = APP_LINGER,
             wait: float | None = None) -> Store:
        """The store in ``path``, refused with words (``StoreUnavailable``) if it is missing
        and ``create`` is False, read-only, damaged or fails its integrity check, or in use by
        another process for longer than ``wait`` seconds (default ``QI_DASH_WAIT`` or 30).
        The file is held only while a read or write runs and ``linger`` seconds after."""
        path = str(path)
        if postgres.is_address(path):
            return cls._open_postgres(path)

        def open_connection(first: bool) -> duckdb.DuckDBPyConnection:
            con = opening.connect(path, create=create and first, checked=first)
            # A commit is durable once its write-ahead log is synced; folding the log into the
            # file (a checkpoint) can wait. At DuckDB's default 16 MB a single 100,000-row
            # upload (about 13 MB of log) would checkpoint inside the user's wait; at this size
            # it happens after a few dozen such uploads, or when the file is let go.
            con.execute("SET checkpoint_threshold = '256MB'")
            return con

        connection = Connection(path, open_connection, linger=None if path == ":memory:" else linger,
                                wait=default_wait() if wait is None else wait)
        store = cls(connection)
        try:
            store._migrate()
        except duckdb.Error as err:
            store.close()
            raise errors.open_failed(path, err) from None
        return store

    @classmethod
    def _open_postgres(cls, address: str) -> Store:
        """The store in a PostgreSQL database (``store.postgres``): the database must exist
        (qi-dash makes its tables); refused with words if it cannot be reached or used."""
        connection = postgres.PgConnection(address)
        store = cls(connection)
        try:
            with connection.cursor() as cur:
                postgres.check(cur, connection.path)
            store._migrate()
        except psycopg.Error as err:
            store.close()
            raise postgres.open_failed(connection.path, err) from None
        except BaseException:
            store.close()
            raise
        return store

    def close(self) -> None:
        """Let the file go now (a later read or write opens it again)."""
        self._connection.close()

    def copy_to(self, target: Store) -> int:
        """Copy everything this store holds into ``target``, which must hold no data, in one
        transaction of ``target`` (``store.copying``); returns how many rows were copied."""
        with self._cursor() as cur:
            tables = copying.read_tables(cur)
        return target._write(lambda cur: copying.write_tables(cur, tables, self.path), bump=False)

    # -- plumbing -----------------------------------------------------------------------

    def _cursor(self):
        """A cursor for one read or write; frames registered on it go when it is closed."""
        return self._connection.cursor()

    @contextmanager
    def held(self) -> Iterator[None]:
        """Keep the file open for a unit of work made of several reads with work between them
        (planning an upload: its reads come before and after reading the file, which can take
        longer than the linger), so they share one opening."""
        with self._cursor():
            yield

    def _read(self, sql: str, params: list | None = None) -> pd.DataFrame:
        with self._cursor() as cur:
            return cur.execute(sql, params or []).df()

    def _write(self, work, bump: bool = True) -> object:
        """Run ``work(cursor)`` in one transaction under the process write lock, bumping the
        data version (unless ``work`` bumps it itself: ``schema.bump_data_version``); roll back
        everything on any error."""
        with _WRITE_LOCK, self._cursor() as cur:
            return self._transaction(cur, work, bump)

    def _transaction(self, cur, work, bump: bool) -> object:
        try:
            dialect.of(cur).begin(cur)
            result = work(cur)
            if bump:
                schema.bump_data_version(cur)
            cur.execute("COMMIT")
        except BaseException as err:
            self._connection.rollback(cur)
            instead = self._connection.write_error(err)
            if instead is None:
                raise
            if isinstance(instead, errors.StoreWriteFailed):
                raise instead from None
            raise instead from err
        return result

    def _migrate(self) -> None:
        with _WRITE_LOCK, self._cursor() as cur:
            schema.migrate(cur)
            summary.fill_if_missing(cur)

    def _cached(self, name: str, load, version: int | None = None):
        """``load()``, read again only once a write has moved the data version on. The version
        is read first (or given, by a caller that has just read it), so a write racing the
        load only makes the next call read again."""
        if version is None:
            version = self.data_version()
        hit = self._cache.get(name)
        if hit is None or hit[0] != version:
            hit = self._cache[name] = (version, load())
        return hit[1]

    def _who(self, by: Actor | str | None, right: Right, units: Iterable[str | None] = (None,)) -> str | None:
        """NotAllowed unless ``by`` may do ``right`` for every unit (``access.require``: a bare
        name is an in-process caller, an administrator); the name recorded as who did it."""
        require(acting(by), right, units, self.hierarchy())
        return recorded(by)

    def schema_version(self) -> int:
        with self._cursor() as cur:
            return schema.schema_version(cur)

    def data_version(self) -> int:
        """The data version, bumped by every write of any process. Read without opening the
        file when the file system shows no write since it was last read: a page run that
        finds its reads cached then costs no opening."""
        before = self._connection.file_state()
        if before is not None and self._version_seen[0] == before:
            return self._version_seen[1]
        with self._cursor() as cur:
            version = schema.data_version(cur)
        if before is not None and self._connection.file_state() == before:
            self._version_seen = (before, version)
        return version

    # -- hierarchy ------------------------------------------------------------------------

    def units(self) -> pd.DataFrame:
        return self._cached("units", self._units).copy()

    def _units(self) -> pd.DataFrame:
        with self._cursor() as cur:
            return read_units(cur)

    def save_units(self, units: pd.DataFrame, by: Actor | str | None = None) -> int:
        """Add new units and rename or re-parent existing ones; returns how many changed."""
        self._who(by, Right.HIERARCHY)

        def work(cur):
            changed = upsert_units(cur, units, upload_id=None)
            if changed:  # a unit moved or was added: pooled series may have other teams now
                summary.refresh(cur)
            return changed
        return self._write(work)

    def hierarchy(self) -> Hierarchy:
        """The units and their aliases as one ``Hierarchy``, built once per data version."""
        version = self.data_version()
        return self._cached("hierarchy", lambda: Hierarchy(
            self._cached("units", self._units, version), self._cached("aliases", self._aliases, version)), version)

    def aliases(self) -> pd.DataFrame:
        """Other spellings of units (alias, unit, added_at, added_by, added_by_upload)."""
        return self._cached("aliases", self._aliases).copy()

    def _aliases(self) -> pd.DataFrame:
        with self._cursor() as cur:
            return read_aliases(cur)

    def save_aliases(self, aliases: pd.DataFrame, added_by: Actor | str | None = None) -> int:
        """Add aliases (columns alias, unit); returns how many were new or moved."""
        who = self._who(added_by, Right.HIERARCHY)
        return self._write(lambda cur: upsert_aliases(cur, aliases, who, upload_id=None))

    # -- measure definitions ---------------------------------------------------------------

    def save_definitions(self, definitions: list[MeasureDefinition], recorded_by: Actor | str | None = None) -> int:
        """Record each definition that differs from its current version as a new version."""
        recorded_by = self._who(recorded_by, Right.DEFINITIONS)
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
        seen_upload: int | None = None,
    ) -> UploadSummary:
        """Save validated observations (and new units and their aliases) in one transaction,
        with the column ``mapping`` that read them when the user named it to be saved.

        ``incoming`` may be ``diff``'s result, taken at data version ``diffed_at`` when
        ``seen_upload`` was the newest upload: it is saved as previewed, or refused with
        ``StalePreview`` (nothing written) so the user sees a new preview (``history.commit``).
        Blanks keep stored values unless the rows say otherwise (``history.diff``). An upload
        that changes nothing is not recorded and leaves the data version as it is; its
        summary says so (``changed`` is False).

        ``meta.uploaded_by`` must be allowed to upload for every team in ``incoming``, to add
        ``new_units`` and their aliases, and to save ``mapping`` (NotAllowed otherwise).
        """
        by = meta.uploaded_by
        if new_units is not None and not new_units.empty:
            self._who(by, Right.HIERARCHY)
        if mapping is not None:
            self._who(by, Right.MAPPINGS)
        who = self._who(by, Right.UPLOAD, incoming["unit"].dropna().unique().tolist() or [None])
        meta = replace(meta, uploaded_by=who)

        def work(cur):
            saved = history.commit(cur, incoming, meta, new_units, diffed_at, seen_upload)
            if saved.changed:
                summary.refresh_upload(cur, saved.upload_id)
            if mapping is not None:
                mappings.save(cur, mapping, meta.uploaded_by)
            if new_aliases is not None:
                upsert_aliases(cur, new_aliases, meta.uploaded_by, saved.upload_id)
            return saved

        return self._write(work, bump=False)

    # -- uploads and undo -----------------------------------------------------------------

    def newest_upload(self) -> int:
        """The id of the newest upload or undo (0 if none): a preview's mark of what it has seen."""
        with self._cursor() as cur:
            return saves.newest_upload(cur)

    def uploads(self) -> pd.DataFrame:
        """Every upload and undo, newest first; ``wrote_values`` says whether it wrote any
        value (only those can be undone)."""
        with self._cursor() as cur:
            return history.read_uploads(cur)

    def undo_upload(self, upload_id: int, undone_by: Actor | str | None = None) -> UndoSummary:
        """Revert what an upload changed, keeping values that later uploads wrote since.

        Each value the upload wrote that is still current goes back to the value it replaced
        (skipping values written by uploads that were themselves undone); a value the upload
        added is removed. The undo is itself recorded as an upload, and history keeps all.
        An upload that changed no values (older databases recorded such) is refused. Only its
        uploader (for teams they may upload for) or an administrator may undo it
        (``access.can_undo``).
        """
        actor, tree, who = acting(undone_by), self.hierarchy(), recorded(undone_by)

        def work(cur):
            found = cur.execute("SELECT uploaded_by, teams FROM uploads WHERE upload_id = ?", [upload_id]).fetchall()
            if found:
                require_undo(actor, upload_id, found[0][0], found[0][1] or [], tree)
            undone = history.undo(cur, upload_id, who)
            summary.refresh_upload(cur, undone.undo_id)
            return undone

        return self._write(work)

    def redo_upload(self, upload_id: int, redone_by: Actor | str | None = None) -> RedoSummary:
        """Undo an upload's undo: put back exactly the values the undo reverted, if none has
        been written since (else StoreError naming them, nothing written). Recorded as an
        upload of kind "redo"; the upload can then be undone again. Who may redo it is who
        may undo it (``access.can_undo``)."""
        actor, tree, who = acting(redone_by), self.hierarchy(), recorded(redone_by)

        def work(cur):
            found = cur.execute("SELECT uploaded_by, teams FROM uploads WHERE upload_id = ?", [upload_id]).fetchall()
            if found:
                require_undo(actor, upload_id, found[0][0], found[0][1] or [], tree, what="redo")
            redone = history.redo(cur, upload_id, who)
            summary.refresh_upload(cur, redone.redo_id)
            return redone

        return self._write(work)

    # -- the series summary ---------------------------------------------------------------

    def summary(self, units: list[str] | None = None) -> pd.DataFrame:
        """Each unit × measure series' latest point, limits and icons (``qi_dash.summary``),
        as the last write left them: no series is recomputed to read it."""
        with self._cursor() as cur:
            return summary.read(cur, units)

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

    def save_mapping(self, name: str, signature: str, spec: dict, saved_by: Actor | str | None = None) -> bool:
        """Save a mapping as its next version; False (nothing saved) if identical to the current one."""
        who = self._who(saved_by, Right.MAPPINGS)
        return self._write(lambda cur: mappings.save(cur, NamedMapping(name, signature, spec), who))

    def rename_mapping(self, old: str, new: str, by: Actor | str | None = None) -> None:
        who = self._who(by, Right.MAPPINGS)
        self._write(lambda cur: mappings.rename(cur, old, new, who))

    def delete_mapping(self, name: str, by: Actor | str | None = None) -> None:
        """Stop recognising and listing a mapping; its history is kept."""
        who = self._who(by, Right.MAPPINGS)
        self._write(lambda cur: mappings.delete(cur, name, who))

    # -- grants: who holds which role (store/access.py) -----------------------------------

    def grants(self) -> list[Grant]:
        """The grants in force; read once per data version."""
        return list(self._cached("grants", lambda: self._in_cursor(access.read_grants)))

    def grant_versions(self) -> pd.DataFrame:
        return self._in_cursor(access.read_versions)

    def save_grants(self, grants: list[Grant], by: Actor | str | None = None) -> tuple[int, int]:
        """Make ``grants`` the grants in force, keeping an administrator; (granted, revoked)."""
        who = self._who(by, Right.ADMINISTER)
        check_keeps_administrator(grants, "the grants")
        return self._write(lambda cur: access.save_grants(cur, grants, who))
