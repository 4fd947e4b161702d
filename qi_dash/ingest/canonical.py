"""Check a table in the canonical long template against the measure definitions.

One row per team × measure × period; columns ``team, measure, period, numerator,
denominator, value, comment``. Every check is vectorised over the whole table and every
problem names file, sheet, row and column. Nothing here writes anything.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from qi_dash import names, periods
from qi_dash.definitions import MeasureDefinition
from qi_dash.hierarchy import Hierarchy
from qi_dash.ingest.cells import Distinct, cell_text, factorize
from qi_dash.problems import Problem, ProblemList, Rows, about_text
from qi_dash.text import natural_sorted, restored, summarise
from qi_dash.vocabulary import NUMBER_COLUMNS, VALUE_COLUMNS

# The template's "team" column is what users type; in code and in the store the column is
# "unit" (a unit code). check_table turns team into unit and exports.template_frame turns it
# back: the only two places the name changes.
TEMPLATE_COLUMNS = ["team", "measure", "period", "numerator", "denominator", "value", "comment"]
REQUIRED_COLUMNS = ["team", "measure", "period"]
# The columns a file may carry or lack. A column it lacks is absent, not blank: the stored
# values and comments stay as they are.



@dataclass
class Checked:
    """The outcome of checking one table: observations ready to save, or problems."""

    observations: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unknown_teams: list[str] = field(default_factory=list)
    # Per observation, which of VALUE_COLUMNS the file (or its mapping) carries: a bool
    # column each, in the observations' order.
    carried: pd.DataFrame | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def _text_numbers(cells: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Numbers typed as text (or cells of any kind), and a mask of those that are not numbers."""
    text = cells.astype("string").str.strip().replace("", pd.NA)
    grouped = text.str.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?").fillna(False).astype(bool)
    text = text.where(~grouped, text.str.replace(",", "", regex=False))
    numeric = pd.to_numeric(text, errors="coerce").astype("float64")
    bad = text.notna() & (numeric.isna() | ~np.isfinite(numeric.fillna(0)))
    return numeric.to_numpy(), bad.to_numpy(dtype=bool)


