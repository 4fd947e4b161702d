"""Check a table in the canonical long template against the measure definitions.

One row per team × measure × period; columns ``team, measure, period, numerator,
denominator, value, comment``. Every check is vectorised over the whole table and every
problem names file, sheet, row and column. Nothing here writes anything.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from qi_dash import periods
from qi_dash.definitions import MeasureDefinition
from qi_dash.problems import Problem

TEMPLATE_COLUMNS = ["team", "measure", "period", "numerator", "denominator", "value", "comment"]
REQUIRED_COLUMNS = ["team", "measure", "period"]
NUMBER_COLUMNS = ["numerator", "denominator", "value"]

# Text that a spreadsheet would run as a formula (OWASP CSV injection). Exports prefix it
# with an apostrophe; uploads take that apostrophe off again, so an export re-uploads as is.
_FORMULA = r"[=+\-@\t\r]"
_NEUTRALISED = r"'[=+\-@\t\r]"


@dataclass
class Checked:
    """The outcome of checking one table: observations ready to save, or problems."""

    observations: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unknown_teams: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def restore_neutralised(text: pd.Series) -> pd.Series:
    """Take off the apostrophe an export put in front of formula-like text."""
    starts = text.str.match(_NEUTRALISED).fillna(False).astype(bool)
    return text.where(~starts, text.str[1:])


def neutralise(text: pd.Series) -> pd.Series:
    """Prefix formula-like text with an apostrophe so a spreadsheet shows it as text."""
    starts = text.str.match(_FORMULA).fillna(False).astype(bool)
    return text.where(~starts, "'" + text)


def _cell_text(cells: pd.Series) -> pd.Series:
    """Cells as text, as typed; whole numbers print without '.0'; empty cells → <NA>."""
    kind = pd.api.types.infer_dtype(cells, skipna=True)
    if kind in ("string", "empty"):
        return cells.astype("string")
    if kind in ("floating", "integer", "mixed-integer-float"):
        numbers = pd.to_numeric(cells).astype("float64")
        whole = numbers.notna() & (numbers % 1 == 0)
        text = numbers.astype("string")
        return text.where(~whole, numbers.where(whole).astype("Int64").astype("string"))

    def as_text(cell):
        if cell is None or (isinstance(cell, float) and np.isnan(cell)):
            return None
        if isinstance(cell, float) and cell.is_integer():
            return str(int(cell))
        return str(cell)

    return pd.Series([as_text(c) for c in cells], index=cells.index, dtype="string")


def _text_column(cells: pd.Series) -> pd.Series:
    """Cells as stripped text; empty → <NA>."""
    return _cell_text(cells).str.strip().replace("", pd.NA)


def _numbers(cells: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Numeric values and a mask of cells that hold something that is not a number."""
    text = cells.astype("string").str.strip().replace("", pd.NA)
    numeric = pd.to_numeric(text.str.replace(r"^(-?\d{1,3}(,\d{3})+(\.\d+)?)$", lambda m: m.group(1).replace(",", ""), regex=True), errors="coerce")
    numeric = numeric.astype("float64")
    bad = text.notna() & (numeric.isna() | ~np.isfinite(numeric.fillna(0)))
    return numeric, bad


def _match(names: pd.Series, lookup: dict[str, str]) -> pd.Series:
    """Map a code or a display name (any case) to a code; <NA> where nothing matches."""
    return names.str.casefold().map(lookup).astype("string")


def closest(name: str, choices: list[str]) -> str | None:
    found = difflib.get_close_matches(name, choices, n=1, cutoff=0.5)
    if not found:
        folded = {c.casefold(): c for c in choices}
        found = [folded[m] for m in difflib.get_close_matches(name.casefold(), list(folded), n=1, cutoff=0.5)]
    return found[0] if found else None


