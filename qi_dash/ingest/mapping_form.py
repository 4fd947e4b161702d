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

    ``measures`` gives, per measure code in the order shown, its value column as ``(value,)``
    or its ``(numerator, denominator)`` columns; ``measure_column``, ``value_column``,
    ``numerator_column`` and ``denominator_column`` are the long layout's.
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


def mapping_from_form(choices: FormChoices) -> dict:
    """The mapping spec the choices stand for (not yet checked: see ``validate_spec``)."""
    # The first sheet is saved as "the first sheet", so the same layout is recognised in a
    # file whose sheet has another name (a CSV's one sheet is named after the file).
    spec: dict = {
        "sheet": None if choices.first_sheet else choices.sheet,
        "header_row": int(choices.header_row),
        "period": {"column": choices.period_column, "form": choices.period_form},
        "team": _team(choices),
    }
    if choices.directorate_column:
        spec["directorate"] = {"column": choices.directorate_column}
    spec["layout"] = choices.layout
    if choices.layout == "wide":
        spec["measures"] = [_measure(code, columns) for code, columns in choices.measures.items() if any(columns)]
    else:
        spec["measure_column"] = choices.measure_column
        long_columns = {
            "value": choices.value_column,
            "numerator": choices.numerator_column,
            "denominator": choices.denominator_column,
        }
        spec.update({key: column for key, column in long_columns.items() if column})
    spec["comment"] = choices.comment_column or None
    if choices.name:
        spec["name"] = choices.name
    return spec


def _team(choices: FormChoices) -> dict:
    source = choices.team_source
    if source == "column":
        return {"column": choices.team_column}
    if source == "columns":
        return {"columns": list(choices.team_columns), "separator": choices.separator}
    if source == "fixed":
        return {"fixed": choices.fixed_team}
    if source == "sheet_name":
        return {"sheet_name": True}
    raise ValueError(f"unknown team source {source!r}")


def _measure(code: str, columns: tuple[str] | tuple[str, str]) -> dict:
    """A wide layout's measure: its value column, or its numerator and denominator (one may
    be missing; the spec's check then asks for it)."""
    if len(columns) == 2:
        numerator, denominator = columns
        return {"measure": code, "numerator": numerator, "denominator": denominator}
    return {"measure": code, "value": columns[0]}
