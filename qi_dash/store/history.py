"""Observation history: every value ever written, and what uploads and undos wrote.

Every value ever written is a row of ``observation_history``, appended once and never
changed or deleted: by which upload (``upload_id``: the upload or undo that wrote the row;
``source_upload``: whose value it is, which differs when an undo restores an earlier value),
including removals made by an undo (``removed``). When a later upload or undo replaces a
value, the value's row is marked ``superseded_by`` that upload. The view ``observations`` is
the current value of each unit × measure × period: the rows not superseded or removed. So
each value is written once, and nothing is ever overwritten.

The functions here run on a cursor the ``Store`` gives them, writes inside its transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from qi_dash.access import Actor
from qi_dash.store import dialect
from qi_dash.store.errors import StalePreview, StoreError
from qi_dash.store.saves import changed_since
from qi_dash.store.schema import bump_data_version, data_version
from qi_dash.store.units import upsert_units
from qi_dash.vocabulary import NUMBER_COLUMNS, VALUE_COLUMNS

OBSERVATION_COLUMNS = ["unit", "measure", "period", "numerator", "denominator", "value", "comment"]
# An incoming row i holds the same numbers as the stored row o it matches.
_SAME_NUMBERS = " AND ".join(f"i.{c} IS NOT DISTINCT FROM o.{c}" for c in NUMBER_COLUMNS)


@dataclass(frozen=True)
class UploadMeta:
    file_name: str
    sha256: str
    # Who uploads: ``Store.commit_upload`` checks the actor's rights and records its identity.
    uploaded_by: Actor | str | None = None
    mapping: str | None = None
    kind: str = "upload"


@dataclass
class UploadSummary:
    upload_id: int | None
    added: int
    updated: int
    unchanged: int
    teams: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether the upload changed anything (and so was recorded, with an upload_id)."""
        return self.upload_id is not None

    def sentence(self) -> str:
        if not self.changed:
            return f"nothing changed: all {self.unchanged} rows are already saved"
        return f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged"


@dataclass
class UndoSummary:
    undo_id: int
    restored: int
    removed: int
    teams: list[str]

    def sentence(self) -> str:
        return f"{self.restored} values restored to what they were before, {self.removed} removed"


# Whether upload u wrote any value: older databases recorded uploads that changed nothing,
# which have nothing to undo.
_WROTE_VALUES = "EXISTS (SELECT 1 FROM observation_history h WHERE h.upload_id = u.upload_id) AS wrote_values"


