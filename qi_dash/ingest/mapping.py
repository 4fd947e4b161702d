"""Column mappings: a team's own spreadsheet layout → the canonical long table.

A mapping (the "spec") is a JSON-able dict, saved under a name in the store and recognised
from the sheet's column headings next time, so the same layout needs no clicks::

    {
      "name": "A&E monthly return",                  # optional label
      "sheet": "ae_attendances",                     # see "Sheets" below; default null
      "header_row": 1,                               # the row holding the headings; default 1
      "period": {"column": "period", "form": "auto"},
      "team": {"columns": ["org_code", "type"], "separator": " type "},
      "directorate": {"column": "org_code"},         # optional: where teams new to the hierarchy go
      "layout": "wide",
      "measures": [
        {"measure": "AE_ATT", "value": "attendances"},
        {"measure": "AE_BREACH", "numerator": "breaches", "denominator": "attendances"}
      ],
      "comment": "Notes"                             # optional column of comments; default null
    }

``apply`` maps a workbook with a spec; ``validate_spec`` and ``load_spec`` (a JSON file) check
a spec's shape; ``signature``, ``spec_signature`` and ``recognise`` find a saved mapping from a
sheet's headings.

Sheets
    ``"sheet"`` is a sheet's name; ``null`` for the first visible sheet (a CSV file's only
    sheet); ``"*"`` for every visible sheet holding data (a sheet per team); or a list of
    sheet names. Every sheet read must have the mapped headings in ``header_row``.

Period
    ``{"column": HEADING, "form": FORM}``. Every form reads dates and date cells, month text
    (``Apr-24``, ``April 2024``, ``2024-04``) and Excel date numbers with
    ``periods.parse_periods``, which refuses what is ambiguous rather than guessing. Forms:

    - ``auto`` (default) and ``week_commencing``: periods are taken as written (a monthly
      measure needs the 1st of the month, a weekly one a Monday; the check says so if not);
    - ``week_ending``: each date becomes the Monday of its (Monday–Sunday) week;
    - ``month``: any date becomes the first day of its month.

Team and directorate ("parts")
    One of ``{"column": HEADING}``; ``{"columns": [HEADING, ...], "separator": " "}`` (the
    cells joined, empty cells left out); ``{"fixed": TEXT}`` (the whole sheet is one team);
    ``{"sheet_name": true}`` (a sheet per team). Any part may add ``"values": {TEXT: TEXT}`` to
    replace texts (matched ignoring case) by others, e.g. a sheet's ``"Ash"`` by the team code
    ``"W-ASH"``; texts not listed are kept. ``team`` may add ``"empty": "skip"`` to skip,
    and report, rows whose team cells are all empty; by default (``"refuse"``) such rows are
    kept and the check refuses them. A ``directorate`` part adds a ``directorate`` column:
    the directorate (code or name) each team belongs to, used to place teams new to the
    hierarchy.

Layouts
    ``"wide"``: ``"measures"`` lists, per measure code, either ``"value": HEADING`` or
    ``"numerator": HEADING, "denominator": HEADING`` (one heading may serve several measures,
    e.g. attendances as a count and as a denominator), and optionally ``"comment": HEADING``
    for that measure's comments. Each source row gives one canonical row per measure.
    ``"long"``: one row per measure; ``"measure_column": HEADING`` holds the measure code or
    name, with ``"value"`` and/or ``"numerator"`` and ``"denominator"`` headings.

Headings match exactly, or else ignoring case and repeated spaces.

The table ``apply`` returns has the canonical columns (``team, measure, period, numerator,
denominator, value, comment``), plus ``directorate`` when the spec has one and ``sheet``
when the spec reads several sheets (``"*"`` or a list). Its index, named ``row``, is each
source row's spreadsheet row number, so a wide sheet's canonical rows share their source
row's number. Numbers and comments are passed on as stored: checking them is
``canonical.check_table``'s job. Rows skipped as blank, total or note rows (and, when asked,
rows with no team) are reported as sentences in ``table.attrs["notes"]``.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from qi_dash import periods
from qi_dash.ingest.canonical import closest
from qi_dash.ingest.cells import Distinct
from qi_dash.ingest.read import Sheet, Workbook, sheet_table
from qi_dash.problems import InputError, Problem

FORMS = ("auto", "week_commencing", "week_ending", "month")
LAYOUTS = ("wide", "long")
EMPTY_TEAM = ("refuse", "skip")
EVERY_SHEET = "*"

_KEYS = (
    "name", "sheet", "header_row", "period", "team", "directorate", "layout", "measures",
    "measure_column", "value", "numerator", "denominator", "comment",
)
_PART_KINDS = ("column", "columns", "fixed", "sheet_name")
_NUMBER_KEYS = ("value", "numerator", "denominator")
# A period cell like "Total", "Sum", "Average 2023", "Notes: …" marks a summary or note row,
# never a period; \b keeps "Summer 2024" and "Meantime" from matching.
_LABEL_ROW = re.compile(r"^(?:grand\s+total|sub-?total|total|sum|average|mean|note)s?\b", re.IGNORECASE)
_MAX_RANGES = 20


# --- the spec's shape ---------------------------------------------------------------------


def validate_spec(spec: object) -> list[str]:
    """Every way the spec's shape is wrong, as sentences; empty when it is usable."""
    if not isinstance(spec, dict):
        return [f"a mapping must be a JSON object (a dict), not {type(spec).__name__}."]
    problems: list[str] = []
    for key in spec:
        if key not in _KEYS:
            hint = difflib.get_close_matches(str(key), _KEYS, n=1)
            problems.append(
                f"unknown key '{key}'." + (f" Did you mean '{hint[0]}'?" if hint else "")
                + f" Keys are: {', '.join(_KEYS)}."
            )
    if "name" in spec and not _is_text(spec["name"]):
        problems.append("name must be text.")

    sheet = spec.get("sheet")
    if not (sheet is None or _is_text(sheet) or (isinstance(sheet, list) and sheet and all(map(_is_text, sheet)))):
        problems.append('sheet must be a sheet name, null (the first visible sheet), "*" (every visible sheet) '
                        "or a list of sheet names.")
    header_row = spec.get("header_row", 1)
    if isinstance(header_row, bool) or not isinstance(header_row, int) or header_row < 1:
        problems.append(f"header_row must be a whole number of at least 1, not {header_row!r}.")

    period = spec.get("period")
    if not isinstance(period, dict):
        problems.append('period is required: {"column": HEADING, "form": "auto"}.')
    else:
        problems.extend(_unknown_keys(period, ("column", "form"), "period"))
        if not _is_text(period.get("column")):
            problems.append("period.column must name the heading of the period column.")
        if period.get("form", "auto") not in FORMS:
            problems.append(f"period.form is {period.get('form')!r}; expected one of {', '.join(FORMS)}.")

    if "team" not in spec:
        problems.append('team is required, e.g. {"column": "Team"}, {"fixed": "Ash Ward"} or {"sheet_name": true}.')
    else:
        problems.extend(_part_problems(spec["team"], "team"))
    if spec.get("directorate") is not None:
        problems.extend(_part_problems(spec["directorate"], "directorate"))
    if spec.get("comment") is not None and not _is_text(spec["comment"]):
        problems.append("comment must name a column heading, or be null.")

    layout = spec.get("layout", "wide")
    if layout not in LAYOUTS:
        problems.append(f"layout is {layout!r}; expected wide or long.")
    elif layout == "wide":
        problems.extend(_wide_problems(spec))
    else:
        problems.extend(_long_problems(spec))
    return problems


