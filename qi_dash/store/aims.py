"""Aims, target trajectories and a unit's people (improvement coach and sponsor), as the store
keeps them.

None of them is ever overwritten: like measure definitions, each save appends a version with
who made it and when, and the current one is the newest. An aim is deleted by a version that
says so; a trajectory is cleared by a version with no steps. The functions here run on a
cursor the ``Store`` gives them, inside its transaction; writes go in as frames.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import UTC, datetime

import duckdb
import pandas as pd

from qi_dash.aims import Aim

AIM_FIELDS = [f.name for f in fields(Aim) if f.name != "aim_id"]
PEOPLE_COLUMNS = ["unit", "coach", "coach_role", "sponsor", "sponsor_role"]
_CURRENT_AIMS = """
    SELECT * FROM (
        SELECT *, row_number() OVER (PARTITION BY aim_id ORDER BY version DESC) AS newest FROM aim_versions
        {recorded_by_then}) AS a
    WHERE newest = 1 AND NOT deleted"""
_CURRENT_PEOPLE = """
    SELECT * FROM (
        SELECT *, row_number() OVER (PARTITION BY unit ORDER BY version DESC) AS newest FROM unit_people_versions
        {recorded_by_then}) AS p
    WHERE newest = 1"""


def _aim(row: dict) -> Aim:
    values = {k: row[k] for k in AIM_FIELDS}
    for key in ("by_date", "baseline_to", "baseline_from"):
        values[key] = None if pd.isna(values[key]) else pd.Timestamp(values[key]).date()
    values["baseline_value"] = None if pd.isna(values["baseline_value"]) else float(values["baseline_value"])
    values["amount"] = float(values["amount"])
    return Aim(aim_id=int(row["aim_id"]), **values)


def _by_then(as_of: datetime | None) -> tuple[str, list]:
    """A WHERE clause keeping the versions recorded by ``as_of`` (None: every version)."""
    return ("WHERE recorded_at <= ?", [as_of]) if as_of is not None else ("", [])


def read_aims(cur: duckdb.DuckDBPyConnection, as_of: datetime | None = None) -> list[Aim]:
    """Every current aim (as each stood at ``as_of``, when given), oldest first."""
    where, params = _by_then(as_of)
    frame = cur.execute(f"SELECT * FROM ({_CURRENT_AIMS.format(recorded_by_then=where)}) AS a ORDER BY aim_id",
                        params).df()
    return [_aim(row) for row in frame.to_dict("records")]


def read_aim_versions(cur: duckdb.DuckDBPyConnection, aim_id: int) -> pd.DataFrame:
    """Every version of an aim, newest first, with ``deleted``, ``recorded_at`` and ``recorded_by``."""
    return cur.execute("SELECT * FROM aim_versions WHERE aim_id = ? ORDER BY version DESC", [aim_id]).df()


def save_aims(cur: duckdb.DuckDBPyConnection, aims: list[Aim], by: str | None, deleted: bool = False) -> list[int]:
    """Append a version of each aim (a new aim when its ``aim_id`` is None); an aim the same as
    its current version is left as it is. Returns the ids of the aims, in the order given."""
    current = {a.aim_id: a for a in read_aims(cur)}
    ids = [a.aim_id if a.aim_id is not None else int(cur.execute("SELECT nextval('aim_ids')").fetchall()[0][0])
           for a in aims]
    changed = [(i, a) for i, a in zip(ids, aims) if deleted or current.get(i) != Aim(**{**asdict(a), "aim_id": i})]
    if changed:
        rows = pd.DataFrame([{**{k: getattr(a, k) for k in AIM_FIELDS}, "aim_id": i} for i, a in changed])
        rows["baseline_value"] = rows["baseline_value"].astype("Float64")
        rows["baseline_from"] = pd.to_datetime(rows["baseline_from"]).dt.date
        rows["deleted"] = deleted
        rows["recorded_at"] = datetime.now(UTC)
        rows["recorded_by"] = by
        cur.register("incoming_aims", rows)
        cur.execute(f"""
            INSERT INTO aim_versions (aim_id, version, {', '.join(AIM_FIELDS)}, deleted, recorded_at, recorded_by)
            SELECT i.aim_id, coalesce(v.version, 0) + 1, {', '.join('i.' + f for f in AIM_FIELDS)}, i.deleted,
                   i.recorded_at, i.recorded_by
            FROM incoming_aims i LEFT JOIN (SELECT aim_id, max(version) AS version FROM aim_versions GROUP BY aim_id) v
                USING (aim_id)""")
    return ids


def read_target_steps(cur: duckdb.DuckDBPyConnection, as_of: datetime | None = None) -> pd.DataFrame:
    """The current trajectories' steps (unit, measure, from_period, value), in period order: as
    they stood at ``as_of``, when given."""
    where, params = _by_then(as_of)
    frame = cur.execute(f"""
        SELECT s.unit, s.measure, s.from_period, s.value FROM target_steps s
        JOIN (SELECT unit, measure, max(version) AS version FROM target_versions {where} GROUP BY unit, measure) v
            USING (unit, measure, version)
        ORDER BY s.unit, s.measure, s.from_period""", params).df()
    frame["from_period"] = pd.to_datetime(frame["from_period"])
    return frame


def read_target_versions(cur: duckdb.DuckDBPyConnection, unit: str, measure: str) -> pd.DataFrame:
    """Every version of one trajectory, newest first: version, recorded_at, recorded_by and
    its steps as text ("from Apr 25: 12" …; "" for a cleared one)."""
    versions = cur.execute(
        """SELECT version, recorded_at, recorded_by FROM target_versions WHERE unit = ? AND measure = ?
           ORDER BY version DESC""", [unit, measure]).df()
    steps: dict[int, list[str]] = {}
    for version, period, value in cur.execute(
            "SELECT version, from_period, value FROM target_steps WHERE unit = ? AND measure = ? "
            "ORDER BY version, from_period", [unit, measure]).fetchall():
        steps.setdefault(version, []).append(f"{period:%d/%m/%Y}: {float(value)!r}")
    versions["steps"] = pd.array(["; ".join(steps.get(v, [])) for v in versions["version"]], dtype="str")
    return versions


def save_targets(cur: duckdb.DuckDBPyConnection, steps: pd.DataFrame, by: str | None) -> int:
    """Save trajectories: ``steps`` (unit, measure, from_period, value) holds every step of each
    trajectory it names, plus a row with no from_period for a trajectory to clear. A trajectory
    whose steps are unchanged is left as it is; returns how many were saved."""
    incoming = steps[["unit", "measure", "from_period", "value"]].copy()
    incoming["from_period"] = pd.to_datetime(incoming["from_period"])
    current = read_target_steps(cur)
    saved = 0
    versions = []
    for (unit, measure), mine in incoming.groupby(["unit", "measure"], sort=False):
        new = mine.dropna(subset=["from_period"]).sort_values("from_period")
        old = current[(current["unit"] == unit) & (current["measure"] == measure)]
        same = (list(old["from_period"]) == list(new["from_period"])
                and list(old["value"].astype(float)) == list(new["value"].astype(float)))
        if same:
            continue
        versions.append((unit, measure))
        saved += 1
    if not saved:
        return 0
    chosen = pd.DataFrame(versions, columns=["unit", "measure"])
    chosen["recorded_at"] = datetime.now(UTC)
    chosen["recorded_by"] = by
    cur.register("chosen_targets", chosen)
    cur.execute("""
        INSERT INTO target_versions SELECT c.unit, c.measure, coalesce(v.version, 0) + 1, c.recorded_at, c.recorded_by
        FROM chosen_targets c LEFT JOIN (
            SELECT unit, measure, max(version) AS version FROM target_versions GROUP BY unit, measure) v
            USING (unit, measure)""")
    new_steps = incoming.dropna(subset=["from_period"]).merge(chosen[["unit", "measure"]])
    if new_steps.empty:  # every trajectory saved was cleared
        return saved
    new_steps["from_period"] = new_steps["from_period"].dt.date
    cur.register("new_target_steps", new_steps)
    cur.execute("""
        INSERT INTO target_steps SELECT n.unit, n.measure, v.version, n.from_period, n.value
        FROM new_target_steps n JOIN (
            SELECT unit, measure, max(version) AS version FROM target_versions GROUP BY unit, measure) v
            USING (unit, measure)""")
    return saved


def read_people(cur: duckdb.DuckDBPyConnection, as_of: datetime | None = None) -> pd.DataFrame:
    """Each unit's current coach and sponsor (with roles, who recorded them and when), or
    those recorded by ``as_of``, when given."""
    where, params = _by_then(as_of)
    return cur.execute(
        f"SELECT {', '.join(PEOPLE_COLUMNS)}, recorded_at, recorded_by "
        f"FROM ({_CURRENT_PEOPLE.format(recorded_by_then=where)}) AS p ORDER BY unit", params).df()


def read_people_versions(cur: duckdb.DuckDBPyConnection, unit: str) -> pd.DataFrame:
    """Every version of a unit's people, newest first."""
    return cur.execute(
        f"SELECT version, {', '.join(PEOPLE_COLUMNS[1:])}, recorded_at, recorded_by FROM unit_people_versions "
        "WHERE unit = ? ORDER BY version DESC", [unit]).df()


