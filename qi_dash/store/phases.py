"""Phase changes' SQL: every change kept with who, when and why; an undo is a recorded
reversal (a row in ``phase_change_undos``), never a delete."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pandas as pd

from qi_dash.store import dialect
from qi_dash.store.errors import StoreError
from qi_dash.store.history import unit_measure_filter
from qi_dash.vocabulary import PHASE_KINDS

INCOMING = ["unit", "measure", "period", "kind", "reason", "cycle_id"]


def read(cur: duckdb.DuckDBPyConnection, units: list[str] | None, measures: list[str] | None) -> pd.DataFrame:
    """Every change (undone ones too, with who undid them and when), in unit, measure,
    period order; ``active`` is true for those still in force."""
    cond, params = unit_measure_filter(dialect.of(cur), units, measures, table="c.")
    frame = cur.execute(
        f"""SELECT c.change_id, c.unit, c.measure, c.period, c.kind, c.reason, c.cycle_id,
                   c.recorded_by, c.recorded_at, u.undone_by, u.undone_at, u.change_id IS NULL AS active
            FROM phase_changes c LEFT JOIN phase_change_undos u USING (change_id)
            WHERE {cond}
            ORDER BY c.unit, c.measure, c.period, c.change_id""",
        params,
    ).df()
    frame["period"] = pd.to_datetime(frame["period"])
    frame["cycle_id"] = frame["cycle_id"].astype("Int64")
    return frame


def add(cur: duckdb.DuckDBPyConnection, changes: pd.DataFrame, recorded_by: str | None) -> list[int]:
    """Record changes (columns ``INCOMING``); refuses, writing nothing, a kind not in the
    vocabulary, a blank reason, or a period that already has a change in force."""
    rows = changes.reindex(columns=INCOMING).copy()
    rows["period"] = pd.to_datetime(rows["period"]).dt.date
    rows["reason"] = rows["reason"].fillna("").astype(str).str.strip()
    rows["cycle_id"] = rows["cycle_id"].astype("Int64")
    bad_kind = sorted(set(rows["kind"]) - set(PHASE_KINDS))
    if bad_kind:
        raise StoreError(f"A phase change is one of {', '.join(PHASE_KINDS)}; got {', '.join(map(str, bad_kind))}.")
    if (rows["reason"] == "").any():
        raise StoreError("Every phase change needs a reason.")
    if rows.duplicated(["unit", "measure", "period"]).any():
        raise StoreError("Two phase changes at one period of one measure: record one.")
    cur.register("incoming_phase_changes", rows)
    clash = cur.execute(
        """SELECT i.unit, i.measure, i.period FROM incoming_phase_changes i
           JOIN phase_changes c USING (unit, measure, period)
           LEFT JOIN phase_change_undos u USING (change_id) WHERE u.change_id IS NULL LIMIT 1"""
    ).fetchall()
    if clash:
        unit, measure, period = clash[0]
        raise StoreError(f"{unit} already has a phase change in force on {measure} at {period:%d/%m/%Y}.")
    return [row[0] for row in cur.execute(
        """INSERT INTO phase_changes
           SELECT nextval('phase_change_ids'), unit, measure, period, kind, reason, cycle_id, ?, ?
           FROM incoming_phase_changes RETURNING change_id""",
        [datetime.now(UTC), recorded_by],
    ).fetchall()]


def undo(cur: duckdb.DuckDBPyConnection, change_id: int, undone_by: str | None) -> pd.DataFrame:
    """Record that a change no longer holds; refuses an unknown change or a second undo.
    Returns the series it was on (one row: unit, measure)."""
    found = cur.execute(
        """SELECT u.change_id IS NOT NULL, c.unit, c.measure
           FROM phase_changes c LEFT JOIN phase_change_undos u USING (change_id)
           WHERE c.change_id = ?""",
        [change_id],
    ).fetchall()
    if not found:
        raise StoreError(f"There is no phase change {change_id}.")
    undone, unit, measure = found[0]
    if undone:
        raise StoreError(f"Phase change {change_id} has already been undone.")
    cur.execute("INSERT INTO phase_change_undos VALUES (?, ?, ?)", [change_id, datetime.now(UTC), undone_by])
    return pd.DataFrame({"unit": [unit], "measure": [measure]})
