"""``python -m qi_dash report --db DB --unit CODE [--measures A,B] [--from DATE] [--to DATE]
[--as-of DATE] --out pack.pdf|pack.pptx``: a board pack from the command line."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date, datetime
from pathlib import Path

from qi_dash.pack import PackError, read_pack
from qi_dash.pack_file import format_of, pack_bytes
from qi_dash.render import RenderError
from qi_dash.store import Store

REPORT_HELP = "Write a unit's board pack (summary table, then each measure's chart) as PDF or PowerPoint."


def day(text: str) -> date:
    """A date as 2025-10-31 or 31/10/2025."""
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    raise argparse.ArgumentTypeError(f"'{text}' is not a date; write it as 2025-10-31 or 31/10/2025")


def add_report_command(report: argparse.ArgumentParser) -> None:
    report.add_argument("--unit", required=True, help="the organisation, directorate or team (code or name)")
    report.add_argument("--measures", help="measure codes, comma-separated (default: every measure)")
    report.add_argument("--from", dest="start", type=day, help="the first period to include (default: the first)")
    report.add_argument("--to", dest="end", type=day, help="the last period to include (default: the latest)")
    report.add_argument("--as-of", type=day, help="the data as it stood at the end of this day (default: now)")
    report.add_argument("--out", type=Path, required=True, help="the file to write: .pdf or .pptx")


def run_report(args: argparse.Namespace, store: Store) -> int:
    started = time.perf_counter()
    try:
        fmt = format_of(args.out)
        measures = [code.strip() for code in args.measures.split(",") if code.strip()] if args.measures else None
        content = read_pack(store, args.unit, measures=measures, start=args.start, end=args.end, as_of=args.as_of)
        data = pack_bytes(content, fmt)
    except (PackError, RenderError) as err:
        print(err, file=sys.stderr)
        return 1
    try:
        args.out.write_bytes(data)
    except OSError as err:
        print(f"{args.out}: could not be written ({err.strerror or err}).", file=sys.stderr)
        return 1
    print(f"Board pack for {content.name} ({len(content.sections)} unit(s), {len(content.charts)} charts, "
          f"{content.period}) written to {args.out} in {time.perf_counter() - started:.1f} s.")
    return 0