def check_table(
    table: pd.DataFrame,
    file: str,
    sheet: str | None,
    units: pd.DataFrame,
    definitions: list[MeasureDefinition],
    new_teams: dict[str, str] | None = None,
) -> Checked:
    """Check a canonical table whose index holds spreadsheet row numbers.

    ``new_teams`` maps team names not yet in the hierarchy to the directorate the user placed
    them in; such teams are accepted (and created on save), any other unknown team is a problem.
    """
    problems: list[Problem] = []
    notes: list[str] = []
    columns = {str(c).strip().casefold(): c for c in table.columns}

    # Rows are handled by position; these give each position's spreadsheet row and sheet.
    row_numbers = np.asarray(table.index)
    sheet_names = table["sheet"].to_numpy() if "sheet" in table.columns else None
    table = table.reset_index(drop=True)

    def problem(message, position=None, column=None):
        row = None if position is None else int(row_numbers[position])
        where = sheet if sheet_names is None or position is None else sheet_names[position]
        problems.append(Problem(file, message, where, row, column))

    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if "value" not in columns and not {"numerator", "denominator"} <= set(columns):
        missing.append("value (or numerator and denominator)")
    if missing:
        problem(
            f"missing column(s): {', '.join(missing)}. The template's columns are "
            f"{', '.join(TEMPLATE_COLUMNS)}."
        )
        return Checked(_empty(), problems)
    # A mapped table may carry each row's sheet, used only to name it in messages.
    extra = [str(columns[c]) for c in columns if c not in TEMPLATE_COLUMNS and c and c != "sheet"]
    if extra:
        notes.append(f"Column(s) {', '.join(extra)} are not part of the template and are not saved.")
    if table.empty:
        problem("has no data rows.")
        return Checked(_empty(), problems, notes)

    def column(name):
        return table[columns[name]] if name in columns else pd.Series([None] * len(table), index=table.index)

    rows = pd.Series(table.index, index=table.index)  # positions, for problem()
    team_text = restore_neutralised(_text_column(column("team")))
    measure_text = restore_neutralised(_text_column(column("measure")))

    team_units = units[units["level"] == "team"]
    team_lookup = {**{n.casefold(): c for n, c in zip(team_units["name"], team_units["code"])},
                   **{c.casefold(): c for c in team_units["code"]}}
    new_teams = new_teams or {}
    team_lookup.update({n.casefold(): n for n in new_teams})
    by_code = {d.code: d for d in definitions}
    measure_lookup = {**{d.name.casefold(): d.code for d in definitions},
                      **{d.code.casefold(): d.code for d in definitions}}

    team = _match(team_text, team_lookup)
    measure = _match(measure_text, measure_lookup)
    for r in rows[team_text.isna()]:
        problem("team is empty.", r, "team")
    for r in rows[measure_text.isna()]:
        problem("measure is empty.", r, "measure")
    unknown_team = team_text.notna() & team.isna()
    not_a_team = unknown_team & team_text.str.casefold().isin(
        [c.casefold() for c in units["code"]] + [n.casefold() for n in units["name"]]
    )
    for r, t in zip(rows[not_a_team], team_text[not_a_team]):
        problem(f"'{t}' is a directorate or organisation, not a team.", r, "team")
    unknown_names = sorted(set(team_text[unknown_team & ~not_a_team]))
    for r, t in zip(rows[unknown_team & ~not_a_team], team_text[unknown_team & ~not_a_team]):
        problem(f"unknown team '{t}'. Add it to the hierarchy (place it in a directorate) before saving.", r, "team")
    known_measures = sorted(d.code for d in definitions)
    unknown_measure = measure_text.notna() & measure.isna()
    for r, m in zip(rows[unknown_measure], measure_text[unknown_measure]):
        hint = closest(m, known_measures + [d.name for d in definitions])
        problem(
            f"unknown measure '{m}'." + (f" Did you mean '{hint}'?" if hint else "")
            + f" Known measures: {', '.join(known_measures)}.",
            r, "measure",
        )

    parsed = periods.parse_periods(column("period"))
    period = pd.Series(parsed.timestamps, index=table.index)
    for r, reason in zip(rows[period.isna()], pd.Series(parsed.reasons, index=table.index)[period.isna()]):
        problem(reason or "period is empty.", r, "period")
    frequency = measure.map({c: d.frequency for c, d in by_code.items()})
    for freq in ("week", "month"):
        mask = (frequency == freq).fillna(False) & period.notna()
        if mask.any():
            _, misaligned = periods.align(period[mask], freq)
            misaligned = pd.Series(np.asarray(misaligned), index=period[mask].index)
            for r, ts, m in zip(rows[mask][misaligned], period[mask][misaligned], measure[mask][misaligned]):
                expected = "the first day of a month" if freq == "month" else "a Monday (week commencing)"
                problem(
                    f"period {ts:%d/%m/%Y} is not {expected}, as measure {m} ({freq}ly) needs.", r, "period"
                )

    numbers = {}
    for name in NUMBER_COLUMNS:
        numbers[name], bad = _numbers(column(name))
        for r, cell in zip(rows[bad], column(name)[bad]):
            problem(f"'{cell}' is not a number.", r, name)
    num, den, val = numbers["numerator"], numbers["denominator"], numbers["value"]
    kind = measure.map({c: d.kind for c, d in by_code.items()})
    ratio = kind.isin(["proportion", "rate"]).fillna(False)
    plain = kind.isin(["count", "value"]).fillna(False)

    def flag(mask, message, col):
        for r, m in zip(rows[mask.fillna(False)], measure[mask.fillna(False)]):
            problem(message.format(measure=m), r, col)

    flag(ratio & (num.isna() != den.isna()) & num.isna(), "numerator is empty but a denominator is given; {measure} needs both.", "numerator")
    flag(ratio & (num.isna() != den.isna()) & den.isna(), "denominator is empty but a numerator is given; {measure} needs both.", "denominator")
    flag(ratio & val.notna(), "{measure} takes a numerator and a denominator, not a value.", "value")
    flag(plain & (num.notna() | den.notna()) & num.notna(), "{measure} takes a value, not a numerator.", "numerator")
    flag(plain & (num.notna() | den.notna()) & num.isna(), "{measure} takes a value, not a denominator.", "denominator")
    flag(ratio & (num < 0), "numerator is negative; counts cannot be below zero.", "numerator")
    flag(ratio & (den < 0), "denominator is negative; counts cannot be below zero.", "denominator")
    flag(ratio & (den == 0), "denominator is zero; a rate needs something to divide by (leave both empty if there is no data).", "denominator")
    flag((kind == "count") & (val < 0), "value is negative; {measure} is a count and cannot be below zero.", "value")
    flag((kind == "count") & val.notna() & (val % 1 != 0), "value is not a whole number; {measure} is a count.", "value")
    flag((kind == "proportion") & (num > den), "numerator is larger than the denominator; {measure} is a proportion.", "numerator")
    flag((kind == "proportion") & num.notna() & den.notna() & ((num % 1 != 0) | (den % 1 != 0)), "numerator and denominator of a proportion must be whole numbers.", "numerator")

    key = pd.DataFrame({"team": team, "measure": measure, "period": period})
    complete = key.notna().all(axis=1)
    duplicated = key[complete].duplicated(keep=False)
    if duplicated.any():
        dupes = key[complete][duplicated]
        for _, group in dupes.groupby(["team", "measure", "period"], sort=False):
            first, *others = group.index
            for r in others:
                problem(
                    f"{group.iloc[0]['team']} × {group.iloc[0]['measure']} × "
                    f"{group.iloc[0]['period']:%d/%m/%Y} appears more than once (also row {row_numbers[first]}).",
                    r, "period",
                )

    comment = restore_neutralised(_cell_text(column("comment")))
    comment = comment.where(comment.str.strip().ne("").fillna(False), pd.NA)
    observations = pd.DataFrame(
        {
            "unit": team,
            "measure": measure,
            "period": period,
            "numerator": num,
            "denominator": den,
            "value": val,
            "comment": comment,
            "row": row_numbers,
        }
    )
    empty = observations[["numerator", "denominator", "value"]].isna().all(axis=1) & complete
    if empty.any():
        notes.append(
            f"{int(empty.sum())} row(s) have no numbers; they are saved as missing values (gaps), never as zero."
        )
    problems.sort(key=lambda p: (p.sheet or "", p.row or 0, p.column or ""))
    return Checked(observations if not problems else _empty(), problems, notes, unknown_names)


def _empty() -> pd.DataFrame:
    return pd.DataFrame(columns=["unit", "measure", "period", "numerator", "denominator", "value", "comment", "row"])
