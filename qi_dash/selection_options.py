"""A selection given as text, as the command line takes it: a unit (code, name or alias, at any
level), measures and an "as it was on" day — read once, each refusal saying what was expected.

The app's sidebar makes the same choices with widgets; both read the same observations: the
unit's teams, as they stood at the end of the day (``store.as_of_end_of``)."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from qi_dash.definitions import MeasureDefinition
from qi_dash.hierarchy import Hierarchy
from qi_dash.periods import parse_periods
from qi_dash.problems import InputError, Problem
from qi_dash.store import as_of_end_of


def unit_code(hierarchy: Hierarchy, text: str, option: str = "--unit") -> str:
    """The unit a code, name or alias means, at any level; refused when it names none or several."""
    code = hierarchy.resolve(text, level=None)
    if code is None:
        raise InputError([Problem(option, f"'{text}' is not one unit (organisation, directorate or team); "
                                          "give its code or its name.")])
    return code


def measure_codes(definitions: list[MeasureDefinition], text: str, option: str = "--measures") -> list[str]:
    """Measure codes from a comma-separated list of codes; refused naming the unknown ones."""
    known = {d.code for d in definitions}
    wanted = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [code for code in wanted if code not in known]
    if unknown or not wanted:
        raise InputError([Problem(option, f"unknown measure(s) {', '.join(unknown) or '(none given)'}; "
                                          f"the measures are {', '.join(sorted(known))}.")])
    return wanted


def day(text: str, option: str) -> date:
    """The day a date names (01/04/2025 or 2025-04-01, day first)."""
    parsed = parse_periods(pd.Series([text], dtype=object))
    if not parsed.ok.iloc[0]:
        raise InputError([Problem(option, str(parsed.reasons.iloc[0]))])
    return parsed.timestamps.iloc[0].date()


def as_of_moment(text: str, option: str = "--as-of") -> datetime:
    """The end of the day a date names, for reading the data as it stood then."""
    return as_of_end_of(day(text, option))
