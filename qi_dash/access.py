"""Who may do what: roles as data, granted per identity and unit, and the one place a right
is decided (``can``) and enforced (``require``).

An identity is what the sign-in provider vouches for: the OIDC ``email`` claim (folded to
lower case), else its ``sub``. A grant gives an identity a role, over a unit for the roles
that have one:

- viewer: sees every chart (no unit);
- team member (of a team): uploads, PDSA cycles and phase changes for that team;
- directorate lead (of a directorate): the same for every team in it, and its aims,
  targets and people;
- administrator (no unit): everything, including measure definitions, the hierarchy,
  saved mappings, the grants themselves and undoing anyone's upload.

The ``Actor`` is who acts, with their grants; every write path in the store and the upload
takes one. The app's actor is the signed-in identity (or, with no sign-in configured, the
local user, an administrator); the command line acts as an administrator.
"""

from __future__ import annotations

import csv
import getpass
import io
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

import pandas as pd

from qi_dash import exports
from qi_dash.hierarchy import Hierarchy
from qi_dash.text import restored


class Role(StrEnum):
    VIEWER = "viewer"
    MEMBER = "team member"
    LEAD = "directorate lead"
    ADMINISTRATOR = "administrator"


class Right(StrEnum):
    """What an actor may do; the value is the words a refusal uses."""

    VIEW = "view the dashboards"
    UPLOAD = "upload data"
    PDSA = "record PDSA cycles"
    PHASES = "record phase changes"
    AIMS = "set aims, targets and people"
    DEFINITIONS = "change measure definitions"
    HIERARCHY = "change the hierarchy (units and their aliases)"
    MAPPINGS = "save, rename or delete column mappings"
    UNDO_ANY = "undo anyone's upload"
    ADMINISTER = "grant and revoke roles"


# The unit a role's grant names: a team, a directorate, or none.
ROLE_LEVEL: dict[Role, str | None] = {
    Role.VIEWER: None, Role.MEMBER: "team", Role.LEAD: "directorate", Role.ADMINISTRATOR: None}
# The rights over a unit each unit-scoped role has, for its unit and every unit below it.
UNIT_RIGHTS: dict[Role, frozenset[Right]] = {
    Role.MEMBER: frozenset({Right.UPLOAD, Right.PDSA, Right.PHASES}),
    Role.LEAD: frozenset({Right.UPLOAD, Right.PDSA, Right.PHASES, Right.AIMS}),
}
CSV_COLUMNS = ("identity", "role", "unit")
LOCAL_USER = "local user"


class NotAllowed(PermissionError):
    """An actor asked for something their roles do not allow; nothing was written."""


class AccessError(ValueError):
    """A grants file or set that cannot be saved; ``problems`` name row and column."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def identity_key(text: str) -> str:
    """An identity as grants are keyed: trimmed, and folded to lower case (an email's case
    does not name another person)."""
    return text.strip().casefold()


@dataclass(frozen=True)
class Grant:
    identity: str
    role: Role
    unit: str = ""  # a team (member), a directorate (lead), or '' (viewer, administrator)


@dataclass(frozen=True)
class Actor:
    """Who is acting: ``identity`` is recorded as "who" on everything they save, and
    ``grants`` say what they may do. ``name`` is how the sidebar greets them."""

    identity: str
    grants: tuple[Grant, ...] = ()
    name: str = ""
    signed_in: bool = False

    @property
    def is_administrator(self) -> bool:
        return any(g.role == Role.ADMINISTRATOR for g in self.grants)

    @property
    def roles(self) -> list[Role]:
        return sorted({g.role for g in self.grants}, key=list(Role).index)


def administrator(identity: str, name: str = "") -> Actor:
    """An actor who is an administrator by where they act (the local app, the command line)."""
    return Actor(identity, (Grant(identity, Role.ADMINISTRATOR),), name or identity)


def local_user() -> Actor:
    """With no sign-in configured, everyone is the local user, an administrator."""
    return administrator(LOCAL_USER)


def command_line(name: str | None = None) -> Actor:
    """The command line acts as an administrator, named by ``--by`` or by user and host."""
    return administrator(name or f"command line ({getpass.getuser()}@{socket.gethostname()})")


def signed_in(identity: str, grants: Iterable[Grant], name: str = "") -> Actor:
    """The actor for an identity the sign-in provider vouched for, with its grants."""
    key = identity_key(identity)
    return Actor(key, tuple(g for g in grants if g.identity == key), name or key, signed_in=True)


def acting(by: Actor | str | None) -> Actor:
    """The actor behind a write. The app and the command line pass an ``Actor``; a bare name
    (or none) is an in-process caller that needs no sign-in — building the demo, ``init``,
    scripts and tests — and acts as an administrator under that name."""
    if isinstance(by, Actor):
        return by
    return administrator(by or "system")


def recorded(by: Actor | str | None) -> str | None:
    """The name recorded as who did something: an actor's identity, or the bare name given."""
    return by.identity if isinstance(by, Actor) else by


def can(actor: Actor, right: Right, unit: str | None = None, hierarchy: Hierarchy | None = None) -> bool:
    """Whether ``actor`` may do ``right`` for ``unit`` (a unit's code; None for rights that
    name no unit). A member's or lead's grant covers its unit and every unit below it."""
    if actor.is_administrator:
        return True
    if right == Right.VIEW:
        return bool(actor.grants)
    if not unit or hierarchy is None:
        return False
    above = set(hierarchy.path_to(unit)) if unit in hierarchy else {unit}
    return any(right in UNIT_RIGHTS.get(g.role, ()) and g.unit in above for g in actor.grants)