def read_uploads(cur: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every upload and undo, newest first, with ``wrote_values``: whether it wrote any value."""
    return cur.execute(f"SELECT *, {_WROTE_VALUES} FROM uploads u ORDER BY upload_id DESC").df()


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


def unit_measure_filter(engine: dialect.DuckDBDialect, units: list[str] | None, measures: list[str] | None,
                        table: str = "") -> tuple[str, list]:
    """A WHERE condition (and its parameters) keeping rows of the units and measures given
    (None: all); ``table`` qualifies the columns (e.g. "c.")."""
    where, params = [], []
    if units is not None:
        where.append(engine.in_list(f"{table}unit"))
        params.append(list(units))
    if measures is not None:
        where.append(engine.in_list(f"{table}measure"))
        params.append(list(measures))
    return " AND ".join(where) or "TRUE", params


def read_observations(
    cur: duckdb.DuckDBPyConnection,
    units: list[str] | None,
    measures: list[str] | None,
    as_of: datetime | None,
) -> pd.DataFrame:
    """Observations (current, or as they stood at ``as_of``) in team, measure, period order."""
    cond, params = unit_measure_filter(dialect.of(cur), units, measures)
    cols = "unit, measure, period, numerator, denominator, value, comment, upload_id"
    if as_of is None:
        sql = f"SELECT {cols} FROM observations WHERE {cond} ORDER BY unit, measure, period"
    else:
        sql = f"""
            SELECT {cols.replace('upload_id', 'source_upload AS upload_id')} FROM (
                SELECT h.*, row_number() OVER (
                    PARTITION BY unit, measure, period ORDER BY h.upload_id DESC) AS rn
                FROM observation_history h JOIN uploads u USING (upload_id)
                WHERE u.uploaded_at <= ? AND {cond}) AS h
            WHERE rn = 1 AND NOT removed ORDER BY unit, measure, period"""
        params = [as_of, *params]
    frame = cur.execute(sql, params).df()
    frame["period"] = pd.to_datetime(frame["period"])
    return frame


def diff(cur: duckdb.DuckDBPyConnection, incoming: pd.DataFrame) -> pd.DataFrame:
    """What saving ``incoming`` would store, row by row, merged with the stored values.

    A blank number or comment keeps the stored one: a row with no numbers keeps the stored
    numbers, a row with no comment the stored comment. Only where the optional bool column
    ``clears_<column>`` is true (the file carries the column and the user chose that blank
    cells clear stored values) does a blank clear it. A row with any number replaces the
    stored numbers as a whole, so a row never mixes its numbers with older ones.

    Returns the rows in order with the values to save in the observation columns, the
    stored ones in ``old_<column>``, ``change`` = added / updated / unchanged (judged after
    the merge) and ``cleared``, the stored values a blank clears ("value, comment"), or NA.
    ``file_numbers`` and ``file_comment`` say whether a row's numbers and comment are the
    file's (else the stored ones, kept), so a diff's result can be diffed again.
    """
    if "file_numbers" in incoming.columns:
        incoming = _as_in_file(incoming)
    columns = _observation_columns(incoming)
    # Only the stored rows that match come back from DuckDB, with their incoming row's
    # position: the incoming rows are not copied through SQL and keep their order, so
    # the caller's row numbers line up with them.
    n = len(columns["period"])
    cur.register("incoming_obs", _arrow_observations(columns, _position=np.arange(n)))
    stored = cur.sql(
        f"""SELECT i._position, {_SAME_NUMBERS} AS same_numbers,
                   coalesce(i.comment = o.comment, false) AS same_comment,
                   o.numerator, o.denominator, o.value, o.comment
            FROM incoming_obs i JOIN observations o
              ON i.unit = o.unit AND i.measure = o.measure AND i.period = o.period"""
    ).to_arrow_table()
    # Spread the stored rows to their positions (as Arrow: no per-row Python objects).
    at = stored["_position"].to_numpy()
    matched = np.zeros(n, dtype=bool)
    matched[at] = True
    old = {}
    for column in NUMBER_COLUMNS:
        old[column] = np.full(n, np.nan)
        old[column][at] = stored[column].to_numpy()  # NULL comes as NaN
    comments = np.full(n, -1, dtype=np.intp)
    comments[at] = np.arange(len(at))
    old["comment"] = pd.array(stored["comment"], dtype="str").take(comments, allow_fill=True)
    # The file's numbers (or comment) equal to the stored ones, as SQL compared them.
    file_same = {"numbers": np.zeros(n, dtype=bool), "comment": np.zeros(n, dtype=bool)}
    file_same["numbers"][at] = stored["same_numbers"].to_numpy()
    file_same["comment"][at] = stored["same_comment"].to_numpy()

    clears = {
        c: incoming[f"clears_{c}"].to_numpy(dtype=bool) if f"clears_{c}" in incoming.columns else np.zeros(n, dtype=bool)
        for c in VALUE_COLUMNS
    }

    blank = {c: np.isnan(columns[c]) for c in NUMBER_COLUMNS}
    no_numbers = blank["numerator"] & blank["denominator"] & blank["value"]
    blank["comment"] = np.asarray(pd.isna(columns["comment"]), dtype=bool)
    merged, cleared = dict(columns), np.zeros(n, dtype=np.intp)
    same = matched & (no_numbers | file_same["numbers"]) & (blank["comment"] | file_same["comment"])
    for bit, column in enumerate(VALUE_COLUMNS):
        blank_here = (no_numbers if column in NUMBER_COLUMNS else blank[column]) & matched
        clearing = blank_here & clears[column]
        if clearing.any():
            stored_here = ~np.asarray(pd.isna(old[column]), dtype=bool)
            cleared |= (clearing & stored_here & blank[column]) << bit
            same &= ~(clearing & stored_here)  # clearing a stored value changes the row
        keep = blank_here & ~clearing
        if not keep.any():
            continue
        if column == "comment":
            kept = pc.if_else(pa.array(keep), pa.array(old[column]), pa.array(columns[column]))
            merged[column] = pd.array(kept, dtype="str")
        else:
            merged[column] = np.where(keep, old[column], columns[column])
    change = np.where(matched, np.where(same, 1, 2), 0)
    # Each set of cleared columns by its bits ("value, comment"); code -1 (nothing) is NA.
    words = [", ".join(c for bit, c in enumerate(VALUE_COLUMNS) if code >> bit & 1)
             for code in range(1, 1 << len(VALUE_COLUMNS))]
    return pd.DataFrame({
        **merged,
        "change": pd.array(["added", "unchanged", "updated"], dtype="str").take(change),
        "cleared": pd.Categorical.from_codes(cleared - 1, words),
        **{f"old_{c}": old[c] for c in VALUE_COLUMNS},
        **{f"clears_{c}": clears[c] for c in VALUE_COLUMNS},
        "file_numbers": ~no_numbers,
        "file_comment": ~blank["comment"],
    }, copy=False)


def _as_in_file(changes: pd.DataFrame) -> pd.DataFrame:
    """A diff's rows with the values the file gave: the stored values it kept blanked again."""
    numbers, comment = changes["file_numbers"].to_numpy(dtype=bool), changes["file_comment"].to_numpy(dtype=bool)
    return changes.assign(
        **{c: changes[c].where(numbers) for c in NUMBER_COLUMNS},
        comment=changes["comment"].where(comment),
    )


def commit(
    cur: duckdb.DuckDBPyConnection,
    incoming: pd.DataFrame,
    meta: UploadMeta,
    new_units: pd.DataFrame | None,
    diffed_at: int | None,
    seen_upload: int | None = None,
) -> UploadSummary:
    """Save an upload's observations (and new units), bumping the data version: the work of
    ``Store.commit_upload`` inside its transaction. An upload that changes nothing is not
    recorded: no upload row, no history, the same data version (its summary's
    ``upload_id`` is None).

    ``incoming`` with ``diffed_at`` is a preview (``diff``'s result at that data version): it
    is saved exactly as previewed. If anything was written since, it is diffed again, and
    unless that gives the very same rows (another team's upload, a PDSA cycle) and it adds no
    units, refused with ``StalePreview`` (saying what: the uploads after ``seen_upload``).
    Without ``diffed_at`` the rows are diffed here."""
    if diffed_at is None or "change" not in incoming.columns:
        changes = diff(cur, incoming)
    elif data_version(cur) == diffed_at:
        changes = incoming
    else:
        changes = diff(cur, incoming)
        adds_units = new_units is not None and not new_units.empty
        if adds_units or not _same_rows(incoming, changes):
            raise StalePreview(f"The data changed since this preview ({changed_since(cur, seen_upload)})")
    change = changes["change"]
    updated = int((change == "updated").sum())
    written = (change != "unchanged").to_numpy(dtype=bool)
    no_units = new_units is None or new_units.empty
    if not written.any() and no_units:
        return UploadSummary(None, 0, 0, len(changes))
    bump_data_version(cur)
    rows = _arrow_observations(_observation_columns(changes))
    if not written.all():
        rows = rows.filter(pa.array(written))
    added = len(rows) - updated
    unchanged = len(changes) - len(rows)
    teams = sorted(pc.unique(rows["unit"].drop_null()).to_pylist())
    upload_id = cur.execute(
        """INSERT INTO uploads VALUES (nextval('upload_ids'), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
               'saved', NULL, NULL) RETURNING upload_id""",
        [datetime.now(UTC), meta.uploaded_by, meta.file_name, meta.sha256, meta.kind, meta.mapping,
         added, updated, unchanged, teams],
    ).fetchall()[0][0]
    if not no_units:
        upsert_units(cur, new_units, upload_id)
    cur.register("written_obs", rows)
    if updated:
        _supersede(cur, "written_obs", upload_id)
    cur.execute(
        f"""INSERT INTO observation_history ({_HISTORY_COLUMNS})
            SELECT {", ".join(OBSERVATION_COLUMNS)}, $1, $1, false FROM written_obs""",
        [upload_id],
    )
    return UploadSummary(upload_id, added, updated, unchanged, teams)


def _same_rows(previewed: pd.DataFrame, again: pd.DataFrame) -> bool:
    """Whether a diff taken again says what the preview said: each row's values, change,
    what it clears and the stored values it replaces."""
    columns = [c for c in again.columns if c not in ("file_numbers", "file_comment")]
    return previewed[columns].reset_index(drop=True).equals(again[columns].reset_index(drop=True))


def undo(cur: duckdb.DuckDBPyConnection, upload_id: int, undone_by: str | None) -> UndoSummary:
    """Revert an upload: the work of ``Store.undo_upload`` inside its transaction."""
    found = cur.execute(
        f"SELECT status, kind, file_name, {_WROTE_VALUES} FROM uploads u WHERE upload_id = ?", [upload_id]
    ).fetchall()
    if not found:
        raise StoreError(f"There is no upload number {upload_id}.")
    status, kind, file_name, wrote_values = found[0]
    if kind == "undo":
        raise StoreError(f"Upload {upload_id} is itself an undo; it cannot be undone.")
    if kind == "redo":
        raise StoreError(f"Upload {upload_id} is a redo ({file_name}); undo that upload instead.")
    if status == "undone":
        raise StoreError(f"Upload {upload_id} ({file_name}) has already been undone.")
    if not wrote_values:
        raise StoreError(f"Upload {upload_id} ({file_name}) changed no values, so there is nothing to undo.")
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
        [undo_id, datetime.now(UTC), undone_by, f"undo of upload {upload_id} ({file_name})",
         len(reverts), teams, upload_id],
    )
    cur.execute(
        "UPDATE uploads SET status = 'undone', undone_by = ? WHERE upload_id = ?",
        [undo_id, upload_id],
    )
    return UndoSummary(undo_id, len(reverts) - removed, removed, teams)


