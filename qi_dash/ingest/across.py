"""The ``periods_across`` layout: a column per period (months across the top) and measures
down the side, the commonest ward-tracker shape, read into the canonical long table.

What the layout's mapping says is described in ``spec``; ``mapping.apply`` calls
``apply_sheet`` for each sheet it reads.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from qi_dash import periods
from qi_dash.ingest.canonical import closest
from qi_dash.ingest.cells import Distinct, cell_text, stripped
from qi_dash.ingest.parts import (
    Columns,
    converted_periods,
    filled_down,
    note_rows,
    part_cells,
    part_headings,
    table_rows,
)
from qi_dash.ingest.spec import NUMBER_KEYS, heading_key
from qi_dash.ingest.workbook import Sheet, header_cells, sheet_table
from qi_dash.problems import InputError, Problem
from qi_dash.text import row_ranges

_SHOWN_LABELS = 20


def apply_sheet(spec: dict, sheet: Sheet, notes: list[str]) -> pd.DataFrame:
    """One sheet in the periods_across layout as canonical rows, each indexed by the
    spreadsheet row of its value cell (a pair's numerator row); empty cells are gaps (None).

    Rows and columns left out (labels the mapping does not list, headings that are not
    periods, blank rows) are told in ``notes``; InputError names every problem.
    """
    header_row = spec.get("header_row", 1)
    sheet = table_rows(spec, sheet, header_row, notes)
    headings = header_cells(sheet, header_row)
    letters = list(sheet.frame.columns)
    named = [i for i, h in enumerate(headings) if stripped(cell_text(h)) is not None]
    # The headings alone find the columns to read, before any cell below them is looked at.
    finder = Columns(pd.DataFrame(columns=pd.Index([headings[i] for i in named], dtype=object)), sheet, header_row)

    def positions(heading: str, role: str) -> list[int]:
        label = finder.label(heading, role)
        return [] if label is None else [i for i in named if headings[i] == label]

    label_positions = positions(spec["label_column"], "row labels")
    role_positions = set(label_positions)
    for part, role in ((spec["team"], "team"), (spec.get("directorate") or {}, "directorate")):
        for heading in part_headings(part):
            role_positions.update(positions(heading, role))
    stamps = dict(zip(named, periods.parse_periods(pd.Series([headings[i] for i in named], dtype=object)).timestamps))
    problems: list[Problem] = []
    if "period_columns" in spec:
        period_positions = _chosen_periods(spec["period_columns"], headings, named, stamps, finder)
        problems += [
            Problem(sheet.file, f"the mapping reads column {letters[i]} as a period, but its heading "
                    f"'{cell_text(headings[i])}' is not one: {periods.EXPECTED}.", sheet.name, header_row, letters[i])
            for i in period_positions if pd.isna(stamps[i])
        ]
    elif label_positions:
        period_positions = _found_periods(sheet, header_row, headings, label_positions[0], role_positions, stamps, notes)
        if not period_positions:
            problems.append(Problem(
                sheet.file, f"no heading after the label column '{spec['label_column']}' in row {header_row} is a "
                f"period ({periods.EXPECTED}); name the period columns in period_columns.", sheet.name, header_row))
    else:
        period_positions = []
    if finder.missing or problems:
        raise InputError(finder.problems() + problems)

    form = spec["period"].get("form", "auto")
    heading_cells = np.array([headings[i] for i in period_positions] + [None], dtype=object)
    stamps_read = converted_periods(np.arange(len(period_positions)), heading_cells, form)
    _refuse_repeated_periods(sheet, header_row, [letters[i] for i in period_positions], stamps_read)

    read = sorted(role_positions | set(period_positions))
    # Only the columns read are checked for merged cells and repeated headings: a merged
    # note beside the table is not the table's concern.
    numbers = [i + 1 for i in read]
    table = sheet_table(Sheet(
        sheet.file, sheet.name, sheet.frame.iloc[:, read], sheet.hidden,
        [m for m in sheet.merged if any(m.first_column <= c <= m.last_column for c in numbers)],
        sheet.filled()[:, read],
    ), header_row)
    columns = Columns(table, sheet, header_row)
    labels = Distinct(table.iloc[:, read.index(label_positions[0])])
    rows = table.index.to_numpy()
    team = filled_down(part_cells(spec["team"], columns, sheet, "team"), rows, sheet.name, spec["team"], notes)
    directorate = part_cells(spec["directorate"], columns, sheet, "directorate") if spec.get("directorate") else None
    cells = table.to_numpy(dtype=object)[:, [read.index(i) for i in period_positions]]

    listed = _listed_labels(spec["rows"], labels)
    _note_left_out(spec, sheet, table, labels, listed, cells, notes)
    keep = ~pd.isna(listed)
    if spec["team"].get("empty") == "skip":
        no_team = keep & pd.isna(team)
        note_rows(notes, rows[no_team], sheet.name, "no team in the team column, as the mapping's team setting "
                  '"empty": "skip" asks; their numbers were not loaded')
        keep &= ~no_team
    found = _found_rows(sheet, rows, team, listed, keep, spec, [t for t in labels.texts if t is not None], notes)
    return _canonical(spec, found, rows, team, directorate, cells, stamps_read)


def _chosen_periods(chosen: list[str], headings: list, named: list[int], stamps: dict, finder: Columns) -> list[int]:
    """The positions of the period columns the spec names, by heading text or else by the
    period the text reads as (``Apr-23`` finds a date cell of April 2023)."""
    found = []
    for heading in chosen:
        by_text = [i for i in named if heading_key(cell_text(headings[i])) == heading_key(heading)]
        stamp = periods.parse_periods(pd.Series([heading], dtype=object)).timestamps.iloc[0]
        by_period = [] if pd.isna(stamp) else [i for i in named if stamps[i] == stamp]
        if by_text or by_period:
            found.append((by_text or by_period)[0])
        else:
            finder.missing.setdefault(heading, []).append("period")
    return found


def _found_periods(sheet: Sheet, header_row: int, headings: list, label_at: int, roles: set[int],
                   stamps: dict, notes: list[str]) -> list[int]:
    """The headings after the label column that read as periods, up to the first empty
    heading; other headings there, and cells beyond, are told in the notes."""
    letters = list(sheet.frame.columns)
    after = range(label_at + 1, len(headings))
    end = next((i for i in after if stripped(cell_text(headings[i])) is None), len(headings))
    found = [i for i in range(label_at + 1, end) if i not in roles and not pd.isna(stamps[i])]
    others = [i for i in range(label_at + 1, end) if i not in roles and pd.isna(stamps[i])]
    if others:
        shown = ", ".join(f"{letters[i]} ('{cell_text(headings[i])}')" for i in others)
        notes.append(f"Sheet '{sheet.name}': column{'s' if len(others) > 1 else ''} {shown} "
                     f"{'were' if len(others) > 1 else 'was'} not read: the heading is not a period.")
    below = sheet.filled()[sheet.frame.index.get_loc(header_row) + 1:, end:]
    if below.any():
        notes.append(f"Sheet '{sheet.name}': the period columns end at column {letters[end]}, whose heading in row "
                     f"{header_row} is empty; the cells in columns {letters[end]}–{letters[-1]} were not read.")
    return found


def _refuse_repeated_periods(sheet: Sheet, header_row: int, letters: list[str], stamps: np.ndarray) -> None:
    seen: dict[object, list[str]] = {}
    for letter, stamp in zip(letters, pd.to_datetime(pd.Series(stamps))):
        seen.setdefault(stamp, []).append(letter)
    problems = [
        Problem(sheet.file, f"columns {' and '.join(found)} both hold the period starting {stamp.day} {stamp:%b %Y}; "
                "keep one column per period.", sheet.name, header_row)
        for stamp, found in seen.items() if len(found) > 1
    ]
    if problems:
        raise InputError(problems)


def _listed_labels(items: list[dict], labels: Distinct) -> np.ndarray:
    """Each row's label as the spec lists it (exact, else ignoring case and repeated
    spaces); None for a row whose label the spec does not list."""
    spelled = {item[key].strip(): item[key].strip() for item in items for key in NUMBER_KEYS if key in item}
    loose = {heading_key(text): text for text in spelled}
    per_label = [None if t is None else spelled.get(t, loose.get(heading_key(t))) for t in labels.texts]
    return labels.rows(np.array(per_label, dtype=object))


def _note_left_out(spec: dict, sheet: Sheet, table: pd.DataFrame, labels: Distinct, listed: np.ndarray,
                   cells: np.ndarray, notes: list[str]) -> None:
    rows = table.index.to_numpy()
    text = labels.rows(labels.texts)
    unlisted = ~labels.empty & pd.isna(listed)
    if unlisted.any():
        said = ", ".join(f"'{t}'" for t in pd.unique(text[unlisted])[:3])
        note_rows(notes, rows[unlisted], sheet.name,
                  f"labelled {said}, which the mapping does not read (such as a total, formula or note row); "
                  "their cells were not loaded")
    no_label = labels.empty
    if no_label.any():
        holding = rows[no_label & ~pd.isna(cells).all(axis=1)]
        held = (f"{len(holding)} of them held numbers ({row_ranges(holding)}), which were not loaded"
                if len(holding) else "none of them held numbers")
        note_rows(notes, rows[no_label], sheet.name, f"no label in column '{spec['label_column']}'; {held}")
    if len(rows):
        blank = [r for r in table.attrs["empty_rows"] if r < rows.max()]
        note_rows(notes, np.array(blank, dtype=np.int64), sheet.name, "blank")


def _found_rows(sheet: Sheet, rows: np.ndarray, team: np.ndarray, listed: np.ndarray, keep: np.ndarray,
                spec: dict, sheet_labels: list[str], notes: list[str]) -> dict[tuple[object, str], int]:
    """Each (team, listed label) pair's position in the table; InputError for a label the
    sheet lacks or one that two rows carry. A team with none of a measure's rows is noted."""
    found: dict[tuple[object, str], int] = {}
    problems = []
    by_team = bool(part_headings(spec["team"]))
    for position in np.flatnonzero(keep):
        key = (team[position], listed[position])
        if key in found:
            for_team = ("" if not by_team else " with no team" if pd.isna(key[0]) else f" for team '{key[0]}'")
            problems.append(Problem(
                sheet.file, f"rows {rows[found[key]]} and {rows[position]} are both labelled '{key[1]}'{for_team}; "
                "the mapping cannot tell which to read.", sheet.name, int(rows[position]), spec["label_column"]))
        else:
            found[key] = position
    present = {label for _, label in found}
    for item in spec["rows"]:
        for key in NUMBER_KEYS:
            if key in item and item[key].strip() not in present:
                hint = closest(item[key], sheet_labels)
                problems.append(Problem(
                    sheet.file, f"the mapping reads the {key} of measure {item['measure']} from the row labelled "
                    f"'{item[key]}' in column '{spec['label_column']}', but no row has that label."
                    + (f" Did you mean '{hint}'?" if hint else "")
                    + f" The labels are: {', '.join(repr(t) for t in sheet_labels[:_SHOWN_LABELS])}"
                    + (" …" if len(sheet_labels) > _SHOWN_LABELS else "") + ".", sheet.name))
    if problems:
        raise InputError(problems)
    for t in dict.fromkeys(t for t, _ in found) if by_team else ():
        lacking = [item["measure"] for item in spec["rows"]
                   if not any((t, item[k].strip()) in found for k in NUMBER_KEYS if k in item)]
        if lacking:
            notes.append(f"Sheet '{sheet.name}': team '{t}' has no row for {', '.join(lacking)}; nothing was read "
                         "for it there.")
    return found