def require(actor: Actor, right: Right, units: Iterable[str | None] = (None,), hierarchy: Hierarchy | None = None) -> None:
    """NotAllowed, in words naming who and what, unless ``actor`` may do ``right`` for every unit."""
    refused = [u for u in dict.fromkeys(units) if not can(actor, right, u, hierarchy)]
    if not refused:
        return
    named = [hierarchy.name(u) if hierarchy is not None else u for u in refused if u]
    where = f" for {', '.join(named)}" if named else ""
    raise NotAllowed(f"{actor.identity} may not {right.value}{where}. {why(actor)}")


def why(actor: Actor) -> str:
    """What the actor's roles are, for a refusal: the sentence tells them whom to ask."""
    if not actor.grants:
        return "They have no role yet; an administrator can grant one on the Admin page."
    held = "; ".join(f"{g.role.value}{f' of {g.unit}' if g.unit else ''}" for g in actor.grants)
    return f"Their roles: {held}. An administrator can change them on the Admin page."


def units_for(actor: Actor, right: Right, hierarchy: Hierarchy, level: str = "team") -> list[str]:
    """The units of ``level`` the actor may do ``right`` for, in the hierarchy's order."""
    found = hierarchy.teams if level == "team" else hierarchy.directorates if level == "directorate" else hierarchy.organisations
    return [u for u in found if can(actor, right, u, hierarchy)]


def can_undo(actor: Actor, uploaded_by: str | None, teams: Iterable[str], hierarchy: Hierarchy) -> bool:
    """An administrator may undo anyone's upload; a member or lead their own, for teams they
    may upload for (every team it wrote)."""
    if can(actor, Right.UNDO_ANY):
        return True
    own = uploaded_by is not None and identity_key(uploaded_by) == actor.identity
    return own and all(can(actor, Right.UPLOAD, t, hierarchy) for t in teams)


def require_undo(actor: Actor, upload_id: int, uploaded_by: str | None, teams: Iterable[str], hierarchy: Hierarchy,
                 what: str = "undo") -> None:
    """``can_undo`` or NotAllowed in words; ``what`` is "undo" or "redo" (the same right)."""
    if not can_undo(actor, uploaded_by, list(teams), hierarchy):
        raise NotAllowed(f"{actor.identity} may not {what} upload {upload_id}: only whoever uploaded it (for teams "
                         f"they may upload for) or an administrator may. {why(actor)}")


# -- a set of grants: checking, and the CSV file ------------------------------------------


def check_grants(rows: list[dict[str, str]], hierarchy: Hierarchy, where: str, first_row: int = 2) -> list[Grant]:
    """Grants from rows (identity, role, unit), each resolved and checked; AccessError naming
    every bad row and column if any is wrong. The unit may be given by code or name."""
    problems: list[str] = []
    grants: list[Grant] = []
    roles = {r.value: r for r in Role}
    for number, row in enumerate(rows, start=first_row):
        identity = identity_key(row.get("identity") or "")
        role_text = (row.get("role") or "").strip().casefold()
        unit_text = (row.get("unit") or "").strip()
        at = f"{where}, row {number}"
        if not identity:
            problems.append(f"{at}, column identity: empty; give the person's sign-in email (or subject).")
        role = roles.get(role_text)
        if role is None:
            problems.append(f"{at}, column role: '{row.get('role') or ''}' is not a role; "
                            f"roles are {', '.join(r.value for r in Role)}.")
            continue
        level = ROLE_LEVEL[role]
        unit = ""
        if level is None and unit_text:
            problems.append(f"{at}, column unit: a {role.value} has no unit; leave it empty.")
            continue
        if level is not None:
            unit = hierarchy.resolve(unit_text, level=level) or ""
            if not unit:
                problems.append(f"{at}, column unit: '{unit_text}' is not one {level}; a {role.value} "
                                f"needs the {level} they belong to (its code or name).")
                continue
        grants.append(Grant(identity, role, unit))
    if problems:
        raise AccessError(problems)
    return list(dict.fromkeys(grants))


def check_keeps_administrator(grants: Iterable[Grant], where: str) -> None:
    """A set of grants must keep an administrator, or no one could change it again."""
    if not any(g.role == Role.ADMINISTRATOR for g in grants):
        raise AccessError([f"{where}: no one would be an administrator; keep at least one."])


def read_grants_csv(data: bytes, hierarchy: Hierarchy, name: str = "grants.csv") -> list[Grant]:
    """Grants from a CSV with columns identity, role, unit; AccessError naming row and column."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise AccessError([f"{name}: not a UTF-8 text file; save it as CSV UTF-8."]) from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise AccessError([f"{name}, row 1: missing column(s) {', '.join(missing)}; "
                           f"the columns are {', '.join(CSV_COLUMNS)}."])
    # A download put an apostrophe before formula-like text (``grants_csv``): take it off.
    rows = [{key: restored(value) for key, value in row.items()} for row in reader]
    return check_grants(rows, hierarchy, name)


def grants_csv(grants: Iterable[Grant]) -> bytes:
    """The grants as a CSV (identity, role, unit) that ``read_grants_csv`` reads back, safe
    to open in a spreadsheet (``exports.table_csv``)."""
    frame = pd.DataFrame([(g.identity, g.role.value, g.unit) for g in grants], columns=CSV_COLUMNS, dtype=object)
    return exports.table_csv(frame)