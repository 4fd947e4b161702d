"""The upload path every file takes — the app's Upload page, the CLI and the demo alike.

``plan_upload`` reads a file, finds its data (the canonical template, or a saved column
mapping), checks it against the measure definitions and compares it with what is stored:
the plan says what would be added, updated or left unchanged, or lists every problem.
``commit`` saves a plan with no problems in one transaction. Nothing is written before that.
"""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import Enum

import pandas as pd

from qi_dash.hierarchy import COLUMNS, Hierarchy, check_units
from qi_dash.ingest import mapping as mappings
from qi_dash.ingest.canonical import REQUIRED_COLUMNS, Checked, check_table
from qi_dash.ingest.read import read_file
from qi_dash.ingest.recognise import recognise
from qi_dash.ingest.workbook import ReadLimits, Sheet, Workbook, sheet_table
from qi_dash.problems import InputError, Problem
from qi_dash.store import Store, UploadMeta, UploadSummary


class Step(Enum):
    """What an upload needs next, in the order the Upload page leads a team lead through."""

    REFUSED = "refused"  # the file cannot be read as it is (e.g. a hidden sheet holding data)
    MAP = "map"  # not in the template: say which columns hold what
    PLACE = "place"  # teams new to the hierarchy: place each in a directorate
    FIX = "fix"  # problems in the file itself
    PREVIEW = "preview"  # ready: what will change, then save


@dataclass
class UploadPlan:
    file_name: str
    sha256: str
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    changes: pd.DataFrame | None = None
    unknown_teams: list[str] = field(default_factory=list)
    sheet: str | None = None
    mapping: str | None = None
    needs_mapping: bool = False
    workbook: Workbook | None = None
    new_units: pd.DataFrame | None = None
    # The store's data version the diff was taken at; saving reuses the diff if it still is.
    diffed_at: int | None = None
    # Whether blank cells (in columns the file carries) clear the stored values; by default
    # a blank keeps what is stored.
    blank_clears: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems and not self.needs_mapping and self.changes is not None

    @property
    def next_step(self) -> Step:
        if self.needs_mapping:
            return Step.REFUSED if self.problems else Step.MAP
        if self.unknown_teams and not self.ok:
            return Step.PLACE
        return Step.FIX if self.problems else Step.PREVIEW

    def count(self, change: str) -> int:
        return 0 if self.changes is None else int((self.changes["change"] == change).sum())

    def sentence(self) -> str:
        return f"{self.count('added')} added, {self.count('updated')} updated, {self.count('unchanged')} unchanged"

    @property
    def changes_nothing(self) -> bool:
        """A plan that would save nothing: every row is already saved as it is."""
        no_units = self.new_units is None or self.new_units.empty
        return self.count("added") + self.count("updated") == 0 and no_units

    @property
    def cleared(self) -> pd.DataFrame:
        """The rows whose stored values a blank cell clears (only when ``blank_clears``)."""
        if self.changes is None:
            return pd.DataFrame()
        return self.changes[self.changes["cleared"].notna().to_numpy(dtype=bool)]


def _is_canonical(sheet: Sheet) -> bool:
    """Whether the sheet's first row holds the template's key headings."""
    if sheet.frame.empty or 1 not in sheet.frame.index:
        return False
    names = {str(c).strip().casefold() for c in sheet.frame.loc[1] if c is not None}
    # A measure column marks the long template; a wide sheet (a column per measure) has none
    # and goes to column mapping instead.
    return "measure" in names and len(names & set(REQUIRED_COLUMNS)) >= 2


def _hidden_sheet_problems(workbook: Workbook, file_name: str) -> list[Problem]:
    return [
        Problem(file_name, "is a hidden sheet with data. Unhide it (or delete it) so it is clear whether its data should be read.", sheet.name)
        for sheet in workbook.sheets
        if sheet.hidden and sheet.filled().any()
    ]


