"""Applying a column mapping: a team's own spreadsheet layout → the canonical long table.

What a mapping (the "spec") may say, and what the table ``apply`` returns, is described in
``spec``.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from qi_dash import periods
from qi_dash.ingest.canonical import closest
from qi_dash.ingest.cells import Distinct
from qi_dash.ingest.spec import EVERY_SHEET, NUMBER_KEYS, heading_key, is_text, validate_spec
from qi_dash.ingest.workbook import Sheet, Workbook, sheet_table
from qi_dash.problems import InputError, Problem

# A period cell like "Total", "Sum", "Average 2023", "Notes: …" marks a summary or note row,
# never a period; \b keeps "Summer 2024" and "Meantime" from matching.
_LABEL_ROW = re.compile(r"^(?:grand\s+total|sub-?total|total|sum|average|mean|note)s?\b", re.IGNORECASE)
_MAX_RANGES = 20


def apply(spec: dict, workbook: Workbook) -> tuple[pd.DataFrame, str]:
    """Map the workbook's data to the canonical table; returns (table, sheet name(s)).

    Raises InputError listing every problem: a spec of the wrong shape, a sheet not found, a
    heading the spec names that the sheet lacks (with the sheet's headings and the closest).
    """
    spec_problems = validate_spec(spec)
    if spec_problems:
        named = isinstance(spec, dict) and is_text(spec.get("name"))
        label = f"the mapping '{spec['name']}'" if named else "the mapping"
        raise InputError([Problem(workbook.file, f"{label}: {p}") for p in spec_problems])
    sheets = spec_sheets(spec, workbook)
    several = spec.get("sheet") == EVERY_SHEET or isinstance(spec.get("sheet"), list)
    parts: list[pd.DataFrame] = []
    notes: list[str] = []
    problems: list[Problem] = []
    for sheet in sheets:
        try:
            part = _apply_sheet(spec, sheet, notes)
        except InputError as err:
            problems.extend(err.problems)
            continue
        if several:
            part["sheet"] = sheet.name
        parts.append(part)
    if problems:
        raise InputError(problems)
    table = pd.concat(parts) if len(parts) > 1 else parts[0]
    table.attrs["notes"] = notes
    return table, ", ".join(s.name for s in sheets)


def spec_sheets(spec: dict, workbook: Workbook) -> list[Sheet]:
    """The sheets a spec reads, or InputError naming the sheet it cannot find."""
    wanted = spec.get("sheet")
    visible = [s for s in workbook.sheets if not s.hidden]
    if wanted is None:
        if not visible:
            raise InputError([Problem(workbook.file, "has no visible sheet to read.")])
        return visible[:1]
    if wanted == EVERY_SHEET:
        with_data = [s for s in visible if s.filled().any()]
        if not with_data:
            raise InputError([Problem(workbook.file, "has no visible sheet with data.")])
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
            + f" Its sheets are: {', '.join(repr(n) for n in names)}.",
        ))
    if problems:
        raise InputError(problems)
    return found


class _Columns:
    """Finds the headings a spec names in one sheet's table, collecting those it lacks."""

    def __init__(self, table: pd.DataFrame, sheet: Sheet, header_row: int):
        self.table = table
        self.sheet = sheet
        self.header_row = header_row
        self.exact = {str(c): c for c in table.columns}
        loose: dict[str, list[object]] = {}
        for c in table.columns:
            loose.setdefault(heading_key(c), []).append(c)
        self.loose = {key: found[0] for key, found in loose.items() if len(found) == 1}
        self.missing: dict[str, list[str]] = {}

    def get(self, heading: str, role: str) -> pd.Series | None:
        label = self.exact.get(heading, self.loose.get(heading_key(heading)))
        if label is None:
            self.missing.setdefault(heading, []).append(role)
            return None
        return self.table[label]

    def problems(self) -> list[Problem]:
        shown = [str(c) for c in self.table.columns]
        problems = []
        for heading, roles in self.missing.items():
            hint = closest(heading, shown)
            problems.append(Problem(
                self.sheet.file,
                f"the mapping reads the {' and the '.join(roles)} from a column headed '{heading}', but row "
                f"{self.header_row} has no such heading." + (f" Did you mean '{hint}'?" if hint else "")
                + f" The headings are: {', '.join(repr(h) for h in shown) or 'none'}.",
                self.sheet.name,
                self.header_row,
            ))
        return problems


def _apply_sheet(spec: dict, sheet: Sheet, notes: list[str]) -> pd.DataFrame:
    header_row = spec.get("header_row", 1)
    table = sheet_table(sheet, header_row)
    columns = _Columns(table, sheet, header_row)
    n = len(table)

    period_spec = spec["period"]
    period_raw = columns.get(period_spec["column"], "period")
    team = _part(spec["team"], columns, sheet, "team")
    directorate = _part(spec["directorate"], columns, sheet, "directorate") if spec.get("directorate") else None
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
        measure_cells = columns.get(spec["measure_column"], "measure")
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
    _note_rows(notes, rows[blank], sheet.name, "no period and no numbers (blank, total or note rows)")
    if labelled.any():
        said = ", ".join(f"'{t}'" for t in pd.unique(period_text[labelled])[:3])
        _note_rows(notes, rows[labelled], sheet.name,
                   f"the period cell reads {said}, so these are total or note rows and their numbers were not loaded")

    if spec["team"].get("empty") == "skip":
        no_team = ~skip & pd.isna(team)
        if no_team.any():
            holding = np.zeros(n, dtype=bool)
            for cells in number_cells:
                holding[no_team] |= ~Distinct(cells[no_team]).empty
            with_numbers = rows[holding]
            held = (f"{len(with_numbers)} of them held numbers ({_ranges(with_numbers)}), which were not loaded"
                    if len(with_numbers) else "none of them held numbers")
            _note_rows(notes, rows[no_team], sheet.name,
                       f"no team ({_part_words(spec['team'])} empty), as the mapping's team setting "
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
    if measure_cells is None:
        block[1] = np.tile(np.array([item["measure"].strip() for item in spec["measures"]], dtype=object), k)
    else:
        block[1] = measure_cells.to_numpy(dtype=object)[keep]
    for j, (group, comment_cells) in enumerate(zip(numbers, comments)):
        for key, cells in group.items():
            block[names.index(key), j::m] = cells.to_numpy(dtype=object)[keep]
        if comment_cells is not None:
            block[5, j::m] = comment_cells.to_numpy(dtype=object)[keep]
    if directorate is not None:
        block[6] = np.repeat(directorate[keep], m)
    index = pd.Index(np.repeat(kept_rows, m), name="row")
    out = pd.DataFrame(block.T, index=index, columns=names, dtype=object, copy=False)
    out.insert(2, "period", np.repeat(_periods(period_codes[keep], period.values, period_spec.get("form", "auto")), m))
    return out


def _part(part: dict, columns: _Columns, sheet: Sheet, role: str) -> np.ndarray:
    """A team or directorate for every row, as text; None where its cells are all empty."""
    n = len(columns.table)
    if "fixed" in part or "sheet_name" in part:
        text = part.get("fixed", sheet.name)
        return np.full(n, _renamed(np.array([text.strip()], dtype=object), part)[0], dtype=object)
    headings = [part["column"]] if "column" in part else part["columns"]
    cells = [columns.get(h, role) for h in headings]
    if any(c is None for c in cells):
        return np.full(n, None, dtype=object)
    separator = part.get("separator", " ")
    # Join per distinct combination of cells, not per row; empty parts are left out, so no
    # stray separators ("average of same week over 5 years", not "…: ").
    combined = np.zeros(n, dtype=np.int64)
    parts = [Distinct(c) for c in cells]
    for part_cells in parts:
        combined, _ = pd.factorize(combined * len(part_cells.texts) + part_cells.codes)
    _, first = np.unique(combined, return_index=True)
    joined = np.array(
        [separator.join(t for t in (p.texts[p.codes[r]] for p in parts) if t is not None) or None
         for r in first],
        dtype=object,
    )
    return _renamed(joined, part)[combined]


def _renamed(texts: np.ndarray, part: dict) -> np.ndarray:
    """Texts with the part's ``values`` replacements (matched ignoring case); others as they are."""
    values = {k.strip().casefold(): v.strip() for k, v in part.get("values", {}).items()}
    if not values:
        return texts
    return np.array([values.get(t.casefold(), t) if t is not None else None for t in texts], dtype=object)


def _part_words(part: dict) -> str:
    headings = [part["column"]] if "column" in part else part.get("columns", [])
    return " and ".join(f"'{h}'" for h in headings) or "the team"


def _periods(codes: np.ndarray, distinct: np.ndarray, form: str) -> np.ndarray:
    """Each row's period as a timestamp, converted as the form says; a cell that is not a
    period is passed on as it is, so the check refuses it with the reason.

    ``codes`` and ``distinct`` are a ``Distinct``'s: only distinct cells are parsed.
    """
    stamps = periods.parse_periods(pd.Series(distinct, dtype=object)).timestamps
    if form == "week_ending":
        stamps = periods.to_week_commencing(stamps)
    elif form == "month":
        stamps = periods.to_month_start(stamps)
    stamps = stamps.to_numpy()
    if not np.isnat(stamps[codes]).any():
        return stamps[codes]
    # Timestamps as objects (numpy would give nanosecond integers), the raw cell where unread.
    return np.where(np.isnat(stamps), distinct, pd.Series(stamps).astype(object).to_numpy())[codes]


def _ranges(rows: np.ndarray) -> str:
    """Row numbers as 'row 7' or 'rows 40–41, 45', the first few runs and a count of the rest."""
    rows = np.unique(rows)
    breaks = np.flatnonzero(np.diff(rows) != 1) + 1
    runs = [(r[0], r[-1]) for r in np.split(rows, breaks)]
    shown = [f"{a}" if a == b else f"{a}–{b}" for a, b in runs[:_MAX_RANGES]]
    if len(runs) > _MAX_RANGES:
        shown.append(f"and {len(rows) - sum(b - a + 1 for a, b in runs[:_MAX_RANGES]):,} more")
    return ("row " if len(rows) == 1 else "rows ") + ", ".join(shown)


def _note_rows(notes: list[str], rows: np.ndarray, sheet: str, why: str) -> None:
    if len(rows) == 1:
        notes.append(f"Skipped {_ranges(rows)} of sheet '{sheet}': {why}.")
    elif len(rows):
        notes.append(f"Skipped {len(rows):,} rows of sheet '{sheet}' ({_ranges(rows)}): {why}.")


def carried_columns(spec: dict) -> dict[str | None, list[str]]:
    """Which canonical value columns a mapping fills from the file, for ``check_table``: per
    measure (its text as the spec writes it) in the wide layout, under None for every row
    otherwise. A column it does not map is absent from the file, not blank."""
    comment = ["comment"] if spec.get("comment") else []
    if spec.get("layout", "wide") == "wide":
        return {
            item["measure"].strip(): [k for k in NUMBER_KEYS if k in item] + (["comment"] if "comment" in item else comment)
            for item in spec["measures"]
        }
    return {None: [k for k in NUMBER_KEYS if k in spec] + comment}