def _canonical(spec: dict, found: dict[tuple[object, str], int], rows: np.ndarray, team: np.ndarray,
               directorate: np.ndarray | None, cells: np.ndarray, stamps: np.ndarray) -> pd.DataFrame:
    """A canonical row per (team, measure) and period column, in the sheet's row order."""
    teams = list(dict.fromkeys(t for t, _ in found))
    entries = []
    for t in teams:
        for item in spec["rows"]:
            where = {key: found.get((t, item[key].strip()), -1) for key in NUMBER_KEYS if key in item}
            if max(where.values()) < 0:
                continue
            anchor = where.get("value", where.get("numerator", -1))
            entries.append((anchor if anchor >= 0 else where["denominator"], item["measure"].strip(), where))
    entries.sort(key=lambda entry: entry[0])
    anchors = np.array([e[0] for e in entries], dtype=np.int64)
    width = cells.shape[1]
    names = ["team", "measure", "numerator", "denominator", "value", "comment"]
    if directorate is not None:
        names.append("directorate")
    block = np.full((len(names), len(entries) * width), None, dtype=object)
    block[0] = np.repeat(team[anchors], width)
    block[1] = np.repeat(np.array([e[1] for e in entries], dtype=object), width)
    for key in NUMBER_KEYS:
        at = np.array([e[2].get(key, -1) for e in entries], dtype=np.int64)
        if (at >= 0).any():
            values = cells[np.maximum(at, 0)]
            values[at < 0] = None
            block[names.index(key)] = values.ravel()
    if directorate is not None:
        block[6] = np.repeat(directorate[anchors], width)
    index = pd.Index(np.repeat(rows[anchors], width), name="row")
    out = pd.DataFrame(block.T, index=index, columns=names, dtype=object, copy=False)
    out.insert(2, "period", np.tile(stamps, len(entries)))
    return out
