"""Problems found in a user's file: one home for how they are named, told and grouped."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from qi_dash.text import natural_key


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located as precisely as the input allows.

    ``row`` is the spreadsheet row number a person sees (header = row 1), or None when the
    problem concerns the whole file, sheet or column. ``kind`` is a short stable key (one of
    ``KINDS``, else "other") and ``subject`` the text the problem is about (a team as typed,
    a period cell), so that problems can be grouped: 207 rows naming one unknown team are one
    thing to do.
    """

    file: str
    message: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    kind: str = "other"
    subject: str | None = None

    @property
    def place(self) -> str:
        """Where in the file, without the file's name: "sheet 'Data', row 5, column 'team'"."""
        where = []
        if self.sheet:
            where.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        return ", ".join(where)

    def __str__(self) -> str:
        where = ", ".join(filter(None, [self.file, self.place]))
        return f"{where}: {self.message}"


class InputError(Exception):
    """Raised when an input cannot be accepted; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


CORRECT_THE_FILE = "correct the file and upload it again"

# Each kind: what a group of its problems is about (None: the message itself, so problems
# are grouped by message) and what to do about it. "{subject}" is the text the problems name.
KINDS: dict[str, tuple[str | None, str]] = {
    "unknown_team": ("team '{subject}' is not in the hierarchy",
                     "place it in a directorate, or correct the team's name in the file"),
    "ambiguous_team": ("'{subject}' is the name of more than one team", "use the team's code in the file"),
    "not_a_team": ("'{subject}' is a directorate or organisation, not a team", "name a team in the file"),
    "empty_team": ("the team is empty", "fill in the team in the file"),
    "unknown_measure": ("measure '{subject}' is not defined",
                        "correct the measure in the file, or define it on the Measures page"),
    "empty_measure": ("the measure is empty", "fill in the measure in the file"),
    "bad_period": ("period '{subject}' is not a date", CORRECT_THE_FILE),
    "empty_period": ("the period is empty", "fill in the period in the file"),
    "misaligned_period": ("periods of {subject} are not dated on the start of their period",
                          ("date each period on its first day (the 1st of the month, or the Monday of the week), "
                           "or say in the mapping what the dates are")),
    "not_a_number": ("'{subject}' is not a number", CORRECT_THE_FILE),
    "numbers": (None, "correct the numbers in the file"),
    "duplicate": ("the same team, measure and period appear more than once",
                  "keep one row for each team, measure and period in the file"),
    "missing_columns": (None, "add the columns to the file, or map its columns on the Upload page"),
    "no_rows": (None, "upload a file that has data"),
    "mapping": (None, "correct the mapping"),
    "missing_sheet": ("the mapping reads a sheet '{subject}' that the file does not have",
                      "choose the file's sheets in the mapping, or correct the file"),
    "missing_heading": ("the mapping reads a column headed '{subject}' that the file does not have",
                        "choose the heading row and columns in the mapping, or correct the file's headings"),
    "file": (None, CORRECT_THE_FILE),
}
GROUP_COLUMNS = ["kind", "subject", "count", "label", "problem", "action", "first"]
DETAIL_COLUMNS = ["File", "Sheet", "Row", "Column", "Problem", "What to do"]


def action(problem: Problem) -> str:
    """What to do about a problem, in words."""
    return KINDS.get(problem.kind, (None, CORRECT_THE_FILE))[1]


def _about(problem: Problem) -> str:
    return about_text(problem.kind, problem.message, problem.subject)


def about_text(kind: str, message: str | None, subject: str | None) -> str:
    """What a problem of ``kind`` is about (its group), from its message or its subject."""
    template = KINDS.get(kind, (None, ""))[0]
    if template is None or ("{subject}" in template and subject is None):
        return message
    return template.format(subject=subject)


def _key(problem: Problem) -> tuple[str, str]:
    return problem.kind, _about(problem)


# A file may hold millions of problems (a 20 MB sheet of wrong cells); this many of each kind
# are kept to be shown and listed, every one is counted. The list a person works from is the
# groups (each with its count, the first place and what to do), so a larger sample would only
# cost memory: fixing a group's cause fixes all its rows, and the next upload shows the rest.
SAMPLE_PER_KIND = 1_000
# Groups (kind × what they name) counted one by one; problems of further groups are counted
# together per kind, so a million rows each naming a different team stay a bounded table.
GROUP_LIMIT = 1_000
OTHER_GROUPS = "{about}, and more like it, each naming something else"


@dataclass
class _Group:
    count: int
    first: Problem
    every_row: bool  # each problem names a row (so the group counts rows)


def _order(problem: Problem) -> tuple:
    """Problems in the order of the file: sheet, row, column."""
    return problem.sheet or "", problem.row or 0, problem.column or ""


@dataclass(frozen=True)
class Rows:
    """Where a table's rows are in its file, by position: each one's spreadsheet row number,
    and its sheet (one name for every row, or a name per position)."""

    numbers: np.ndarray
    sheets: np.ndarray | str | None = None

    def order(self, position: int, column: str | None) -> tuple:
        """``_order`` of a problem at ``position`` in ``column``."""
        sheet = self.sheets[position] if isinstance(self.sheets, np.ndarray) else self.sheets
        return sheet or "", int(self.numbers[position]), column or ""

    def earliest(self, found: np.ndarray, codes: np.ndarray) -> np.ndarray:
        """For each code (0, 1, … as ``codes`` give them to ``found``), the index in ``found``
        of its earliest place in the file: by sheet, then row; the first found among equals."""
        if isinstance(self.sheets, np.ndarray):
            sheets = pd.Series(self.sheets[found], dtype=object).fillna("")
            rank = pd.factorize(sheets, sort=True)[0]
        else:
            rank = np.zeros(len(found), dtype=np.intp)
        by = np.lexsort((np.arange(len(found)), self.numbers[found], rank, codes))
        return by[np.r_[0, np.flatnonzero(np.diff(codes[by])) + 1]]


class ProblemList(list):
    """Problems as found, in bounded memory however many there are: the first
    ``SAMPLE_PER_KIND`` of each kind are kept (the list itself), and every problem is counted
    (``total``) in its group (``group_problems``). Small inputs are kept whole."""

    def __init__(self, problems: Iterable[Problem] = ()):
        super().__init__()
        self.total = 0
        self._kept: dict[str, int] = {}  # per kind
        self._groups: dict[tuple[str, str], _Group] = {}
        self.extend(problems)

    @property
    def complete(self) -> bool:
        """Whether every problem found is kept in the list."""
        return len(self) == self.total

    def append(self, problem: Problem) -> None:
        self._count(problem, 1, problem.row is not None)
        self._keep(problem)

    def extend(self, problems: Iterable[Problem]) -> None:
        if not isinstance(problems, ProblemList):
            for problem in problems:
                self.append(problem)
            return
        for problem in problems:
            self._keep(problem)
        for (_, about), group in problems._groups.items():
            self._count(group.first, group.count, group.every_row, about)

    def extend_found(
        self,
        found: np.ndarray,
        alike: np.ndarray,
        make: Callable[[int], Problem],
        where: Rows,
        column: str,
        about: Callable[[int], tuple[str, str]] | None = None,
    ) -> None:
        """The problems found at ``found`` (table positions, in the order found), each naming
        its row and ``column``, taken as ``append`` would take them one by one; but only those
        kept, or first in their group, are made: ``make(position)`` makes the one at a
        position, and those with equal ``alike`` codes (one per found) are alike problems (one
        kind, about one thing: the same cell text, say). ``about(position)``, when given, is a position's
        (kind, what it is about) as its problem would say, without making it."""
        if not len(found):
            return
        codes, firsts, inverse, counts = np.unique(alike, return_index=True, return_inverse=True,
                                                   return_counts=True)
        earliest = where.earliest(found, inverse)
        kinds = np.empty(len(codes), dtype=object)
        # Whose first problem this call set, and where it was found: of two problems at one
        # place (a mapped row's measures), the first found stays first, as one by one.
        set_here: dict[tuple[str, str], int] = {}
        for c in np.argsort(firsts, kind="stable"):  # groups are made in the order found
            kind, said = about(int(found[firsts[c]])) if about else _key(make(int(found[firsts[c]])))
            kinds[c] = kind
            first = int(found[earliest[c]])
            key = (kind, said)
            group = self._groups.get(key)
            if group is None and len(self._groups) >= GROUP_LIMIT:
                key = (kind, OTHER_GROUPS)
                group = self._groups.get(key)
            if group is None:
                self._groups[key] = _Group(int(counts[c]), make(first), True)
                set_here[key] = earliest[c]
                continue
            group.count += int(counts[c])
            order, was = where.order(first, column), _order(group.first)
            if order < was or (order == was and earliest[c] < set_here.get(key, -1)):
                group.first = make(first)
                set_here[key] = earliest[c]
        self.total += len(found)
        # The sample: each kind's first problems, in the order found.
        room = {kind: SAMPLE_PER_KIND - self._kept.get(kind, 0) for kind in set(kinds)}
        for i in range(len(found)):
            if max(room.values()) <= 0:
                break
            kind = kinds[inverse[i]]
            if room[kind] > 0:
                room[kind] -= 1
                self._keep(make(int(found[i])))

    def _keep(self, problem: Problem) -> None:
        kept = self._kept.get(problem.kind, 0)
        if kept < SAMPLE_PER_KIND:
            self._kept[problem.kind] = kept + 1
            super().append(problem)

    def _count(self, problem: Problem, n: int, every_row: bool, about: str | None = None) -> None:
        self.total += n
        key = (problem.kind, about if about is not None else _about(problem))
        group = self._groups.get(key)
        if group is None and len(self._groups) >= GROUP_LIMIT:
            key = (problem.kind, OTHER_GROUPS)
            group = self._groups.get(key)
        if group is None:
            self._groups[key] = _Group(n, problem, every_row)
            return
        group.count += n
        group.every_row &= every_row
        if _order(problem) < _order(group.first):
            group.first = problem

    def groups(self) -> list[tuple[str, _Group]]:
        return [(about, group) for (_, about), group in self._groups.items()]


def problem_count(problems: list[Problem]) -> int:
    """How many problems there are: all those found, where a ``ProblemList`` keeps a sample."""
    return problems.total if isinstance(problems, ProblemList) else len(problems)


def group_problems(problems: list[Problem]) -> pd.DataFrame:
    """Problems grouped by kind and what they name, largest group first: one row per thing
    to do, with ``count``, ``label`` ("207 rows"), ``problem`` (what is wrong), ``action``
    (what to do) and ``first`` (where the first one is). A ``ProblemList`` is grouped by its
    counts of every problem found, not only those it keeps."""
    counted = problems if isinstance(problems, ProblemList) else ProblemList(problems)
    rows = []
    for about, group in counted.groups():
        n, first = group.count, group.first
        counted_as = "row" if group.every_row else "problem"
        rows.append({
            "kind": first.kind, "subject": None if about == OTHER_GROUPS else first.subject, "count": n,
            "label": f"{n:,} {counted_as}{'' if n == 1 else 's'}",
            "problem": OTHER_GROUPS.format(about=_about(first)) if about == OTHER_GROUPS else about,
            "action": action(first), "first": first.place,
        })
    rows.sort(key=lambda r: (-r["count"], natural_key(r["problem"])))
    return pd.DataFrame(rows, columns=GROUP_COLUMNS).astype({"count": "int64"})


def group_lines(problems: list[Problem]) -> list[str]:
    """Each group as one line: "207 rows: team 'Ward 12' is not in the hierarchy → place it …"."""
    return [f"{g.label}: {g.problem} → {g.action}" for g in group_problems(problems).itertuples(index=False)]


def problem_table(problems: list[Problem]) -> pd.DataFrame:
    """Every problem, one row each, as text: file, sheet, row, column, problem and what to do."""
    return pd.DataFrame({
        "File": [p.file for p in problems],
        "Sheet": [p.sheet or "" for p in problems],
        "Row": ["" if p.row is None else str(p.row) for p in problems],
        "Column": [p.column or "" for p in problems],
        "Problem": [p.message for p in problems],
        "What to do": [action(p) for p in problems],
    }, columns=DETAIL_COLUMNS).astype("string")