def plan_upload(
    store: Store,
    data: bytes,
    file_name: str,
    mapping: str | dict | None = None,
    new_teams: dict[str, str] | None = None,
    limits: ReadLimits | None = None,
    blank_clears: bool = False,
) -> UploadPlan:
    """Read, check and compare a file with the store; write nothing.

    ``mapping`` is a saved mapping's name or a mapping spec; without one the file must be in
    the canonical template or match a saved mapping by its columns. ``new_teams`` maps names
    of teams not yet in the hierarchy to the directorate code the user placed them in.
    A column the file lacks keeps the stored values; so does a blank cell, unless
    ``blank_clears``, when a blank cell in a column the file carries clears the stored value
    (the plan's ``cleared`` lists each).
    """
    plan = UploadPlan(file_name, hashlib.sha256(data).hexdigest(), blank_clears=blank_clears)
    # The units and definitions load while the file is read (DuckDB and calamine both work
    # without holding the GIL); every plan that reads its file needs them.
    with ThreadPoolExecutor(max_workers=1) as pool:
        loading = pool.submit(lambda: (store.units(), store.definitions()))
        try:
            workbook = read_file(data, file_name, limits or ReadLimits())
        except InputError as err:
            plan.problems = err.problems
            return plan
        units, definitions = loading.result()
    hierarchy = Hierarchy(units)
    plan.workbook = workbook
    plan.notes.extend(workbook.notes)
    plan.problems.extend(_hidden_sheet_problems(workbook, file_name))

    carried = None
    try:
        spec = _find_mapping(store, workbook, mapping, plan)
        if spec is None:
            found = [s for s in workbook.sheets if not s.hidden and _is_canonical(s)]
            if not found:
                plan.needs_mapping = True
                return plan
            # A CSV's one sheet is the file itself: messages name no sheet.
            plan.sheet = found[0].name if data.startswith(b"PK") else None
            table = sheet_table(found[0])
        else:
            table, plan.sheet = mappings.apply(spec, workbook)
            carried = mappings.carried_columns(spec)
    except InputError as err:
        plan.problems.extend(err.problems)
        return plan

    plan.notes.extend(table.attrs.get("notes", []))
    new_directorates = pd.DataFrame(columns=list(COLUMNS))
    if "directorate" in table.columns:
        new_teams, new_directorates, placement_problems = _placements_from_file(table, hierarchy, new_teams or {}, file_name)
        plan.problems.extend(placement_problems)
        table = table.drop(columns=["directorate"])
    checked: Checked = check_table(table, file_name, plan.sheet, hierarchy, definitions, new_teams, carried)
    plan.problems.extend(checked.problems)
    plan.notes.extend(checked.notes)
    plan.unknown_teams = checked.unknown_teams
    if new_teams:
        used = set(checked.observations["unit"]) if checked.ok else set(new_teams)
        new_teams = {t: d for t, d in new_teams.items() if t in used}
        plan.new_units = pd.concat([
            new_directorates[new_directorates["code"].isin(set(new_teams.values()))],
            pd.DataFrame({"code": list(new_teams), "name": list(new_teams), "level": "team",
                          "parent": list(new_teams.values())}),
        ], ignore_index=True)
        plan.problems.extend(
            Problem(file_name, p) for p in check_units(plan.new_units, units, where="new units")
        )
    if plan.problems:
        return plan
    incoming = checked.observations
    if blank_clears:
        incoming = incoming.assign(**{f"clears_{c}": checked.carried[c].to_numpy() for c in checked.carried})
    plan.changes, plan.diffed_at = store.diff(incoming)
    plan.changes["row"] = checked.observations["row"].to_numpy()
    return plan


def _placements_from_file(
    table: pd.DataFrame, hierarchy: Hierarchy, placed: dict[str, str], file_name: str
) -> tuple[dict[str, str], pd.DataFrame, list[Problem]]:
    """New teams placed by the mapping's directorate column (and new directorates named
    there, under the organisation). Placements the user made by hand take precedence."""
    pairs = table[["team", "directorate"]].dropna().astype(str).apply(lambda c: c.str.strip()).drop_duplicates()
    pairs = pairs[pairs["team"].map(lambda team: not hierarchy.candidates(team, level=None)).astype(bool)]
    problems = [
        Problem(file_name, f"directorate '{text}' is the name of more than one directorate ({', '.join(codes)}); use its code.")
        for text in pairs["directorate"].unique()
        if len(codes := hierarchy.candidates(text, level="directorate")) > 1
    ]
    pairs = pairs.assign(
        directorate=[hierarchy.resolve(d, level="directorate") or d for d in pairs["directorate"]]
    ).drop_duplicates()
    problems += [
        Problem(file_name, f"new team '{team}' is placed in more than one directorate ({', '.join(group['directorate'])}).")
        for team, group in pairs.groupby("team") if len(group) > 1
    ]
    new_directorates = sorted(set(pairs["directorate"]) - set(hierarchy.directorates))
    placements = {**dict(zip(pairs["team"], pairs["directorate"])), **placed}
    organisations = hierarchy.organisations
    frame = pd.DataFrame({"code": new_directorates, "name": new_directorates, "level": "directorate",
                          "parent": organisations[0] if organisations else ""})
    return placements, frame, problems


def _find_mapping(store: Store, workbook: Workbook, mapping, plan: UploadPlan) -> dict | None:
    if isinstance(mapping, dict):
        return mapping
    saved = store.mappings()
    if isinstance(mapping, str):
        match = saved[saved["name"] == mapping]
        if match.empty:
            known = ", ".join(saved["name"]) or "none saved yet"
            raise InputError([Problem(plan.file_name, f"there is no saved mapping called '{mapping}' (saved mappings: {known}).")])
        plan.mapping = mapping
        return match.iloc[0]["spec"]
    recognised = recognise(workbook, saved)
    if recognised is not None:
        plan.mapping = recognised["name"]
        plan.notes.append(f"Recognised the layout of this file: using the saved mapping '{recognised['name']}'.")
        return recognised["spec"]
    return None


def commit(store: Store, plan: UploadPlan, uploaded_by: str | None = None) -> UploadSummary:
    """Save a checked plan in one transaction. A plan that changes nothing is not recorded
    (the summary's ``changed`` is False)."""
    if not plan.ok:
        raise ValueError("Only a plan with no problems can be saved.")
    meta = UploadMeta(plan.file_name, plan.sha256, uploaded_by, plan.mapping)
    return store.commit_upload(plan.changes, meta, plan.new_units, diffed_at=plan.diffed_at)