def _is_text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _unknown_keys(part: dict, allowed: tuple[str, ...], where: str) -> list[str]:
    return [f"{where} has an unknown key '{k}'; its keys are {', '.join(allowed)}." for k in part if k not in allowed]


def _part_problems(part: object, where: str) -> list[str]:
    shapes = (f'{where} must be one of {{"column": HEADING}}, {{"columns": [HEADING, ...], "separator": " "}}, '
              '{"fixed": TEXT} or {"sheet_name": true}')
    if not isinstance(part, dict):
        return [shapes + "."]
    allowed = _PART_KINDS + ("separator", "values") + (("empty",) if where == "team" else ())
    problems = _unknown_keys(part, allowed, where)
    kinds = [k for k in _PART_KINDS if k in part]
    if len(kinds) != 1:
        return problems + [shapes + (f"; it has {' and '.join(kinds)}." if kinds else ".")]
    kind = kinds[0]
    value = part[kind]
    if kind in ("column", "fixed") and not _is_text(value):
        problems.append(f"{where}.{kind} must be non-empty text.")
    if kind == "columns" and not (isinstance(value, list) and value and all(map(_is_text, value))):
        problems.append(f"{where}.columns must be a list of column headings.")
    if kind == "sheet_name" and value is not True:
        problems.append(f"{where}.sheet_name must be true.")
    if "separator" in part and (kind != "columns" or not isinstance(part["separator"], str)):
        problems.append(f"{where}.separator goes with {where}.columns and must be text.")
    values = part.get("values", {})
    if not (isinstance(values, dict) and all(_is_text(k) and _is_text(v) for k, v in values.items())):
        problems.append(f'{where}.values must map text to text, e.g. {{"Ash": "Ash Ward"}}.')
    if part.get("empty", "refuse") not in EMPTY_TEAM:
        problems.append(f"team.empty is {part.get('empty')!r}; expected refuse or skip.")
    return problems


