"""PDSA cycles and their history, as the store keeps them.

``tests_of_change`` holds each cycle as it is now (its ``date`` is the Plan date and ``detail``
the change idea: the names it had when a test of change was only a title and a date). Every save
also appends the whole cycle to ``pdsa_cycle_versions`` with who saved it and when, so an edit
never loses what the cycle said before. The functions here run on a cursor the ``Store`` gives
them, writes inside its transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pandas as pd
import pyarrow as pa

from qi_dash.pdsa import DATE_COLUMNS, PdsaCycle, measure_codes
from qi_dash.store import dialect
from qi_dash.store.errors import StoreError

# Table column → the cycle's field (qi_dash.pdsa.PdsaCycle), for everything a version holds.
_FIELDS = {
    "unit": "unit", "date": "plan_date", "title": "title", "detail": "change_idea", "measures": "measures",
    "prediction": "prediction", "plan_notes": "plan_notes", "do_date": "do_date", "do_notes": "do_notes",
    "study_date": "study_date", "study_notes": "study_notes", "act_date": "act_date", "act_notes": "act_notes",
    "learned": "learned", "decision": "decision",
}
_SELECT = ", ".join(f"{column} AS {name}" if column != name else column for column, name in _FIELDS.items())
_TABLE_DATES = {"date", "do_date", "study_date", "act_date"}


def read_cycles(cur: duckdb.DuckDBPyConnection, units: list[str] | None = None,
                as_of: datetime | None = None) -> pd.DataFrame:
    """Each cycle as it is now, or as it stood at ``as_of`` (its newest version saved by then;
    cycles first saved later are left out): ``cycle_id``, the cycle's fields,
    ``recorded_at``/``recorded_by`` of its first version and its ``version``, in Plan date order."""
    where, params = (f"WHERE {dialect.of(cur).in_list('unit')}", [list(units)]) if units is not None else ("", [])
    if as_of is None:
        source = "tests_of_change"
    else:
        source = """(SELECT v.* FROM pdsa_cycle_versions v JOIN (
                        SELECT change_id, max(version) AS version FROM pdsa_cycle_versions WHERE saved_at <= ?
                        GROUP BY change_id) AS n USING (change_id, version)) AS c
                    JOIN (SELECT change_id, saved_at AS recorded_at, saved_by AS recorded_by
                          FROM pdsa_cycle_versions WHERE version = 1) AS f USING (change_id)"""
        params = [as_of, *params]
    frame = cur.execute(
        f"""SELECT change_id AS cycle_id, {_SELECT}, recorded_at, recorded_by, version
            FROM {source} {where} ORDER BY date, change_id""",
        params,
    ).df()
    return _dates(frame)


def read_versions(cur: duckdb.DuckDBPyConnection, cycle_id: int) -> pd.DataFrame:
    """Every version of one cycle, newest first, with ``saved_at`` and ``saved_by``."""
    frame = cur.execute(
        f"""SELECT change_id AS cycle_id, version, {_SELECT}, saved_at, saved_by
            FROM pdsa_cycle_versions WHERE change_id = ? ORDER BY version DESC""",
        [cycle_id],
    ).df()
    return _dates(frame)


def add(cur: duckdb.DuckDBPyConnection, cycles: list[PdsaCycle], by: str | None) -> list[int]:
    """Record new cycles (each checked already) as version 1; returns their ids in order."""
    if not cycles:
        return []
    ids = [row[0] for row in cur.execute(dialect.of(cur).new_ids("change_ids"), [len(cycles)]).fetchall()]
    now = datetime.now(UTC)
    cur.register("incoming_cycles", _arrow(cycles, ids))
    columns = ", ".join(_FIELDS)
    cur.execute(
        f"""INSERT INTO tests_of_change (change_id, {columns}, recorded_at, recorded_by, version)
            SELECT change_id, {columns}, ?, ?, 1 FROM incoming_cycles""",
        [now, by],
    )
    _append_versions(cur, now, by)
    return ids


def edit(cur: duckdb.DuckDBPyConnection, cycle: PdsaCycle, by: str | None) -> bool:
    """Save an edit of a stored cycle as its next version; False (nothing written) when it is
    the same as the current version."""
    found = read_cycle(cur, cycle.cycle_id)
    if found is None:
        raise StoreError(f"There is no PDSA cycle number {cycle.cycle_id} to edit; it may have been removed.")
    if found == cycle:
        return False
    now = datetime.now(UTC)
    cur.register("incoming_cycles", _arrow([cycle], [cycle.cycle_id]))
    assignments = ", ".join(f"{column} = i.{column}" for column in _FIELDS)
    cur.execute(
        f"""UPDATE tests_of_change t SET {assignments}, version = t.version + 1
            FROM incoming_cycles i WHERE t.change_id = i.change_id"""
    )
    _append_versions(cur, now, by)
    return True


def read_cycle(cur: duckdb.DuckDBPyConnection, cycle_id: int | None) -> PdsaCycle | None:
    frame = cur.execute(
        f"SELECT change_id AS cycle_id, {_SELECT}, recorded_by FROM tests_of_change WHERE change_id = ?",
        [cycle_id],
    ).df()
    return None if frame.empty else PdsaCycle.from_row(_dates(frame).iloc[0])


def _append_versions(cur: duckdb.DuckDBPyConnection, now: datetime, by: str | None) -> None:
    """Each registered incoming cycle as the next version in its history (the table now holds it)."""
    columns = ", ".join(_FIELDS)
    cur.execute(
        f"""INSERT INTO pdsa_cycle_versions (change_id, version, {columns}, saved_at, saved_by)
            SELECT t.change_id, t.version, {", ".join(f"t.{c}" for c in _FIELDS)}, ?, ?
            FROM tests_of_change t JOIN incoming_cycles i USING (change_id)""",
        [now, by],
    )


def _arrow(cycles: list[PdsaCycle], ids: list[int]) -> pa.Table:
    """The cycles as a typed table for DuckDB to read in one statement (an empty list of
    measures stays a list of text, not a column of unknown type)."""
    columns: dict[str, pa.Array] = {"change_id": pa.array(ids, pa.int64())}
    for column, name in _FIELDS.items():
        values = [getattr(cycle, name) for cycle in cycles]
        if column == "measures":
            columns[column] = pa.array([list(v) for v in values], pa.list_(pa.string()))
        elif column in _TABLE_DATES:
            columns[column] = pa.array(values, pa.date32())
        else:
            columns[column] = pa.array([v if v != "" else None for v in values], pa.string())
    return pa.table(columns)


def _dates(frame: pd.DataFrame) -> pd.DataFrame:
    for column in DATE_COLUMNS:
        frame[column] = pd.to_datetime(frame[column])
    frame["measures"] = [measure_codes(codes) for codes in frame["measures"]]
    return frame
