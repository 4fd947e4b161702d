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
from qi_dash.store import dialect, phases
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
    """Recompute the summary of the series ``series`` (columns unit, measure) and of the
    pooled series above them, inside the caller's transaction; None recomputes every series.
    Returns how many summary rows were written.

    A pooled series is combined from its teams here, in the database (``_pooled_rows``), so
    one team's upload reads its own rows and the combined rows above it, not every team's."""
    tree = Hierarchy(read_units(cur))
    definitions = read_definitions(cur)
    # Each series as its chart analyses it: the targets its unit follows, its phase changes.
    as_charted = {
        "targets": targets.targets_by_unit(read_target_steps(cur), tree.path_to, {d.code: d.target for d in definitions}),
        "phase_changes": phases.read(cur, None, None),
    }
    if series is None:
        teams = above = None  # every series
    else:
        series = series[["unit", "measure"]].drop_duplicates(ignore_index=True)
        if series.empty:
            return 0
        stale = summary.affected(tree, series)
        level = stale["unit"].map(tree.frame.set_index("code")["level"])
        teams, above = stale[level == "team"], stale[level.notna() & (level != "team")]
    found = [t for t in (_team_rows(cur, teams), _pooled_rows(cur, tree, definitions, above)) if t is not None]
    rows = _frame(pa.concat_tables(found, promote_options="permissive"))
    fresh = summary.summarise_rows(rows, definitions, **as_charted)
    if series is None:
        cur.execute("DELETE FROM series_summary")
    else:
        cur.register("stale_summary", pa.Table.from_pandas(stale, preserve_index=False))
        cur.execute(
            "DELETE FROM series_summary s USING stale_summary k WHERE s.unit = k.unit AND s.measure = k.measure"
        )
    rows = fresh.assign(latest_period=fresh["latest_period"].astype("datetime64[us]"))
    cur.register("fresh_summary", pa.Table.from_pandas(rows, preserve_index=False))
    cur.execute(f"INSERT INTO series_summary SELECT {', '.join(summary.SUMMARY_COLUMNS)} FROM fresh_summary")
    return len(fresh)


_NUMBERS = "numerator, denominator, value"


def _team_rows(cur: duckdb.DuckDBPyConnection, series: pd.DataFrame | None) -> pa.Table:
    """The current observations' numbers of the team series ``series`` (unit, measure), or of
    every series."""
    if series is None:
        relation = cur.sql(f"SELECT unit, measure, CAST(period AS TIMESTAMP) AS period, {_NUMBERS} FROM observations")
    else:
        cur.register("summary_series", pa.Table.from_pandas(series, preserve_index=False))
        relation = cur.sql(f"""SELECT unit, measure, CAST(period AS TIMESTAMP) AS period, {_NUMBERS}
                               FROM observations JOIN summary_series USING (unit, measure)""")
    return relation.to_arrow_table()


def _pooled_rows(
    cur: duckdb.DuckDBPyConnection, tree: Hierarchy, definitions: list[MeasureDefinition], wanted: pd.DataFrame | None
) -> pa.Table | None:
    """The series of the units above teams (``wanted``: unit, measure; None: every one),
    combined from their teams' rows per period as each measure's definition says: the
    database's version of ``aggregate.combine`` (pooled numerators and denominators, a sum or a
    mean of values, over the teams with a number that period; no rows for a measure that is
    not combined; None when no unit or measure is pooled). The summary's tests hold it equal to
    the charts, which use ``combine``."""
    combined = pd.DataFrame(
        [(d.code, d.aggregation) for d in definitions if d.aggregation != "none"], columns=["measure", "aggregation"]
    )
    units = tree.frame
    above = units.loc[units["level"] != "team", "code"] if wanted is None else wanted["unit"].unique()
    members = pd.DataFrame([(team, unit) for unit in above for team in tree.teams_under(unit)], columns=["team", "unit"])
    if combined.empty or members.empty:
        return None
    cur.register("pool_measures", pa.Table.from_pandas(combined, preserve_index=False))
    cur.register("pool_members", pa.Table.from_pandas(members, preserve_index=False))
    only_wanted = ""
    if wanted is not None:
        cur.register("pool_wanted", pa.Table.from_pandas(wanted, preserve_index=False))
        only_wanted = "JOIN pool_wanted w ON w.unit = p.unit AND w.measure = o.measure"
    with dialect.of(cur).pooling(cur):
        return cur.sql(f"""
        SELECT p.unit, o.measure, CAST(o.period AS TIMESTAMP) AS period,
               CASE WHEN m.aggregation = 'pooled' THEN sum(o.numerator) END AS numerator,
               CASE WHEN m.aggregation = 'pooled' THEN sum(o.denominator) END AS denominator,
               CASE m.aggregation WHEN 'sum' THEN sum(o.value) WHEN 'mean' THEN avg(o.value) END AS value
        FROM observations o
        JOIN pool_members p ON o.unit = p.team
        JOIN pool_measures m ON o.measure = m.measure
        {only_wanted}
        WHERE o.numerator IS NOT NULL OR o.denominator IS NOT NULL OR o.value IS NOT NULL
        GROUP BY p.unit, o.measure, o.period, m.aggregation""").to_arrow_table()


def _frame(table: pa.Table) -> pd.DataFrame:
    """Units and measures as categories: an organisation's millions of rows without a Python
    string each."""
    for name in ("unit", "measure"):
        table = table.set_column(table.schema.get_field_index(name), name, table[name].dictionary_encode())
    return table.to_pandas()


def refresh_upload(cur: duckdb.DuckDBPyConnection, upload_id: int) -> int:
    """Recompute the series an upload or undo wrote (and the pooled series above them)."""
    series = cur.execute(
        "SELECT DISTINCT unit, measure FROM observation_history WHERE upload_id = ?", [upload_id]
    ).df()
    return refresh(cur, series)


def refresh_measures(cur: duckdb.DuckDBPyConnection, measures: list[str]) -> int:
    """Recompute every series of the given measures (their definitions changed)."""
    series = cur.execute(
        f"SELECT DISTINCT unit, measure FROM observations WHERE {dialect.of(cur).in_list('measure')}", [list(measures)]
    ).df()
    return refresh(cur, series)


def fill_if_missing(cur: duckdb.DuckDBPyConnection) -> None:
    """A database made before the summary existed gets it computed once, when first opened."""
    empty = cur.execute("SELECT count(*) = 0 FROM series_summary").fetchall()[0][0]
    has_data = cur.execute("SELECT count(*) > 0 FROM (SELECT 1 FROM observations LIMIT 1) AS o").fetchall()[0][0]
    if empty and has_data:
        dialect.of(cur).begin(cur)
        try:
            refresh(cur)
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise


def read(cur: duckdb.DuckDBPyConnection, units: list[str] | None = None) -> pd.DataFrame:
    """Summary rows (of the given units, or all), in unit and measure order."""
    where, params = (f"WHERE {dialect.of(cur).in_list('unit')}", [list(units)]) if units is not None else ("", [])
    frame = cur.execute(
        f"SELECT {', '.join(summary.SUMMARY_COLUMNS)} FROM series_summary {where} ORDER BY unit, measure", params
    ).df()
    frame["latest_period"] = pd.to_datetime(frame["latest_period"])
    return frame