def _number_problems(item: dict, where: str, long: bool = False) -> list[str]:
    for key in _NUMBER_KEYS:
        if key in item and not _is_text(item[key]):
            return [f"{where}.{key} must name a column heading."]
    # A long sheet may mix value measures and numerator/denominator measures in its rows.
    if not long and "value" in item and ("numerator" in item or "denominator" in item):
        return [f"{where} takes a value column or a numerator and denominator pair, not both."]
    if ("numerator" in item) != ("denominator" in item):
        return [f"{where} needs both a numerator and a denominator column."]
    if not any(key in item for key in _NUMBER_KEYS):
        return [f"{where} needs a value column, or a numerator and a denominator column."]
    return []


def _wide_problems(spec: dict) -> list[str]:
    problems = [f"{key} belongs to the long layout; a wide mapping lists its columns under measures."
                for key in ("measure_column", "value", "numerator", "denominator") if key in spec]
    measures = spec.get("measures")
    if not isinstance(measures, list) or not measures:
        return problems + ['measures must list at least one measure, e.g. [{"measure": "FALLS", "value": "Falls"}].']
    seen = set()
    for i, item in enumerate(measures, start=1):
        where = f"measures item {i}"
        if not isinstance(item, dict):
            problems.append(f"{where} must be an object with measure and value (or numerator and denominator).")
            continue
        problems.extend(_unknown_keys(item, ("measure", "comment") + _NUMBER_KEYS, where))
        code = item.get("measure")
        if not _is_text(code):
            problems.append(f"{where} needs a measure code.")
        elif code.strip().casefold() in seen:
            problems.append(f"{where}: measure '{code}' is listed twice.")
        else:
            seen.add(code.strip().casefold())
        if "comment" in item and not _is_text(item["comment"]):
            problems.append(f"{where}.comment must name a column heading.")
        problems.extend(_number_problems(item, where))
    return problems


def _long_problems(spec: dict) -> list[str]:
    problems = []
    if "measures" in spec:
        problems.append("measures belongs to the wide layout; a long mapping names a measure_column.")
    if not _is_text(spec.get("measure_column")):
        problems.append("a long layout needs measure_column: the heading of the column naming each row's measure.")
    return problems + _number_problems(spec, "the long layout", long=True)


