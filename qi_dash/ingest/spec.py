"""What a column mapping says, and whether it is well-formed.

A mapping (the "spec") turns a team's own spreadsheet layout into the canonical long table. It
is a JSON-able dict, saved under a name in the store and recognised
from the sheet's column headings next time, so the same layout needs no clicks::

    {
      "name": "A&E monthly return",                  # optional label
      "sheet": "ae_attendances",                     # see "Sheets" below; default null
      "header_row": 1,                               # the row holding the headings; default 1
      "table_end": "sheet_end",                      # see "Where the table ends"; default sheet_end
      "period": {"column": "period", "form": "auto"},
      "team": {"columns": ["org_code", "type"], "separator": " type "},
      "directorate": {"column": "org_code"},         # optional: where teams new to the hierarchy go
      "layout": "wide",
      "measures": [
        {"measure": "AE_ATT", "value": "attendances"},
        {"measure": "AE_BREACH", "numerator": "breaches", "denominator": "attendances"}
      ],
      "comment": "Notes",                            # optional column of comments; default null
      "placements": {"sheet": "Lookup", "header_row": 1, "team": "Ward", "directorate": "Directorate"}
    }

``validate_spec`` and ``load_spec`` (a JSON file) check a spec's shape here;
``mapping.apply`` maps a workbook with a spec; ``recognise`` finds a saved mapping from a
sheet's headings; ``mapping_form`` builds a spec from the choices made in the app.

Sheets
    ``"sheet"`` is a sheet's name; ``null`` for the first visible sheet (a CSV file's only
    sheet); ``"*"`` for every visible sheet holding data (a sheet per team); or a list of
    sheet names. A name or list may name hidden sheets: they are read because the user chose
    them. Hidden sheets are otherwise not read, are never a reason to refuse a file, and the
    notes list those not read. Every sheet read must have the mapped headings in
    ``header_row``.

Where the table ends
    ``"table_end"`` is ``"sheet_end"`` (default): every row below the headings is the table's,
    and wholly blank rows among them are skipped. ``"first_blank_row"``: the table ends at the
    first wholly blank row after its first data row, for a sheet with something else below
    its data (a summary by directorate, a second table under the same headings); what lies
    below is never read, and the notes say which rows were left.

Period
    ``{"column": HEADING, "form": FORM}`` (in the ``periods_across`` layout only
    ``{"form": FORM}``: the periods are the headings). Every form reads dates and date cells, month text
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
    and report, rows whose team cells are all empty, or ``"empty": "above"`` to give such a row
    the team of the row above (a pivot table writes a team once per group); by default
    (``"refuse"``) such rows are kept and the check refuses them. A ``directorate`` part adds a ``directorate`` column:
    the directorate (code or name) each team belongs to, used to place teams new to the
    hierarchy. ``placements`` does the same from a two-column sheet (often a hidden lookup
    sheet) of team and directorate; ``header_row`` defaults to 1.

Layouts
    ``"wide"``: ``"measures"`` lists, per measure code, either ``"value": HEADING`` or
    ``"numerator": HEADING, "denominator": HEADING`` (one heading may serve several measures,
    e.g. attendances as a count and as a denominator), and optionally ``"comment": HEADING``
    for that measure's comments. Each source row gives one canonical row per measure.
    ``"long"``: one row per measure; ``"measure_column": HEADING`` holds the measure code or
    name, with ``"value"`` and/or ``"numerator"`` and ``"denominator"`` headings. Instead of
    a measure column, ``"measure_from_sheet": true`` reads each sheet as one measure, named
    by the sheet's name (a sheet per measure). ``"measure_values": {TEXT: CODE}`` replaces
    measure texts (matched ignoring case and repeated spaces) by measure codes, e.g.
    ``{"Restraint per 1000 OBD": "RP_RATE"}``; texts not listed are kept, and the check
    matches them against measure codes and names.
    ``"periods_across"``: a column per period (months across the top, measures down the
    side, the commonest ward-tracker shape). ``"label_column": HEADING`` holds each row's
    label; ``"rows"`` lists, per measure code, the row it is read from, ``"value": LABEL``
    or ``"numerator": LABEL, "denominator": LABEL``. ``"period_columns": [HEADING, ...]``
    names the period columns (a heading may also be given as the period it reads as, e.g.
    ``"Apr-23"`` for a date cell); by default they are the headings after the label column
    that read as periods, up to the first empty heading. Labels match exactly, else ignoring
    case and repeated spaces. Rows with labels not listed (a formula "Rate" row, a "Total"
    row) and columns whose headings are not periods (a "Total" column) are left out and
    reported in the notes; an empty cell is a gap, never a zero. With a team column, each
    (team, label) pair is one row.

Headings match exactly, or else ignoring case and repeated spaces.

The table ``mapping.apply`` returns has the canonical columns (``team, measure, period, numerator,
denominator, value, comment``), plus ``directorate`` when the spec has one and ``sheet``
when the spec reads several sheets (``"*"`` or a list). Its index, named ``row``, is each
source row's spreadsheet row number, so a wide sheet's canonical rows share their source
row's number (in ``periods_across``, the row of the value cell; of the numerator's for a
pair). Numbers and comments are passed on as stored: checking them is
``canonical.check_table``'s job. Rows skipped as blank, total or note rows (and, when asked,
rows with no team) are reported as sentences in ``table.attrs["notes"]``.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path

from qi_dash.problems import InputError, Problem

# The choices a mapping offers, each with the words the app shows for it.
PERIOD_FORMS = {
    "auto": "the date as written (month text such as Apr-24 is fine)",
    "week_commencing": "a week-commencing date (a Monday)",
    "week_ending": "a week-ending date (moved to the Monday of its week)",
    "month": "any date in the month (moved to the 1st)",
}
LAYOUTS = {
    "wide": "a column per measure",
    "long": "a measure column and a value column",
    "periods_across": "a column per period (months across the top)",
}
# The keys only one layout takes.
LAYOUT_KEYS = {
    "wide": ("measures",),
    "long": ("measure_column", "measure_from_sheet", "measure_values", "value", "numerator", "denominator"),
    "periods_across": ("label_column", "rows", "period_columns"),
}
# A directorate is found in the same ways as a team.
TEAM_SOURCES = {
    "column": "from a column",
    "columns": "from several columns joined",
    "fixed": "the whole sheet is one team",
    "sheet_name": "the sheet's name",
}
EMPTY_TEAM = ("refuse", "skip", "above")
TABLE_ENDS = {
    "sheet_end": "at the end of the sheet (blank rows are skipped)",
    "first_blank_row": "at its first blank row (what lies below is not read)",
}
EVERY_SHEET = "*"
NUMBER_KEYS = ("value", "numerator", "denominator")

_KEYS = (
    "name", "sheet", "header_row", "table_end", "period", "team", "directorate", "layout", "measures",
    "measure_column", "measure_from_sheet", "measure_values", "value", "numerator", "denominator",
    "label_column", "rows", "period_columns", "comment", "placements",
)


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
    if "name" in spec and not is_text(spec["name"]):
        problems.append("name must be text.")

    sheet = spec.get("sheet")
    if not (sheet is None or is_text(sheet) or (isinstance(sheet, list) and sheet and all(map(is_text, sheet)))):
        problems.append('sheet must be a sheet name, null (the first visible sheet), "*" (every visible sheet) '
                        "or a list of sheet names (hidden sheets too).")
    elif isinstance(sheet, list) and EVERY_SHEET in sheet:
        problems.append('sheet "*" means every visible sheet; give it alone, not in a list of sheet names.')
    header_row = spec.get("header_row", 1)
    if isinstance(header_row, bool) or not isinstance(header_row, int) or header_row < 1:
        problems.append(f"header_row must be a whole number of at least 1, not {header_row!r}.")
    if spec.get("table_end", "sheet_end") not in TABLE_ENDS:
        problems.append(f"table_end is {spec.get('table_end')!r}; expected {' or '.join(TABLE_ENDS)}.")

    layout = spec.get("layout", "wide")
    across = layout == "periods_across"
    period = spec.get("period")
    if not isinstance(period, dict):
        problems.append('period is required: {"form": "auto"} (the periods are the headings).' if across
                        else 'period is required: {"column": HEADING, "form": "auto"}.')
    else:
        if across:
            problems.extend(_unknown_keys(period, ("form",), "period"))
        else:
            problems.extend(_unknown_keys(period, ("column", "form"), "period"))
            if not is_text(period.get("column")):
                problems.append("period.column must name the heading of the period column.")
        if period.get("form", "auto") not in PERIOD_FORMS:
            problems.append(f"period.form is {period.get('form')!r}; expected one of {', '.join(PERIOD_FORMS)}.")

    if "team" not in spec:
        problems.append('team is required, e.g. {"column": "Team"}, {"fixed": "Ash Ward"} or {"sheet_name": true}.')
    else:
        problems.extend(_part_problems(spec["team"], "team"))
    if spec.get("directorate") is not None:
        problems.extend(_part_problems(spec["directorate"], "directorate"))
    if spec.get("placements") is not None:
        problems.extend(_placements_problems(spec["placements"]))
    if spec.get("comment") is not None and not is_text(spec["comment"]):
        problems.append("comment must name a column heading, or be null.")

    if layout not in LAYOUTS:
        problems.append(f"layout is {layout!r}; expected {', '.join(LAYOUTS)}.")
    elif layout == "wide":
        problems.extend(_wide_problems(spec))
    elif layout == "long":
        problems.extend(_long_problems(spec))
    else:
        problems.extend(_across_problems(spec))
    return problems


def is_text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _unknown_keys(part: dict, allowed: tuple[str, ...], where: str) -> list[str]:
    return [f"{where} has an unknown key '{k}'; its keys are {', '.join(allowed)}." for k in part if k not in allowed]


def _part_problems(part: object, where: str) -> list[str]:
    shapes = (f'{where} must be one of {{"column": HEADING}}, {{"columns": [HEADING, ...], "separator": " "}}, '
              '{"fixed": TEXT} or {"sheet_name": true}')
    if not isinstance(part, dict):
        return [shapes + "."]
    allowed = tuple(TEAM_SOURCES) + ("separator", "values") + (("empty",) if where == "team" else ())
    problems = _unknown_keys(part, allowed, where)
    kinds = [k for k in TEAM_SOURCES if k in part]
    if len(kinds) != 1:
        return problems + [shapes + (f"; it has {' and '.join(kinds)}." if kinds else ".")]
    kind = kinds[0]
    value = part[kind]
    if kind in ("column", "fixed") and not is_text(value):
        problems.append(f"{where}.{kind} must be non-empty text.")
    if kind == "columns" and not (isinstance(value, list) and value and all(map(is_text, value))):
        problems.append(f"{where}.columns must be a list of column headings.")
    if kind == "sheet_name" and value is not True:
        problems.append(f"{where}.sheet_name must be true.")
    if "separator" in part and (kind != "columns" or not isinstance(part["separator"], str)):
        problems.append(f"{where}.separator goes with {where}.columns and must be text.")
    values = part.get("values", {})
    if not (isinstance(values, dict) and all(is_text(k) and is_text(v) for k, v in values.items())):
        problems.append(f'{where}.values must map text to text, e.g. {{"Ash": "Ash Ward"}}.')
    if part.get("empty", "refuse") not in EMPTY_TEAM:
        problems.append(f"team.empty is {part.get('empty')!r}; expected refuse, skip or above.")
    return problems


def _placements_problems(placements: object) -> list[str]:
    shape = ('placements must be {"sheet": NAME, "header_row": N, "team": HEADING, "directorate": HEADING}: '
             "a sheet saying which directorate each team belongs to")
    if not isinstance(placements, dict):
        return [shape + "."]
    problems = _unknown_keys(placements, ("sheet", "header_row", "team", "directorate"), "placements")
    for key in ("sheet", "team", "directorate"):
        if not is_text(placements.get(key)):
            problems.append(f"placements.{key} must be non-empty text; {shape}.")
    header_row = placements.get("header_row", 1)
    if isinstance(header_row, bool) or not isinstance(header_row, int) or header_row < 1:
        problems.append(f"placements.header_row must be a whole number of at least 1, not {header_row!r}.")
    return problems


def _number_problems(item: dict, where: str, long: bool = False, source: str = "column") -> list[str]:
    """What is wrong with where a measure's numbers are read from: ``source`` is a column
    (named by its heading) or, in periods_across, a row (named by its label)."""
    named_by = "column heading" if source == "column" else "row label"
    for key in NUMBER_KEYS:
        if key in item and not is_text(item[key]):
            return [f"{where}.{key} must name a {named_by}."]
    # A long sheet may mix value measures and numerator/denominator measures in its rows.
    if not long and "value" in item and ("numerator" in item or "denominator" in item):
        return [f"{where} takes a value {source} or a numerator and denominator pair, not both."]
    if ("numerator" in item) != ("denominator" in item):
        return [f"{where} needs both a numerator and a denominator {source}."]
    if not any(key in item for key in NUMBER_KEYS):
        return [f"{where} needs a value {source}, or a numerator and a denominator {source}."]
    return []


def _wide_problems(spec: dict) -> list[str]:
    problems = [f"{key} belongs to the long layout; a wide mapping lists its columns under measures."
                for key in LAYOUT_KEYS["long"] if key in spec]
    problems.extend(_other_layout_keys(spec, "wide", told="long"))
    return problems + _items_problems(spec.get("measures"), "measures", "column")


def _items_problems(items: object, key: str, source: str) -> list[str]:
    """What is wrong with a list of measures and where each is read from: the wide layout's
    ``measures`` (columns, each item may name a comment column) or periods_across's ``rows``
    (rows, named by their labels)."""
    labels = " and its row label" if source == "row" else ""
    if not isinstance(items, list) or not items:
        return [f'{key} must list at least one measure{labels}, e.g. [{{"measure": "FALLS", "value": "Falls"}}].']
    problems = []
    seen = set()
    for i, item in enumerate(items, start=1):
        where = f"{key} item {i}"
        if not isinstance(item, dict):
            problems.append(f"{where} must be an object with measure and value (or numerator and denominator)"
                            + (" row labels." if source == "row" else "."))
            continue
        problems.extend(_unknown_keys(item, ("measure",) + (("comment",) if source == "column" else ()) + NUMBER_KEYS,
                                      where))
        code = item.get("measure")
        if not is_text(code):
            problems.append(f"{where} needs a measure code.")
        elif code.strip().casefold() in seen:
            problems.append(f"{where}: measure '{code}' is listed twice.")
        else:
            seen.add(code.strip().casefold())
        if "comment" in item and not is_text(item["comment"]):
            problems.append(f"{where}.comment must name a column heading.")
        problems.extend(_number_problems(item, where, source=source))
    return problems


def _long_problems(spec: dict) -> list[str]:
    problems = []
    if "measures" in spec:
        problems.append("measures belongs to the wide layout; a long mapping names a measure_column.")
    problems.extend(_other_layout_keys(spec, "long", told="wide"))
    from_sheet = spec.get("measure_from_sheet", False)
    if from_sheet not in (True, False):
        problems.append("measure_from_sheet must be true (each sheet is one measure) or false.")
    elif from_sheet and "measure_column" in spec:
        problems.append("a long layout takes measure_column or measure_from_sheet (each sheet one measure), not both.")
    elif not from_sheet and not is_text(spec.get("measure_column")):
        problems.append("a long layout needs measure_column: the heading of the column naming each row's measure "
                        "(or measure_from_sheet: true when each sheet is one measure).")
    values = spec.get("measure_values", {})
    if not (isinstance(values, dict) and all(is_text(k) and is_text(v) for k, v in values.items())):
        problems.append('measure_values must map text in the file to measure codes, e.g. {"Restraint per 1000 OBD": "RP_RATE"}.')
    return problems + _number_problems(spec, "the long layout", long=True)


def _other_layout_keys(spec: dict, layout: str, told: str = "") -> list[str]:
    """A sentence for each key of another layout than the spec's (but ``told``'s, whose keys
    the caller has told about in its own words)."""
    return [f"{key} belongs to the {other} layout, not to {layout}."
            for other, keys in LAYOUT_KEYS.items() if other not in (layout, told)
            for key in keys if key in spec]


def _across_problems(spec: dict) -> list[str]:
    problems = _other_layout_keys(spec, "periods_across")
    if spec.get("comment") is not None:
        problems.append("comment goes with a row per period; a periods_across mapping reads no comment column.")
    if not is_text(spec.get("label_column")):
        problems.append("a periods_across layout needs label_column: the heading of the column holding each row's label.")
    columns = spec.get("period_columns")
    if columns is not None and not (isinstance(columns, list) and columns and all(map(is_text, columns))):
        problems.append("period_columns must list the headings of the period columns (or be left out to read "
                        "every heading after the label column that is a period).")
    return problems + _items_problems(spec.get("rows"), "rows", "row")


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


def spec_file_text(spec: dict, name: str) -> str:
    """A saved mapping as a mapping file (JSON) under its name, for ``load_spec`` to read back."""
    return json.dumps({**spec, "name": name}, indent=2, ensure_ascii=False) + "\n"


def heading_key(heading: object) -> str:
    """A heading as matched: stripped, case-folded, runs of spaces as one."""
    return " ".join(str(heading).split()).casefold()
