"""Applying a column mapping: a team's own spreadsheet layout → the canonical long table.

What a mapping (the "spec") may say, and what the table ``apply`` returns, is described in
``spec``.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from qi_dash.ingest import across
from qi_dash.ingest.canonical import closest
from qi_dash.ingest.cells import Distinct
from qi_dash.ingest.parts import (
    Columns,
    converted_periods,
    filled_down,
    note_rows,
    part_cells,
    part_words,
    renamed,
    table_rows,
)
from qi_dash.ingest.spec import EVERY_SHEET, NUMBER_KEYS, is_text, validate_spec
from qi_dash.ingest.workbook import Sheet, Workbook, sheet_table
from qi_dash.problems import InputError, Problem
from qi_dash.text import row_ranges, summarise

# A period cell like "Total", "Sum", "Average 2023", "Notes: …" marks a summary or note row,
# never a period; \b keeps "Summer 2024" and "Meantime" from matching.
_LABEL_ROW = re.compile(r"^(?:grand\s+total|sub-?total|total|sum|average|mean|note)s?\b", re.IGNORECASE)


def apply(spec: dict, workbook: Workbook) -> tuple[pd.DataFrame, str]:
    """Map the workbook's data to the canonical table; returns (table, sheet name(s)).

    Raises InputError listing every problem: a spec of the wrong shape, a sheet not found, a
    heading the spec names that the sheet lacks (with the sheet's headings and the closest).
    """
    spec_problems = validate_spec(spec)
    if spec_problems:
        named = isinstance(spec, dict) and is_text(spec.get("name"))
        label = f"the mapping '{spec['name']}'" if named else "the mapping"
        raise InputError([Problem(workbook.file, f"{label}: {p}", kind="mapping") for p in spec_problems])
    sheets = spec_sheets(spec, workbook)
    several = spec.get("sheet") == EVERY_SHEET or isinstance(spec.get("sheet"), list)
    parts: list[pd.DataFrame] = []
    notes: list[str] = []
    problems: list[Problem] = []
    read_sheet = across.apply_sheet if spec.get("layout") == "periods_across" else _apply_sheet
    for sheet in sheets:
        try:
            part = read_sheet(spec, sheet, notes)
        except InputError as err:
            problems.extend(err.problems)
            continue
        if several:
            part["sheet"] = sheet.name
        parts.append(part)
    if problems:
        raise InputError(problems)
    table = pd.concat(parts) if len(parts) > 1 else parts[0]
    table.attrs["notes"] = notes + hidden_sheets_not_read(workbook, sheets)
    return table, ", ".join(s.name for s in sheets)


def hidden_sheets_not_read(workbook: Workbook, read: list[Sheet]) -> list[str]:
    """A note listing the hidden sheets that were not read (none when all were chosen)."""
    chosen = {id(s) for s in read}
    hidden = [s.name for s in workbook.sheets if s.hidden and id(s) not in chosen]
    if not hidden:
        return []
    names = ", ".join(f"'{name}'" for name in hidden)
    if len(hidden) == 1:
        return [f"Hidden sheet {names} was not read; choose it among the sheets to read if it holds data to load."]
    return [f"Hidden sheets {names} were not read; choose them among the sheets to read if they hold data to load."]


def _measures(spec: dict, sheet: Sheet, cells: pd.Series | None, n: int) -> np.ndarray:
    """A long sheet's measure for each of its ``n`` rows: its measure cell's text (or, a sheet
    per measure, the sheet's name) with the spec's ``measure_values`` replacements."""
    values = spec.get("measure_values", {})
    if cells is None:
        return np.full(n, renamed(np.array([sheet.name.strip()], dtype=object), values)[0], dtype=object)
    if not values:
        return cells.to_numpy(dtype=object)
    measure = Distinct(cells)
    return np.where(measure.empty, cells.to_numpy(dtype=object), measure.rows(renamed(measure.texts, values)))


def spec_sheets(spec: dict, workbook: Workbook) -> list[Sheet]:
    """The sheets a spec reads, or InputError naming the sheet it cannot find."""
    wanted = spec.get("sheet")
    visible = [s for s in workbook.sheets if not s.hidden]
    if wanted is None:
        if not visible:
            raise InputError([Problem(workbook.file, "has no visible sheet to read.", kind="file")])
        return visible[:1]
    if wanted == EVERY_SHEET:
        with_data = [s for s in visible if s.filled().any()]
        if not with_data:
            raise InputError([Problem(workbook.file, "has no visible sheet with data.", kind="file")])
        return with_data
    names = [s.name for s in workbook.sheets]
    found, problems = [], []
    for name in [wanted] if isinstance(wanted, str) else wanted:
        match = [s for s in workbook.sheets if s.name == name] or [
            s for s in workbook.sheets if s.name.strip().casefold() == name.strip().casefold()
        ]
        if match:
            found.append(match[0])
            continue
        hint = closest(name, names)
        problems.append(Problem(
            workbook.file,
            f"has no sheet named '{name}', which the mapping reads."
            + (f" Did you mean '{hint}'?" if hint else "")
            + f" Its sheets are: {summarise([repr(n) for n in names], 20)}.",
            kind="missing_sheet", subject=name,
        ))
    if problems:
        raise InputError(problems)
    return found


def _apply_sheet(spec: dict, sheet: Sheet, notes: list[str]) -> pd.DataFrame:
    header_row = spec.get("header_row", 1)
    table = sheet_table(table_rows(spec, sheet, header_row, notes), header_row)
    columns = Columns(table, sheet, header_row)
    n = len(table)

    period_spec = spec["period"]
    period_raw = columns.get(period_spec["column"], "period")
    team = filled_down(part_cells(spec["team"], columns, sheet, "team"), table.index.to_numpy(), sheet.name,
                       spec["team"], notes)
    directorate = part_cells(spec["directorate"], columns, sheet, "directorate") if spec.get("directorate") else None
    comment = columns.get(spec["comment"], "comment") if spec.get("comment") else None

    if spec.get("layout", "wide") == "wide":
        items = spec["measures"]
        numbers = [{k: columns.get(item[k], f"{k} of measure {item['measure']}") for k in NUMBER_KEYS if k in item}
                   for item in items]
        comments = [columns.get(item["comment"], f"comment of measure {item['measure']}") if "comment" in item
                    else comment for item in items]
        measure_cells = None
    else:
        numbers = [{k: columns.get(spec[k], k) for k in NUMBER_KEYS if k in spec}]
        comments = [comment]
        measure_cells = None if spec.get("measure_from_sheet") else columns.get(spec["measure_column"], "measure")
    if columns.missing:
        raise InputError(columns.problems())

    # Which rows hold data: a row is skipped only when its period cell reads as a total or
    # note, or when the period and every number (and measure) cell of the row are empty.
    rows = table.index.to_numpy()
    period = Distinct(period_raw)
    period_codes = period.codes
    period_text = period.rows(period.texts)
    labelled = period.rows([t is not None and bool(_LABEL_ROW.match(t)) for t in period.texts])
    number_cells = [cells for group in numbers for cells in group.values()]
    blank = period_codes < 0
    for cells in number_cells + ([measure_cells] if measure_cells is not None else []):
        if blank.any():
            blank[blank] = Distinct(cells[blank]).empty
    skip = labelled | blank
    note_rows(notes, rows[blank], sheet.name, "no period and no numbers (blank, total or note rows)")
    if labelled.any():
        said = ", ".join(f"'{t}'" for t in pd.unique(period_text[labelled])[:3])
        note_rows(notes, rows[labelled], sheet.name,
                   f"the period cell reads {said}, so these are total or note rows and their numbers were not loaded")

    if spec["team"].get("empty") == "skip":
        no_team = ~skip & pd.isna(team)
        if no_team.any():
            holding = np.zeros(n, dtype=bool)
            for cells in number_cells:
                holding[no_team] |= ~Distinct(cells[no_team]).empty
            with_numbers = rows[holding]
            held = (f"{len(with_numbers)} of them held numbers ({row_ranges(with_numbers)}), which were not loaded"
                    if len(with_numbers) else "none of them held numbers")
            note_rows(notes, rows[no_team], sheet.name,
                       f"no team ({part_words(spec['team'])} empty), as the mapping's team setting "
                       f'"empty": "skip" asks; {held}')
            skip |= no_team
    keep = ~skip
    kept_rows = rows[keep]
    k, m = len(kept_rows), len(numbers)

    # The text columns are filled into one object block (one row of it per output column),
    # which pandas takes without copying; each source row's canonical rows sit together, one
    # per measure in the spec's order, so measure j's cells go to every m-th place from j.
    names = ["team", "measure", "numerator", "denominator", "value", "comment"]
    if directorate is not None:
        names.append("directorate")
    block = np.full((len(names), k * m), None, dtype=object)
    block[0] = np.repeat(team[keep], m)
    if "measures" in spec:
        block[1] = np.tile(np.array([item["measure"].strip() for item in spec["measures"]], dtype=object), k)
    else:
        block[1] = _measures(spec, sheet, measure_cells, n)[keep]
    for j, (group, comment_cells) in enumerate(zip(numbers, comments)):
        for key, cells in group.items():
            block[names.index(key), j::m] = cells.to_numpy(dtype=object)[keep]
        if comment_cells is not None:
            block[5, j::m] = comment_cells.to_numpy(dtype=object)[keep]
    if directorate is not None:
        block[6] = np.repeat(directorate[keep], m)
    index = pd.Index(np.repeat(kept_rows, m), name="row")
    out = pd.DataFrame(block.T, index=index, columns=names, dtype=object, copy=False)
    out.insert(2, "period", np.repeat(converted_periods(period_codes[keep], period.values, period_spec.get("form", "auto")), m))
    return out


def carried_columns(spec: dict) -> dict[str | None, list[str]]:
    """Which canonical value columns a mapping fills from the file, for ``check_table``: per
    measure (its text as the spec writes it) in the wide and periods_across layouts, under
    None for every row otherwise. A column it does not map is absent from the file, not blank."""
    comment = ["comment"] if spec.get("comment") else []
    layout = spec.get("layout", "wide")
    if layout in ("wide", "periods_across"):
        items = spec["measures"] if layout == "wide" else spec["rows"]
        return {
            item["measure"].strip(): [k for k in NUMBER_KEYS if k in item] + (["comment"] if "comment" in item else comment)
            for item in items
        }
    return {None: [k for k in NUMBER_KEYS if k in spec] + comment}