def save_people(cur: duckdb.DuckDBPyConnection, people: pd.DataFrame, by: str | None) -> int:
    """Save units' coach and sponsor (columns PEOPLE_COLUMNS; blank text is no one), each unit
    that differs from its current version as a new version; returns how many were saved."""
    incoming = people[PEOPLE_COLUMNS].copy()
    for column in PEOPLE_COLUMNS[1:]:
        incoming[column] = [text.strip() if isinstance(text, str) and text.strip() else None
                            for text in incoming[column]]
    incoming["recorded_at"] = datetime.now(UTC)
    incoming["recorded_by"] = by
    cur.register("incoming_people", incoming)
    changed = f"""
        SELECT i.* FROM incoming_people i LEFT JOIN ({_CURRENT_PEOPLE.format(recorded_by_then='')}) c USING (unit)
        WHERE c.unit IS NULL OR {' OR '.join(f'i.{k} IS DISTINCT FROM c.{k}' for k in PEOPLE_COLUMNS[1:])}"""
    count = cur.execute(f"SELECT count(*) FROM ({changed}) AS n").fetchall()[0][0]
    cur.execute(f"""
        INSERT INTO unit_people_versions (unit, version, {', '.join(PEOPLE_COLUMNS[1:])}, recorded_at, recorded_by)
        SELECT n.unit, coalesce(v.version, 0) + 1, {', '.join('n.' + k for k in PEOPLE_COLUMNS[1:])},
               n.recorded_at, n.recorded_by
        FROM ({changed}) n LEFT JOIN (SELECT unit, max(version) AS version FROM unit_people_versions GROUP BY unit) v
            USING (unit)""")
    return int(count)

