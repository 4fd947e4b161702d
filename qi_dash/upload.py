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

from qi_dash.access import Actor, Right, can
from qi_dash.hierarchy import ALIAS_COLUMNS, DIRECTORATE_PREFIX, Hierarchy, check_units, lookup_key
from qi_dash.hierarchy import COLUMNS as UNIT_COLUMNS
from qi_dash.ingest import mapping as mappings
from qi_dash.ingest.canonical import REQUIRED_COLUMNS, Checked, check_table
from qi_dash.ingest.detect import Proposal, propose
from qi_dash.ingest.placements import read_placements
from qi_dash.ingest.read import read_file
from qi_dash.ingest.recognise import recognise as recognise_mapping
from qi_dash.ingest.recognise import spec_signature
from qi_dash.ingest.spec import is_text
from qi_dash.ingest.workbook import ReadLimits, Sheet, Workbook, sheet_table
from qi_dash.problems import InputError, Problem, ProblemList
from qi_dash.store import NamedMapping, Store, UploadMeta, UploadSummary
from qi_dash.text import row_ranges


class Step(Enum):
    """What an upload needs next, in the order the Upload page leads a team lead through."""

    MAP = "map"  # not in the template: say which columns hold what
    PLACE = "place"  # teams new to the hierarchy: place each in a directorate
    FIX = "fix"  # problems in the file itself
    PREVIEW = "preview"  # ready: what will change, then save


# As ``mapping``: a file that is neither in the template nor a saved layout is read with the
# mapping ``ingest.detect`` proposes (the user confirms it in the preview, or corrects it).
AUTO = "auto"


@dataclass
class UploadPlan:
    file_name: str
    sha256: str
    # The first problems of each kind, every one counted (``ProblemList``: bounded memory).
    problems: list[Problem] = field(default_factory=ProblemList)
    notes: list[str] = field(default_factory=list)
    changes: pd.DataFrame | None = None
    unknown_teams: list[str] = field(default_factory=list)
    sheet: str | None = None
    mapping: str | None = None
    # The saved mapping recognised from the file's headings (the user may set it aside).
    recognised: str | None = None
    # A mapping the user named: saved with the upload, and only if the upload is.
    mapping_to_save: NamedMapping | None = None
    needs_mapping: bool = False
    # The mapping proposed for the file (``mapping=AUTO``), with how sure each guess is.
    proposal: Proposal | None = None
    workbook: Workbook | None = None
    new_units: pd.DataFrame | None = None
    # The spellings in the file of the new teams (alias, unit), saved with them.
    new_aliases: pd.DataFrame | None = None
    # What is wrong with where new teams were placed (a code taken, a directorate named
    # twice): put right in the placement form, so the upload stays at that step.
    placement_problems: list[Problem] = field(default_factory=list)
    # The store's data version the diff was taken at, and the newest upload it had seen: the
    # plan is saved as previewed, else refused (``StalePreview``) saying what was saved since.
    diffed_at: int | None = None
    seen_upload: int | None = None
    # Whether blank cells (in columns the file carries) clear the stored values; by default
    # a blank keeps what is stored.
    blank_clears: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems and not self.needs_mapping and self.changes is not None

    @property
    def next_step(self) -> Step:
        if self.needs_mapping:
            return Step.MAP
        if (self.unknown_teams or self.placement_problems) and not self.ok:
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


def plan_upload(
    store: Store,
    data: bytes,
    file_name: str,
    mapping: str | dict | None = None,
    new_teams: dict[str, str] | None = None,
    limits: ReadLimits | None = None,
    recognise: bool = True,
    new_directorates: dict[str, str] | None = None,
    team_codes: dict[str, str] | None = None,
    blank_clears: bool = False,
    actor: Actor | None = None,
    new_organisation: dict[str, str] | None = None,
) -> UploadPlan:
    """Read, check and compare a file with the store; write nothing.

    ``mapping`` is a saved mapping's name or a mapping spec; a spec with a ``name`` is saved
    under that name when the upload is (``commit``). Without one the file must be in the
    canonical template or match a saved mapping by its columns; ``recognise=False`` sets
    saved mappings aside for this file. ``AUTO`` does the same, and then reads any other file
    with the mapping ``ingest.detect.propose`` finds for it (``plan.proposal``).

    Placing teams new to the hierarchy: ``new_teams`` maps each such team's text (as the file
    spells it) to the code of the directorate the user placed it in — an existing one or one
    of ``new_directorates`` (code → name). A new team is named by its text and gets the code
    in ``team_codes`` (text → code), else one generated from its name
    (``Hierarchy.new_codes``); its text becomes an alias of it, so the same file needs no
    placing next time. A hierarchy with no organisation yet (a new install) needs one for new
    directorates to sit in: ``new_organisation`` (code → name, one entry) is added with them.

    A column the file lacks keeps the stored values; so does a blank cell, unless
    ``blank_clears``, when a blank cell in a column the file carries clears the stored value
    (the plan's ``cleared`` lists each).

    With ``actor``, rows for a team the actor may not upload for, and new teams they may not
    add, are problems naming those rows (``commit`` refuses them in any case).
    """
    # One opening of the database for the plan's reads, before and after the file is read
    # (reading a large file outlasts the store's linger, and opening again costs more).
    with store.held():
        return _plan(store, data, file_name, mapping, new_teams or {}, limits, recognise, new_directorates or {},
                     team_codes or {}, blank_clears, actor, new_organisation or {})


