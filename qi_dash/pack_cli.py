"""``python -m qi_dash report --db DB --unit CODE [--measures A,B] [--from DATE] [--to DATE]
[--as-of DATE] --out pack.pdf|pack.pptx``: a board pack from the command line."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from qi_dash import pack_file, selection_options
from qi_dash.pack import PackError, read_pack
from qi_dash.pack_file import format_of
from qi_dash.render import RenderError
from qi_dash.store import Store

REPORT_HELP = "Write a unit's board pack (summary table, then each measure's chart) as PDF or PowerPoint."


def add_report_command(report: argparse.ArgumentParser) -> None:
    report.add_argument("--unit", required=True, help="the organisation, directorate or team (code or name)")
    report.add_argument("--measures", help="measure codes, comma-separated (default: every measure)")
    report.add_argument("--from", dest="start", help="the first period to include (default: the first)")
    report.add_argument("--to", dest="end", help="the last period to include (default: the latest)")
    report.add_argument("--as-of", help="the data as it stood at the end of this day (default: now)")
    report.add_argument("--out", type=Path, required=True, help="the file to write: .pdf or .pptx")


def run_report(args: argparse.Namespace, store: Store) -> int:
    started = time.perf_counter()
    try:
        fmt = format_of(args.out)
        # The same reading of a unit, measures and days as ``export`` (InputError: printed by ``cli``).
        unit = selection_options.unit_code(store.hierarchy(), args.unit)
        measures = selection_options.measure_codes(store.definitions(), args.measures) if args.measures else None
        start, end, as_of = (selection_options.day(text, option) if text else None for text, option in
                             ((args.start, "--from"), (args.end, "--to"), (args.as_of, "--as-of")))
        # Chromium starts, and draws each chart as its figure is made, while the content is read.
        with pack_file.renderer_for(measures, fmt) as renderer:
            content = read_pack(store, unit, measures=measures, start=start, end=end, as_of=as_of,
                                draw=renderer.draw)
            data = pack_file.pack_bytes(content, fmt, renderer=renderer)
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
