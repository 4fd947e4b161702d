"""The Upload page's mapping form: what the user chose → the mapping spec it stands for.

The form offers ``spec.PERIOD_FORMS``, ``spec.TEAM_SOURCES`` and ``spec.LAYOUTS`` with their
words; ``mapping_from_form`` turns the choices into a spec for ``validate_spec`` to check, so
a column the user has not chosen yet shows up as the spec's problem, in the spec's words.
"""

from __future__ import annotations

from dataclasses import dataclass, field

NOT_CHOSEN = ""


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
    (``spec.EMPTY_TEAM``: refused, skipped, or the team of the row above).
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
    if choices.directorate_column:
        spec["directorate"] = {"column": choices.directorate_column}
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
    if source == "column":
        return {"column": choices.team_column, **empty}
    if source == "columns":
        return {"columns": list(choices.team_columns), "separator": choices.separator, **empty}
    if source == "fixed":
        return {"fixed": choices.fixed_team}
    if source == "sheet_name":
        return {"sheet_name": True}
    raise ValueError(f"unknown team source {source!r}")


def _measure(code: str, columns: tuple[str] | tuple[str, str]) -> dict:
    """A wide layout's measure (or a periods_across row): its value column (row label), or its
    numerator and denominator (one may be missing; the spec's check then asks for it)."""
    if len(columns) == 2:
        numerator, denominator = columns
        return {"measure": code, "numerator": numerator, "denominator": denominator}
    return {"measure": code, "value": columns[0]}
