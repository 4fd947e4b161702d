"""The Upload page's mapping form: what the user chose → the mapping spec it stands for.

The form offers ``spec.PERIOD_FORMS``, ``spec.TEAM_SOURCES`` and ``spec.LAYOUTS`` with their
words; ``mapping_from_form`` turns the choices into a spec for ``validate_spec`` to check, so
a column the user has not chosen yet shows up as the spec's problem, in the spec's words.
``choices_from_spec`` is its inverse: the form opens with a proposed mapping's choices. The
value tables list the texts in the file that name no team or measure as written
(``mapped_texts``, ``unresolved_teams``, ``unknown_measures``), each with every team or
measure to choose from, the likeliest first (``team_suggestions``, ``measure_suggestions``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from qi_dash.definitions import MeasureDefinition
from qi_dash.hierarchy import Hierarchy
from qi_dash.ingest import mapping, match
from qi_dash.ingest.spec import TEAM_SOURCES
from qi_dash.ingest.workbook import Workbook
from qi_dash.text import natural_key, natural_sorted

NOT_CHOSEN = ""
# What a row with no team means (spec.EMPTY_TEAM), in the form's words.
EMPTY_TEAM_WORDS = {
    "refuse": "is a problem to correct",
    "skip": "is skipped (and listed)",
    "above": "belongs to the team above (a pivot table)",
}


@dataclass(frozen=True)
class FormChoices:
    """What the user chose in the mapping form. A column not chosen ("not in this file") is
    ``NOT_CHOSEN``.

    ``sheets``, when the user picked sheets one by one (hidden ones too), are read instead of
    ``sheet``. ``measures`` gives, per measure code in the order shown, its value column as
    ``(value,)`` or its ``(numerator, denominator)`` columns. ``measure_column`` (or
    ``measure_from_sheet``: each sheet one measure), ``measure_values`` (text in the file →
    measure code), ``value_column``, ``numerator_column`` and ``denominator_column`` are the
    long layout's. ``label_column``, ``rows`` (per measure code, its row label as
    ``(value,)`` or ``(numerator, denominator)``) and ``period_columns`` (none: every heading
    after the label column that is a period) are the periods_across layout's; there
    ``period_column`` is not used. ``empty_team`` is what a row with an empty team cell means
    (``spec.EMPTY_TEAM``: refused, skipped, or the team of the row above); ``team_values``
    the team part's ``"values"`` (text in the file → team). ``placements`` is kept as given:
    the form does not edit it. ``table_end`` is where the table ends (``spec.TABLE_ENDS``).
    """

    sheet: str
    first_sheet: bool
    header_row: int
    period_column: str
    period_form: str = "auto"
    team_source: str = "column"
    team_column: str = NOT_CHOSEN
    team_columns: tuple[str, ...] = ()
    separator: str = " "
    fixed_team: str | None = None
    directorate_column: str = NOT_CHOSEN
    layout: str = "wide"
    measures: dict[str, tuple[str] | tuple[str, str]] = field(default_factory=dict)
    measure_column: str = NOT_CHOSEN
    value_column: str = NOT_CHOSEN
    numerator_column: str = NOT_CHOSEN
    denominator_column: str = NOT_CHOSEN
    comment_column: str = NOT_CHOSEN
    name: str = ""
    sheets: tuple[str, ...] = ()
    measure_from_sheet: bool = False
    measure_values: dict[str, str] = field(default_factory=dict)
    label_column: str = NOT_CHOSEN
    rows: dict[str, tuple[str] | tuple[str, str]] = field(default_factory=dict)
    period_columns: tuple[str, ...] = ()
    empty_team: str = "refuse"
    team_values: dict[str, str] = field(default_factory=dict)
    placements: dict | None = None
    table_end: str = "sheet_end"


def mapping_from_form(choices: FormChoices) -> dict:
    """The mapping spec the choices stand for (not yet checked: see ``validate_spec``)."""
    # The first sheet is saved as "the first sheet", so the same layout is recognised in a
    # file whose sheet has another name (a CSV's one sheet is named after the file).
    across = choices.layout == "periods_across"
    spec: dict = {
        "sheet": list(choices.sheets) if choices.sheets else None if choices.first_sheet else choices.sheet,
        "header_row": int(choices.header_row),
        "period": {"form": choices.period_form} if across else {"column": choices.period_column, "form": choices.period_form},
        "team": _team(choices),
    }
    if choices.table_end != "sheet_end":
        spec["table_end"] = choices.table_end
    if choices.directorate_column:
        spec["directorate"] = {"column": choices.directorate_column}
    if choices.placements:
        spec["placements"] = dict(choices.placements)
    spec["layout"] = choices.layout
    if choices.layout == "wide":
        spec["measures"] = [_measure(code, columns) for code, columns in choices.measures.items() if any(columns)]
    elif across:
        spec["label_column"] = choices.label_column
        spec["rows"] = [_measure(code, labels) for code, labels in choices.rows.items() if any(labels)]
        if choices.period_columns:
            spec["period_columns"] = list(choices.period_columns)
        return _named(spec, choices)
    else:
        if choices.measure_from_sheet:
            spec["measure_from_sheet"] = True
        else:
            spec["measure_column"] = choices.measure_column
        if choices.measure_values:
            spec["measure_values"] = dict(choices.measure_values)
        long_columns = {
            "value": choices.value_column,
            "numerator": choices.numerator_column,
            "denominator": choices.denominator_column,
        }
        spec.update({key: column for key, column in long_columns.items() if column})
    spec["comment"] = choices.comment_column or None
    return _named(spec, choices)


def _named(spec: dict, choices: FormChoices) -> dict:
    if choices.name:
        spec["name"] = choices.name
    return spec


def _team(choices: FormChoices) -> dict:
    source = choices.team_source
    # Only a team read from cells can have empty cells to skip or fill from the row above.
    empty = {} if choices.empty_team == "refuse" else {"empty": choices.empty_team}
    values = {"values": dict(choices.team_values)} if choices.team_values else {}
    if source == "column":
        return {"column": choices.team_column, **values, **empty}
    if source == "columns":
        return {"columns": list(choices.team_columns), "separator": choices.separator, **values, **empty}
    if source == "fixed":
        return {"fixed": choices.fixed_team, **values}
    if source == "sheet_name":
        return {"sheet_name": True, **values}
    raise ValueError(f"unknown team source {source!r}")


def _measure(code: str, columns: tuple[str] | tuple[str, str]) -> dict:
    """A wide layout's measure (or a periods_across row): its value column (row label), or its
    numerator and denominator (one may be missing; the spec's check then asks for it)."""
    if len(columns) == 2:
        numerator, denominator = columns
        return {"measure": code, "numerator": numerator, "denominator": denominator}
    return {"measure": code, "value": columns[0]}


def choices_from_spec(spec: dict) -> FormChoices:
    """The form's choices that stand for a (valid) spec: ``mapping_from_form`` gives the spec
    back. Used to open the form pre-filled with a proposed mapping. ValueError names what a
    spec says that the form cannot show (a directorate not read from a column, a measure's
    own comment column)."""
    sheet = spec.get("sheet")
    period = spec.get("period", {})
    team = spec.get("team", {})
    directorate = spec.get("directorate") or {}
    if set(directorate) - {"column"}:
        raise ValueError(f"the form reads a directorate from a column only, not {directorate!r}.")
    layout = spec.get("layout", "wide")
    items = spec.get("measures" if layout == "wide" else "rows", [])
    if any("comment" in item for item in items):
        raise ValueError("the form does not offer a comment column per measure.")
    source = next(s for s in TEAM_SOURCES if s in team)
    return FormChoices(
        sheet=sheet if isinstance(sheet, str) else "",
        first_sheet=sheet is None,
        sheets=tuple(sheet) if isinstance(sheet, list) else (),
        header_row=int(spec.get("header_row", 1)),
        period_column=period.get("column", NOT_CHOSEN),
        period_form=period.get("form", "auto"),
        team_source=source,
        team_column=team.get("column", NOT_CHOSEN),
        team_columns=tuple(team.get("columns", ())),
        separator=team.get("separator", " "),
        fixed_team=team.get("fixed"),
        empty_team=team.get("empty", "refuse"),
        team_values=dict(team.get("values", {})),
        directorate_column=directorate.get("column", NOT_CHOSEN),
        placements=spec.get("placements"),
        table_end=spec.get("table_end", "sheet_end"),
        layout=layout,
        measures={item["measure"]: _columns(item) for item in items} if layout == "wide" else {},
        rows={item["measure"]: _columns(item) for item in items} if layout == "periods_across" else {},
        label_column=spec.get("label_column", NOT_CHOSEN),
        period_columns=tuple(spec.get("period_columns", ())),
        measure_column=spec.get("measure_column", NOT_CHOSEN),
        measure_from_sheet=bool(spec.get("measure_from_sheet", False)),
        measure_values=dict(spec.get("measure_values", {})),
        value_column=spec.get("value", NOT_CHOSEN) if layout == "long" else NOT_CHOSEN,
        numerator_column=spec.get("numerator", NOT_CHOSEN) if layout == "long" else NOT_CHOSEN,
        denominator_column=spec.get("denominator", NOT_CHOSEN) if layout == "long" else NOT_CHOSEN,
        comment_column=spec.get("comment") or NOT_CHOSEN,
        name=spec.get("name", ""),
    )


def _columns(item: dict) -> tuple[str] | tuple[str, str]:
    if "numerator" in item or "denominator" in item:
        return item.get("numerator", NOT_CHOSEN), item.get("denominator", NOT_CHOSEN)
    return (item.get("value", NOT_CHOSEN),)


def chosen_sheets(choices: FormChoices, first_visible: str) -> list[str]:
    """The sheets the form's sheet list starts with: the sheets the choices read (``"*"``
    standing for every visible sheet)."""
    if choices.sheets:
        return list(choices.sheets)
    return [first_visible if choices.first_sheet or not choices.sheet else choices.sheet]


def sheet_fields(selected: list[str], first_visible: str) -> dict:
    """The choices' sheet fields for the sheets picked in the form's list: one sheet by its
    name (the first visible sheet as "the first sheet"), several as a list."""
    if len(selected) == 1:
        return {"sheet": selected[0], "first_sheet": selected[0] == first_visible, "sheets": ()}
    return {"sheet": selected[0] if selected else "", "first_sheet": False, "sheets": tuple(selected)}


def mapped_texts(spec: dict, workbook: Workbook, column: str) -> list[str]:
    """The distinct texts the spec reads into ``column`` ("team" or "measure") before its
    value mapping (``"values"``, ``"measure_values"``) replaces any, in natural order.
    InputError when the spec does not read the file."""
    raw = {**spec, "team": {k: v for k, v in spec["team"].items() if k != "values"}}
    raw.pop("measure_values", None)
    table, _ = mapping.apply(raw, workbook)
    texts = {str(t).strip() for t in table[column].dropna().tolist()} - {""}
    return natural_sorted(texts)


def team_suggestions(text: str, hierarchy: Hierarchy) -> list[str]:
    """Every team's code, the likeliest for ``text`` first: the team ``match.team_code``
    finds, then by the words its name shares with the text, then in natural order."""
    found = match.team_code(text, hierarchy)
    said = match.words(text).words
    score = {code: match.overlap(said, match.words(hierarchy.name(code)).words | match.words(code).words)
             for code in hierarchy.teams}
    return sorted(hierarchy.teams, key=lambda c: (c != found, -score[c], natural_key(hierarchy.name(c))))


def measure_suggestions(text: str, definitions: list[MeasureDefinition], paired: tuple[bool, ...]) -> list[str]:
    """Every measure's code, the likeliest for ``text`` first (``match.measure_score``):
    a measure whose kind cannot take the row's numbers (``paired``: as a value, False; as a
    numerator and denominator, True) comes after those that can."""
    scores = {d.code: max(match.measure_score(text, d, p) for p in paired) for d in definitions}
    return sorted(scores, key=lambda code: -scores[code])


def unresolved_teams(texts: list[str], hierarchy: Hierarchy) -> list[str]:
    """The texts that name no team of the hierarchy as written."""
    return [t for t in texts if hierarchy.resolve(t) is None]


def unknown_measures(texts: list[str], definitions: list[MeasureDefinition]) -> list[str]:
    """The texts that are neither a measure's code nor its name (ignoring case), as the check reads them."""
    known = {d.code.casefold() for d in definitions} | {d.name.casefold() for d in definitions}
    return [t for t in texts if t.casefold() not in known]


def paired_numbers(choices: FormChoices) -> tuple[bool, ...]:
    """How a long layout's rows carry numbers: as a value (False), a numerator and
    denominator (True), or either."""
    found = ((False,) if choices.value_column else ()) + (
        (True,) if choices.numerator_column or choices.denominator_column else ())
    return found or (False, True)
