"""The series summary table: each unit × measure's latest point, limits and icons, kept in step
with the observations by the transaction that writes them (``qi_dash.summary`` computes it).

``refresh`` is the one way the table changes: an upload and an undo call it for the team
series they wrote, a change of definitions or of target trajectories for the measures
changed, a change of units for everything, a phase change added or undone (which moves
limits) for its series.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pyarrow as pa

from qi_dash import summary, targets
from qi_dash.definitions import FIELD_NAMES, MeasureDefinition
from qi_dash.hierarchy import Hierarchy
from qi_dash.store import phases
from qi_dash.store.aims import read_target_steps
from qi_dash.store.units import read_units


def read_definitions(cur: duckdb.DuckDBPyConnection) -> list[MeasureDefinition]:
    """The current version of every measure, in family then name order."""
    found = cur.execute(f"SELECT {', '.join(FIELD_NAMES)} FROM measure_versions ORDER BY code, version").fetchall()
    latest = {row[0]: dict(zip(FIELD_NAMES, row)) for row in found}  # the last version wins
    out = []
    for values in latest.values():
        values["target"] = None if values["target"] is None else float(values["target"])
        values["screen_moving_ranges"] = bool(values["screen_moving_ranges"])
        values["multiplier"] = float(values["multiplier"])
        out.append(MeasureDefinition(**values))
    order = {"outcome": 0, "process": 1, "balancing": 2}
    return sorted(out, key=lambda d: (order[d.family], d.name))


def refresh(cur: duckdb.DuckDBPyConnection, series: pd.DataFrame | None = None) -> int:
    """Recompute the summary of the team series ``series`` (columns unit, measure) and of the
    pooled series above them, inside the caller's transaction; None recomputes every series.
    Returns how many summary rows were written."""
    tree = Hierarchy(read_units(cur))
    definitions = read_definitions(cur)
    # Each series as its chart analyses it: the targets its unit follows, its phase changes.
    as_charted = {
        "targets": targets.targets_by_unit(read_target_steps(cur), tree.path_to, {d.code: d.target for d in definitions}),
        "phase_changes": phases.read(cur, None, None),
    }
    if series is None:
        observations = _observations(cur, None, None)
        fresh = summary.summarise(observations, definitions, tree, **as_charted)
        cur.execute("DELETE FROM series_summary")
    else:
        series = series[["unit", "measure"]].drop_duplicates()
        if series.empty:
            return 0
        stale = summary.affected(tree, series)
        # A pooled series reads every team under its units: all teams of the organisations touched.
        tops = {tree.path_to(u)[0] for u in stale["unit"].unique() if u in tree}
        teams = sorted({t for top in tops for t in tree.teams_under(top)} | set(series["unit"]))
        observations = _observations(cur, teams, sorted(set(series["measure"])))
        fresh = summary.summarise(observations, definitions, tree, series, **as_charted)
        cur.register("stale_summary", pa.Table.from_pandas(stale, preserve_index=False))
        cur.execute(
            "DELETE FROM series_summary s USING stale_summary k WHERE s.unit = k.unit AND s.measure = k.measure"
        )
    rows = fresh.assign(latest_period=fresh["latest_period"].astype("datetime64[us]"))
    cur.register("fresh_summary", pa.Table.from_pandas(rows, preserve_index=False))
    cur.execute(f"INSERT INTO series_summary SELECT {', '.join(summary.SUMMARY_COLUMNS)} FROM fresh_summary")
    return len(fresh)


def _observations(cur: duckdb.DuckDBPyConnection, units: list[str] | None, measures: list[str] | None) -> pd.DataFrame:
    """The current observations' numbers (of the given units and measures, or all), units and
    measures as categories: read as Arrow, millions of rows without a Python string each."""
    where, params = [], []
    for column, chosen in (("unit", units), ("measure", measures)):
        if chosen is not None:
            where.append(f"list_contains(?, {column})")
            params.append(list(chosen))
    table = cur.sql(
        f"""SELECT unit, measure, period, numerator, denominator, value FROM observations
            WHERE {" AND ".join(where) or "TRUE"}""", params=params).to_arrow_table()
    for name in ("unit", "measure"):
        table = table.set_column(table.schema.get_field_index(name), name, table[name].dictionary_encode())
    frame = table.to_pandas()
    frame["period"] = pd.to_datetime(frame["period"])
    return frame


def refresh_upload(cur: duckdb.DuckDBPyConnection, upload_id: int) -> int:
    """Recompute the series an upload or undo wrote (and the pooled series above them)."""
    series = cur.execute(
        "SELECT DISTINCT unit, measure FROM observation_history WHERE upload_id = ?", [upload_id]
    ).df()
    return refresh(cur, series)


def refresh_measures(cur: duckdb.DuckDBPyConnection, measures: list[str]) -> int:
    """Recompute every series of the given measures (their definitions changed)."""
    series = cur.execute(
        "SELECT DISTINCT unit, measure FROM observations WHERE list_contains(?, measure)", [list(measures)]
    ).df()
    return refresh(cur, series)


def fill_if_missing(cur: duckdb.DuckDBPyConnection) -> None:
    """A database made before the summary existed gets it computed once, when first opened."""
    empty = cur.execute("SELECT count(*) = 0 FROM series_summary").fetchall()[0][0]
    has_data = cur.execute("SELECT count(*) > 0 FROM (SELECT 1 FROM observations LIMIT 1)").fetchall()[0][0]
    if empty and has_data:
        cur.execute("BEGIN TRANSACTION")
        try:
            refresh(cur)
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise


def read(cur: duckdb.DuckDBPyConnection, units: list[str] | None = None) -> pd.DataFrame:
    """Summary rows (of the given units, or all), in unit and measure order."""
    where, params = ("WHERE list_contains(?, unit)", [list(units)]) if units is not None else ("", [])
    frame = cur.execute(
        f"SELECT {', '.join(summary.SUMMARY_COLUMNS)} FROM series_summary {where} ORDER BY unit, measure", params
    ).df()
    frame["latest_period"] = pd.to_datetime(frame["latest_period"])
    return frame