@dataclass
class RedoSummary:
    redo_id: int
    restored: int
    teams: list[str]

    def sentence(self) -> str:
        return f"{self.restored} values put back as the upload saved them"


def redo(cur: duckdb.DuckDBPyConnection, upload_id: int, redone_by: str | None) -> RedoSummary:
    """Undo an upload's undo: the work of ``Store.redo_upload`` inside its transaction.

    The values the undo reverted go back to exactly what the upload wrote, replacing what the
    undo restored, and the upload counts as saved again (it can be undone again). Refused,
    naming each row, if any of those values has been written since the undo."""
    found = cur.execute("SELECT status, kind, file_name, undone_by FROM uploads WHERE upload_id = ?",
                        [upload_id]).fetchall()
    if not found:
        raise StoreError(f"There is no upload number {upload_id}.")
    status, kind, file_name, undo_id = found[0]
    if kind in ("undo", "redo"):
        raise StoreError(f"Upload {upload_id} is itself {'an undo' if kind == 'undo' else 'a redo'}; "
                         "only an undone upload can be redone.")
    if status != "undone":
        raise StoreError(f"Upload {upload_id} ({file_name}) is not undone, so there is nothing to redo.")
    # Each value the undo wrote must still be the latest written for its row.
    changed = cur.execute(
        """WITH reverted AS (SELECT unit, measure, period FROM observation_history WHERE upload_id = $1),
           latest AS (
               SELECT h.unit, h.measure, h.period, h.upload_id, row_number() OVER (
                   PARTITION BY h.unit, h.measure, h.period ORDER BY h.upload_id DESC) AS rn
               FROM observation_history h JOIN reverted USING (unit, measure, period))
           SELECT l.unit, l.measure, l.period, l.upload_id, u.file_name
           FROM latest l JOIN uploads u USING (upload_id)
           WHERE l.rn = 1 AND l.upload_id <> $1 ORDER BY l.unit, l.measure, l.period""",
        [undo_id],
    ).df()
    if not changed.empty:
        rows = [f"{r.unit} × {r.measure} × {r.period:%d/%m/%Y} (upload {r.upload_id}, {r.file_name})"
                for r in changed.head(_NAMED_ROWS).itertuples(index=False)]
        more = f" and {len(changed) - _NAMED_ROWS:,} more" if len(changed) > _NAMED_ROWS else ""
        raise StoreError(
            f"Upload {upload_id} ({file_name}) cannot be redone: {len(changed):,} of the values its undo put back "
            f"have been changed since: {'; '.join(rows)}{more}. Nothing was changed; to save its values over "
            "the newer ones, upload the file again and check the preview.")
    redo_id = cur.execute("SELECT nextval('upload_ids')").fetchall()[0][0]
    # Read out before the history changes under it.
    cur.register("restored_obs", cur.sql(
        """SELECT h.unit, h.measure, h.period, h.numerator, h.denominator, h.value, h.comment
           FROM observation_history h
           WHERE h.upload_id = $1 AND EXISTS (
               SELECT 1 FROM observation_history r
               WHERE r.upload_id = $2 AND r.unit = h.unit AND r.measure = h.measure AND r.period = h.period)""",
        params=[upload_id, undo_id],
    ).to_arrow_table())
    _supersede(cur, "restored_obs", redo_id)
    cur.execute(
        f"""INSERT INTO observation_history ({_HISTORY_COLUMNS})
            SELECT {", ".join(OBSERVATION_COLUMNS)}, $1, $2, false FROM restored_obs""",
        [redo_id, upload_id],
    )
    restored = cur.execute("SELECT count(*) FROM restored_obs").fetchall()[0][0]
    teams = sorted(row[0] for row in cur.execute("SELECT DISTINCT unit FROM restored_obs").fetchall())
    cur.execute(
        """INSERT INTO uploads VALUES (?, ?, ?, ?, NULL, 'redo', NULL, 0, ?, 0, ?, 'saved', ?, NULL)""",
        [redo_id, datetime.now(UTC), redone_by, f"redo of upload {upload_id} ({file_name})", restored, teams,
         undo_id],
    )
    cur.execute("UPDATE uploads SET status = 'undone', undone_by = ? WHERE upload_id = ?", [redo_id, undo_id])
    cur.execute("UPDATE uploads SET status = 'saved', undone_by = NULL WHERE upload_id = ?", [upload_id])
    return RedoSummary(redo_id, restored, teams)


_NAMED_ROWS = 5  # rows named in a refusal; the rest are counted


def as_of_end_of(day: date) -> datetime:
    """The moment at the end of a calendar day (UTC), for "as it was on" views."""
    return datetime(day.year, day.month, day.day, 23, 59, 59, 999999, tzinfo=UTC)
