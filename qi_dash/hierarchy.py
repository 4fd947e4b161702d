"""Organisational units: organisation → directorate → team, loaded from ``data/hierarchy.csv``.

The hierarchy is data (code, name, level, parent). This module is the one home of the
concept: reading, checking and writing a hierarchy file, and ``Hierarchy``, the value every
lookup goes through — a unit's name, parent and level, the teams under it, the path to it,
and which unit a user's text names. In code a unit (team, directorate or organisation) is
named by its code; "team" is only what users call the unit column of their files.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from qi_dash import names
from qi_dash.text import natural_key, restored

LEVELS = ("organisation", "directorate", "team")
PARENT_LEVEL = {"directorate": "organisation", "team": "directorate"}
COLUMNS = ("code", "name", "level", "parent")
ALIAS_COLUMNS = ("alias", "unit")
# A generated code keeps whole words up to this length (longer first words are cut).
CODE_LENGTH = 16
DIRECTORATE_PREFIX = "DIR-"


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
        [{c: names.normalised(restored((r.get(c) or "").strip())) for c in COLUMNS} for r in rows],
        columns=list(COLUMNS)
    )
    units["level"] = units["level"].str.lower()
    problems = check_units(units, existing=None, where=name, first_row=2)
    if problems:
        raise HierarchyError(problems)
    return units


def check_units(units: pd.DataFrame, existing: pd.DataFrame | None, where: str, first_row: int = 2) -> list[str]:
    """Problems with new units, given the units already known (codes, levels, parents): a
    name or code with a hidden character, and a new name that reads like another unit's."""
    problems = []
    known_names = {} if existing is None else dict(zip(existing["code"], existing["name"]))
    alike_in_file = names.look_alikes_among(units["name"])
    known = pd.concat([existing, units]) if existing is not None else units
    levels = dict(zip(known["code"], known["level"]))
    existing_codes = set() if existing is None else set(existing["code"])
    seen: set[str] = set()
    for i, unit in enumerate(units.itertuples(index=False), start=first_row):
        at = f"{where} row {i}"
        if not unit.code:
            problems.append(f"{at}: code is empty")
        if not unit.name:
            problems.append(f"{at}: name is empty")
        for column in ("code", "name"):
            hidden = names.hidden_problem(getattr(unit, column) or "")
            if hidden:
                problems.append(f"{at}, column {column}: {hidden}")
        alike = names.look_alike_problem(unit.name or "", known_names, what="unit")
        if alike:
            problems.append(f"{at}, column name: {alike}")
        elif unit.name in alike_in_file:
            problems.append(f"{at}, column name: '{names.shown(unit.name)}' looks like '{alike_in_file[unit.name]}', "
                            "another unit in the same file, but is not the same text")
        if unit.code in seen or unit.code in existing_codes:
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


def hierarchy_frame(units: pd.DataFrame) -> pd.DataFrame:
    """A hierarchy as the table its CSV holds: the columns ``read_hierarchy`` reads, by level and code."""
    order = {level: i for i, level in enumerate(LEVELS)}
    return units[list(COLUMNS)].sort_values(["level", "code"], key=lambda c: c.map(order) if c.name == "level" else c)


def write_hierarchy(units: pd.DataFrame) -> str:
    """The CSV text of a hierarchy, in the columns ``read_hierarchy`` reads (a download is
    ``exports.hierarchy_csv``, safe to open in a spreadsheet)."""
    return hierarchy_frame(units).to_csv(index=False, lineterminator="\n")


def lookup_key(text: str) -> str:
    """Text as a lookup key: case, runs of spacing and Unicode form (NFC) do not matter."""
    return " ".join(names.normalised(text).split()).casefold()


def _code_stem(name: str) -> str:
    """A name's words in capitals joined by '-', whole words up to ``CODE_LENGTH``."""
    # Accents are dropped (È → E) so a code can be typed on any keyboard.
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    stem = ""
    for word in re.findall(r"[A-Z0-9]+", name.upper()):
        joined = f"{stem}-{word}" if stem else word
        if len(joined) > CODE_LENGTH:
            break
        stem = joined
    return stem or re.sub(r"[^A-Z0-9]", "", name.upper())[:CODE_LENGTH] or "UNIT"


