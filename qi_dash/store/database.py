"""The ``Store``: one DuckDB connection per process (``Store.open``), a cursor per use, a
process-wide write lock around every write transaction, and a data version bumped inside each
write so cached reads can tell when to refresh (see docs in the streamlit recipes note, §5
and §8). Observation history's SQL is in ``history``, the units' in ``units``, PDSA cycles' in ``cycles``.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from qi_dash.definitions import FIELD_NAMES, MeasureDefinition
from qi_dash.hierarchy import Hierarchy
from qi_dash.aims import Aim
from qi_dash.pdsa import PdsaCycle
from qi_dash.store import aims, cycles, history, mappings, phases, saves, schema, summary
from qi_dash.store.errors import StoreBusy, StoreConflict
from qi_dash.store.history import RedoSummary, UndoSummary, UploadMeta, UploadSummary
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
        version = self.data_version()
        return self._cached("hierarchy", lambda: Hierarchy(
            self._cached("units", self._units, version), self._cached("aliases", self._aliases, version)), version)

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
        """
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

    def redo_upload(self, upload_id: int, redone_by: str | None = None) -> RedoSummary:
        """Undo an upload's undo: put back exactly the values the undo reverted, if none has
        been written since (else StoreError naming them, nothing written). Recorded as an
        upload of kind "redo"; the upload can then be undone again."""
        def work(cur):
            redone = history.redo(cur, upload_id, redone_by)
            summary.refresh_upload(cur, redone.redo_id)
            return redone

        return self._write(work)

    # -- the series summary ---------------------------------------------------------------

    def summary(self, units: list[str] | None = None) -> pd.DataFrame:
        """Each unit × measure series' latest point, limits and icons (``qi_dash.summary``),
        as the last write left them: no series is recomputed to read it."""
        with self._cursor() as cur:
            return summary.read(cur, units)

    # -- PDSA cycles ------------------------------------------------------------------------

    def pdsa_cycles(self, units: list[str] | None = None) -> pd.DataFrame:
        """Each PDSA cycle as it is now (of ``units``, or all), in Plan date order (``store.cycles``)."""
        with self._cursor() as cur:
            return cycles.read_cycles(cur, units)

    def pdsa_cycle_versions(self, cycle_id: int) -> pd.DataFrame:
        """Every version of a cycle, newest first, with who saved it and when."""
        with self._cursor() as cur:
            return cycles.read_versions(cur, cycle_id)

    def save_pdsa_cycle(self, cycle: PdsaCycle, by: str | None = None) -> int:
        """Record a new cycle (``cycle_id`` None) or save an edit as its next version; returns
        its id. PdsaError, and nothing written, if it cannot be saved."""
        checked = cycle.checked({d.code for d in self.definitions()})

        def work(cur):
            if checked.cycle_id is None:
                return cycles.add(cur, [checked], by)[0]
            cycles.edit(cur, checked, by)
            return checked.cycle_id

        return self._write(work)

    def add_pdsa_cycles(self, new: list[PdsaCycle], by: str | None = None) -> list[int]:
        """Record many new cycles in one transaction (all or none); returns their ids."""
        known = {d.code for d in self.definitions()}
        checked = [cycle.checked(known) for cycle in new]
        return self._write(lambda cur: cycles.add(cur, checked, by))

    # -- aims, target trajectories and a unit's people (store/aims.py) ---------------------

    def aims(self) -> list[Aim]:
        return self._cached("aims", lambda: self._in_cursor(aims.read_aims))

    def aim_versions(self, aim_id: int) -> pd.DataFrame:
        return self._in_cursor(aims.read_aim_versions, aim_id)

    def save_aims(self, to_save: list[Aim], by: str | None = None, *, delete: bool = False) -> list[int]:
        """Record each aim as its next version (or a new aim), or as deleted; returns their ids."""
        return self._write(lambda cur: aims.save_aims(cur, to_save, by, deleted=delete))

    def target_steps(self) -> pd.DataFrame:
        return self._cached("target_steps", lambda: self._in_cursor(aims.read_target_steps)).copy()

    def target_versions(self, unit: str, measure: str) -> pd.DataFrame:
        return self._in_cursor(aims.read_target_versions, unit, measure)

    def save_targets(self, steps: pd.DataFrame, by: str | None = None) -> int:
        """Save trajectories (``store.aims.save_targets``); the assurance of every series of
        their measures is refreshed in the same transaction (a directorate's or everyone's
        trajectory reaches teams that follow it)."""
        def work(cur):
            saved = aims.save_targets(cur, steps, by)
            if saved:
                summary.refresh_measures(cur, sorted(set(steps["measure"])))
            return saved

        return self._write(work)

    def people(self) -> pd.DataFrame:
        return self._cached("people", lambda: self._in_cursor(aims.read_people)).copy()

    def people_versions(self, unit: str) -> pd.DataFrame:
        return self._in_cursor(aims.read_people_versions, unit)

    def save_people(self, people: pd.DataFrame, by: str | None = None) -> int:
        return self._write(lambda cur: aims.save_people(cur, people, by))

    def _in_cursor(self, read, *args):
        with self._cursor() as cur:
            return read(cur, *args)

    # -- phase changes (store/phases.py) ---------------------------------------------------

    def phase_changes(self, units: list[str] | None = None, measures: list[str] | None = None) -> pd.DataFrame:
        """Every phase change (``phases.FRAME_COLUMNS``), undone ones too, unit × measure × period order."""
        with self._cursor() as cur:
            return phases.read(cur, units, measures)

    def add_phase_changes(self, changes: pd.DataFrame, recorded_by: str | None = None) -> list[int]:
        """Record phase changes (columns unit, measure, period, kind, reason, cycle_id); their ids."""
        def work(cur):
            ids = phases.add(cur, changes, recorded_by)
            summary.refresh(cur, changes[["unit", "measure"]])  # the series' limits moved
            return ids

        return self._write(work)

    def add_phase_change(self, unit: str, measure: str, period, kind: str, reason: str,
                         recorded_by: str | None = None, cycle_id: int | None = None) -> int:
        """Record one phase change; its id."""
        row = pd.DataFrame([{"unit": unit, "measure": measure, "period": period, "kind": kind, "reason": reason,
                             "cycle_id": cycle_id}])
        return self.add_phase_changes(row, recorded_by)[0]

    def undo_phase_change(self, change_id: int, by: str | None = None) -> None:
        """Record that a phase change no longer holds (kept, with who undid it and when)."""
        def work(cur):
            summary.refresh(cur, phases.undo(cur, change_id, by))

        self._write(work)

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