def _plan(store: Store, data: bytes, file_name: str, mapping: str | dict | None, new_teams: dict[str, str],
          limits: ReadLimits | None, recognise: bool, new_directorates: dict[str, str], team_codes: dict[str, str],
          blank_clears: bool, actor: Actor | None, new_organisation: dict[str, str]) -> UploadPlan:
    plan = UploadPlan(file_name, hashlib.sha256(data).hexdigest(), blank_clears=blank_clears)
    # The hierarchy, definitions and saved mappings load while the file is read (DuckDB and
    # calamine both work without holding the GIL); every plan that reads its file needs them.
    with ThreadPoolExecutor(max_workers=1) as pool:
        loading = pool.submit(lambda: (store.hierarchy(), store.definitions(),
                                       None if isinstance(mapping, dict) else store.mappings()))
        try:
            workbook = read_file(data, file_name, limits or ReadLimits())
        except InputError as err:
            plan.problems.extend(err.problems)
            return plan
        hierarchy, definitions, saved = loading.result()
    plan.workbook = workbook
    plan.notes.extend(workbook.notes)

    carried = None
    try:
        spec = _find_mapping(saved, workbook, mapping, plan, recognise)
        found = [] if spec is not None else [s for s in workbook.sheets if not s.hidden and _is_canonical(s)]
        if spec is None and not found and mapping == AUTO:
            proposal = propose(workbook, hierarchy, definitions)
            if proposal.spec:
                plan.proposal, spec = proposal, proposal.spec
        if spec is None and not found:
            plan.needs_mapping = True
            return plan
        if spec is None:
            # A CSV's one sheet is the file itself: messages name no sheet.
            plan.sheet = found[0].name if data.startswith(b"PK") else None
            table = sheet_table(found[0])
            table.attrs["notes"] = mappings.hidden_sheets_not_read(workbook, found[:1])
        else:
            table, plan.sheet = mappings.apply(spec, workbook)
            if isinstance(mapping, dict) and is_text(mapping.get("name")):
                plan.mapping = mapping["name"].strip()
                plan.mapping_to_save = NamedMapping(plan.mapping, spec_signature(spec, workbook), spec)
            carried = mappings.carried_columns(spec)
    except InputError as err:
        plan.problems.extend(err.problems)
        return plan

    plan.notes.extend(table.attrs.get("notes", []))
    from_file = []
    if "directorate" in table.columns:
        from_file.append(table[["team", "directorate"]])
        table = table.drop(columns=["directorate"])
    if spec is not None and spec.get("placements"):
        try:
            from_file.append(read_placements(spec["placements"], workbook))
        except InputError as err:
            plan.problems.extend(err.problems)
            return plan
    placed = _place(hierarchy, from_file, new_teams, new_directorates, team_codes, file_name, new_organisation)
    plan.placement_problems = placed.problems
    plan.problems.extend(placed.problems)
    # The placed teams are checked as the units they will be: the file's text names them.
    checking = hierarchy if placed.units.empty else Hierarchy(
        pd.concat([hierarchy.frame, placed.units], ignore_index=True),
        pd.concat([hierarchy.aliases, placed.aliases]))
    checked: Checked = check_table(table, file_name, plan.sheet, checking, definitions, carried=carried)
    plan.problems.extend(checked.problems)
    plan.notes.extend(checked.notes)
    plan.unknown_teams = checked.unknown_teams
    if not placed.units.empty:
        is_team = placed.units["level"] == "team"
        used = set(checked.observations["unit"]) if checked.ok else set(placed.units["code"][is_team])
        teams = placed.units[is_team & placed.units["code"].isin(used)]
        directorates = placed.units[~is_team & placed.units["code"].isin(set(teams["parent"]))]
        organisation = placed.units[placed.units["code"].isin(set(directorates["parent"]))]
        plan.new_units = pd.concat([organisation, directorates, teams], ignore_index=True)
        plan.new_aliases = placed.aliases[placed.aliases["unit"].isin(set(teams["code"]))].reset_index(drop=True)
        # What the placing has not already named (e.g. a team placed in a team).
        unit_problems = [] if placed.problems else [
            Problem(file_name, p) for p in check_units(plan.new_units, hierarchy.frame, where="new units")]
        plan.placement_problems += unit_problems
        plan.problems.extend(unit_problems)
    if actor is not None and checked.ok:
        plan.problems.extend(_not_allowed(actor, checking, checked.observations, plan))
    if plan.problems:
        return plan
    incoming = checked.observations
    if blank_clears:
        incoming = incoming.assign(**{f"clears_{c}": checked.carried[c].to_numpy() for c in checked.carried})
    # Read before the diff's data version: an upload saved in between is in both, or in neither.
    plan.seen_upload = store.newest_upload()
    plan.changes, plan.diffed_at = store.diff(incoming)
    plan.changes["row"] = checked.observations["row"].to_numpy()
    return plan