def load_spec(path: str | Path) -> dict:
    """Read a mapping from a JSON file; raise InputError naming every problem with it."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise InputError([Problem(path.name, f"could not be read: {err.strerror or err}.")]) from err
    return load_spec_bytes(data, path.name)


def load_spec_bytes(data: bytes, name: str) -> dict:
    """Read a mapping from a JSON file's bytes (e.g. one uploaded in the app)."""
    try:
        spec = json.loads(data.decode("utf-8-sig"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise InputError([Problem(name, f"is not valid JSON ({err}).")]) from err
    problems = validate_spec(spec)
    if problems:
        raise InputError([Problem(name, f"mapping: {p}") for p in problems])
    return spec


# --- signatures: recognising a layout from its headings -----------------------------------


def _heading_key(heading: object) -> str:
    """A heading as matched: stripped, case-folded, runs of spaces as one."""
    return " ".join(str(heading).split()).casefold()


def signature(headers: Sheet | pd.DataFrame | Iterable[object], header_row: int = 1) -> str:
    """A short fingerprint of a sheet's headings, independent of their order and case.

    ``headers`` is a sheet (its ``header_row`` is read), a table from ``sheet_table`` (its
    columns), or the heading cells themselves. Empty headings are ignored.
    """
    if isinstance(headers, Sheet):
        frame = headers.frame
        headers = frame.loc[header_row].tolist() if header_row in frame.index else []
    elif isinstance(headers, pd.DataFrame):
        headers = headers.columns.tolist()
    keys = sorted({_heading_key(h) for h in headers if h is not None and str(h).strip()})
    return hashlib.sha256("\x1f".join(keys).encode()).hexdigest()[:16]


def spec_signature(spec: dict, workbook: Workbook) -> str:
    """The signature to save with a spec: that of the first sheet the spec reads."""
    sheets = _sheets(spec, workbook)
    return signature(sheets[0], spec.get("header_row", 1))


def recognise(workbook: Workbook, saved: pd.DataFrame) -> dict | None:
    """The saved mapping whose headings match this workbook's, as {"name", "spec"}; else None.

    ``saved`` is ``Store.mappings()`` (columns name, signature, spec); when several match,
    the most recently saved wins.
    """
    if saved is None or saved.empty:
        return None
    if "saved_at" in saved.columns:
        saved = saved.sort_values("saved_at", ascending=False, kind="stable")
    for row in saved.itertuples(index=False):
        spec = row.spec
        if validate_spec(spec):
            continue
        try:
            sheets = _sheets(spec, workbook)
        except InputError:
            continue
        if signature(sheets[0], spec.get("header_row", 1)) == row.signature:
            return {"name": row.name, "spec": spec}
    return None


# --- applying a mapping -------------------------------------------------------------------


def apply(spec: dict, workbook: Workbook) -> tuple[pd.DataFrame, str]:
    """Map the workbook's data to the canonical table; returns (table, sheet name(s)).

    Raises InputError listing every problem: a spec of the wrong shape, a sheet not found, a
    heading the spec names that the sheet lacks (with the sheet's headings and the closest).
    """
    spec_problems = validate_spec(spec)
    if spec_problems:
        named = isinstance(spec, dict) and _is_text(spec.get("name"))
        label = f"the mapping '{spec['name']}'" if named else "the mapping"
        raise InputError([Problem(workbook.file, f"{label}: {p}") for p in spec_problems])
    sheets = _sheets(spec, workbook)
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


def _sheets(spec: dict, workbook: Workbook) -> list[Sheet]:
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
            loose.setdefault(_heading_key(c), []).append(c)
        self.loose = {key: found[0] for key, found in loose.items() if len(found) == 1}
        self.missing: dict[str, list[str]] = {}

    def get(self, heading: str, role: str) -> pd.Series | None:
        label = self.exact.get(heading, self.loose.get(_heading_key(heading)))
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
        numbers = [{k: columns.get(item[k], f"{k} of measure {item['measure']}") for k in _NUMBER_KEYS if k in item}
                   for item in items]
        comments = [columns.get(item["comment"], f"comment of measure {item['measure']}") if "comment" in item
                    else comment for item in items]
        measure_cells = None
    else:
        numbers = [{k: columns.get(spec[k], k) for k in _NUMBER_KEYS if k in spec}]
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