class Hierarchy:
    """The units as one immutable value: every lookup the app makes, precomputed once.

    Built from a frame with columns ``code, name, level, parent`` (as ``read_hierarchy`` and
    the store give it) and, optionally, a frame of aliases (``alias, unit``: other spellings
    of a unit, e.g. how a team's file first named it). Codes identify units everywhere;
    names are for people. Lists of units are in natural name order ("Ward 7" before
    "Ward 12"), then code. Lookups cost a dict access each however many teams a director
    has, so the UI builds one per data version and keeps it.
    """

    def __init__(self, units: pd.DataFrame, aliases: pd.DataFrame | None = None):
        frame = units[list(COLUMNS)].reset_index(drop=True)
        self._frame = frame
        # Plain lists: iterating a string column element by element is slow.
        codes, names = frame["code"].tolist(), frame["name"].tolist()
        self._name = dict(zip(codes, names))
        self._parent = dict(zip(codes, frame["parent"].tolist()))
        self._level = dict(zip(codes, frame["level"].tolist()))
        ordered = [code for _, code in sorted(zip(names, codes), key=lambda unit: (natural_key(unit[0]), natural_key(unit[1])))]
        self._at_level: dict[str, list[str]] = {level: [] for level in LEVELS}
        self._children: dict[str, list[str]] = {}
        # Each unit is listed under every unit above it (at its own level), in name order.
        self._below: dict[tuple[str, str], list[str]] = {}
        for code in ordered:
            level = self._level[code]
            self._at_level.setdefault(level, []).append(code)
            self._children.setdefault(self._parent[code], []).append(code)
            for above in self.path_to(code)[:-1]:
                self._below.setdefault((above, level), []).append(code)
        # What a user's text names: the codes it spells, and the units it names, per level
        # (None: any level). A code is unique; a name may be shared.
        self._by_code: dict[tuple[str | None, str], list[str]] = {}
        self._by_name: dict[tuple[str | None, str], list[str]] = {}
        for code in ordered:
            code_key, name_key = lookup_key(code), lookup_key(self._name[code])
            for level in (self._level[code], None):
                self._by_code.setdefault((level, code_key), []).append(code)
                self._by_name.setdefault((level, name_key), []).append(code)
        self._aliases = pd.DataFrame(columns=list(ALIAS_COLUMNS)) if aliases is None else (
            aliases[list(ALIAS_COLUMNS)].reset_index(drop=True))
        self._by_alias: dict[tuple[str | None, str], list[str]] = {}
        for text, code in zip(self._aliases["alias"].tolist(), self._aliases["unit"].tolist()):
            if code not in self._level:
                continue  # an alias of a unit no longer in the hierarchy names nothing
            for level in (self._level[code], None):
                found = self._by_alias.setdefault((level, lookup_key(text)), [])
                if code not in found:
                    found.append(code)

    @property
    def frame(self) -> pd.DataFrame:
        """The units frame (code, name, level, parent), for tables and files; read it, don't change it."""
        return self._frame

    @property
    def aliases(self) -> pd.DataFrame:
        """The aliases frame (alias, unit); read it, don't change it."""
        return self._aliases

    def __contains__(self, code: object) -> bool:
        return code in self._level

    def __len__(self) -> int:
        return len(self._level)

    def name(self, code: str) -> str:
        """A unit's name; an unknown code is shown as itself."""
        return self._name.get(code, code)

    def parent(self, code: str) -> str:
        """The code of the unit a unit sits in ('' for an organisation)."""
        return self._parent[code]

    def level(self, code: str) -> str:
        return self._level[code]

    def children(self, code: str, level: str | None = None) -> list[str]:
        """The units directly under ``code``; with ``level``, every unit of that level below it."""
        if level is None:
            return list(self._children.get(code, ()))
        return list(self._below.get((code, level), ()))

    def teams_under(self, code: str) -> list[str]:
        """Codes of the teams at or below a unit (a team is under itself), in name order."""
        if self._level.get(code) == "team":
            return [code]
        return self.children(code, "team")

    def path_to(self, code: str) -> list[str]:
        """Codes from the organisation down to ``code``."""
        path = []
        while code and code not in path:  # a cycle in an unchecked frame must not hang
            path.append(code)
            code = self._parent.get(code, "")
        return path[::-1]

    @property
    def organisations(self) -> list[str]:
        return list(self._at_level["organisation"])

    @property
    def directorates(self) -> list[str]:
        return list(self._at_level["directorate"])

    @property
    def teams(self) -> list[str]:
        return list(self._at_level["team"])

    def candidates(self, text: str, level: str | None = "team") -> list[str]:
        """The units of ``level`` (None: any) that a user's text may mean, ignoring case and
        spacing: the unit whose code it is, else every unit with that name, else every unit
        it is an alias of."""
        key = (level, lookup_key(text))
        return list(self._by_code.get(key) or self._by_name.get(key) or self._by_alias.get(key, ()))

    def resolve(self, text: str, level: str | None = "team") -> str | None:
        """The code a user's text (a code or a name) means; None if it names no unit of
        ``level``, or more than one (a name two units share)."""
        found = self.candidates(text, level)
        return found[0] if len(found) == 1 else None

    def new_codes(self, names: Iterable[str], prefix: str = "", avoid: Iterable[str] = ()) -> dict[str, str]:
        """Short codes for new units, one per name in the order given: the name's words in
        capitals (``Larch Ward`` → ``LARCH-WARD``) after ``prefix``, with ``-2``, ``-3``… where
        that is taken. A code never spells an existing code, name or alias (a code wins over
        a name, so it would take the name's unit away), another new code, nor the text in
        ``avoid`` (e.g. the names of other new units); the same names against the same
        hierarchy always get the same codes."""
        taken = set(self._by_code) | set(self._by_name) | set(self._by_alias)
        taken = {key for level, key in taken if level is None}
        avoided = {lookup_key(text) for text in avoid}
        codes: dict[str, str] = {}
        for name in names:
            if name in codes:
                continue
            stem = prefix + _code_stem(name)
            code, n = stem, 2
            # A code may spell its own unit's name: both name the same unit.
            while lookup_key(code) in taken or lookup_key(code) in avoided - {lookup_key(name)}:
                code, n = f"{stem}-{n}", n + 1
            taken.add(lookup_key(code))
            codes[name] = code
        return codes