def _not_allowed(actor: Actor, hierarchy: Hierarchy, observations: pd.DataFrame, plan: UploadPlan) -> list[Problem]:
    """A problem for each team in the file the actor may not upload for (naming its rows),
    and one for new teams when they may not add to the hierarchy."""
    problems = []
    for team, rows in observations.groupby("unit", sort=True)["row"]:
        if not can(actor, Right.UPLOAD, team, hierarchy):
            problems.append(Problem(
                plan.file_name, f"{actor.identity} may not upload data for {hierarchy.name(team)} "
                f"({row_ranges(rows.to_numpy())}); remove those rows, or ask an administrator for the role.",
                sheet=plan.sheet, column="team"))
    if plan.new_units is not None and not plan.new_units.empty and not can(actor, Right.HIERARCHY):
        problems.append(Problem(plan.file_name, f"{actor.identity} may not add teams to the hierarchy; "
                                "an administrator can add them.", sheet=plan.sheet, column="team"))
    return problems


@dataclass
class _Placed:
    """New units (directorates, then teams) placed by the file and by the user, each new
    team's spellings in the file as aliases, and what is wrong with the placing."""

    units: pd.DataFrame
    aliases: pd.DataFrame
    problems: list[Problem]


def _place(
    hierarchy: Hierarchy,
    from_file: list[pd.DataFrame],
    new_teams: dict[str, str],
    new_directorates: dict[str, str],
    team_codes: dict[str, str],
    file_name: str,
    new_organisation: dict[str, str],
) -> _Placed:
    """Teams new to the hierarchy placed in directorates: by the user (``new_teams``, text →
    directorate code, into an existing or a new directorate), else by the file's directorate
    column or placements sheet (text → directorate code or name; a name no directorate has
    becomes a new directorate). Each team's code is the user's, else generated."""
    if not new_teams and not new_directorates and all(f.empty for f in from_file):
        return _Placed(pd.DataFrame(columns=list(UNIT_COLUMNS)),
                       pd.DataFrame(columns=list(ALIAS_COLUMNS)), [])
    problems: list[Problem] = []
    pairs = pd.concat([f[["team", "directorate"]].astype("object") for f in from_file]
                      or [pd.DataFrame(columns=["team", "directorate"])]).dropna().drop_duplicates()
    pairs = pd.DataFrame({c: [str(t).strip() for t in pairs[c]] for c in ("team", "directorate")}).drop_duplicates()
    by_user = {lookup_key(t) for t in new_teams}
    pairs = pairs.loc[[not hierarchy.candidates(team, level=None) and lookup_key(team) not in by_user
                       for team in pairs["team"]]]
    directorates = dict(new_directorates)
    by_name = {lookup_key(name): code for code, name in directorates.items()}
    texts = sorted(set(pairs["directorate"]) - set(hierarchy.directorates) - set(directorates))
    unnamed = [t for t in texts if hierarchy.resolve(t, level="directorate") is None and lookup_key(t) not in by_name]
    for text in unnamed:
        if len(codes := hierarchy.candidates(text, level="directorate")) > 1:
            problems.append(Problem(
                file_name, f"directorate '{text}' is the name of more than one directorate ({', '.join(codes)}); use its code."))
    generated = hierarchy.new_codes([t for t in unnamed if not hierarchy.candidates(t, level="directorate")],
                                    prefix=DIRECTORATE_PREFIX, avoid=unnamed)
    directorates.update({code: text for text, code in generated.items()})
    by_name.update({lookup_key(text): code for text, code in generated.items()})
    pairs = pairs.assign(directorate=[
        d if d in directorates or d in hierarchy.directorates
        else hierarchy.resolve(d, level="directorate") or by_name.get(lookup_key(d), "")
        for d in pairs["directorate"]]).query("directorate != ''").drop_duplicates()
    for team, group in pairs.groupby("team"):
        if len(group) > 1:
            problems.append(Problem(
                file_name, f"new team '{team}' is placed in more than one directorate ({', '.join(group['directorate'])})."))
    placements = {**dict(zip(pairs["team"], pairs["directorate"])), **new_teams}
    # Spellings that differ only in case or spacing are one team, named as first spelt.
    spellings: dict[str, list[str]] = {}
    for text in sorted(placements):
        spellings.setdefault(lookup_key(text), []).append(text)
    names = [found[0] for found in spellings.values()]
    codes = {**hierarchy.new_codes([n for n in names if not team_codes.get(n, "").strip()], avoid=names),
             **{n: team_codes[n].strip() for n in names if team_codes.get(n, "").strip()}}
    made = {} if hierarchy.organisations else new_organisation  # code → name: the organisation to add
    problems += _code_problems(hierarchy, codes, {**made, **directorates}, file_name)
    organisation = hierarchy.organisations or list(new_organisation)
    if not organisation and directorates:
        problems.append(Problem(file_name, "there is no organisation yet for the new directorates to belong to: "
                                           "name your organisation (the top of the hierarchy) first."))
    units = pd.concat([
        pd.DataFrame({"code": list(made), "name": list(made.values()), "level": "organisation", "parent": ""}),
        pd.DataFrame({"code": list(directorates), "name": list(directorates.values()), "level": "directorate",
                      "parent": organisation[0] if organisation else ""}),
        pd.DataFrame({"code": [codes[n] for n in names], "name": names, "level": "team",
                      "parent": [placements[n] for n in names]}),
    ], ignore_index=True)
    aliases = pd.DataFrame(
        [(text, codes[found[0]]) for found in spellings.values() for text in found], columns=list(ALIAS_COLUMNS))
    return _Placed(units, aliases, problems)