def _numbers(cells: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Numeric values and a mask of cells that hold something that is not a number."""
    kind = pd.api.types.infer_dtype(cells, skipna=True)
    # Number cells, as a workbook gives them, need no text parsing.
    if kind in ("floating", "integer", "mixed-integer-float", "empty"):
        if cells.dtype.kind == "f":
            numeric = cells.to_numpy(dtype="float64")
        else:
            raw = cells.to_numpy(dtype=object, copy=True)
            raw[pd.isna(raw)] = np.nan
            numeric = raw.astype("float64")
        return numeric, np.isinf(numeric)
    # Text is read a slice of rows at a time, each slice's distinct texts once: a column of a
    # million different texts would otherwise hold a table of them all, and each string
    # operation a copy of them, at once.
    raw = cells.to_numpy(dtype=object)
    numeric, bad = np.empty(len(raw)), np.empty(len(raw), dtype=bool)
    for start in range(0, len(raw), _TEXT_SLICE):
        codes, values = factorize(raw[start : start + _TEXT_SLICE])
        distinct_numbers, distinct_bad = _text_numbers(pd.Series(values, dtype=object))
        numeric[start : start + len(codes)] = distinct_numbers[codes]
        bad[start : start + len(codes)] = distinct_bad[codes]
    return numeric, bad


_TEXT_SLICE = 65_536


def closest(name: str, choices: list[str]) -> str | None:
    found = difflib.get_close_matches(name, choices, n=1, cutoff=0.5)
    if not found:
        folded = {c.casefold(): c for c in choices}
        found = [folded[m] for m in difflib.get_close_matches(name.casefold(), list(folded), n=1, cutoff=0.5)]
    return found[0] if found else None


class _Names:
    """A team or measure column, worked out per distinct cell: ``shown`` is the text as typed
    (stripped, an export's apostrophe taken off, in Unicode NFC) and ``named`` the code it names
    (None where it names nothing, or it holds a hidden character: ``hidden``), each indexed by
    the rows' ``codes``."""

    def __init__(self, cells: pd.Series, resolve: Callable[[str], str | None]):
        distinct = Distinct(cells)
        self.codes, self.rows = distinct.codes, distinct.rows
        self.shown = np.array([None if t is None else names.normalised(restored(t)) for t in distinct.texts],
                              dtype=object)
        self.hidden = np.array([None if t is None else names.hidden_problem(t) for t in self.shown], dtype=object)
        self.named = np.array([None if t is None or h else resolve(t) for t, h in zip(self.shown, self.hidden)],
                              dtype=object)
        self.empty = np.array([t is None for t in self.shown])
        self.unknown = ~self.empty & np.array([c is None for c in self.named])


def check_table(
    table: pd.DataFrame,
    file: str,
    sheet: str | None,
    hierarchy: Hierarchy,
    definitions: list[MeasureDefinition],
    new_teams: dict[str, str] | None = None,
    carried: dict[str | None, list[str]] | None = None,
) -> Checked:
    """Check a canonical table whose index holds spreadsheet row numbers.

    ``new_teams`` maps team names not yet in the hierarchy to the directorate the user placed
    them in; such teams are accepted (and created on save), any other unknown team is a problem.
    ``carried`` says which of ``VALUE_COLUMNS`` the file carries, as a column mapping says it
    (``mapping.carried_columns``): per measure text, or under ``None`` for every row. Without
    it, the table's own columns are the ones carried.
    """
    problems = ProblemList()  # bounded: a file may hold millions
    notes: list[str] = []
    columns = {str(c).strip().casefold(): c for c in table.columns}

    # Rows are handled by position; these give each position's spreadsheet row and sheet.
    row_numbers = np.asarray(table.index)
    sheet_names = table["sheet"].to_numpy() if "sheet" in table.columns else None
    table = table.reset_index(drop=True)

    def problem(message, position=None, column=None, kind="other", subject=None):
        problems.append(located(message, position, column, kind, subject))

    def located(message, position=None, column=None, kind="other", subject=None) -> Problem:
        row = None if position is None else int(row_numbers[position])
        where = sheet if sheet_names is None or position is None else sheet_names[position]
        return Problem(file, message, where, row, column, kind, subject)

    # A file may hold a million problems of one kind: those at the rows a mask picks are
    # taken together (``ProblemList.extend_found``), rows whose ``alike`` codes are equal
    # making alike problems; a slice of rows at a time, so the work on them stays small.
    places = Rows(row_numbers, sheet if sheet_names is None else sheet_names)

    def found(mask, alike, column, make, about=None):
        rows = np.flatnonzero(mask)
        for start in range(0, len(rows), _TEXT_SLICE):
            part = rows[start : start + _TEXT_SLICE]
            problems.extend_found(part, alike(part) if callable(alike) else alike[part], make, places, column, about)

    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if "value" not in columns and not {"numerator", "denominator"} <= set(columns):
        missing.append("value (or numerator and denominator)")
    if missing:
        problem(
            f"missing column(s): {', '.join(missing)}. The template's columns are "
            f"{', '.join(TEMPLATE_COLUMNS)}.", kind="missing_columns",
        )
        return Checked(_empty(), problems)
    # A mapped table may carry each row's sheet, used only to name it in messages.
    extra = [str(columns[c]) for c in columns if c not in TEMPLATE_COLUMNS and c and c != "sheet"]
    if extra:
        notes.append(f"Column(s) {summarise(extra)} are not part of the template and are not saved.")
    if table.empty:
        problem("has no data rows.", kind="no_rows")
        return Checked(_empty(), problems, notes)

    def column(name):
        return table[columns[name]] if name in columns else pd.Series([None] * len(table), index=table.index)

    placed = {n.casefold(): n for n in new_teams or {}}
    by_code = {d.code: d for d in definitions}
    measure_lookup = {**{d.name.casefold(): d.code for d in definitions},
                      **{d.code.casefold(): d.code for d in definitions}}

    # Team and measure are worked out per distinct cell; t and m give each row's.
    team = _Names(column("team"), lambda text: hierarchy.resolve(text) or placed.get(text.casefold()))
    measure = _Names(column("measure"), lambda text: measure_lookup.get(text.casefold()))
    t, m = team.codes, measure.codes
    found(team.rows(team.empty), t, "team", lambda r: located("team is empty.", r, "team", "empty_team"))
    found(measure.rows(measure.empty), m, "measure", lambda r: located("measure is empty.", r, "measure", "empty_measure"))
    for cells, column_name in ((team, "team"), (measure, "measure")):
        hidden = np.array([h is not None for h in cells.hidden], dtype=bool)
        found(hidden[cells.codes], cells.codes, column_name,
              lambda r, c=cells, n=column_name: located(c.hidden[c.codes[r]], r, n, "hidden_character", c.shown[c.codes[r]]))
        cells.unknown &= ~hidden
    # A team name that reads like an existing team's but is another text is not a new team.
    existing_teams = {code: hierarchy.name(code) for code in hierarchy.teams}
    alike = np.array([bool(unknown) and names.look_alike(text, existing_teams) is not None
                      for text, unknown in zip(team.shown, team.unknown)], dtype=bool)
    found(alike[t], t, "team", lambda r: located(names.look_alike_problem(team.shown[t[r]], existing_teams), r, "team",
                                           "look_alike_team", team.shown[t[r]]))
    team.unknown &= ~alike
    # Text that names no one team may name several, or a unit that is not a team.
    meant = [hierarchy.candidates(text) if unknown else [] for text, unknown in zip(team.shown, team.unknown)]
    ambiguous = np.array([len(codes) > 1 for codes in meant], dtype=bool)
    found(ambiguous[t], t, "team", lambda r: located(
        f"'{team.shown[t[r]]}' is the name of more than one team ({', '.join(meant[t[r]])}); use the team's code.",
        r, "team", "ambiguous_team", team.shown[t[r]]))
    not_a_team = team.unknown & ~ambiguous & np.array(
        [unknown and bool(hierarchy.candidates(text, level=None)) for text, unknown in zip(team.shown, team.unknown)],
        dtype=bool)
    found(not_a_team[t], t, "team", lambda r: located(
        f"'{team.shown[t[r]]}' is a directorate or organisation, not a team.", r, "team", "not_a_team",
        team.shown[t[r]]))
    unknown_team = team.unknown & ~ambiguous & ~not_a_team
    unknown_names = natural_sorted(set(team.shown[unknown_team]))
    found(unknown_team[t], t, "team", lambda r: located(
        f"unknown team '{team.shown[t[r]]}'. Add it to the hierarchy (place it in a directorate) before saving.",
        r, "team", "unknown_team", team.shown[t[r]]))
    known_measures = sorted(d.code for d in definitions)
    hints = {i: closest(measure.shown[i], known_measures + [d.name for d in definitions])
             for i in np.flatnonzero(measure.unknown)}
    found(measure.unknown[m], m, "measure", lambda r: located(
        f"unknown measure '{measure.shown[m[r]]}'." + (f" Did you mean '{hints[m[r]]}'?" if hints[m[r]] else "")
        + f" Known measures: {', '.join(known_measures)}.",
        r, "measure", "unknown_measure", measure.shown[m[r]],
    ))
    # Each distinct measure's definition, None where the measure is unknown or empty.
    defined = [by_code.get(code) for code in measure.named]

    parsed = periods.parse_periods(column("period"))
    period = parsed.timestamps
    no_period = period.isna().to_numpy()
    period_cells, period_reasons = column("period"), parsed.reasons.to_numpy()

    def no_period_at(r):
        shown = periods.shown(period_cells.iat[r])
        return located(period_reasons[r] or "period is empty.", r, "period", "bad_period" if shown else "empty_period",
                       shown or None)

    # Alike where the cells are the same (one reason each), or empty (-1).
    found(no_period, lambda rows: factorize(period_cells.iloc[rows])[0], "period", no_period_at)
    del parsed  # its reasons are told: the timestamps (``period``) are what is kept
    # Alignment is checked per distinct period (no_period rows have code -1 and are skipped);
    # reasons are written only for periods some row of that frequency is refused for.
    period_codes, distinct_periods = pd.factorize(period)
    distinct_stamps = distinct_periods.to_numpy()
    for freq in periods.FREQUENCIES:
        mask = measure.rows([d is not None and d.frequency == freq for d in defined]) & ~no_period
        # The appended False is what code -1 (no period) picks.
        misaligned = np.append(periods.misaligned_mask(distinct_stamps, freq), False)
        refused = np.flatnonzero(mask & misaligned[period_codes])
        if len(refused):
            which, inverse = np.unique(period_codes[refused], return_inverse=True)
            reasons = periods.misaligned_reasons(pd.Series(distinct_stamps[which]), freq).to_numpy(dtype=object)
            reason = np.empty(len(period_codes), dtype=object)
            reason[refused] = reasons[inverse]
            found(mask & misaligned[period_codes], period_codes * (len(measure.named) + 1) + m, "period",
                  lambda r, reason=reason, freq=freq: located(f"{reason[r]} Measure {measure.named[m[r]]} is {freq}ly.", r,
                                                         "period", "misaligned_period", measure.named[m[r]]))

    numbers = {}
    for name in NUMBER_COLUMNS:
        cells = column(name)
        numbers[name], bad = _numbers(cells)
        # A column of text cells is read as it is held; of another kind, only the cells a
        # problem is made for are looked up.
        raw = cells.to_numpy() if cells.dtype == object else None
        found(bad, lambda rows, cells=cells: factorize(cells.iloc[rows])[0], name,
              lambda r, cells=cells, name=name: located(f"'{cells.iat[r]}' is not a number.", r, name, "not_a_number",
                                                        str(cells.iat[r])),
              None if raw is None else lambda r, raw=raw: ("not_a_number", about_text("not_a_number", None, str(raw[r]))))
    num, den, val = numbers["numerator"], numbers["denominator"], numbers["value"]
    kind = np.array([None if d is None else d.kind for d in defined], dtype=object)
    ratio = measure.rows((kind == "proportion") | (kind == "rate"))
    plain = measure.rows((kind == "count") | (kind == "value"))
    count = measure.rows(kind == "count")
    proportion = measure.rows(kind == "proportion")
    has_num, has_den, has_val = ~np.isnan(num), ~np.isnan(den), ~np.isnan(val)

    def fraction(x):  # x % 1 != 0, as NaN and ±inf give too, without numpy's slow modulo
        return ~np.isfinite(x) | (np.trunc(x) != x)

    def flag(mask, message, col):
        found(mask, m, col, lambda r: located(message.format(measure=measure.named[m[r]]), r, col, "numbers"))

    flag(ratio & (has_num != has_den) & ~has_num, "numerator is empty but a denominator is given; {measure} needs both.", "numerator")
    flag(ratio & (has_num != has_den) & ~has_den, "denominator is empty but a numerator is given; {measure} needs both.", "denominator")
    flag(ratio & has_val, "{measure} takes a numerator and a denominator, not a value.", "value")
    flag(plain & (has_num | has_den) & has_num, "{measure} takes a value, not a numerator.", "numerator")
    flag(plain & (has_num | has_den) & ~has_num, "{measure} takes a value, not a denominator.", "denominator")
    flag(ratio & (num < 0), "numerator is negative; counts cannot be below zero.", "numerator")
    flag(ratio & (den < 0), "denominator is negative; counts cannot be below zero.", "denominator")
    flag(ratio & (den == 0), "denominator is zero; a rate needs something to divide by (leave both empty if there is no data).", "denominator")
    flag(count & (val < 0), "value is negative; {measure} is a count and cannot be below zero.", "value")
    flag(count & has_val & fraction(val), "value is not a whole number; {measure} is a count.", "value")
    flag(proportion & (num > den), "numerator is larger than the denominator; {measure} is a proportion.", "numerator")
    flag(proportion & has_num & has_den & (fraction(num) | fraction(den)), "numerator and denominator of a proportion must be whole numbers.", "numerator")

    # Duplicates by the codes named (two spellings of one team are one team).
    team_key, measure_key = pd.factorize(team.named)[0], pd.factorize(measure.named)[0]
    complete = (team_key[t] >= 0) & (measure_key[m] >= 0) & ~no_period
    duplicated = _duplicated(team_key[t], measure_key[m], period_codes, complete)
    if duplicated.any():
        key = pd.DataFrame({"team": team_key[t], "measure": measure_key[m], "period": period_codes})[complete]
        dupes = key[duplicated]
        dupes.insert(0, "position", dupes.index)
        groups = dupes.groupby(["team", "measure", "period"], sort=False)
        order, positions = groups.ngroup().to_numpy(), dupes["position"].to_numpy()
        first = groups["position"].transform("min").to_numpy()
        # Group by group in order of first appearance, each group's later rows in file order.
        for i in np.lexsort((positions, order)):
            r = positions[i]
            if r != first[i]:
                problem(
                    f"{team.named[t[r]]} × {measure.named[m[r]]} × "
                    f"{distinct_periods[period_codes[r]]:%d/%m/%Y} appears more than once "
                    f"(also row {row_numbers[first[i]]}).",
                    r, "period", "duplicate",
                )

    empty = ~has_num & ~has_den & ~has_val & complete
    if empty.any():
        notes.append(
            f"{int(empty.sum())} row(s) have no numbers; they are saved as missing values (gaps), never as zero."
        )
    problems.sort(key=lambda p: (p.sheet or "", p.row or 0, p.column or ""))
    if problems:
        return Checked(_empty(), problems, notes, unknown_names)
    # Comments are kept as typed (unstripped), less an export's apostrophe.
    comments = Distinct(column("comment"))
    comment = [restored(cell_text(c)) for c in comments.values]
    comment = pd.array([c if c is not None and c.strip() else None for c in comment], dtype="str")
    observations = pd.DataFrame(
        {
            "unit": pd.array(team.named, dtype="str").take(t),
            "measure": pd.array(measure.named, dtype="str").take(m),
            "period": period,
            "numerator": num,
            "denominator": den,
            "value": val,
            "comment": comment.take(comments.codes),
            "row": row_numbers,
        }
    )
    if carried is None:
        carried = {None: [c for c in VALUE_COLUMNS if c in columns]}
    return Checked(observations, problems, notes, unknown_names, _carried(carried, measure))


def _duplicated(team_ids: np.ndarray, measure_ids: np.ndarray, period_codes: np.ndarray,
                complete: np.ndarray) -> np.ndarray:
    """Of the complete rows, those whose team, measure and period another row has too."""
    # Each key as one integer (its parts are small codes, ≥ 0 where complete): one hash pass
    # instead of one per column, built in place (a million rows' keys are not copied at each
    # step, nor kept once this returns).
    combined = team_ids.astype(np.int64) * (measure_ids.max() + 1)
    combined += measure_ids
    combined *= period_codes.max() + 1
    combined += period_codes
    return pd.Series(combined[complete]).duplicated(keep=False).to_numpy()


def _carried(carried: dict[str | None, list[str]], measure: _Names) -> pd.DataFrame:
    """Each row's carried columns, worked out per distinct measure text (its text as typed,
    else the code it names, else what every row carries)."""
    every = carried.get(None, [])
    found = [carried.get(shown, carried.get(named, every)) for shown, named in zip(measure.shown, measure.named)]
    return pd.DataFrame({c: measure.rows(np.array([c in cols for cols in found], dtype=bool)) for c in VALUE_COLUMNS})


def _empty() -> pd.DataFrame:
    return pd.DataFrame(columns=["unit", "measure", "period", "numerator", "denominator", "value", "comment", "row"])
