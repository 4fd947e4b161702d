"""Organisational units: organisation → directorate → team, loaded from ``data/hierarchy.csv``.

The hierarchy is data (code, name, level, parent). This module is the one home of the
concept: reading and checking a hierarchy file and walking the tree held in a frame with
columns ``code, name, level, parent``.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

LEVELS = ("organisation", "directorate", "team")
PARENT_LEVEL = {"directorate": "organisation", "team": "directorate"}
COLUMNS = ("code", "name", "level", "parent")


class HierarchyError(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def read_hierarchy(source: str | Path | bytes, name: str = "hierarchy.csv") -> pd.DataFrame:
    """Read and check a hierarchy CSV; every problem is named with its row."""
    if isinstance(source, (str, Path)):
        name = Path(source).name
        text = Path(source).read_text(encoding="utf-8-sig")
    else:
        text = source.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    if rows and any(c not in rows[0] for c in COLUMNS):
        raise HierarchyError([f"{name}: columns must be {', '.join(COLUMNS)}"])
    units = pd.DataFrame(
        [{c: (r.get(c) or "").strip() for c in COLUMNS} for r in rows], columns=list(COLUMNS)
    )
    units["level"] = units["level"].str.lower()
    problems = check_units(units, existing=None, where=name, first_row=2)
    if problems:
        raise HierarchyError(problems)
    return units


def check_units(units: pd.DataFrame, existing: pd.DataFrame | None, where: str, first_row: int = 2) -> list[str]:
    """Problems with new units, given the units already known (codes, levels, parents)."""
    problems = []
    known = pd.concat([existing, units]) if existing is not None else units
    levels = dict(zip(known["code"], known["level"]))
    seen: set[str] = set()
    for i, unit in enumerate(units.itertuples(index=False), start=first_row):
        at = f"{where} row {i}"
        if not unit.code:
            problems.append(f"{at}: code is empty")
        if not unit.name:
            problems.append(f"{at}: name is empty")
        if unit.code in seen or (existing is not None and unit.code in set(existing["code"])):
            problems.append(f"{at}: unit code '{unit.code}' is used twice")
        seen.add(unit.code)
        if unit.level not in LEVELS:
            problems.append(f"{at}: level is '{unit.level}'; expected organisation, directorate or team")
            continue
        if unit.level == "organisation":
            if unit.parent:
                problems.append(f"{at}: an organisation has no parent")
        elif levels.get(unit.parent) != PARENT_LEVEL[unit.level]:
            problems.append(
                f"{at}: the parent of {unit.level} '{unit.code}' must be a {PARENT_LEVEL[unit.level]}; '{unit.parent}' is not"
            )
    return problems


def write_hierarchy(units: pd.DataFrame) -> str:
    """The CSV text of a hierarchy, in the columns ``read_hierarchy`` reads."""
    order = {level: i for i, level in enumerate(LEVELS)}
    frame = units[list(COLUMNS)].sort_values(["level", "code"], key=lambda c: c.map(order) if c.name == "level" else c)
    return frame.to_csv(index=False, lineterminator="\n")


def children(units: pd.DataFrame, code: str) -> pd.DataFrame:
    return units[units["parent"] == code].sort_values("name")


def teams_under(units: pd.DataFrame, code: str) -> list[str]:
    """Codes of the teams at or below a unit (a team is under itself), in name order."""
    found = {code}
    frontier = {code}
    while frontier:  # one step per level of the hierarchy
        frontier = set(units.loc[units["parent"].isin(frontier), "code"]) - found
        found |= frontier
    teams = units[units["code"].isin(found) & (units["level"] == "team")]
    return teams.sort_values("name")["code"].tolist()


def path_to(units: pd.DataFrame, code: str) -> list[str]:
    """Codes from the organisation down to ``code``."""
    parents = dict(zip(units["code"], units["parent"]))
    path = []
    while code:
        path.append(code)
        code = parents.get(code, "")
    return path[::-1]
