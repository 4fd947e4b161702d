"""Command line: ``python -m qi_dash demo|init|upload|export|report|template|mapping|roles|copy`` — the app's
own code. Wherever a database is named (``--db``), a DuckDB file or a PostgreSQL address will do."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from qi_dash import access, bootstrap, exports, pack_cli, selection_options
from qi_dash.access import AccessError, NotAllowed
from qi_dash.definitions import DefinitionError
from qi_dash.hierarchy import HierarchyError
from qi_dash.ingest.recognise import imported_signature, spec_headings
from qi_dash.ingest.spec import load_spec, spec_file_text
from qi_dash.problems import InputError, Problem, ProblemList, group_lines, problem_count
from qi_dash.store import Store, StoreConflict, StoreUnavailable, shown_name
from qi_dash.store.connection import WAIT
from qi_dash.upload import AUTO, UploadPlan, commit, plan_upload


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m qi_dash", description="qi-dash: team QI dashboards.")
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name, help_text):
        return _db_command(commands, name, help_text)

    command("demo", "Create a database holding the demo organisation.")
    init = command("init", "Create an empty database for a new organisation, with the standard measures.")
    init.add_argument("--measures", type=Path, default=bootstrap.STANDARD_MEASURES, help="a measure definitions CSV")
    init.add_argument("--hierarchy", type=Path, help="a hierarchy CSV (code,name,level,parent)")
    upload = command("upload", "Check a file and save it (added / updated / unchanged).")
    upload.add_argument("file", type=Path)
    upload.add_argument("--dry-run", action="store_true", help="check and report, save nothing")
    upload.add_argument("--mapping", help="a saved column mapping's name, a mapping file (.json), or 'auto' "
                        "(the mapping the Upload page proposes)")
    upload.add_argument("--by", help="who is uploading (recorded with the upload; default: command line (user@host))")
    upload.add_argument("--new-teams-in", metavar="DIRECTORATE",
                        help="place every team new to the hierarchy in this directorate (code or name), "
                             "with generated codes")
    upload.add_argument("--organisation", metavar="NAME",
                        help="a new install without a hierarchy: your organisation's name, added as its top "
                             "with the directorates and teams the file places (code made from the name)")
    upload.add_argument("--blank-clears", action="store_true",
                        help="blank cells clear stored values (by default a blank keeps what is stored)")
    export = command("export", "Export all observations in the canonical template (.csv or .xlsx).")
    export.add_argument("--out", type=Path, required=True)
    export.add_argument("--unit", help="only this unit's teams (a code or name; a directorate or organisation "
                                       "means all its teams), as the app's all-data download")
    export.add_argument("--measures", help="only these measures (codes, comma-separated)")
    export.add_argument("--as-of", help="the data as it stood at the end of this day (dd/mm/yyyy or yyyy-mm-dd)")
    pack_cli.add_report_command(command("report", pack_cli.REPORT_HELP))
    template = command("template", "Write the blank upload template (xlsx) with the measure and team lists.")
    template.add_argument("--out", type=Path, required=True)
    _mapping_commands(commands)
    roles = commands.add_parser("roles", help="Export or import who holds which role (identity, role, unit CSV).")
    roles_actions = roles.add_subparsers(dest="action", required=True)
    _db_command(roles_actions, "export", "Write the roles in force to a CSV.").add_argument("--out", type=Path, required=True)
    imported_roles = _db_command(roles_actions, "import", "Make a CSV's roles the roles in force (each change kept).")
    imported_roles.add_argument("file", type=Path)
    imported_roles.add_argument("--by", help="who is changing them (default: command line (user@host))")
    copy = commands.add_parser("copy", help="Copy a whole database into a new one (DuckDB file <-> PostgreSQL).",
                               description="Copy everything a database holds (every upload and its history, "
                                           "definitions, mappings, aims, PDSA cycles, phases, roles) into a new, "
                                           "empty one: a DuckDB file or a PostgreSQL database.")
    copy.add_argument("--from", dest="source", required=True, help="the database to copy: " + _DB_WORDS)
    copy.add_argument("--to", dest="target", required=True,
                      help="the new database: a DuckDB file that does not exist yet, or an empty PostgreSQL database")
    copy.add_argument("--wait", type=float, metavar="SECONDS", help="how long to wait while another program "
                      f"(the running app) is using a DuckDB file (default QI_DASH_WAIT or {WAIT:g})")
    return parser


_DB_WORDS = "a DuckDB database file, or a PostgreSQL database's address (postgresql://user@host/database)"


def _db_command(commands, name: str, help_text: str) -> argparse.ArgumentParser:
    """A subcommand working on one database file (``--db``)."""
    sub = commands.add_parser(name, help=help_text, description=help_text)
    sub.add_argument("--db", required=True, help=_DB_WORDS)
    sub.add_argument("--wait", type=float, metavar="SECONDS",
                     help=f"how long to wait while another program (the running app) is using the database "
                          f"(default QI_DASH_WAIT or {WAIT:g})")
    return sub


def _mapping_commands(commands) -> None:
    """``mapping list | show NAME | export NAME --out F | import F [--name N] | delete NAME``."""
    mapping = commands.add_parser("mapping", help="List, show, export, import or delete saved column mappings.",
                                  description="Saved column mappings: each save, rename and delete is kept as a version.")
    actions = mapping.add_subparsers(dest="action", required=True)

    def action(name, help_text):
        return _db_command(actions, name, help_text)

    action("list", "List the saved mappings: name, version, when and by whom, the headings each reads.")
    action("show", "Show a saved mapping (JSON) and its versions.").add_argument("name")
    export = action("export", "Write a saved mapping to a JSON file.")
    export.add_argument("name")
    export.add_argument("--out", type=Path, required=True)
    imported = action("import", "Save a mapping file (.json) as a mapping, or as the next version of one.")
    imported.add_argument("file", type=Path)
    imported.add_argument("--name", help="the name to save it under (default: the file's own name key)")
    imported.add_argument("--by", help="who is saving it (recorded with the version)")
    delete = action("delete", "Stop recognising and listing a mapping (its versions are kept).")
    delete.add_argument("name")
    delete.add_argument("--by", help="who is deleting it (recorded with the version)")


def _run_mapping(args, store: Store) -> int:
    if args.action == "list":
        current = store.mappings()
        if current.empty:
            print(f"No saved mappings in {args.db}.")
        for row in current.itertuples(index=False):
            print(f"{row.name}: version {row.version}, saved {row.saved_at:%Y-%m-%d %H:%M}"
                  f"{f' by {row.saved_by}' if isinstance(row.saved_by, str) else ''}; "
                  f"reads {', '.join(spec_headings(row.spec)) or 'no columns'}")
    elif args.action == "show":
        print(spec_file_text(store.mapping(args.name)["spec"], args.name), end="")
        for row in store.mapping_versions(args.name).itertuples(index=False):
            print(f"version {row.version}: {row.change} as '{row.name}' {row.saved_at:%Y-%m-%d %H:%M}"
                  f"{f' by {row.saved_by}' if isinstance(row.saved_by, str) else ''}")
    elif args.action == "export":
        current = store.mapping(args.name)
        try:
            args.out.write_text(spec_file_text(current["spec"], args.name), encoding="utf-8")
        except OSError as err:
            print(f"{args.out}: could not be written ({err.strerror or err}).", file=sys.stderr)
            return 1
        print(f"Mapping '{args.name}' (version {current['version']}) written to {args.out}.")
    elif args.action == "import":
        spec = load_spec(args.file)
        name = (args.name or spec.get("name") or "").strip()
        if not name:
            print(f"{args.file.name}: the mapping has no name; give one with --name.", file=sys.stderr)
            return 1
        spec = {**spec, "name": name}
        if store.save_mapping(name, imported_signature(spec, store.mappings(), name), spec,
                              saved_by=access.command_line(args.by)):
            print(f"Saved mapping '{name}' as version {store.mapping(name)['version']}.")
        else:
            print(f"Mapping '{name}' is already saved as it is; nothing changed.")
    elif args.action == "delete":
        store.delete_mapping(args.name, by=access.command_line(args.by))
        kept = len(store.mapping_versions(args.name))
        print(f"Deleted mapping '{args.name}'; it is no longer recognised. Its {kept} version(s) are kept.")
    return 0


def _run_roles(args, store: Store) -> int:
    if args.action == "export":
        grants = store.grants()
        args.out.write_bytes(access.grants_csv(grants))
        print(f"{len(grants)} role(s) written to {args.out}.")
        return 0
    if not args.file.exists():
        print(f"{args.file}: no such file.", file=sys.stderr)
        return 1
    grants = access.read_grants_csv(args.file.read_bytes(), store.hierarchy(), args.file.name)
    granted, revoked = store.save_grants(grants, by=access.command_line(args.by))
    print(f"Roles from {args.file.name}: {granted} granted, {revoked} revoked; {len(grants)} in force.")
    return 0


def _print_cleared(plan: UploadPlan) -> None:
    """With --blank-clears, every stored value a blank cell clears, before anything is saved."""
    cleared = plan.cleared
    if cleared.empty:
        return
    print(f"Blank cells clear {len(cleared)} stored row(s):")
    for row in cleared.itertuples():
        print(f"  row {row.row}: {row.unit} {row.measure} {row.period:%d/%m/%Y}: {row.cleared}")


def main(argv: list[str] | None = None) -> int:
    """Run one command; every failure is printed in words (no traceback) with exit status 1."""
    args = _parser().parse_args(argv)
    try:
        return _command(args)
    except (InputError, DefinitionError, HierarchyError, AccessError) as err:
        _print_problems(getattr(err, "problems", [str(err)]))
        return 1
    except (StoreUnavailable, StoreConflict, NotAllowed, ValueError) as err:
        print(err, file=sys.stderr)
        return 1
    except OSError as err:
        print(f"{err.filename}: {err.strerror}.", file=sys.stderr)
        return 1


def _command(args) -> int:
    if args.command == "upload" and not args.file.exists():
        print(f"{args.file}: no such file.", file=sys.stderr)
        return 1
    if args.command in ("demo", "init"):  # the only commands that make a database, with copy
        return _create(args)
    if args.command == "copy":
        return _copy(args)
    store = Store.open(args.db, create=False, wait=args.wait)
    try:
        return _run(args, store)
    finally:
        store.close()


def _create(args) -> int:
    """``demo`` and ``init``: a new database, complete or not there at all (``bootstrap.create_store``)."""
    if args.command == "demo":
        summary = bootstrap.create_store(args.db, bootstrap.load_demo, "the demo")
        print(f"Demo organisation created in {shown_name(args.db)}: {summary.sentence()}.")
        return 0
    store = bootstrap.new_organisation(args.db, args.measures, args.hierarchy)
    try:
        print(f"Created {store.path} with {len(store.definitions())} measures and {len(store.units())} units.")
    finally:
        store.close()
    return 0


def _copy(args) -> int:
    """``copy``: a new database holding everything the source holds, complete or not there at all."""
    source = Store.open(args.source, create=False, wait=args.wait)
    try:
        copied = bootstrap.create_store(args.target, source.copy_to, "copy")
    finally:
        source.close()
    print(f"Copied {source.path} to {shown_name(args.target)}: {copied:,} rows.")
    return 0


def _print_problems(problems: list) -> None:
    """Every problem on its own line; then, when kinds repeat, one line per thing to do."""
    for problem in problems:
        print(problem, file=sys.stderr)
    located = problems if isinstance(problems, ProblemList) else [p for p in problems if isinstance(p, Problem)]
    lines = group_lines(located)
    if len(lines) < problem_count(located):
        print("What to do:", file=sys.stderr)
        for line in lines:
            print(f"  {line}", file=sys.stderr)
    print(f"{problem_count(problems):,} problem(s); nothing was saved.", file=sys.stderr)


def _run(args, store: Store) -> int:
    if args.command == "upload":
        mapping = args.mapping
        if mapping and mapping.lower().endswith(".json"):
            mapping = load_spec(mapping)
        organisation = _new_organisation(store, args.organisation)
        plan = plan_upload(store, args.file.read_bytes(), args.file.name, mapping=mapping,
                           blank_clears=args.blank_clears, new_organisation=organisation)
        if plan.proposal is not None:
            print(f"Proposed mapping for {args.file.name}:")
            for line in plan.proposal.lines():
                print(f"  {line}")
        elif plan.recognised is not None:
            print(f"Recognised the layout of {args.file.name}: using the saved mapping '{plan.recognised}'.")
        elif mapping == AUTO and plan.mapping is None and not plan.needs_mapping:
            print(f"{args.file.name} is in the upload template: no mapping needed.")
        if args.new_teams_in and plan.unknown_teams:
            plan = _place_new_teams(store, args, mapping, plan, organisation)
        for note in plan.notes:
            print(f"Note: {note}")
        if plan.problems:
            raise InputError(plan.problems)
        if plan.needs_mapping:
            print(
                f"{args.file.name}: not in the upload template (columns team, measure, period, ...) and no saved "
                "mapping matches it. Map its columns once on the Upload page, or pass --mapping NAME.",
                file=sys.stderr,
            )
            return 1
        _print_cleared(plan)
        if args.dry_run:
            print(f"Dry run, nothing saved: {plan.sentence()}.")
        else:
            summary = commit(store, plan, uploaded_by=access.command_line(args.by))
            if summary.changed:
                print(f"Saved upload {summary.upload_id}: {summary.sentence()}.")
            else:
                print("Nothing to change: every row is already saved.")
    elif args.command == "export":
        frame = exports.template_frame(_selected_observations(store, args))
        exports.write_export(frame, args.out)
        print(f"Exported {len(frame)} observations to {args.out}.")
    elif args.command == "report":
        return pack_cli.run_report(args, store)
    elif args.command == "mapping":
        return _run_mapping(args, store)
    elif args.command == "roles":
        return _run_roles(args, store)
    elif args.command == "template":
        args.out.write_bytes(exports.template_workbook(store.definitions(), store.hierarchy()))
        print(f"Template written to {args.out}.")
    return 0


def _selected_observations(store: Store, args: argparse.Namespace):
    """The observations ``--unit``, ``--measures`` and ``--as-of`` select (all, now, by default)."""
    units = store.hierarchy().teams_under(selection_options.unit_code(store.hierarchy(), args.unit)) if args.unit else None
    measures = selection_options.measure_codes(store.definitions(), args.measures) if args.measures else None
    as_of = selection_options.as_of_moment(args.as_of) if args.as_of else None
    return store.observations(units, measures, as_of)


def _new_organisation(store: Store, name: str | None) -> dict[str, str] | None:
    """``--organisation``'s name as the organisation to add (code → name)."""
    if not name or not name.strip():
        return None
    return {store.hierarchy().new_codes([name.strip()])[name.strip()]: name.strip()}


def _place_new_teams(store: Store, args, mapping, plan: UploadPlan, organisation: dict[str, str] | None) -> UploadPlan:
    """The plan again with every unknown team placed in one directorate (``--new-teams-in``),
    as the Upload page's placement does (codes generated from the names); prints each new
    team's code."""
    file, directorate = args.file, args.new_teams_in
    hierarchy = store.hierarchy()
    code = hierarchy.resolve(directorate, level="directorate")
    if code is None:
        known = ", ".join(f"{c} ({hierarchy.name(c)})" for c in hierarchy.directorates) or "none"
        raise InputError([Problem(file.name, f"--new-teams-in: '{directorate}' is not one directorate; "
                                             f"the directorates are {known}.")])
    placed = plan_upload(store, file.read_bytes(), file.name, mapping=mapping, blank_clears=args.blank_clears,
                         new_teams={team: code for team in plan.unknown_teams}, new_organisation=organisation)
    if placed.new_units is not None:
        for unit in placed.new_units.itertuples(index=False):
            print(f"New team '{unit.name}' in {code}: code {unit.code}")
    return placed
