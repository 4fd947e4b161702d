"""How names and lists of names are shown to people: in natural order, and summarised when long."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

_DIGITS = re.compile(r"([0-9]+)")


def natural_key(text: object) -> tuple:
    """A sort key that orders numbers within text by value: "Ward 7" before "Ward 12".

    Case is ignored; ties (e.g. "W07" and "W7") fall back to the text itself, so the order
    is total and stable.
    """
    text = "" if text is None else str(text)
    parts = _DIGITS.split(text.casefold())
    # re.split with a group alternates text and digits, so like is always compared with like.
    return tuple(int(p) if i % 2 else p for i, p in enumerate(parts)), text


def natural_sorted(items: Iterable[str]) -> list[str]:
    return sorted(items, key=natural_key)


def natural_order(texts: pd.Series) -> pd.Series:
    """``natural_key`` for a column, as ``DataFrame.sort_values(key=...)`` takes it."""
    return texts.map(natural_key)


def summarise(items: Sequence[str], most: int = 5, *, more: int | None = None) -> str:
    """The first ``most`` items, then how many more: "A, B, C … and 9,997 more".

    ``more`` counts what is left when it is not the items beyond ``most`` (e.g. rows beyond
    the runs of rows shown).
    """
    shown = ", ".join(items[:most])
    rest = len(items) - most if more is None else more
    return f"{shown} … and {rest:,} more" if rest > 0 else shown


def row_ranges(rows: Sequence[int] | np.ndarray, most: int = 20) -> str:
    """Row numbers as 'row 7' or 'rows 40–41, 45', the first ``most`` runs and a count of the rest."""
    rows = np.unique(np.asarray(rows))
    breaks = np.flatnonzero(np.diff(rows) != 1) + 1
    runs = [(int(r[0]), int(r[-1])) for r in np.split(rows, breaks)]
    shown = [f"{a}" if a == b else f"{a}–{b}" for a, b in runs]
    rest = len(rows) - sum(b - a + 1 for a, b in runs[:most])
    return ("row " if len(rows) == 1 else "rows ") + summarise(shown, most, more=rest)


# Text a spreadsheet would run as a formula: a cell starting with =, +, -, @, tab or carriage
# return (OWASP, "CSV Injection": https://owasp.org/www-community/attacks/CSV_Injection).
# Downloads put an apostrophe in front, so Excel and LibreOffice show the text as typed;
# reading a file takes that apostrophe off again, so a download re-uploads unchanged.
_FORMULA_START = re.compile(r"[=+\-@\t\r]")
_NEUTRALISED = re.compile(r"'[=+\-@\t\r]")
# A plain number ("-2", "+1.5", "-3e2") is not a formula: it stays a number a spreadsheet reads.
_PLAIN_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"


def neutralise(texts: pd.Series) -> pd.Series:
    """Formula-like text with an apostrophe in front, so a spreadsheet shows it as text; plain
    numbers and missing values are left as they are."""
    texts = texts.astype("string")
    risky = texts.str.match(_FORMULA_START.pattern).fillna(False) & ~texts.str.fullmatch(_PLAIN_NUMBER).fillna(False)
    return texts.where(~risky.astype(bool), "'" + texts)


def restored(text: str | None) -> str | None:
    """Text with the apostrophe a download put in front of formula-like text taken off."""
    return text[1:] if text is not None and _NEUTRALISED.match(text) else text