def _code_problems(hierarchy: Hierarchy, codes: dict[str, str], directorates: dict[str, str], file_name: str) -> list[Problem]:
    """A code chosen for a new unit that is taken: by a unit, or by another new unit's code
    or name (a code wins over a name, so it would take the name's unit away); and a new team
    named as a new directorate is (the name would not say which is meant)."""
    problems = []
    new = [*((n, c) for c, n in directorates.items()), *codes.items()]
    chosen = {lookup_key(name): name for name, _ in new}
    for name, code in new:
        taken = hierarchy.candidates(code, level=None)
        if taken or chosen.get(lookup_key(code), name) != name:
            by = hierarchy.name(taken[0]) if taken else chosen[lookup_key(code)]
            problems.append(Problem(file_name, f"the code '{code}' for the new unit '{name}' is already taken by "
                                               f"'{by}'; choose another."))
        chosen[lookup_key(code)] = name
    directorate_names = {lookup_key(name) for name in directorates.values()}
    problems += [
        Problem(file_name, f"the new team '{name}' would have the same name as a new directorate; "
                           "name the team differently in the file (or map its text to another name).")
        for name in codes if lookup_key(name) in directorate_names
    ]
    return problems


def _find_mapping(saved: pd.DataFrame | None, workbook: Workbook, mapping, plan: UploadPlan,
                  recognise: bool) -> dict | None:
    """The spec to read the file with: ``mapping`` itself, the saved mapping it names, or the
    one of ``saved`` (the saved mappings) recognised from the file's headings; else None."""
    if isinstance(mapping, dict):
        return mapping
    if isinstance(mapping, str) and mapping != AUTO:
        match = saved[saved["name"] == mapping]
        if match.empty:
            known = ", ".join(saved["name"]) or "none saved yet"
            raise InputError([Problem(plan.file_name, f"there is no saved mapping called '{mapping}' (saved mappings: {known}).")])
        plan.mapping = mapping
        return match.iloc[0]["spec"]
    recognised = recognise_mapping(workbook, saved) if recognise else None
    if recognised is not None:
        plan.mapping = plan.recognised = recognised["name"]
        return recognised["spec"]
    return None


def commit(store: Store, plan: UploadPlan, uploaded_by: Actor | str | None = None) -> UploadSummary:
    """Save a checked plan, and the mapping the user named for it, in one transaction, as
    ``uploaded_by`` (NotAllowed unless they may: ``Store.commit_upload``). A plan that changes
    nothing is not recorded (the summary's ``changed`` is False). If anything was saved since
    the plan was made, nothing is written and ``StalePreview`` says what: make the plan again
    and show it before saving."""
    if not plan.ok:
        raise ValueError("Only a plan with no problems can be saved.")
    meta = UploadMeta(plan.file_name, plan.sha256, uploaded_by, plan.mapping)
    return store.commit_upload(plan.changes, meta, plan.new_units, diffed_at=plan.diffed_at,
                               mapping=plan.mapping_to_save, new_aliases=plan.new_aliases,
                               seen_upload=plan.seen_upload)
