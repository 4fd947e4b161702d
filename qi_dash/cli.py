"""Command line: ``python -m qi_dash demo|init|upload|export|template`` — the app's own code."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from qi_dash import bootstrap, exports
from qi_dash.definitions import DefinitionError
from qi_dash.hierarchy import Hierarchy, HierarchyError
from qi_dash.ingest.spec import load_spec
from qi_dash.problems import InputError
from qi_dash.store import Store, StoreBusy, StoreConflict
from qi_dash.upload import UploadPlan, commit, plan_upload


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m qi_dash", description="qi-dash: team QI dashboards.")
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name, help_text):
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("--db", required=True, help="the DuckDB database file")
        return sub

    command("demo", "Create a database holding the demo organisation.")
    init = command("init", "Create an empty database for a new organisation, with the standard measures.")
    init.add_argument("--measures", type=Path, default=bootstrap.STANDARD_MEASURES, help="a measure definitions CSV")
    init.add_argument("--hierarchy", type=Path, help="a hierarchy CSV (code,name,level,parent)")
    upload = command("upload", "Check a file and save it (added / updated / unchanged).")
    upload.add_argument("file", type=Path)
    upload.add_argument("--dry-run", action="store_true", help="check and report, save nothing")
    upload.add_argument("--mapping", help="a saved column mapping's name, or a mapping file (.json)")
    upload.add_argument("--by", help="who is uploading (recorded with the upload)")
    upload.add_argument("--blank-clears", action="store_true",
                        help="blank cells clear stored values (by default a blank keeps what is stored)")
    export = command("export", "Export all observations in the canonical template (.csv or .xlsx).")
    export.add_argument("--out", type=Path, required=True)
    template = command("template", "Write the blank upload template (xlsx) with the measure and team lists.")
    template.add_argument("--out", type=Path, required=True)
    return parser


def _print_cleared(plan: UploadPlan) -> None:
    """With --blank-clears, every stored value a blank cell clears, before anything is saved."""
    cleared = plan.cleared
    if cleared.empty:
        return
    print(f"Blank cells clear {len(cleared)} stored row(s):")
    for row in cleared.itertuples():
        print(f"  row {row.row}: {row.unit} {row.measure} {row.period:%d/%m/%Y}: {row.cleared}")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        store = Store.open(args.db)
    except StoreBusy as err:
        print(err, file=sys.stderr)
        return 1
    try:
        return _run(args, store)
    except (InputError, DefinitionError, HierarchyError) as err:
        problems = getattr(err, "problems", [str(err)])
        for problem in problems:
            print(problem, file=sys.stderr)
        print(f"{len(problems)} problem(s); nothing was saved.", file=sys.stderr)
        return 1
    except (StoreConflict, ValueError) as err:
        print(err, file=sys.stderr)
        return 1
    finally:
        store.close()


def _run(args, store: Store) -> int:
    if args.command == "demo":
        if not bootstrap.is_new(store):
            print(f"{args.db} already holds data; the demo needs a new database file.", file=sys.stderr)
            return 1
        summary = bootstrap.load_demo(store)
        print(f"Demo organisation created in {args.db}: {summary.sentence()}.")
    elif args.command == "init":
        if not bootstrap.is_new(store):
            print(f"{args.db} already holds data; init needs a new database file.", file=sys.stderr)
            return 1
        bootstrap.init_store(store, args.measures, args.hierarchy)
        print(f"Created {args.db} with {len(store.definitions())} measures and {len(store.units())} units.")
    elif args.command == "upload":
        if not args.file.exists():
            print(f"{args.file}: no such file.", file=sys.stderr)
            return 1
        mapping = args.mapping
        if mapping and mapping.lower().endswith(".json"):
            mapping = load_spec(mapping)
        plan = plan_upload(store, args.file.read_bytes(), args.file.name, mapping=mapping,
                           blank_clears=args.blank_clears)
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
            summary = commit(store, plan, uploaded_by=args.by)
            if summary.changed:
                print(f"Saved upload {summary.upload_id}: {summary.sentence()}.")
            else:
                print("Nothing to change: every row is already saved.")
    elif args.command == "export":
        frame = exports.template_frame(store.observations())
        exports.write_export(frame, args.out)
        print(f"Exported {len(frame)} observations to {args.out}.")
    elif args.command == "template":
        args.out.write_bytes(exports.template_workbook(store.definitions(), Hierarchy(store.units())))
        print(f"Template written to {args.out}.")
    return 0
